// Scans end to end: the official MCP SDK client spawns nessus-mcp over stdio, which drives a
// real nessus-sim over HTTPS (certificate pinned) with its embedded worker and a SQLite store.
// Usage: node scan_stdio.mjs NESSUS_MCP NESSUS_SIM ADMIN_CLI
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { check, equal, run } from "./lib.mjs";
import { call, connect, SECRETS, serverEnv, startSim, waitForState, waitUntil, writeConfig }
  from "./scan_lib.mjs";

const [binary, simBinary, adminCli] = process.argv.slice(2);
const work = mkdtempSync(join(tmpdir(), "nmcp-scan-e2e-"));
const dataDir = join(work, "data");
let sim;
let config;
let server;
let allLogs = "";

const serverArgs = () => [
  "--stdio", "--config", config, "--data-dir", dataDir, "--log-level", "debug",
  "--poll-interval-ms", "200", "--export-poll-ms", "100", "--lease-ms", "1500",
  "--claim-interval-ms", "100", "--probe-interval-ms", "300", "--backoff-base-ms", "100", "--max-failures", "4",
];
const start = async () => {
  server = await connect(binary, serverArgs(), serverEnv());
};
const stopServer = async () => {
  allLogs += server.logs();
  await server.client.close();
};
const submit = (args) => call(server.client, "run_untrusted_scan", args);
const admin = (...args) =>
  execFileSync(adminCli, ["--data-dir", dataDir, ...args], { encoding: "utf8" });
const scanCounts = async () => {
  const s = await sim.stats();
  return { created: s.scans_created, launched: s.scans_launched };
};

await run("scan-stdio", [
  ["start nessus-sim and nessus-mcp", async () => {
    sim = await startSim(simBinary, ["--scan-seconds", "2"]);
    config = writeConfig(work, sim.url);
    await start();
  }],

  ["an untrusted scan runs to completion with a results summary", async () => {
    const before = await scanCounts();
    const r = await submit({ targets: "10.0.0.1-3", name: "e2e untrusted" });
    check(!r.isError, JSON.stringify(r));
    const sub = r.structuredContent;
    equal(sub.state, "queued", "a new task is queued");
    equal(sub.targets, "10.0.0.1-10.0.0.3", "targets normalised");
    const done = await waitForState(server.client, sub.task_id, ["completed", "failed"]);
    equal(done.state, "completed", `completed (${JSON.stringify(done.error)})`);
    equal(done.summary.hosts, 3, "three hosts in the summary");
    check(done.summary.findings > 3, "findings counted");
    equal(done.validation.credentials, "not_applicable", "no credentials on an untrusted scan");
    check(done.nessus_scan_id > 0 && done.instance === "local", "scanner recorded");
    const after = await scanCounts();
    equal(after.created - before.created, 1, "exactly one Nessus scan created");
    equal(after.launched - before.launched, 1, "exactly one launch");
    const files = readdirSync(join(dataDir, "results", sub.task_id));
    check(files.includes("scan.nessus"), "raw export kept under the data dir");
    check(files.includes("findings.db"), "the findings index written beside it");
    // The worker's index answers the results tools: the same totals as the summary.
    const page = await call(server.client, "get_scan_results", { task_id: sub.task_id, profile: "minimal", page_size: 200 });
    check(!page.isError, JSON.stringify(page));
    equal(page.structuredContent.total, done.summary.findings, "every finding is in the index");
    const sev = page.structuredContent.severity_counts;
    equal(sev, done.summary.severity, "per-severity counts agree with the summary");
    const hosts = await call(server.client, "list_scan_hosts", { task_id: sub.task_id, sort_by: "address" });
    equal(hosts.structuredContent.hosts.map((h) => h.host), ["10.0.0.1", "10.0.0.2", "10.0.0.3"], "hosts in address order");
  }],

  ["an authenticated scan with good credentials succeeds, per host", async () => {
    const r = await call(server.client, "run_authenticated_scan", {
      targets: "10.0.1.5, 10.0.1.6", name: "e2e auth good", credential_profile: "demo-valid",
      scan_type: "authenticated_privileged",
    });
    check(!r.isError, JSON.stringify(r));
    const done = await waitForState(server.client, r.structuredContent.task_id, ["completed", "failed"]);
    equal(done.state, "completed", `completed (${JSON.stringify(done.error)})`);
    equal(done.validation.credentials, "success", "credentials worked");
    equal(done.validation.hosts.map((h) => h.status), ["success", "success"], "on both hosts");
    equal(done.summary.credentialed_hosts, 2, "two credentialed hosts");
  }],

  ["an authenticated scan with bad credentials fails with the reason and a hint", async () => {
    const r = await call(server.client, "run_authenticated_scan", {
      targets: "10.0.1.7", name: "e2e auth bad", credential_profile: "demo-invalid",
    });
    const done = await waitForState(server.client, r.structuredContent.task_id, ["completed", "failed"]);
    equal(done.state, "failed", "failed, not completed");
    equal(done.error.code, "credentials_rejected", "the error names the cause");
    check(/did not work on any host/.test(done.error.message), done.error.message);
    check(/credential profile/.test(done.error.hint), done.error.hint);
    equal(done.validation.hosts[0].status, "failed", "the host shows failed");
    check(done.dead_lettered === false, "a credential failure is a result, not a DLQ entry");
    // A failed login is still a scan with results: the host view says why.
    const hosts = await call(server.client, "list_scan_hosts", { task_id: r.structuredContent.task_id });
    check(!hosts.isError, JSON.stringify(hosts));
    equal(hosts.structuredContent.hosts[0].credentials.status, "failed", "list_scan_hosts shows the failure");
    check(hosts.structuredContent.hosts[0].credentials.reason.length > 0, "with the reason");
  }],

  ["idempotent retries and 20 concurrent duplicates give one task", async () => {
    const args = { targets: "10.0.2.1", name: "e2e idem", idempotency_key: "e2e-key-1" };
    const results = await Promise.all(Array.from({ length: 20 }, () => submit(args)));
    const ids = new Set(results.map((r) => r.structuredContent.task_id));
    equal(ids.size, 1, "one task id");
    equal(results.filter((r) => r.structuredContent.created).length, 1, "created once");
    const again = await submit(args);
    equal(again.structuredContent.task_id, [...ids][0], "a later retry returns it too");
    const conflict = await submit({ ...args, targets: "10.0.2.2" });
    check(conflict.isError && /already used for a different request/.test(conflict.content[0].text),
      "same key, other arguments: conflict");
    await waitForState(server.client, [...ids][0], ["completed"]);
  }],

  ["out-of-scope and malformed targets are refused and nothing is queued", async () => {
    const before = (await call(server.client, "get_queue_status", {})).structuredContent;
    for (const [targets, pattern] of [
      ["8.8.8.8", /not inside any allowed block/],
      ["10.66.1.1", /denied block 10.66.0.0\/16/],
      ["evil.example.com", /does not match/],
      ["10.0.0.0/16", /allows at most 64/],
      ["10.0.0.1; rm -rf /", /contains a space/],
      ["10.1", /not an IP address/],
    ]) {
      const r = await submit({ targets, name: "refused" });
      check(r.isError && pattern.test(r.content[0].text), `${targets}: ${r.content[0].text}`);
    }
    const after = (await call(server.client, "get_queue_status", {})).structuredContent;
    equal(after.queues[0].queued, before.queues[0].queued, "queue unchanged");
  }],

  ["cancel stops the Nessus scan and ends the task cancelled", async () => {
    await sim.faults({ scan_outcome: "hang" });
    const r = await submit({ targets: "10.0.3.1", name: "e2e cancel" });
    const id = r.structuredContent.task_id;
    await waitUntil("the scan to run", async () =>
      (await call(server.client, "get_scan_status", { task_id: id })).structuredContent.step === "poll");
    const c = await call(server.client, "cancel_scan", { task_id: id });
    check(!c.isError, JSON.stringify(c));
    const done = await waitForState(server.client, id, ["cancelled", "failed", "completed"]);
    equal(done.state, "cancelled", "cancelled");
    await sim.faults({ scan_outcome: "complete" });
    const again = await call(server.client, "cancel_scan", { task_id: id });
    check(again.isError && /already finished/.test(again.content[0].text), "cancel is not repeated");
  }],

  ["kill -9 mid-scan, restart: the task resumes on the same Nessus scan", async () => {
    // The scan lasts 2 s on the simulator: the server dies right after launching it, the scan
    // finishes on Nessus meanwhile, and the restarted server must pick it up from there.
    const before = await scanCounts();
    const r = await submit({ targets: "10.0.4.1", name: "e2e crash" });
    const id = r.structuredContent.task_id;
    const running = await waitUntil("the scan to be launched", async () => {
      const s = (await call(server.client, "get_scan_status", { task_id: id })).structuredContent;
      return s.step === "poll" ? s : null;
    });
    process.kill(server.transport.pid, "SIGKILL");
    allLogs += server.logs();
    await server.client.close().catch(() => {});
    await start();
    const done = await waitForState(server.client, id, ["completed", "failed"]);
    equal(done.state, "completed", `completed after the restart (${JSON.stringify(done.error)})`);
    equal(done.nessus_scan_id, running.nessus_scan_id, "the same Nessus scan");
    check(done.attempts >= 2, "claimed again after the crash");
    const after = await scanCounts();
    equal(after.created - before.created, 1, "one Nessus scan created in all");
    equal(after.launched - before.launched, 1, "one launch in all");
  }],

  ["session expiry and a burst of 5xx are survived", async () => {
    await sim.faults({ session_expire_after_requests: 3 });
    const r = await submit({ targets: "10.0.5.1", name: "e2e session", pool: "session" });
    const done = await waitForState(server.client, r.structuredContent.task_id, ["completed", "failed"]);
    equal(done.state, "completed", `completed despite expiring sessions (${JSON.stringify(done.error)})`);
    const s = await sim.stats();
    check(s.sessions_created >= 2, "the session was renewed");
    await sim.faults({ session_expire_after_requests: 0, error_burst: 3, error_status: 503 });
    const b = await submit({ targets: "10.0.5.2", name: "e2e 5xx" });
    const survived = await waitForState(server.client, b.structuredContent.task_id, ["completed", "failed"]);
    equal(survived.state, "completed", `completed despite 503s (${JSON.stringify(survived.error)})\n` +
      server.logs().split("\n").filter((l) => l.includes(b.structuredContent.task_id)).join("\n"));
  }],

  ["a task that keeps failing lands in the DLQ; admin_cli retry-dlq runs it to completion",
    async () => {
      await sim.faults({ export_mode: "malformed" });
      const r = await submit({ targets: "10.0.6.1", name: "e2e dlq" });
      const id = r.structuredContent.task_id;
      const failed = await waitForState(server.client, id, ["failed", "completed"]);
      equal(failed.state, "failed", "failed");
      check(failed.dead_lettered, "dead-lettered");
      equal(failed.error.code, "export_invalid", "with the error");
      const queue = (await call(server.client, "get_queue_status", { pool: "default" })).structuredContent;
      check(queue.queues[0].dead_letters >= 1, "the DLQ shows it");
      check(admin("list-dlq").includes(id), "admin_cli lists it");
      const inspected = JSON.parse(admin("--json", "inspect-dlq", id));
      equal(inspected.error.code, "export_invalid", "inspect shows the error");
      await sim.faults({ export_mode: "ok" });
      check(/queued again/.test(admin("retry-dlq", id)), "retried");
      const done = await waitForState(server.client, id, ["completed", "failed"]);
      equal(done.state, "completed", `completed after the retry (${JSON.stringify(done.error)})`);
      check(!admin("list-dlq").includes(id), "no longer in the DLQ");
    }],

  ["tools show the estate from the store, without secrets", async () => {
    const scanners = (await call(server.client, "list_scanners", {})).structuredContent;
    equal(scanners.scanners.map((s) => s.id), ["local", "local-session"], "both instances");
    equal(scanners.scanners[0].health.state, "healthy", "health published by the worker");
    equal(scanners.scanners[0].url, sim.url, "the substituted URL");
    equal(scanners.credential_profiles.map((p) => p.name), ["demo-invalid", "demo-valid"], "profiles");
    // Capacity counts healthy instances; the fault tests above may have left one unhealthy
    // until its next probe.
    const pools = await waitUntil("both instances healthy", async () => {
      const p = (await call(server.client, "get_pool_status", {})).structuredContent;
      return p.pools[1].capacity === 2 ? p : null;
    });
    equal(pools.pools.map((p) => p.capacity), [4, 2], "capacity from instance limits");
    const mine = (await call(server.client, "list_tasks", { target: "10.0.0.0/16" })).structuredContent;
    check(mine.tasks.length >= 3, "CIDR-aware target filter");
    check(mine.tasks.every((t) => t.targets.startsWith("10.0.")), "only matching tasks");
    const text = JSON.stringify([scanners, pools, mine]);
    for (const secret of Object.values(SECRETS)) check(!text.includes(secret), "no secret in tool output");
  }],

  ["inline credentials: refused unless enabled; when enabled, sealed and used", async () => {
    const inlineArgs = { targets: "10.0.7.1", name: "e2e inline", ssh_username: "scanuser",
      ssh_password: SECRETS.sshPassword };
    const refused = await call(server.client, "run_authenticated_scan", inlineArgs);
    check(refused.isError && /inline credentials are disabled/.test(refused.content[0].text),
      "disabled by default");
    // A second server on the same store, with inline credentials allowed.
    const inlineConfig = writeConfig(work, sim.url, { inline: true, name: "inline.yaml" });
    const second = await connect(binary, serverArgs().map((a) => (a === config ? inlineConfig : a)),
      serverEnv());
    const r = await call(second.client, "run_authenticated_scan", inlineArgs);
    check(!r.isError, JSON.stringify(r));
    const done = await waitForState(second.client, r.structuredContent.task_id, ["completed", "failed"]);
    equal(done.state, "completed", `completed (${JSON.stringify(done.error)})`);
    equal(done.validation.credentials, "success", "the inline credentials reached Nessus");
    const retried = await call(second.client, "run_authenticated_scan",
      { ...inlineArgs, idempotency_key: "inline-1" });
    const fixed = await call(second.client, "run_authenticated_scan",
      { ...inlineArgs, idempotency_key: "inline-1", ssh_password: "another-password" });
    check(fixed.isError && /different request/.test(fixed.content[0].text),
      "a changed password is a different request, though no password is stored");
    check(!retried.isError, "keyed request");
    allLogs += second.logs();
    await second.client.close();
  }],

  ["no secret anywhere in the data directory or the logs", async () => {
    await stopServer();
    const files = [];
    const walk = (dir) => {
      for (const name of readdirSync(dir)) {
        const p = join(dir, name);
        if (statSync(p).isDirectory()) walk(p);
        else files.push(p);
      }
    };
    walk(dataDir);
    check(files.some((f) => f.endsWith(".db")), "the store is there");
    for (const f of files) {
      const bytes = readFileSync(f).toString("latin1");
      for (const [name, secret] of Object.entries(SECRETS)) {
        check(!bytes.includes(secret), `${name} found in ${f}`);
      }
    }
    for (const [name, secret] of Object.entries(SECRETS)) {
      check(!allLogs.includes(secret), `${name} found in the server log`);
    }
    check(allLogs.includes('"component":"worker"'), "worker logs are there to search");
    await sim.stop();
  }],
]);
