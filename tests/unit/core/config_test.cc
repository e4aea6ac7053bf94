#include <fstream>
#include <map>
#include <string>

#include <doctest/doctest.h>

#include "core/config/config_holder.h"
#include "core/config/env_substitution.h"
#include "core/config/scanner_config.h"
#include "tests/support/subprocess.h"

using namespace nmcp::config;

namespace {

EnvLookup env_of(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    const auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

const std::string kKey(64, 'a');

// A valid configuration, with `extra` spliced into the first instance.
std::string minimal(const std::string& instance_extra = "", const std::string& tail = "") {
  return "pools:\n"
         "  lab:\n"
         "    scope:\n"
         "      allow: [10.0.0.0/8]\n"
         "    instances:\n"
         "      - id: one\n"
         "        url: https://nessus.lab:8834/\n"
         "        auth: {mode: api_keys, access_key: " +
         kKey + ", secret_key: " + kKey + "}\n" + instance_extra + tail;
}

std::string problems(const std::string& yaml, std::map<std::string, std::string> vars = {}) {
  auto r = parse_config(yaml, "test.yaml", env_of(std::move(vars)));
  REQUIRE_FALSE(r);
  return r.error().message;
}

}  // namespace

TEST_CASE("env substitution: defaults, escapes, embedded references, missing variables") {
  const auto env = env_of({{"HOST", "nessus"}, {"EMPTY", ""}});
  CHECK(substitute_env("https://${HOST}:8834", env).value() == "https://nessus:8834");
  CHECK(substitute_env("${MISSING:-fallback}", env).value() == "fallback");
  CHECK(substitute_env("${EMPTY:-fallback}", env).value() == "fallback");
  CHECK(substitute_env("${EMPTY}", env).value() == "");
  CHECK(substitute_env("${HOST}-${HOST}", env).value() == "nessus-nessus");
  CHECK(substitute_env("cost $$5 and $ alone", env).value() == "cost $5 and $ alone");
  CHECK(substitute_env("${MISSING:-}", env).value() == "");
  const auto missing = substitute_env("x${MISSING}y", env);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message == "environment variable MISSING is not set");
  CHECK_FALSE(substitute_env("${UNCLOSED", env));
  CHECK_FALSE(substitute_env("${9BAD}", env));
  CHECK_FALSE(substitute_env("${}", env));
}

TEST_CASE("config: a minimal valid file, with defaults filled in") {
  auto c = parse_config(minimal(), "test.yaml", env_of({}));
  REQUIRE_MESSAGE(c, (c ? "" : c.error().message));
  REQUIRE(c->pools.size() == 1);
  const auto& inst = c->pools[0].instances[0];
  CHECK(inst.url == "https://nessus.lab:8834");  // trailing slash dropped
  CHECK(inst.auth.mode == AuthMode::ApiKeys);
  CHECK(inst.max_concurrent_scans == 2);
  CHECK(inst.enabled);
  CHECK_FALSE(inst.tls.insecure);
  CHECK(c->defaults.pool == "lab");
  CHECK(c->defaults.poll_interval.count() == 30);
  CHECK(c->pool("lab") != nullptr);
  CHECK(c->pool("nope") == nullptr);
}

TEST_CASE("config: the checked-in config/scanners.yaml works against the simulator's defaults") {
  auto c = load_config(std::string(NMCP_SOURCE_DIR) + "/config/scanners.yaml", env_of({}));
  REQUIRE_MESSAGE(c, (c ? "" : c.error().message));
  const PoolConfig* pool = c->pool("default");
  REQUIRE(pool != nullptr);
  std::vector<std::string> allow;
  for (const auto& a : pool->scope.allow) allow.push_back(a.to_string());
  CHECK(allow ==
        std::vector<std::string>{"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"});
  CHECK(pool->scope.hostnames.empty());
  const auto& inst = pool->instances.at(0);
  CHECK(inst.url == "https://127.0.0.1:8834");
  CHECK(inst.tls.fingerprint == "762472ffc020231498a43ee1280206327ec89e54bd038b02d088d08e86489960");
  CHECK(c->credential("demo-valid") != nullptr);
  CHECK(c->credential("demo-invalid") != nullptr);
  CHECK(c->credential("demo-valid")->ssh.at(0).escalation_method == "sudo");
  // The environment wins over the defaults.
  auto real = load_config(std::string(NMCP_SOURCE_DIR) + "/config/scanners.yaml",
                          env_of({{"NESSUS_URL", "https://scanner.corp:8834"},
                                  {"NESSUS_FINGERPRINT", "AB:" + std::string(62, 'c')}}));
  REQUIRE(real);
  CHECK(real->pools[0].instances[0].url == "https://scanner.corp:8834");
  CHECK(real->pools[0].instances[0].tls.fingerprint == "ab" + std::string(62, 'c'));
}

TEST_CASE("config: every problem is reported with its line and path") {
  struct Case {
    std::string yaml;
    std::string expect;
  };
  const std::vector<Case> cases = {
      {"pools: [\n", "test.yaml:2:1: not valid YAML"},
      {"- a\n- b\n", "the file must be a mapping"},
      {"defaults: {}\n", "pools: is required"},
      {minimal() + "colour: blue\n", "unknown key \"colour\""},
      {minimal("        speed: fast\n"),
       "test.yaml:9:9: pools.lab.instances[0]: unknown key \"speed\""},
      {"pools:\n  lab:\n    scope: {allow: [10.0.0.0/8]}\n    instances: []\n",
       "pools.lab.instances: must list at least one Nessus instance"},
      {"pools:\n  lab:\n    instances:\n      - {id: a, url: 'https://x', auth: {mode: api_keys, "
       "access_key: " +
           kKey + ", secret_key: " + kKey + "}}\n",
       "pools.lab.scope: is required"},
      {"pools:\n  lab:\n    scope: {allow: [10.0.0.1/8]}\n    instances:\n      - {id: a, url: "
       "'https://x', auth: {mode: api_keys, access_key: " +
           kKey + ", secret_key: " + kKey + "}}\n",
       "pools.lab.scope.allow[0]: \"10.0.0.1/8\" is not an IPv4 or IPv6 address or CIDR block"},
      {"pools:\n  lab:\n    scope: {allow: [10.0.0.0/8], hostnames: ['bad host']}\n    "
       "instances:\n      - {id: a, url: 'https://x', auth: {mode: api_keys, access_key: " +
           kKey + ", secret_key: " + kKey + "}}\n",
       "must be a host name or \"*.\" followed by a domain"},
      {"pools:\n  lab:\n    scope: {allow: [10.0.0.0/8]}\n    instances:\n      - {id: a, url: "
       "'http://x', auth: {mode: api_keys, access_key: " +
           kKey + ", secret_key: " + kKey + "}}\n",
       "url: must be an https:// URL"},
      {"pools:\n  lab:\n    scope: {allow: [10.0.0.0/8]}\n    instances:\n      - {id: a, url: "
       "'https://x', auth: {mode: api_keys, access_key: short, secret_key: " +
           kKey + "}}\n",
       "auth.access_key: must be 64 hex digits"},
      {"pools:\n  lab:\n    scope: {allow: [10.0.0.0/8]}\n    instances:\n      - {id: a, url: "
       "'https://x', auth: {mode: magic}}\n",
       "auth.mode: must be api_keys or session"},
      {"pools:\n  lab:\n    scope: {allow: [10.0.0.0/8]}\n    instances:\n      - {id: a, url: "
       "'https://x', auth: {mode: session, username: u}}\n",
       "auth.password: is required"},
      {minimal("        tls: {fingerprint: sha256:1234}\n"),
       "tls.fingerprint: must be a SHA-256 fingerprint"},
      {minimal("        tls: {fingerprint: " + std::string(64, 'f') + ", insecure: true}\n"),
       "tls.insecure: cannot be combined with fingerprint or ca_file"},
      {minimal("        tls: {ca_file: /nonexistent/ca.pem}\n"),
       "tls.ca_file: cannot read \"/nonexistent/ca.pem\""},
      {minimal("        max_concurrent_scans: 0\n"),
       "max_concurrent_scans: must be a whole number from 1 to 100, got \"0\""},
      {minimal("        enabled: maybe\n"), "enabled: must be true or false, got \"maybe\""},
      {minimal(
           "      - id: one\n        url: https://b\n        auth: {mode: api_keys, access_key: " +
           kKey + ", secret_key: " + kKey + "}\n"),
       "id: \"one\" is used by another instance"},
      {minimal("", "credentials:\n  ops:\n    username: root\n"),
       "credentials.ops: auth password needs a password"},
      {minimal("",
               "credentials:\n  ops:\n    username: root\n    password: x\n    escalation: "
               "{method: doas}\n"),
       "escalation.method: must be one of Nothing, sudo, su, su+sudo, pbrun, dzdo"},
      {minimal("", "credentials:\n  ops:\n    type: winrm\n    username: a\n    password: b\n"),
       "credentials.ops.type: must be one of ssh, windows, snmpv3; got \"winrm\""},
      {minimal("", "defaults: {pool: elsewhere}\n"),
       "defaults.pool: names no pool defined under pools"},
      {minimal("", "defaults: {poll_interval_seconds: soon}\n"),
       "defaults.poll_interval_seconds: must be a whole number"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.yaml);
    const std::string message = problems(c.yaml);
    CHECK_MESSAGE(message.find(c.expect) != std::string::npos, message);
  }
}

TEST_CASE("config: quotas per tenant fall back to the default's limits") {
  auto c = parse_config(minimal("",
                                "quotas:\n"
                                "  default: {scans_per_hour: 30, concurrent_scans: 4}\n"
                                "  tenants:\n"
                                "    team-a: {scans_per_hour: 100, addresses_per_day: 5000}\n"),
                        "test.yaml", env_of({}));
  REQUIRE_MESSAGE(c.has_value(), (c ? "" : c.error().message));
  CHECK(c->quotas.configured());
  const auto a = c->quotas.for_tenant("team-a");
  CHECK(a.scans_per_hour == 100);
  CHECK(a.concurrent_scans == 4);
  CHECK(a.addresses_per_day == 5000);
  const auto other = c->quotas.for_tenant("someone");
  CHECK(other.scans_per_hour == 30);
  CHECK(!other.addresses_per_day);
  CHECK(describe(*c)["quotas"]["tenants"]["team-a"]["concurrent_scans"] == 4);
  CHECK(describe(*c)["quotas"]["default"]["addresses_per_day"] == "unlimited");
  auto none = parse_config(minimal(), "test.yaml", env_of({}));
  REQUIRE(none);
  CHECK_FALSE(none->quotas.configured());

  const auto bad = problems(minimal("",
                                    "quotas:\n"
                                    "  default: {scans_per_hour: 0, per_week: 3}\n"
                                    "  tenants: [a]\n"));
  CHECK(bad.find("quotas.default.scans_per_hour: must be a whole number") != std::string::npos);
  CHECK(bad.find("per_week") != std::string::npos);
  CHECK(bad.find("quotas.tenants: must map tenant names") != std::string::npos);
}

TEST_CASE("config: a missing variable names itself and where it is used; all problems at once") {
  const std::string yaml =
      "pools:\n  lab:\n    scope: {allow: [10.0.0.0/8]}\n    instances:\n"
      "      - id: a\n        url: ${NESSUS_URL}\n"
      "        auth:\n          mode: api_keys\n          access_key: ${ACCESS}\n"
      "          secret_key: " +
      kKey +
      "\n"
      "        max_concurrent_scans: lots\n";
  const std::string message = problems(yaml);
  CHECK(message.find("3 problem(s)") != std::string::npos);
  CHECK(message.find("test.yaml:6:14: pools.lab.instances[0].url: environment variable NESSUS_URL "
                     "is not set") != std::string::npos);
  CHECK(message.find("auth.access_key: environment variable ACCESS is not set") !=
        std::string::npos);
  CHECK(message.find("max_concurrent_scans") != std::string::npos);
}

TEST_CASE("config: messages and describe() never contain a secret") {
  const std::string secret = "s3cr3t-" + std::string(57, 'b');  // 64 chars, not hex
  const std::string yaml =
      "pools:\n  lab:\n    scope: {allow: [10.0.0.0/8]}\n    instances:\n"
      "      - {id: a, url: 'https://x', auth: {mode: api_keys, access_key: '" +
      secret + "', secret_key: " + kKey + "}}\n";
  CHECK(problems(yaml).find(secret) == std::string::npos);

  auto c = parse_config(
      minimal("",
              "credentials:\n  ops:\n    username: root\n    password: hunter2-pass\n"
              "    escalation: {method: sudo, account: root, password: esc-pass-99}\n"),
      "t.yaml", env_of({}));
  REQUIRE(c);
  const std::string described = describe(*c).dump();
  CHECK(described.find(kKey) == std::string::npos);
  CHECK(described.find("hunter2-pass") == std::string::npos);
  CHECK(described.find("esc-pass-99") == std::string::npos);
  CHECK(described.find("\"username\":\"root\"") != std::string::npos);
}

TEST_CASE("ConfigHolder: reload swaps in a valid file and keeps the old one on error") {
  nmcp::testing::TempDir dir;
  const std::string path = dir.file("scanners.yaml", minimal());
  ConfigHolder holder(path, env_of({}));
  int changes = 0;
  holder.on_change([&](const auto&) { ++changes; });
  REQUIRE(holder.reload());
  const auto first = holder.current();
  CHECK(first->pools[0].instances[0].max_concurrent_scans == 2);
  dir.file("scanners.yaml", minimal("        max_concurrent_scans: 5\n"));
  REQUIRE(holder.reload());
  CHECK(holder.current()->pools[0].instances[0].max_concurrent_scans == 5);
  CHECK(first->pools[0].instances[0].max_concurrent_scans == 2);  // snapshots never change
  dir.file("scanners.yaml", "pools: {broken\n");
  const auto bad = holder.reload();
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message.find("not valid YAML") != std::string::npos);
  CHECK(holder.current()->pools[0].instances[0].max_concurrent_scans == 5);
  CHECK(changes == 2);
  ConfigHolder missing(dir.path() + "/nope.yaml", env_of({}));
  CHECK_FALSE(missing.reload());
  CHECK(missing.current() == nullptr);
}

TEST_CASE("config: an unknown pool is worded one way, naming only the pools a key may use") {
  nmcp::config::ScannerConfig c;
  for (const char* name : {"default", "dmz", "lab"}) {
    nmcp::config::PoolConfig p;
    p.name = name;
    c.pools.push_back(p);
  }
  CHECK((*c.find_pool("dmz"))->name == "dmz");
  auto unknown = c.find_pool("nope");
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().code == nmcp::ErrorCode::NotFound);
  CHECK(unknown.error().message == "no pool named 'nope'");
  CHECK(unknown.error().hint == "use one of: default, dmz, lab");
  // A key limited to lab: dmz is as unknown as nope, and only lab is named.
  auto outside = c.find_pool("dmz", std::set<std::string>{"lab"});
  REQUIRE_FALSE(outside);
  CHECK(outside.error().hint == "use one of: lab");
  CHECK(nmcp::config::no_such_pool("x", {}).hint == "no pool is open to you: ask the operator");
}
