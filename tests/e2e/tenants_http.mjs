// Tenancy over Streamable HTTP: two API keys map to two tenants; each sees, follows and
// cancels only its own tasks, and idempotency keys do not collide across tenants.
// A scan imported for one tenant (admin_cli import --owner) is readable by that tenant only,
// through the results tools and as resources.
// Runs with --no-worker: nothing here needs a scanner.
// Usage: node tenants_http.mjs NESSUS_MCP REPO ADMIN_CLI GEN_EXPORT
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { check, dataDir, equal, run, startHttpServer } from "./lib.mjs";

import { execFileSync } from "node:child_process";

const [binary, repo, adminCli, genExport] = process.argv.slice(2);
const data = dataDir();
const dir = mkdtempSync(join(tmpdir(), "nmcp-tenants-"));
const keyA = randomBytes(24).toString("hex");
const keyB = randomBytes(24).toString("hex");
const keyC = randomBytes(24).toString("hex");
const keyS = randomBytes(24).toString("hex");
const keyT = randomBytes(24).toString("hex");
const keyLab = randomBytes(24).toString("hex");
const sha = (k) => createHash("sha256").update(k).digest("hex");
const keys = join(dir, "keys.txt");
writeFileSync(keys, `team-a sha256:${sha(keyA)}\nteam-b sha256:${sha(keyB)}\n` +
  `team-c sha256:${sha(keyC)} tools=get_scan_status,list_tasks\n` +
  `team-s sha256:${sha(keyS)} tools=schedule_scan,update_schedule,list_schedules,run_untrusted_scan\n` +
  `team-t sha256:${sha(keyT)}\nteam-t sha256:${sha(keyLab)} pools=lab\n`);

let server;
const clients = {};
const connect = async (name, key) => {
  const transport = new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`),
    { requestInit: { headers: { Authorization: `Bearer ${key}` } } });
  const client = new Client({ name, version: "1.0.0" });
  await client.connect(transport);
  return client;
};
const call = (who, name, args) => clients[who].callTool({ name, arguments: args });

await run("tenants", [
  ["two tenants connect", async () => {
    server = await startHttpServer(binary, ["--api-keys-file", keys, "--no-worker",
      "--config", join(repo, "config/scanners.yaml"), "--data-dir", data]);
    clients.a = await connect("tenant-a", keyA);
    clients.b = await connect("tenant-b", keyB);
  }],
  ["a task is visible to its owner only", async () => {
    const sub = await call("a", "run_untrusted_scan",
      { targets: "10.9.0.1", name: "team a scan", idempotency_key: "shared-key" });
    check(!sub.isError, JSON.stringify(sub));
    const id = sub.structuredContent.task_id;
    const mine = await call("a", "get_scan_status", { task_id: id });
    equal(mine.structuredContent.state, "queued", "the owner sees it");
    const theirs = await call("b", "get_scan_status", { task_id: id });
    check(theirs.isError && /no task/.test(theirs.content[0].text), "another tenant does not");
    equal((await call("b", "list_tasks", {})).structuredContent.tasks.length, 0, "b lists none");
    equal((await call("a", "list_tasks", {})).structuredContent.tasks.length, 1, "a lists one");
    const cancel = await call("b", "cancel_scan", { task_id: id });
    check(cancel.isError, "b cannot cancel a's task");
    equal((await call("a", "get_scan_status", { task_id: id })).structuredContent.state, "queued",
      "still queued");
    // The same idempotency key in another tenant is another task.
    const other = await call("b", "run_untrusted_scan",
      { targets: "10.9.0.2", name: "team b scan", idempotency_key: "shared-key" });
    check(!other.isError && other.structuredContent.created, "b's own task");
    check(other.structuredContent.task_id !== id, "a different task");
    const done = await call("a", "cancel_scan", { task_id: id });
    equal(done.structuredContent.state, "cancelled", "the owner can cancel");
  }],
  ["an imported scan's results are its owner's alone", async () => {
    const file = join(dir, "a.nessus");
    execFileSync(genExport, [file, "--hosts", "3", "--per-host", "10"]);
    const imported = JSON.parse(execFileSync(adminCli, ["--data-dir", data, "--json", "import", file,
      "--owner", "team-a"]).toString());
    const id = imported.task_id;
    const mine = await call("a", "get_scan_results", { task_id: id, profile: "minimal" });
    check(!mine.isError && mine.structuredContent.total === 33, JSON.stringify(mine).slice(0, 300));
    for (const [tool, args] of [["get_scan_results", { task_id: id }], ["list_scan_hosts", { task_id: id }],
      ["get_finding", { task_id: id, finding_id: 1 }], ["get_host_vulnerabilities", { task_id: id, host: "10.0.0.1" }],
      ["compare_scans", { base_task_id: id, task_id: `task_${"1".repeat(32)}` }]]) {
      const theirs = await call("b", tool, args);
      check(theirs.isError && /no task/.test(theirs.content[0].text), `${tool}: ${theirs.content[0].text}`);
    }
    const listedA = (await clients.a.listResources()).resources.map((r) => r.uri);
    const listedB = (await clients.b.listResources()).resources.map((r) => r.uri);
    check(listedA.includes(`nessus://tasks/${id}/summary`), "a lists its scan");
    check(!listedB.some((u) => u.includes(id)), "b does not");
    let code = 0;
    try {
      await clients.b.readResource({ uri: `nessus://tasks/${id}/summary` });
    } catch (e) {
      code = e.code;
    }
    equal(code, -32002, "b reading a's summary: resource not found");
    const summary = await clients.a.readResource({ uri: `nessus://tasks/${id}/summary` });
    equal(JSON.parse(summary.contents[0].text).summary.findings, 33, "a reads it");
  }],
  ["tool and scope decisions are in the audit log, once each, per tenant", async () => {
    clients.c = await connect("tenant-c", keyC);
    let refused = null;
    try {
      await call("c", "run_untrusted_scan", { targets: "10.9.0.3", name: "not allowed" });
    } catch (err) {
      refused = err;
    }
    check(refused && /Unknown tool/.test(refused.message), `refused: ${refused?.message}`);
    const outside = await call("a", "run_untrusted_scan", { targets: "8.8.8.8", name: "outside" });
    check(outside.isError, "out of scope");
    const audit = (...args) => JSON.parse(execFileSync(adminCli,
      ["--data-dir", data, "--json", "audit", ...args], { encoding: "utf8" })).events;
    const c = audit("--tenant", "team-c", "--decision", "deny");
    equal(c.length, 1, JSON.stringify(c));
    equal(c[0].tool, "run_untrusted_scan", "the tool refused");
    check(/tools= list does not include run_untrusted_scan/.test(c[0].rule), c[0].rule);
    const a = audit("--tenant", "team-a", "--decision", "deny");
    equal(a.length, 1, JSON.stringify(a));
    check(/out of scope/.test(a[0].rule) && a[0].targets === "8.8.8.8", "the scope refusal");
    const allowed = audit("--tenant", "team-a", "--decision", "allow")
      .filter((e) => e.rule.startsWith("targets within"));
    equal(allowed.length, 1, "team a's one accepted submit");
    await clients.c.close();
  }],
  ["a key may schedule only the scans it may start itself", async () => {
    clients.s = await connect("tenant-s", keyS);
    const timing = { cron: "0 22 * * *", timezone: "UTC" };
    const authenticated = await call("s", "schedule_scan", { targets: "10.9.0.7",
      name: "nightly with credentials", scan_type: "authenticated",
      credential_profile: "demo-valid", ...timing });
    check(authenticated.isError && /may not start authenticated scans/.test(
      authenticated.content[0].text), `refused: ${authenticated.content[0].text}`);
    const plain = await call("s", "schedule_scan", { targets: "10.9.0.7", name: "nightly",
      ...timing });
    check(!plain.isError, `an unauthenticated schedule is fine: ${JSON.stringify(plain)}`);
    const changed = await call("s", "update_schedule", { schedule_id:
      plain.structuredContent.schedule_id, scan_type: "authenticated",
      credential_profile: "demo-valid" });
    check(changed.isError && /may not start authenticated scans/.test(changed.content[0].text),
      "nor turned into one afterwards");
    const denies = JSON.parse(execFileSync(adminCli, ["--data-dir", data, "--json", "audit",
      "--tenant", "team-s", "--decision", "deny"], { encoding: "utf8" })).events;
    equal(denies.length, 2, `one deny line per refusal: ${JSON.stringify(denies)}`);
    await clients.s.close();
  }],
  ["a key limited to other pools acts on nothing of its tenant's there; refusals name the id", async () => {
    clients.t = await connect("tenant-t", keyT);
    clients.lab = await connect("tenant-t-lab", keyLab);
    const task = (await call("t", "run_untrusted_scan", { targets: "10.9.0.9", name: "t" }))
      .structuredContent.task_id;
    const schedule = (await call("t", "schedule_scan", { targets: "10.9.0.9", name: "t nightly",
      cron: "0 22 * * *", timezone: "UTC" })).structuredContent.schedule_id;
    const refusedAs = async (r, pattern, what) => {
      check(r.isError && pattern.test(r.content[0].text), `${what}: ${r.content[0].text}`);
      check(!/use:.*default|one of:.*default/.test(r.content[0].text),
        `${what} names only the key's pools: ${r.content[0].text}`);
    };
    await refusedAs(await call("lab", "cancel_scan", { task_id: task }),
      /may not cancel scans in pool 'default'/, "cancel");
    await refusedAs(await call("lab", "update_schedule", { schedule_id: schedule, paused: true }),
      /may not change schedules in pool 'default'/, "pause");
    await refusedAs(await call("lab", "delete_schedule", { schedule_id: schedule }),
      /may not delete schedules in pool 'default'/, "delete");
    await refusedAs(await call("lab", "run_untrusted_scan", { targets: "10.9.0.9", name: "x",
      pool: "nowhere" }), /no pool named 'nowhere'/, "an unknown pool");
    equal((await call("t", "get_scan_status", { task_id: task })).structuredContent.state,
      "queued", "the task is untouched");
    // Another tenant's ids, and a malformed target beside an out-of-scope one: denied, once
    // each, naming the id.
    const foreign = (await call("a", "list_tasks", {})).structuredContent.tasks[0].task_id;
    check((await call("t", "cancel_scan", { task_id: foreign })).isError, "not t's task");
    check((await call("t", "delete_schedule",
      { schedule_id: "sch_00000000000000000000000000000000" })).isError, "no such schedule");
    check((await call("t", "run_untrusted_scan", { targets: "8.8.8.8, not a target!",
      name: "bad" })).isError, "malformed");
    const denies = JSON.parse(execFileSync(adminCli, ["--data-dir", data, "--json", "audit",
      "--tenant", "team-t", "--decision", "deny"], { encoding: "utf8" })).events;
    const subjects = denies.map((e) => e.subject ?? null);
    equal(denies.length, 7, `one deny line per refusal: ${JSON.stringify(denies)}`);
    equal(subjects.filter((x) => x === task).length, 1, "the cancel names the task");
    equal(subjects.filter((x) => x === schedule).length, 2, "pause and delete name the schedule");
    equal(subjects.filter((x) => x === foreign).length, 1, "another tenant's id is named too");
    await clients.t.close();
    await clients.lab.close();
  }],
  ["list_schedules pages like list_tasks; another tenant's schedules are not in them", async () => {
    for (let i = 0; i < 23; ++i) {
      const r = await call("b", "schedule_scan", { targets: "10.9.1.1", name: `paged ${i}`,
        every: "1d" });
      check(!r.isError, JSON.stringify(r));
    }
    const first = (await call("b", "list_schedules", {})).structuredContent;
    equal(first.schedules.length, 20, "a first page of 20");
    check(typeof first.next_cursor === "string", "with a cursor");
    const second = (await call("b", "list_schedules", { cursor: first.next_cursor, limit: 50 }))
      .structuredContent;
    equal(second.schedules.length, 3, "the rest");
    equal(second.next_cursor, null, "the last page");
    const ids = new Set([...first.schedules, ...second.schedules].map((x) => x.schedule_id));
    equal(ids.size, 23, "each schedule once");
    const bad = await call("b", "list_schedules", { cursor: "sch_nonsense" });
    check(bad.isError && /cursor/.test(bad.content[0].text), bad.content[0].text);
    equal((await call("a", "list_schedules", {})).structuredContent.schedules.length, 0,
      "team-a sees none of them");
  }],
  ["stop", async () => {
    await clients.a.close();
    await clients.b.close();
    await server.stop();
  }],
]);
