// Shared helpers for the end-to-end tests: start nessus-mcp over HTTP on a free port, small
// assertions that name what failed, and a runner that reports each check.
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

// A fresh data directory for a server this test starts, under $NMCP_DATA_DIR (set per test by
// CTest) or the system temp dir: every run starts from an empty store.
export function dataDir() {
  const parent = process.env.NMCP_DATA_DIR || tmpdir();
  mkdirSync(parent, { recursive: true });
  return mkdtempSync(join(parent, "run-"));
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Polls `fn` until it returns something truthy (returned), or throws after `timeoutMs` naming
// `what` and, with `explain`, what the processes say.
export async function until(what, fn, { timeoutMs = 60000, everyMs = 100, explain } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${explain ? `\n${await explain()}` : ""}`);
    }
    await sleep(everyMs);
  }
}

export function check(condition, message) {
  if (!condition) throw new Error(`check failed: ${message}`);
}

export function equal(actual, expected, message) {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`check failed: ${message}\n  expected ${e}\n  got      ${a}`);
}

export async function rejects(promise, pattern, message) {
  try {
    await promise;
  } catch (err) {
    if (pattern && !pattern.test(String(err?.message ?? err))) {
      throw new Error(`check failed: ${message}: error "${err?.message}" does not match ${pattern}`);
    }
    return err;
  }
  throw new Error(`check failed: ${message}: expected a rejection`);
}

// Runs named async steps in order; prints each; exits non-zero on the first failure.
export async function run(name, steps) {
  for (const [title, fn] of steps) {
    const started = Date.now();
    try {
      await fn();
      console.log(`ok   ${name}: ${title} (${Date.now() - started} ms)`);
    } catch (err) {
      console.error(`FAIL ${name}: ${title}\n${err?.stack ?? err}`);
      process.exit(1);
    }
  }
}

// Starts `binary --http 127.0.0.1:0 ...args` and resolves once it logs the port it bound.
export function startHttpServer(binary, args = []) {
  return new Promise((resolve, reject) => {
    const proc = spawn(binary, ["--http", "127.0.0.1:0", "--log-format", "json", ...args], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    let stdout = "";
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${stderr}`)), 15000);
    proc.stdout.on("data", (d) => (stdout += d));
    proc.stderr.on("data", (d) => {
      stderr += d;
      for (const line of stderr.split("\n")) {
        if (!line.includes("listening on")) continue;
        const port = JSON.parse(line).port;
        clearTimeout(timer);
        resolve({
          port,
          url: `http://127.0.0.1:${port}`,
          proc,
          logs: () => stderr,
          stdout: () => stdout,
          stop: () =>
            new Promise((done) => {
              if (proc.exitCode !== null) return done(proc.exitCode);
              proc.once("exit", (code) => done(code));
              proc.kill("SIGTERM");
            }),
        });
        return;
      }
    });
    proc.once("exit", (code) => reject(new Error(`server exited with ${code}:\n${stderr}`)));
  });
}

// A loopback port nothing listens on right now: bound, then released.
export async function freePort() {
  const { createServer } = await import("node:net");
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// Starts a redis-server on a Unix socket in `dir` (appendonly, as nessus-mcp requires) and
// resolves once it answers; `store` is the --store URL, `stop()` kills it.
export async function startRedis(dir) {
  mkdirSync(dir, { recursive: true });
  const socket = join(dir, "redis.sock");
  const proc = spawn("redis-server", ["--port", "0", "--unixsocket", socket, "--unixsocketperm",
    "700", "--dir", dir, "--save", "", "--appendonly", "yes"], { stdio: "ignore" });
  process.on("exit", () => proc.kill("SIGKILL"));
  await until("redis-server", () => {
    try {
      return execFileSync("redis-cli", ["-s", socket, "PING"],
        { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim() === "PONG";
    } catch {
      return false;
    }
  }, { timeoutMs: 20000, everyMs: 50 });
  return { store: `unix://${socket}?timeout_ms=2000`, stop: () => proc.kill("SIGKILL") };
}
