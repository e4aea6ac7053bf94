// Authenticated scans with every credential type, end to end: the official MCP SDK client
// spawns nessus-mcp over stdio (embedded worker, SQLite store), which uploads keys to and scans
// a real nessus-sim over pinned TLS. SSH keys (right and wrong), Windows (administrator,
// standard user, wrong password), SNMPv3, one SSH + Windows profile over a mixed subnet, a
// pool that restricts profiles, no secret anywhere it should not be, and a key file with
// loose permissions refused at start with the fix.
// Usage: node credentials_stdio.mjs NESSUS_MCP NESSUS_SIM ADMIN_CLI
import { generateKeyPairSync } from "node:crypto";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { check, equal, run } from "./lib.mjs";
import { call, connect, FINGERPRINT, SECRETS, serverEnv, startSim, waitForState } from "./scan_lib.mjs";

const [binary, simBinary, adminCli] = process.argv.slice(2);
const work = mkdtempSync(join(tmpdir(), "nmcp-cred-e2e-"));
const dataDir = join(work, "data");
const here = new URL(".", import.meta.url).pathname;
// nessus-sim's published demo key (the checked-in configuration carries it too).
const demoKey = readFileSync(join(here, "../../config/scanners.yaml"), "utf8")
  .match(/-----BEGIN OPENSSH PRIVATE KEY-----[\s\S]*?-----END OPENSSH PRIVATE KEY-----/)[0]
  .split("\n").map((l) => l.trim()).join("\n") + "\n";
// A key nessus-sim's hosts have never seen.
const wrongKey = generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" });
// An encrypted key the hosts are told to authorize (its authorized_keys line built from the raw
// public key: ssh-ed25519 wire format).
const passphrase = "Key-Passphrase-55";
const encPair = generateKeyPairSync("ed25519");
const encryptedKey = encPair.privateKey.export({ type: "pkcs8", format: "pem",
  cipher: "aes-256-cbc", passphrase });
const wireString = (buf) => Buffer.concat([Buffer.from([0, 0, 0, buf.length].map((b, i) =>
  i < 3 ? (buf.length >> (24 - 8 * i)) & 255 : buf.length & 255)), buf]);
const rawPublic = Buffer.from(encPair.publicKey.export({ format: "jwk" }).x, "base64url");
const encAuthorized = "ssh-ed25519 " + Buffer.concat([wireString(Buffer.from("ssh-ed25519")),
  wireString(rawPublic)]).toString("base64") + " e2e";
const demoAuthorized = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMB2N0EASg9fSam8h1oDNdSRrY89ZjJd/gCHmxaY5BsI demo";
const ntlmHash = "b718242c44cc276cdcc0a750a4e8551e";  // of the sim's administrator password

const S = {
  winAdmin: "win-admin-123",
  winUser: "win-user-123",
  winWrong: "Wrong-Windows-Pass-4",
  snmpAuth: "snmp-auth-123",
  snmpPriv: "snmp-priv-123",
};
let sim;
let server;
const results = [];  // every tool result, for the secret check
const tool = async (name, args) => {
  const r = await call(server.client, name, args);
  results.push(JSON.stringify(r));
  return r;
};

function writeSecret(name, content, mode = 0o600) {
  const path = join(work, name);
  writeFileSync(path, content);
  chmodSync(path, mode);
  return path;
}

function writeConfig(simUrl, keyFile, winPassFile) {
  const path = join(work, "scanners.yaml");
  writeFileSync(path, `defaults:
  pool: default
  poll_interval_seconds: 1
pools:
  default:
    scope:
      allow: [10.0.0.0/8]
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
  windows-only:
    scope:
      allow: [10.50.0.0/16]
    credential_profiles: [win-admin]
    instances:
      - id: local-w
        url: ${simUrl}
        auth:
          mode: api_keys
          access_key: \${SIM_ACCESS_KEY}
          secret_key: \${SIM_SECRET_KEY}
        tls:
          fingerprint: \${SIM_FINGERPRINT}
credentials:
  ssh-key:
    type: ssh
    auth: public_key
    username: scanuser
    private_key: file:${keyFile}
  ssh-wrong-key:
    type: ssh
    username: scanuser
    private_key: \${WRONG_KEY}
  ssh-encrypted-key:
    type: ssh
    username: scanuser
    private_key: \${ENCRYPTED_KEY}
    private_key_passphrase: \${KEY_PASSPHRASE}
  win-hash:
    type: windows
    auth: ntlm_hash
    username: scanadmin
    domain: LAB
    ntlm_hash: \${WIN_HASH}
  win-admin:
    type: windows
    username: scanadmin
    domain: LAB
    password: file:${winPassFile}
  win-user:
    type: windows
    username: labuser
    domain: LAB
    password: \${WIN_USER_PASSWORD}
  win-wrong:
    type: windows
    username: scanadmin
    domain: LAB
    password: \${WIN_WRONG_PASSWORD}
  snmp:
    type: snmpv3
    username: snmpuser
    auth_password: \${SNMP_AUTH}
    privacy_password: \${SNMP_PRIV}
  mixed:
    credentials:
      - {type: ssh, auth: public_key, username: scanuser, private_key: "file:${keyFile}"}
      - {type: windows, username: scanadmin, domain: LAB, password: "file:${winPassFile}"}
`);
  return path;
}

const env = () => ({
  ...serverEnv(),
  WRONG_KEY: wrongKey,
  ENCRYPTED_KEY: encryptedKey,
  KEY_PASSPHRASE: passphrase,
  WIN_HASH: ntlmHash,
  WIN_USER_PASSWORD: S.winUser,
  WIN_WRONG_PASSWORD: S.winWrong,
  SNMP_AUTH: S.snmpAuth,
  SNMP_PRIV: S.snmpPriv,
});

const serverArgs = (config) => [
  "--stdio", "--config", config, "--data-dir", dataDir, "--log-level", "debug",
  "--poll-interval-ms", "200", "--export-poll-ms", "100", "--claim-interval-ms", "100",
  "--probe-interval-ms", "300",
];

async function scan(profile, targets, extra = {}) {
  const r = await tool("run_authenticated_scan", {
    targets, name: `e2e ${profile}`, credential_profile: profile, ...extra,
  });
  check(!r.isError, `${profile}: ${JSON.stringify(r.content)}`);
  return waitForState(server.client, r.structuredContent.task_id, ["completed", "failed"], 90000);
}

function filesUnder(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

let config;
await run("credentials-stdio", [
  ["start nessus-sim and nessus-mcp with every credential type", async () => {
    const authorized = join(work, "authorized_keys");
    writeFileSync(authorized, `${demoAuthorized}\n${encAuthorized}\n`);
    sim = await startSim(simBinary, ["--scan-seconds", "2", "--ssh-authorized-key", authorized]);
    config = writeConfig(sim.url, writeSecret("scan_key", demoKey),
      writeSecret("win_pass", `${S.winAdmin}\n`, 0o400));
    server = await connect(binary, serverArgs(config), env());
  }],

  ["list_credential_profiles shows types, methods and pools, never a secret", async () => {
    const r = await tool("list_credential_profiles", {});
    check(!r.isError, JSON.stringify(r));
    const byName = Object.fromEntries(r.structuredContent.credential_profiles.map((p) => [p.name, p]));
    equal(byName["ssh-key"].credentials[0].auth, "public_key", "key auth");
    equal(byName["mixed"].types, ["ssh", "windows"], "mixed types");
    equal(byName["win-admin"].pools, ["default", "windows-only"], "pools allowing win-admin");
    equal(byName["snmp"].pools, ["default"], "windows-only allows only win-admin");
    equal(byName["win-admin"].credentials[0].options.start_remote_registry, false, "safe default");
    const only = await tool("list_credential_profiles", { pool: "windows-only" });
    equal(only.structuredContent.credential_profiles.map((p) => p.name), ["win-admin"], "pool filter");
  }],

  ["an SSH key scan succeeds: the key is uploaded for the scan", async () => {
    const before = (await sim.stats()).requests["POST /file/upload"] ?? 0;
    const done = await scan("ssh-key", "10.0.0.1");
    equal(done.state, "completed", JSON.stringify(done.error));
    equal(done.validation.credentials, "success", "key login worked");
    equal(done.validation.by_protocol.ssh.success, 1, "per protocol");
    equal((await sim.stats()).requests["POST /file/upload"], before + 1, "one upload");
  }],

  ["an SSH scan with a key the hosts do not authorize fails with the reason", async () => {
    const done = await scan("ssh-wrong-key", "10.0.0.2");
    equal(done.state, "failed", "failed");
    equal(done.error.code, "credentials_rejected", JSON.stringify(done.error));
    check(/not authorized/.test(done.error.message), done.error.message);
  }],

  ["an encrypted key with its passphrase, and a Windows NTLM hash, log in", async () => {
    const [key, hash] = await Promise.all([scan("ssh-encrypted-key", "10.0.0.3"),
      scan("win-hash", "10.50.0.5")]);
    equal(key.validation.credentials, "success", JSON.stringify(key.error));
    equal(hash.validation.credentials, "success", JSON.stringify(hash.error));
  }],

  ["Windows: administrator succeeds, standard user is partial, a wrong password fails", async () => {
    const ok = await scan("win-admin", "10.50.0.1-2");
    equal(ok.state, "completed", JSON.stringify(ok.error));
    equal(ok.validation.by_protocol.windows.success, 2, "both hosts");
    equal(ok.summary.credentials_by_protocol.windows.success, 2, "in the summary too");
    const partial = await scan("win-user", "10.50.0.3");
    equal(partial.state, "completed", "a partial login is not a failure");
    equal(partial.validation.credentials, "partial", "partial");
    const host = partial.validation.hosts[0];
    equal(host.status, "partial", "host partial");
    check(/administrator rights/.test(host.reason), host.reason);
    const failed = await scan("win-wrong", "10.50.0.4");
    equal(failed.state, "failed", "failed");
    check(/SMB login as 'LAB\\scanadmin' on port 445 failed/.test(failed.error.message), failed.error.message);
    for (const cause of [/locked out/, /administrator/, /Remote Registry/, /SMB signing/, /TCP 445/]) {
      check(cause.test(failed.error.hint), `hint names ${cause}: ${failed.error.hint}`);
    }
  }],

  ["SNMPv3 on a network device", async () => {
    const done = await scan("snmp", "10.60.0.1");
    equal(done.state, "completed", JSON.stringify(done.error));
    equal(done.validation.by_protocol.snmpv3.success, 1, "snmp login");
  }],

  ["one SSH + Windows profile over a mixed subnet: right outcome per host and protocol", async () => {
    const done = await scan("mixed", "10.0.0.20-21,10.50.0.20-21");
    equal(done.state, "completed", JSON.stringify(done.error));
    equal(done.validation.by_protocol, {
      ssh: { failed: 0, not_applicable: 2, partial: 0, success: 2, unknown: 0 },
      windows: { failed: 0, not_applicable: 2, partial: 0, success: 2, unknown: 0 },
    }, "per protocol counts");
    const hosts = await tool("list_scan_hosts", { task_id: done.task_id, sort_by: "address" });
    check(!hosts.isError, JSON.stringify(hosts));
    for (const h of hosts.structuredContent.hosts) {
      const windows = h.ip.startsWith("10.50.");
      const per = Object.fromEntries(h.credentials.protocols.map((p) => [p.protocol, p.status]));
      equal(h.credentials.status, "success", `${h.ip} overall`);
      equal(per, windows ? { ssh: "not_applicable", windows: "success" }
        : { ssh: "success", windows: "not_applicable" }, `${h.ip} per protocol`);
    }
  }],

  ["a pool that restricts profiles refuses the others before anything is submitted", async () => {
    const created = (await sim.stats()).scans_created;
    const r = await tool("run_authenticated_scan", {
      targets: "10.50.1.1", name: "restricted", pool: "windows-only", credential_profile: "snmp",
    });
    check(r.isError, "refused");
    check(/does not allow credential profile 'snmp'/.test(r.content[0].text), r.content[0].text);
    check(/win-admin/.test(r.content[0].text), "names the allowed profiles");
    equal((await sim.stats()).scans_created, created, "nothing created");
  }],

  ["check_targets says per target what a submit would decide, and submits nothing", async () => {
    const created = (await sim.stats()).scans_created;
    const r = await tool("check_targets", { targets: "10.50.1.1, 10.60.0.1", pool: "windows-only" });
    check(!r.isError, JSON.stringify(r));
    const c = r.structuredContent;
    equal(c.accepted, false, "one target is outside");
    equal(c.targets.map((t) => [t.target, t.in_scope]), [["10.50.1.1", true], ["10.60.0.1", false]],
      "per target");
    check(/inside the allowed block 10.50.0.0\/16/.test(c.targets[0].rule), c.targets[0].rule);
    equal((await sim.stats()).scans_created, created, "nothing created");
  }],

  ["every submit decision is one line of the audit log; admin_cli audit filters it", async () => {
    const outside = await tool("run_authenticated_scan", {
      targets: "8.8.8.8", name: "outside", credential_profile: "win-admin" });
    check(outside.isError, "out of scope");
    const audit = (...args) => JSON.parse(spawnSync(adminCli,
      ["--data-dir", dataDir, "--json", "audit", ...args], { encoding: "utf8" }).stdout);
    const denies = audit("--decision", "deny").events;
    equal(denies.length, 2, JSON.stringify(denies));
    check(denies.some((e) => e.pool === "windows-only" && e.targets === "10.50.1.1" &&
      /does not allow credential profile 'snmp'/.test(e.rule)), "the pool refusal");
    check(denies.some((e) => e.targets === "8.8.8.8" && /out of scope/.test(e.rule)), "the scope refusal");
    check(denies.every((e) => e.tenant === "local" && e.tool === "run_authenticated_scan"), "who and how");
    const submits = audit("--decision", "allow").events.filter((e) => e.rule.startsWith("targets within"));
    equal(submits.length, 9, "one allow per accepted submit");
    equal(audit("--tenant", "nobody").events.length, 0, "tenant filter");
    equal(audit("--since", "2099-01-01").events.length, 0, "since filter");
  }],

  ["no secret in the logs, the data directory or any tool result", async () => {
    const logs = server.logs();
    await server.client.close();
    const keyLines = demoKey.split("\n").filter((l) => l.length > 40 && !l.startsWith("-----"));
    const wrongLines = wrongKey.split("\n").filter((l) => l.length > 40 && !l.startsWith("-----"));
    const encLines = encryptedKey.split("\n").filter((l) => l.length > 40 && !l.startsWith("-----"));
    const secrets = [...Object.values(S), ...keyLines, ...wrongLines, ...encLines, passphrase,
      ntlmHash, SECRETS.accessKey, SECRETS.secretKey];
    const places = { logs, results: results.join("\n") };
    for (const file of filesUnder(dataDir)) places[file] = readFileSync(file).toString("latin1");
    for (const [where, text] of Object.entries(places)) {
      for (const secret of secrets) check(!text.includes(secret), `a secret in ${where}`);
    }
    check(logs.length > 1000, "the debug log was captured");
  }],

  ["admin_cli config check reports every bad key file by path and line, at once", async () => {
    const pub = writeSecret("key.pub", `${demoAuthorized}\n`);
    const enc = writeSecret("enc_key", encryptedKey);
    const bad = join(work, "badkeys.yaml");
    writeFileSync(bad, readFileSync(config, "utf8").replace(/^credentials:\n/m, `credentials:
  missing-file:
    type: ssh
    username: u
    private_key: file:${join(work, "no_such_key")}
  public-half:
    type: ssh
    username: u
    private_key: file:${pub}
  no-passphrase:
    type: ssh
    username: u
    private_key: file:${enc}
`));
    const r = spawnSync(adminCli, ["config", "check", bad], { env: env(), encoding: "utf8" });
    check(r.status !== 0, `exit status ${r.status}`);
    const out = r.stdout + r.stderr;
    check(/badkeys\.yaml:\d+:\d+: credentials\.missing-file\.private_key: secret file .*no_such_key cannot be read/.test(out), out);
    check(/badkeys\.yaml:\d+:\d+: credentials\.public-half\.private_key: this is a public key/.test(out), out);
    check(/badkeys\.yaml:\d+:\d+: credentials\.no-passphrase\.private_key: the private key is encrypted, but no passphrase is given/.test(out), out);
    check(out.includes(`(in ${enc})`), "names the file");
  }],

  ["a key file others may read is refused at start, with the path and the fix", async () => {
    const loose = writeSecret("loose_key", demoKey, 0o644);
    const bad = join(work, "loose.yaml");
    writeFileSync(bad, readFileSync(config, "utf8").replaceAll(join(work, "scan_key"), loose));
    const r = spawnSync(binary, serverArgs(bad), { env: env(), input: "", encoding: "utf8", timeout: 20000 });
    check(r.status !== 0, `exit status ${r.status}`);
    check(r.stderr.includes(`${loose} may be read by its group or others (mode 0644)`), r.stderr);
    check(r.stderr.includes(`chmod 600 ${loose}`), "the fix");
    check(/loose\.yaml:\d+:\d+: credentials\.ssh-key\.private_key/.test(r.stderr), "file, line and path");
  }],
]).finally(() => sim?.stop());
