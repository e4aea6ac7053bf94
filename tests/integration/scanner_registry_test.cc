// The scanner registry over real simulators: health probes, the circuit breaker, selection.

#include "scanners/registry/scanner_registry.h"

#include <algorithm>

#include <doctest/doctest.h>

#include "tests/support/nessus_sim.h"

using namespace nmcp::scanners;
using nmcp::testing::SimProcess;
using namespace std::chrono_literals;
namespace config = nmcp::config;

namespace {

std::shared_ptr<const config::ScannerConfig> config_of(
    std::vector<config::InstanceConfig> instances) {
  auto c = std::make_shared<config::ScannerConfig>();
  config::PoolConfig pool;
  pool.name = "lab";
  pool.scope.allow.push_back(*nmcp::net::Cidr::parse("10.0.0.0/8"));
  pool.instances = std::move(instances);
  c->pools.push_back(std::move(pool));
  c->defaults.pool = "lab";
  return c;
}

const auto t0 = std::chrono::steady_clock::time_point{} + 1000s;
constexpr std::int64_t kWall = 1'700'000'000'000;

}  // namespace

TEST_CASE(
    "registry: probes report edition, version and scan API; select picks the least utilised") {
  SimProcess manager;
  SimProcess pro({"--edition", "professional"});
  auto a = manager.api_keys_instance("a");
  a.max_concurrent_scans = 2;
  auto b = pro.session_instance(true, "b");
  b.max_concurrent_scans = 4;
  auto off = manager.api_keys_instance("off");
  off.enabled = false;
  auto registry = ScannerRegistry::create(config_of({a, b, off}));
  REQUIRE(registry);
  auto& r = **registry;
  r.probe_all(t0, kWall);
  const auto ha = r.health("a");
  CHECK(ha.reachable);
  CHECK(ha.edition == "manager");
  CHECK(ha.version == "10.8.3");
  CHECK(ha.scan_api);
  const auto hb = r.health("b");
  CHECK(hb.edition == "professional");
  CHECK(hb.scan_api);                   // a session with the web-UI token can control scans
  CHECK_FALSE(r.health("off").probed);  // disabled instances are not probed

  CHECK(r.select("lab", {}, t0) == "a");                    // both idle: lowest id
  CHECK(r.select("lab", {{"a", 1}}, t0) == "b");            // a is 50% used, b 0%
  CHECK(r.select("lab", {{"a", 1}, {"b", 2}}, t0) == "a");  // 50% vs 50%: fewer running
  CHECK(r.select("lab", {{"a", 2}, {"b", 3}}, t0) == "b");  // a is full
  CHECK_FALSE(r.select("lab", {{"a", 2}, {"b", 4}}, t0));   // everything full
  CHECK_FALSE(r.select("other-pool", {}, t0));
  CHECK(ha.authenticated);
  CHECK(ha.usable());
  CHECK(ha.since == kWall);
  CHECK(std::find(ha.templates.begin(), ha.templates.end(), "advanced") != ha.templates.end());
  std::string described;
  for (const auto& st : r.statuses(t0)) {
    described += nmcp::store::to_json(st).dump();
    if (st.instance == "a") CHECK(st.usable());
    if (st.instance == "off") CHECK_FALSE(st.probed);
  }
  CHECK(described.find(nmcp::testing::kSimAccessKey) == std::string::npos);
  CHECK(described.find(nmcp::testing::kSimPassword) == std::string::npos);
  CHECK(described.find("\"circuit\":\"closed\"") != std::string::npos);
}

TEST_CASE("registry: a failing instance is taken out by its breaker and probed back in") {
  SimProcess sim;
  auto good = sim.api_keys_instance("good");
  auto flaky = sim.api_keys_instance("flaky");
  flaky.url = "https://127.0.0.1:1";  // nothing listens here
  auto registry = ScannerRegistry::create(config_of({good, flaky}), {2, 30s});
  REQUIRE(registry);
  auto& r = **registry;
  r.probe("flaky", t0, kWall);
  CHECK_FALSE(r.health("flaky").reachable);
  CHECK(r.health("flaky").error.find("could not connect") != std::string::npos);
  CHECK_FALSE(r.healthy("flaky", t0));  // unreachable at its last probe
  r.probe("flaky", t0, kWall);
  CHECK(r.circuit("flaky", t0) == CircuitBreaker::State::Open);
  CHECK(r.select("lab", {{"good", 2}}, t0) == std::nullopt);  // good is full, flaky is out
  CHECK(r.circuit("flaky", t0 + 31s) == CircuitBreaker::State::HalfOpen);
  // Calls made by workers count too: a success closes it.
  r.record_success("flaky");
  CHECK(r.circuit("flaky", t0 + 31s) == CircuitBreaker::State::Closed);
  r.record_failure("good", t0);
  r.record_failure("good", t0);
  CHECK(r.circuit("good", t0) == CircuitBreaker::State::Open);
  // Flaky answered a call, but only a probe that finds it usable brings it back for scans.
  CHECK(r.select("lab", {}, t0) == std::nullopt);
  // After open_for a half-open probe succeeds and brings it back.
  r.probe_all(t0 + 31s, kWall + 31000);
  CHECK(r.circuit("good", t0 + 31s) == CircuitBreaker::State::Closed);
  CHECK(r.select("lab", {}, t0 + 31s) == "good");
}

TEST_CASE("registry: a probe logs in, and says what is wrong with a key, a pin or an edition") {
  SimProcess manager;
  SimProcess pro({"--edition", "professional"});
  auto wrong_key = manager.api_keys_instance("wrong-key");
  wrong_key.auth.secret_key = std::string(64, 'f');
  auto wrong_pin = manager.api_keys_instance("wrong-pin");
  wrong_pin.tls.fingerprint = "sha256:" + std::string(64, '0');
  auto professional = pro.api_keys_instance("pro");
  auto registry = ScannerRegistry::create(config_of({wrong_key, wrong_pin, professional}));
  REQUIRE(registry);
  auto& r = **registry;
  r.probe_all(t0, kWall);

  const auto k = r.health("wrong-key");
  CHECK(k.reachable);
  CHECK_FALSE(k.authenticated);
  CHECK_FALSE(k.usable());
  CHECK(k.hint.find("access_key") != std::string::npos);

  const auto p = r.health("wrong-pin");
  CHECK_FALSE(p.reachable);
  CHECK_FALSE(p.usable());
  CHECK(p.error.find("sha256:") != std::string::npos);  // names the certificate it saw

  const auto e = r.health("pro");
  CHECK(e.authenticated);
  CHECK_FALSE(e.scan_api);
  CHECK_FALSE(e.usable());
  CHECK(e.error.find("professional") != std::string::npos);
  CHECK(e.hint.find("ui_token") != std::string::npos);
  for (const char* id : {"wrong-key", "wrong-pin", "pro"}) CHECK_FALSE(r.healthy(id, t0));
  CHECK(r.usable("lab", t0).empty());
}
