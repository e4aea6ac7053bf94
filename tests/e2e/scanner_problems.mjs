// What an agent sees when a scanner is misconfigured, through the official SDK client over
// stdio: a wrong URL, a wrong certificate pin and a wrong API key each show in the first
// get_scan_status of a queued task (why it waits, since when, and the fix); a pool whose only
// scanner is a Professional edition (no scan API) refuses the submit with the reason; an unknown
// template is refused at submit with the templates the scanner has; and list_scanners right
// after start shows the probed health, never "is a worker running?".
// Usage: node scanner_problems.mjs NESSUS_MCP NESSUS_SIM
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeFileSync } from "node:fs";
import { check, equal, freePort, run } from "./lib.mjs";
import { FINGERPRINT, SECRETS, call, connect, startSim } from "./scan_lib.mjs";

const [binary, simBinary] = process.argv.slice(2);
const work = mkdtempSync(join(tmpdir(), "nmcp-problems-"));


function config(name, { url, accessKey = SECRETS.accessKey, secretKey = SECRETS.secretKey,
  fingerprint = FINGERPRINT }) {
  const path = join(work, `${name}.yaml`);
  writeFileSync(path, `defaults:
  pool: default
  poll_interval_seconds: 1
pools:
  default:
    scope:
      allow: [10.0.0.0/8]
    instances:
      - id: ${name}
        url: ${url}
        auth:
          mode: api_keys
          access_key: ${accessKey}
          secret_key: ${secretKey}
        tls:
          fingerprint: ${fingerprint}
        max_concurrent_scans: 2
`);
  return path;
}

async function server(name, cfg) {
  const dir = mkdtempSync(join(work, `${name}-data-`));
  return connect(binary, ["--stdio", "--config", cfg, "--data-dir", dir, "--log-level", "warn"],
    { PATH: process.env.PATH, HOME: work });
}

// Submits a scan and returns the first get_scan_status.
async function firstStatus(client) {
  const submitted = await call(client, "run_untrusted_scan", { targets: "10.0.0.5", name: "probe" });
  check(!submitted.isError, `submitted: ${submitted.content?.[0]?.text}`);
  const s = submitted.structuredContent;
  check(s.waiting && s.waiting.reason, `the submit says it cannot start now: ${JSON.stringify(s)}`);
  const status = await call(client, "get_scan_status", { task_id: s.task_id });
  check(!status.isError, "get_scan_status");
  return status.structuredContent;
}

function explained(st, pattern, hintPattern) {
  equal(st.state, "queued", "the task waits");
  check(st.waiting, `a waiting explanation: ${JSON.stringify(st)}`);
  check(pattern.test(st.waiting.reason), `the reason ${JSON.stringify(st.waiting.reason)} matches ${pattern}`);
  check(hintPattern.test(st.waiting.hint), `the hint ${JSON.stringify(st.waiting.hint)} matches ${hintPattern}`);
  check(typeof st.waiting.since === "string" && st.waiting.since.endsWith("Z"), "since when");
  if (process.env.SHOW) console.log(JSON.stringify(st.waiting));
}

let sim;
let pro;
await run("scanner_problems", [
  ["simulators (a Manager and a Professional edition)", async () => {
    sim = await startSim(simBinary, ["--speed", "1000"]);
    pro = await startSim(simBinary, ["--edition", "professional"]);
  }],
  ["a wrong URL shows in the first get_scan_status", async () => {
    const s = await server("wrong-url", config("wrong-url", { url: `https://127.0.0.1:${await freePort()}` }));
    try {
      explained(await firstStatus(s.client), /wrong-url.*(connect|refused)/i, /url|reachable/i);
    } finally { await s.client.close(); }
  }],
  ["a wrong certificate pin shows in the first get_scan_status", async () => {
    const s = await server("wrong-pin", config("wrong-pin", { url: sim.url,
      fingerprint: `sha256:${"0".repeat(64)}` }));
    try {
      explained(await firstStatus(s.client), /wrong-pin.*(fingerprint|certificate|pin)/i, /fingerprint|pin|certificate/i);
    } finally { await s.client.close(); }
  }],
  ["a wrong API key shows in the first get_scan_status", async () => {
    const s = await server("wrong-key", config("wrong-key", { url: sim.url, secretKey: "f".repeat(64) }));
    try {
      explained(await firstStatus(s.client), /wrong-key/i, /access_key|secret_key|API Keys/i);
      const scanners = (await call(s.client, "list_scanners", {})).structuredContent;
      equal(scanners.scanners[0].health.state, "unhealthy", "list_scanners agrees");
      equal(scanners.scanners[0].health.authenticated, false, "the key was refused");
    } finally { await s.client.close(); }
  }],
  ["a Professional edition without the scan API refuses the submit with the reason", async () => {
    const s = await server("pro", config("pro", { url: pro.url }));
    try {
      const r = await call(s.client, "run_untrusted_scan", { targets: "10.0.0.5", name: "pro" });
      check(r.isError, "refused");
      const text = r.content[0].text;
      check(/cannot run scans/.test(text) && /professional/i.test(text), `says why: ${text}`);
      check(/ui_token|Nessus Manager/.test(text), `says what to do: ${text}`);
      const tasks = (await call(s.client, "list_tasks", {})).structuredContent;
      equal(tasks.tasks.length, 0, "nothing was queued");
    } finally { await s.client.close(); }
  }],
  ["a healthy scanner: list_scanners shows it probed at once, and templates are checked at submit", async () => {
    const s = await server("good", config("good", { url: sim.url }));
    try {
      const scanners = (await call(s.client, "list_scanners", {})).structuredContent;
      const h = scanners.scanners[0].health;
      equal(h.state, "healthy", `probed before the first call: ${JSON.stringify(h)}`);
      check(!JSON.stringify(scanners).includes("worker running"), "no guess about workers");
      check(scanners.scanners[0].templates.includes("advanced"), "the templates it offers");
      const r = await call(s.client, "run_untrusted_scan", { targets: "10.0.0.5", name: "t", template: "no-such-template" });
      check(r.isError, "an unknown template is refused");
      check(/no scan template 'no-such-template'/.test(r.content[0].text), r.content[0].text);
      check(/advanced/.test(r.content[0].text), "the message lists the templates there are");
      const tasks = (await call(s.client, "list_tasks", {})).structuredContent;
      equal(tasks.tasks.length, 0, "nothing was queued");
      const ok = await call(s.client, "run_untrusted_scan", { targets: "10.0.0.5", name: "t", template: "basic" });
      check(!ok.isError && !ok.structuredContent.waiting, `a known template is taken: ${ok.content?.[0]?.text}`);
    } finally { await s.client.close(); }
  }],
  ["stop the simulators", async () => {
    await sim.stop();
    await pro.stop();
  }],
]);
