#!/usr/bin/env python3
"""The comparison point for bench/run_results_bench.sh: Python's xml.etree iterparse computing
the same summary as nessus-mcp's indexer (hosts, findings, findings per severity with plugin
19506 counted as info, credentialed hosts, top plugins), clearing each host as it goes the way
streaming Python parsers do. Prints one JSON line like results_bench."""
import json
import resource
import sys
import time
import xml.etree.ElementTree as ET


def summarise(path):
    hosts = findings = credentialed = 0
    severity = [0, 0, 0, 0, 0]
    plugins = {}
    host_yes = False
    for event, elem in ET.iterparse(path, events=("end",)):
        tag = elem.tag
        if tag == "tag" and elem.get("name") == "Credentialed_Scan":
            host_yes = (elem.text or "").strip().lower() == "true"
        elif tag == "ReportItem":
            findings += 1
            plugin = int(elem.get("pluginID", "0"))
            sev = 0 if plugin == 19506 else int(elem.get("severity", "0"))
            if plugin == 19506 and not host_yes:
                out = elem.findtext("plugin_output") or ""
                for line in out.splitlines():
                    if line.strip().lower().startswith("credentialed checks"):
                        host_yes = line.split(":", 1)[-1].strip().lower().startswith("yes")
            severity[min(max(sev, 0), 4)] += 1
            if sev >= 1:
                name, count, top = plugins.get(plugin, (elem.get("pluginName", ""), 0, 0))
                plugins[plugin] = (name, count + 1, max(top, sev))
        elif tag == "ReportHost":
            hosts += 1
            credentialed += 1 if host_yes else 0
            host_yes = False
            elem.clear()
    top = sorted(plugins.items(), key=lambda kv: (-kv[1][2], -kv[1][1], kv[0]))[:10]
    return {
        "hosts": hosts,
        "findings": findings,
        "severity": dict(zip(["info", "low", "medium", "high", "critical"], severity)),
        "credentialed_hosts": credentialed,
        "top_plugins": [{"plugin_id": p, "name": v[0], "count": v[1], "severity": v[2]} for p, v in top],
    }


def main():
    path = sys.argv[1]
    started = time.perf_counter()
    summary = summarise(path)
    seconds = time.perf_counter() - started
    import os
    size = os.path.getsize(path)
    print(json.dumps({
        "mode": "python-iterparse",
        "bytes": size,
        "seconds": seconds,
        "mb_per_s": size / (1 << 20) / seconds,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "findings": summary["findings"],
        "summary": summary,
    }))


if __name__ == "__main__":
    main()
