// Helpers for the scan end-to-end tests and the demo: a real nessus-sim process over HTTPS, a
// scanner configuration pointing at it, and an MCP client (the official SDK) that spawns
// nessus-mcp over stdio the way Claude Desktop does.
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

// The simulator's defaults (dev/nessus-sim/README.md). They are secrets as far as the tests
// are concerned: none may appear in the data directory or in any log.
export const SECRETS = {
  accessKey: "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90",
  secretKey: "0f9e8d7c6b5a49382716f5e4d3c2b1a00f9e8d7c6b5a49382716f5e4d3c2b1a0",
  adminPassword: "nessus-sim-admin",
  sshPassword: "scan-pass-123",
  escalationPassword: "root-pass-123",
  wrongSshPassword: "not-the-right-password",
};

// Starts nessus-sim on a free port; resolves with its port, stats() and faults(patch).
export function startSim(simBinary, args = []) {
  return new Promise((resolve, reject) => {
    const proc = spawn(simBinary, ["--port", "0", ...args], { stdio: ["ignore", "pipe", "pipe"] });
    // A failing test exits at once; the simulator must not outlive it.
    process.on("exit", () => proc.kill("SIGKILL"));
    let out = "";
    let err = "";
    proc.stderr.on("data", (d) => (err += d));
    const timer = setTimeout(() => reject(new Error(`nessus-sim did not start:\n${err}`)), 15000);
    proc.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/port=(\d+)/);
      if (!m) return;
      clearTimeout(timer);
      const port = Number(m[1]);
      const base = `https://127.0.0.1:${port}`;
      // The control API is plain JSON over the same TLS listener (self-signed: not verified here;
      // the server under test verifies it by fingerprint).
      const control = async (method, path, body) => {
        const { request } = await import("node:https");
        return new Promise((ok, bad) => {
          const req = request(`${base}${path}`, { method, rejectUnauthorized: false,
            headers: { "content-type": "application/json" } }, (res) => {
            let text = "";
            res.on("data", (c) => (text += c));
            res.on("end", () => (res.statusCode < 300 ? ok(JSON.parse(text || "{}"))
              : bad(new Error(`${path}: HTTP ${res.statusCode} ${text}`))));
          });
          req.on("error", bad);
          if (body) req.write(JSON.stringify(body));
          req.end();
        });
      };
      resolve({
        port,
        url: base,
        proc,
        logs: () => err,
        stats: () => control("GET", "/_sim/stats"),
        faults: (patch) => control("POST", "/_sim/faults", patch),
        // Answers every request a route rule holds (see the simulator's README).
        release: () => control("POST", "/_sim/release"),
        stop: () => new Promise((done) => {
          if (proc.exitCode !== null) return done();
          proc.once("exit", () => done());
          proc.kill("SIGTERM");
        }),
      });
    });
    proc.once("exit", (code) => reject(new Error(`nessus-sim exited with ${code}:\n${err}`)));
  });
}

// A scanners.yaml for the simulator: pool "default" with an API-key instance and pool
// "session" with a web-session instance (to exercise session expiry), both on the simulator.
// `inline` also allows inline credentials (sealed at rest) for run_authenticated_scan.
export function writeConfig(dir, simUrl, { inline = false, name = "scanners.yaml" } = {}) {
  const path = join(dir, name);
  writeFileSync(path, `defaults:
  pool: default
  poll_interval_seconds: 1
  scan_timeout_minutes: 30
  allow_inline_credentials: ${inline}
pools:
  default:
    scope:
      allow: [10.0.0.0/8, 192.168.0.0/16]
      deny: [10.66.0.0/16]
      hostnames: ["*.lab.example"]
      max_addresses: 64
    instances:
      - id: local
        url: ${simUrl}
        auth:
          mode: api_keys
          access_key: \${SIM_ACCESS_KEY}
          secret_key: \${SIM_SECRET_KEY}
        tls:
          fingerprint: \${SIM_FINGERPRINT}
        max_concurrent_scans: 4
  session:
    scope:
      allow: [10.0.0.0/8]
      max_addresses: 16
    instances:
      - id: local-session
        url: ${simUrl}
        auth:
          mode: session
          username: admin
          password: \${SIM_ADMIN_PASSWORD}
        tls:
          fingerprint: \${SIM_FINGERPRINT}
        max_concurrent_scans: 2
credentials:
  demo-valid:
    type: ssh
    username: scanuser
    password: \${SIM_SSH_PASSWORD}
    escalation:
      method: sudo
      account: root
      password: \${SIM_ESCALATION_PASSWORD}
  demo-invalid:
    type: ssh
    username: scanuser
    password: \${SIM_WRONG_PASSWORD}
`);
  return path;
}

export const FINGERPRINT = "sha256:762472ffc020231498a43ee1280206327ec89e54bd038b02d088d08e86489960";

// The environment the server needs: secrets arrive through ${VAR} substitution only.
export function serverEnv() {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME ?? "/tmp",
    SIM_ACCESS_KEY: SECRETS.accessKey,
    SIM_SECRET_KEY: SECRETS.secretKey,
    SIM_ADMIN_PASSWORD: SECRETS.adminPassword,
    SIM_SSH_PASSWORD: SECRETS.sshPassword,
    SIM_ESCALATION_PASSWORD: SECRETS.escalationPassword,
    SIM_WRONG_PASSWORD: SECRETS.wrongSshPassword,
    SIM_FINGERPRINT: FINGERPRINT,
  };
}

// Spawns nessus-mcp over stdio with the official SDK client. `logs()` returns its stderr.
export async function connect(binary, args, env) {
  const transport = new StdioClientTransport({ command: binary, args, env, stderr: "pipe" });
  let logs = "";
  transport.stderr.on("data", (d) => (logs += d));
  const client = new Client({ name: "nessus-mcp-e2e", version: "1.0.0" });
  try {
    await client.connect(transport);
  } catch (err) {
    throw new Error(`nessus-mcp did not start: ${err.message}\n${logs}`);
  }
  return { client, transport, logs: () => logs };
}

export async function call(client, name, args, options = {}) {
  return client.callTool({ name, arguments: args }, undefined, { timeout: 60000, ...options });
}

// Polls get_scan_status (with server-side waits) until the task reaches `states`.
export async function waitForState(client, taskId, states, timeoutMs = 60000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    const r = await call(client, "get_scan_status", { task_id: taskId, wait_seconds: 2 });
    if (r.isError) throw new Error(`get_scan_status: ${r.content[0].text}`);
    last = r.structuredContent;
    if (states.includes(last.state)) return last;
  }
  throw new Error(`task ${taskId} did not reach ${states} (last: ${JSON.stringify(last)})`);
}

export async function waitUntil(what, fn, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await fn();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}
