// Results end to end over stdio with the official SDK client: admin_cli imports generated
// exports into a data directory, nessus-mcp serves it, and the client asks what an agent would:
// the summary, filtered and sorted pages within a token budget, every page of a question, a
// long text in chunks, the hosts, one host, and the difference between two scans.
// Usage: node results_stdio.mjs NESSUS_MCP ADMIN_CLI GEN_EXPORT REPO_ROOT
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { check, dataDir, run } from "./lib.mjs";

const [binary, adminCli, genExport, repo] = process.argv.slice(2);
const data = dataDir();
let client;
let stderr = "";
const ids = {};

function importExport(name, args) {
  const file = join(data, `${name}.nessus`);
  execFileSync(genExport, [file, ...args]);
  const out = execFileSync(adminCli, ["--data-dir", data, "--json", "import", file, "--name", name]);
  return JSON.parse(out.toString());
}

async function call(name, args) {
  const r = await client.callTool({ name, arguments: args });
  const text = r.content?.[0]?.text ?? "";
  return { ...r, text, data: r.isError ? null : r.structuredContent };
}

const tokens = (r) => Math.ceil(r.text.length / 3);

// JSON with its keys sorted, to compare two documents field by field.
function canonical(v) {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (v && typeof v === "object") {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(",")}}`;
  }
  return JSON.stringify(v);
}

await run("results", [
  ["admin_cli import: generated exports become completed tasks; a bad file changes nothing", async () => {
    const a = importExport("before", ["--hosts", "12", "--per-host", "50", "--seed", "1", "--output-bytes", "4000"]);
    const b = importExport("after", ["--hosts", "14", "--per-host", "50", "--seed", "2"]);
    ids.before = a.task_id;
    ids.after = b.task_id;
    check(a.summary.findings === 12 * 51, `findings ${a.summary.findings}`);
    let refused = false;
    try {
      execFileSync(adminCli, ["--data-dir", data, "import", join(repo, "tests/fuzz/nessus.dict")], { stdio: "pipe" });
    } catch (e) {
      refused = e.status === 2 && String(e.stderr).includes("refused");
    }
    check(refused, "a file that is not an export is refused with exit 2");
  }],
  ["connect", async () => {
    const transport = new StdioClientTransport({
      command: binary, args: ["--stdio", "--data-dir", data, "--no-worker"], stderr: "pipe" });
    transport.stderr.on("data", (d) => (stderr += d));
    client = new Client({ name: "e2e-results", version: "1.0.0" });
    await client.connect(transport);
    const { tools } = await client.listTools();
    for (const t of ["get_scan_results", "get_finding", "list_scan_hosts", "get_host_vulnerabilities", "compare_scans"]) {
      check(tools.some((x) => x.name === t), `${t} is listed`);
    }
  }],
  ["get_scan_status shows the summary of an imported scan", async () => {
    const r = await call("get_scan_status", { task_id: ids.before });
    check(!r.isError, r.text);
    check(r.data.state === "completed", r.data.state);
    check(r.data.summary.hosts === 12, JSON.stringify(r.data.summary));
  }],
  ["default page: brief profile, severity order, within the default budget", async () => {
    const r = await call("get_scan_results", { task_id: ids.before });
    check(!r.isError, r.text);
    check(r.data.total === 612, `total ${r.data.total}`);
    check(r.data.returned >= 1 && r.data.has_more, "a first page with more to come");
    check(tokens(r) <= 8000, `page of ${tokens(r)} tokens is over 8000`);
    const sev = r.data.findings.map((f) => f.severity);
    check(sev.every((s, i) => i === 0 || sev[i - 1] >= s), "severity descending");
    check(r.data.findings[0].description !== undefined, "brief shows descriptions");
    check(r.data.texts_truncated === false || r.text.includes("…[truncated: "), "truncation is marked");
  }],
  ["a filter on a field outside the profile still filters", async () => {
    const r = await call("get_scan_results", { task_id: ids.before, profile: "minimal",
      filter: { plugin_name: "overflow", severity_min: "high" } });
    check(!r.isError, r.text);
    check(r.data.total > 0, "something matches");
    check(r.data.findings.every((f) => f.plugin_name === undefined && f.severity >= 3), "minimal and high");
    check(r.data.filters_applied.plugin_name === "overflow", "filters echoed");
  }],
  ["every page of a question, at a small budget, adds up to the total exactly once", async () => {
    const seen = new Set();
    let cursor;
    let total = -1;
    for (let i = 0; i < 500; i++) {
      const r = await call("get_scan_results", { task_id: ids.before, profile: "summary", max_tokens: 1500,
        page_size: 40, sort_by: "cvss3_base_score", filter: { host: "10.0.0.0/24" }, ...(cursor ? { cursor } : {}) });
      check(!r.isError, r.text);
      check(tokens(r) <= 1500, `page ${i} is ${tokens(r)} tokens`);
      total = r.data.total;
      for (const f of r.data.findings) {
        check(!seen.has(f.finding_id), `finding ${f.finding_id} seen twice`);
        seen.add(f.finding_id);
      }
      if (!r.data.has_more) break;
      cursor = r.data.next_cursor;
    }
    check(seen.size === total && total > 0, `saw ${seen.size} of ${total}`);
  }],
  ["bad input: a forged cursor, a cursor for another question, a bad host, an unknown task", async () => {
    const first = await call("get_scan_results", { task_id: ids.before, page_size: 5 });
    const other = await call("get_scan_results", { task_id: ids.before, page_size: 5, cursor: first.data.next_cursor,
      filter: { severity_min: 4 } });
    check(other.isError && other.text.includes("cursor"), other.text);
    const forged = await call("get_scan_results", { task_id: ids.before, cursor: "bm9wZQ" });
    check(forged.isError && forged.text.includes("Hint:"), forged.text);
    const host = await call("get_scan_results", { task_id: ids.before, filter: { host: "10.0.0.300" } });
    check(host.isError && host.text.includes("not an address"), host.text);
    const missing = await call("get_scan_results", { task_id: "task_" + "0".repeat(32) });
    check(missing.isError && missing.text.includes("no task"), missing.text);
    const both = await call("get_scan_results", { task_id: ids.before, profile: "full", fields: ["host"] });
    check(both.isError, "profile and fields together are refused");
  }],
  ["get_finding: full fields, and a long text read in chunks", async () => {
    const page = await call("get_scan_results", { task_id: ids.before, fields: ["plugin_output"], page_size: 1,
      filter: { severity_min: 1 } });
    const id = page.data.findings[0].finding_id;
    const full = await call("get_finding", { task_id: ids.before, finding_id: id, max_tokens: 1000 });
    check(!full.isError, full.text);
    check(full.data.finding.plugin_output.includes("…[truncated: "), "a 4 KB output is cut at 1000 tokens");
    let text = "";
    let offset = 0;
    for (let i = 0; i < 20 && offset !== null; i++) {
      const chunk = await call("get_finding", { task_id: ids.before, finding_id: id, field: "plugin_output",
        offset, max_tokens: 500 });
      check(!chunk.isError, chunk.text);
      text += chunk.data.text;
      offset = chunk.data.next_offset;
    }
    check(text.length > 4000 && text.startsWith("Host "), `read ${text.length} bytes`);
  }],
  ["list_scan_hosts and get_host_vulnerabilities", async () => {
    const hosts = await call("list_scan_hosts", { task_id: ids.before });
    check(!hosts.isError, hosts.text);
    check(hosts.data.total === 12, `hosts ${hosts.data.total}`);
    check(hosts.data.hosts.every((h) => h.credentials.status === "success"), "credentialed");
    const one = hosts.data.hosts.find((h) => h.ip === "10.0.0.1");
    const r = await call("get_host_vulnerabilities", { task_id: ids.before, host: "10.0.0.1", profile: "minimal" });
    check(!r.isError, r.text);
    const counts = one.severity_counts;
    check(r.data.total === counts.critical + counts.high + counts.medium + counts.low + counts.info, "counts agree");
    check(r.data.findings.every((f) => f.host === "10.0.0.1"), "only that host");
    // Its pages continue with the cursor, and the cursor stays bound to that host.
    let cursor = r.data.next_cursor;
    let seen = r.data.findings.length;
    while (cursor) {
      const next = await call("get_host_vulnerabilities", { task_id: ids.before, host: "10.0.0.1", profile: "minimal", cursor });
      check(!next.isError, next.text);
      check(next.data.findings.every((f) => f.host === "10.0.0.1"), "still that host");
      seen += next.data.findings.length;
      cursor = next.data.next_cursor;
    }
    check(seen === r.data.total, `paged ${seen} of ${r.data.total}`);
    const elsewhere = await call("get_host_vulnerabilities", { task_id: ids.before, host: "10.0.0.2", profile: "minimal", cursor: r.data.next_cursor });
    check(elsewhere.isError && elsewhere.text.includes("cursor"), "a cursor for another host is refused");
    const block = await call("get_host_vulnerabilities", { task_id: ids.before, host: "10.0.0.0/24", max_tokens: 1000 });
    check(!block.isError && block.data.hosts.length <= 5 && block.data.hosts_matched >= 8, "a CIDR: five hosts described, all counted");
    check(tokens(block) <= 1000, `a CIDR page of ${tokens(block)} tokens is over 1000`);
    const none = await call("get_host_vulnerabilities", { task_id: ids.before, host: "10.9.9.9" });
    check(none.isError && none.text.includes("list_scan_hosts"), none.text);
  }],
  ["compare_scans: new, fixed and still open add up", async () => {
    const r = await call("compare_scans", { base_task_id: ids.before, task_id: ids.after });
    check(!r.isError, r.text);
    const c = r.data.counts;
    check(c.new > 0 && c.fixed > 0 && c.still_open > 0, JSON.stringify(c));
    const fixed = await call("compare_scans", { base_task_id: ids.before, task_id: ids.after, category: "fixed",
      page_size: 500, max_tokens: 20000 });
    check(fixed.data.items.every((i) => i.in_task === ids.before), "fixed findings come from the earlier scan");
  }],
  ["resources: list, templates, read, links from the results tools", async () => {
    const { resources } = await client.listResources();
    for (const id of [ids.before, ids.after]) {
      check(resources.some((r) => r.uri === `nessus://tasks/${id}/summary`), "summary listed");
      const raw = resources.find((r) => r.uri === `nessus://tasks/${id}/export`);
      check(raw && raw.mimeType === "application/xml" && raw.size > 0, "export listed with its size");
    }
    const { resourceTemplates } = await client.listResourceTemplates();
    check(resourceTemplates.some((t) => t.uriTemplate === "nessus://tasks/{task_id}/findings/{finding_id}"), "finding template");
    const summary = await client.readResource({ uri: `nessus://tasks/${ids.before}/summary` });
    check(JSON.parse(summary.contents[0].text).summary.hosts === 12, "summary read");
    const xml = await client.readResource({ uri: `nessus://tasks/${ids.after}/export` });
    check(xml.contents[0].text.startsWith("<?xml"), "a small export is sent inline");
    const page = await call("get_scan_results", { task_id: ids.before, page_size: 1, profile: "minimal" });
    const links = page.content.filter((c) => c.type === "resource_link");
    check(links.some((l) => l.uri.endsWith("/export")), "get_scan_results links the export");
    const fid = page.data.findings[0].finding_id;
    const one = await client.readResource({ uri: `nessus://tasks/${ids.before}/findings/${fid}` });
    const finding = JSON.parse(one.contents[0].text);
    check(finding.finding_id === fid && finding.plugin_output.length > 4000, "a finding in full, untruncated");
    let code = 0;
    try {
      await client.readResource({ uri: `nessus://tasks/task_${"0".repeat(32)}/summary` });
    } catch (e) {
      code = e.code;
    }
    check(code === -32002, `unknown resource answers -32002, got ${code}`);
  }],
  ["a damaged index is reported with the fix; admin_cli task reindex repairs it", async () => {
    const { writeFileSync } = await import("node:fs");
    writeFileSync(join(data, "results", ids.after, "findings.db"), "garbage");
    const broken = await call("get_scan_results", { task_id: ids.after });
    check(broken.isError && broken.text.includes("admin_cli task reindex"), broken.text);
    execFileSync(adminCli, ["--data-dir", data, "task", "reindex", ids.after]);
    const fixed = await call("get_scan_results", { task_id: ids.after, page_size: 1 });
    check(!fixed.isError && fixed.data.total === 14 * 51, fixed.text);
  }],
  ["one view: admin_cli task show --json and get_scan_status give the same fields and values", async () => {
    const mcp = await call("get_scan_status", { task_id: ids.before });
    const admin = JSON.parse(execFileSync(adminCli, ["--data-dir", data, "--json", "task", "show", ids.before]).toString());
    check(!mcp.isError, mcp.text);
    check(canonical(admin) === canonical(mcp.data),
      `they differ:\nadmin_cli: ${canonical(admin)}\nMCP:       ${canonical(mcp.data)}`);
  }],
  ["after admin_cli task reindex, the status, the hosts and the findings agree", async () => {
    // The export on disk changes (9 hosts instead of 14): the reindex must carry that into the
    // stored summary and credential outcome, not only into the index.
    execFileSync(genExport, [join(data, "results", ids.after, "scan.nessus"), "--hosts", "9", "--per-host", "20", "--seed", "3"]);
    const out = JSON.parse(execFileSync(adminCli, ["--data-dir", data, "--json", "task", "reindex", ids.after]).toString());
    check(out.hosts === 9, `reindex saw ${out.hosts} hosts`);
    const status = await call("get_scan_status", { task_id: ids.after });
    const hosts = await call("list_scan_hosts", { task_id: ids.after, page_size: 50 });
    const findings = await call("get_scan_results", { task_id: ids.after, page_size: 1 });
    check(!status.isError && !hosts.isError && !findings.isError, `${status.text}\n${hosts.text}\n${findings.text}`);
    check(status.data.summary.hosts === 9, `summary hosts ${status.data.summary.hosts}`);
    check(hosts.data.total === 9, `list_scan_hosts total ${hosts.data.total}`);
    check(status.data.summary.findings === findings.data.total,
      `summary findings ${status.data.summary.findings}, get_scan_results total ${findings.data.total}`);
    check(status.data.summary.imported_from === "after.nessus", "an imported scan stays imported");
  }],
  ["close: the server exits cleanly", async () => {
    await client.close();
    check(!stderr.includes('"level":"error"'), `no error logged:\n${stderr.slice(-2000)}`);
  }],
]);
