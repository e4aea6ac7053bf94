// Secret masking no caller can steer or read (issue 23, items 5-7), over Streamable HTTP with
// API keys, a worker, and the simulator over TLS:
// - what comes from Nessus (an export's plugin output, an error's text) is masked by the
//   configuration's secrets, a quoted and backslashed one included, as JSON and XML write it;
// - a caller's own text (a task's name and description holding guesses of those secrets) comes
//   back as given, in the tools and in the export Nessus echoes it in: masking is no oracle;
// - one tenant's inline password (a host address and a finding's words of another tenant, its
//   own tenant name) masks nothing of another tenant's results or of the audit log, only its
//   own task's Nessus error; a flood of quota-refused submits with 4,200 inline passwords
//   evicts nothing: the configured secrets stay masked.
// Usage: node masking_http.mjs NESSUS_MCP NESSUS_SIM ADMIN_CLI
import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { setMaxListeners } from "node:events";
import { appendFileSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { check, dataDir, equal, run, startHttpServer } from "./lib.mjs";
import { SECRETS, serverEnv, startSim, writeConfig } from "./scan_lib.mjs";

const [binary, simBinary, adminCli] = process.argv.slice(2);
setMaxListeners(0);  // thousands of calls on one client: the SDK adds a listener per request
const data = dataDir();
const dir = mkdtempSync(join(tmpdir(), "nmcp-masking-"));
const keyA = randomBytes(24).toString("hex");
const keyB = randomBytes(24).toString("hex");
const sha = (k) => createHash("sha256").update(k).digest("hex");
const keys = join(dir, "keys.txt");
writeFileSync(keys, `team-a sha256:${sha(keyA)}\nteam-b sha256:${sha(keyB)}\n`);
// A generated password of the kind that defeated masking of serialized text.
const QUOTED = `Gen"er\\ated'<pw>&7`;

let sim;
let server;
process.on("exit", () => server?.proc.kill("SIGKILL"));  // a failing step exits at once
const clients = {};
const connect = async (key) => {
  const client = new Client({ name: "masking", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`),
    { requestInit: { headers: { Authorization: `Bearer ${key}` } } }));
  return client;
};
const call = (who, name, args) => clients[who].callTool({ name, arguments: args }, undefined,
  { timeout: 60000 });
const settle = async (who, id) => {
  for (let i = 0; i < 120; ++i) {
    const s = (await call(who, "get_scan_status", { task_id: id, wait_seconds: 2 })).structuredContent;
    if (["completed", "failed", "cancelled"].includes(s.state)) return s;
  }
  throw new Error(`task ${id} did not settle`);
};
const exportText = async (who, id) =>
  (await clients[who].readResource({ uri: `nessus://tasks/${id}/export` })).contents[0].text;
const scanInformation = async (who, id) => {
  const r = await call(who, "get_scan_results",
    { task_id: id, profile: "full", filter: { plugin_id: 19506 }, page_size: 5 });
  check(!r.isError, JSON.stringify(r).slice(0, 300));
  return JSON.stringify(r.structuredContent);
};
const audit = (...args) => JSON.parse(execFileSync(adminCli,
  ["--data-dir", data, "--json", "audit", ...args], { encoding: "utf8" })).events;
let plainTask;
let inlineTask;

await run("masking", [
  ["a server with a worker, inline credentials on, team-b limited to one scan an hour", async () => {
    sim = await startSim(simBinary, ["--speed", "1000"]);
    const config = writeConfig(dir, sim.url, { inline: true });
    appendFileSync(config, `  quoted-profile:
    type: ssh
    username: scanuser
    password: \${QUOTED_PASSWORD}
quotas:
  tenants:
    team-b: {scans_per_hour: 1}
`);
    Object.assign(process.env, serverEnv(), { QUOTED_PASSWORD: QUOTED });
    server = await startHttpServer(binary, ["--api-keys-file", keys, "--config", config,
      "--data-dir", data]);
    clients.a = await connect(keyA);
    clients.b = await connect(keyB);
  }],
  ["what Nessus sends is masked by the configured secrets, quoted ones too, in JSON and XML", async () => {
    await sim.faults({ plugin_output_note: `ssh=${SECRETS.sshPassword} quoted=${QUOTED}` });
    const sub = await call("a", "run_untrusted_scan", { targets: "10.0.0.5", name: "plain scan" });
    check(!sub.isError, JSON.stringify(sub));
    plainTask = sub.structuredContent.task_id;
    equal((await settle("a", plainTask)).state, "completed", "the scan completes");
    const xml = await exportText("a", plainTask);
    check(xml.includes("Found in a configuration file: ssh=[REDACTED] quoted=[REDACTED]"),
      xml.match(/Found in a configuration file:[^\n]*/)?.[0] ?? "the note is missing");
    check(!xml.includes(SECRETS.sshPassword) && !xml.includes("er\\ated"), "no secret in the export");
    const findings = await scanInformation("a", plainTask);
    check(findings.includes("ssh=[REDACTED] quoted=[REDACTED]"), findings.slice(0, 400));
    check(!findings.includes(SECRETS.sshPassword) && !findings.includes("er\\\\ated"),
      "no secret in the findings");
  }],
  ["guesses in a task's name and description come back as given: masking is no oracle", async () => {
    await sim.faults({ plugin_output_note: `escalation=${SECRETS.escalationPassword}` });
    const guesses = [SECRETS.sshPassword, "wrong-guess-one", SECRETS.adminPassword,
      "wrong-guess-two", QUOTED, `Gen"er\\ated'<pw>&8`];
    const name = `guess ${guesses.slice(0, 4).join(" ")}`;
    const description = `more ${guesses.slice(4).join(" ")}`;
    const sub = await call("a", "run_untrusted_scan", { targets: "10.0.0.6", name, description });
    check(!sub.isError, JSON.stringify(sub));
    const id = sub.structuredContent.task_id;
    const listed = (await call("a", "list_tasks", {})).structuredContent.tasks.find((t) => t.task_id === id);
    equal(listed.name, name, "list_tasks: the name as given");
    const status = await settle("a", id);
    equal(status.state, "completed", "the scan completes");
    equal(status.name, name, "get_scan_status: the name as given");
    check(!JSON.stringify(status).includes("[REDACTED]"), JSON.stringify(status));
    const xml = await exportText("a", id);
    // Nessus echoes the scan's name; the caller's words are not masked in it.
    check(xml.includes(`name="${name}`), xml.match(/<Report name="[^"]*"/)?.[0] ?? "no report name");
    // What the caller did not write is masked as ever.
    check(xml.includes("escalation=[REDACTED]") && !xml.includes(SECRETS.escalationPassword),
      "the unguessed secret is masked");
    const summary = JSON.parse((await clients.a.readResource({
      uri: `nessus://tasks/${id}/summary` })).contents[0].text);
    equal(summary.name, name, "the summary resource: the name as given");
  }],
  ["one tenant's inline password masks nothing of another tenant's or of the audit log", async () => {
    // team-b picks as its password what it wants erased elsewhere: team-a's host, its own tenant
    // name (the audit log's identity field), words of a finding.
    const before = await call("a", "list_scan_hosts", { task_id: plainTask });
    check(JSON.stringify(before).includes("10.0.0.5"), "team-a's host is listed");
    for (const password of ["10.0.0.5", "team-b", "Nessus Scan Information"]) {
      const r = await call("b", "run_authenticated_scan", { targets: "10.0.0.9",
        name: "b inline", ssh_username: "scanuser", ssh_password: password });
      check(r.isError && /scans_per_hour|quota|limit/.test(r.content[0].text) ||
        !r.isError, JSON.stringify(r).slice(0, 300));
    }
    const hosts = JSON.stringify(await call("a", "list_scan_hosts", { task_id: plainTask }));
    check(hosts.includes("10.0.0.5") && !hosts.includes("[REDACTED]"), hosts.slice(0, 300));
    const findings = await scanInformation("a", plainTask);
    check(findings.includes("Nessus Scan Information"), "the finding's name is intact");
    const denies = audit("--tenant", "team-b", "--decision", "deny");
    check(denies.length >= 2, `team-b's refusals are found by tenant: ${denies.length}`);
    check(denies.every((e) => e.tenant === "team-b" && e.tool === "run_authenticated_scan"),
      JSON.stringify(denies[0]));
  }],
  ["a flood of 4,200 quota-refused inline passwords evicts no configured secret", async () => {
    const batch = 12;
    let refused = 0;
    for (let i = 0; i < 4200; i += batch) {
      const answers = await Promise.all(Array.from({ length: batch }, (_, j) =>
        call("b", "run_authenticated_scan", { targets: "10.0.0.9", name: "flood",
          ssh_username: "scanuser", ssh_password: `flood-password-${i + j}-xyz` })));
      refused += answers.filter((r) => r.isError).length;
    }
    equal(refused, 4200, "every one refused by the quota");
    await sim.faults({ plugin_output_note: `after the flood ${SECRETS.sshPassword}` });
    const sub = await call("a", "run_untrusted_scan", { targets: "10.0.0.7", name: "after flood" });
    const id = sub.structuredContent.task_id;
    equal((await settle("a", id)).state, "completed", "the scan completes");
    const xml = await exportText("a", id);
    check(xml.includes("after the flood [REDACTED]") && !xml.includes(SECRETS.sshPassword),
      "the configured secret is still masked");
  }],
  ["a task's inline password masks its own Nessus error only", async () => {
    // A fresh hour for team-b is not needed: team-a has no quota, and inline credentials are
    // anyone's. Nessus refuses the next two scans, quoting the same words.
    const password = "Inline-Only-Mine-42";
    await sim.faults({ route_rules: [{ route: "POST /scans", times: 2, status: 400,
      error: `Invalid credentials: password ${password} rejected` }] });
    const mine = await call("a", "run_authenticated_scan", { targets: "10.0.0.8", name: "inline",
      ssh_username: "scanuser", ssh_password: password });
    check(!mine.isError, JSON.stringify(mine));
    inlineTask = mine.structuredContent.task_id;
    const failed = await settle("a", inlineTask);
    equal(failed.state, "failed", "Nessus refused it");
    const text = JSON.stringify(failed);
    check(text.includes("password [REDACTED] rejected") && !text.includes(password), text);
    const other = await call("a", "run_untrusted_scan", { targets: "10.0.0.8", name: "other" });
    const theirs = await settle("a", other.structuredContent.task_id);
    check(JSON.stringify(theirs).includes(`password ${password} rejected`),
      `another task's error is not masked by it: ${JSON.stringify(theirs.error)}`);
  }],
  ["no secret in the logs", async () => {
    const logs = server.logs();
    for (const s of [SECRETS.sshPassword, SECRETS.escalationPassword, "flood-password-17-xyz"]) {
      check(!logs.includes(s), `the logs hold ${s}`);
    }
    // The inline task's own lines mask its password; another task's lines quoting the same
    // words do not (for that task they are just Nessus's words).
    const own = logs.split("\n").filter((l) => l.includes(inlineTask));
    check(own.length > 0 && own.every((l) => !l.includes("Inline-Only-Mine-42")),
      own.find((l) => l.includes("Inline-Only-Mine-42")) ?? "no line of the inline task");
    await server.stop();
    await sim.stop();
  }],
]);
