// The real Nessus client against a real nessus-sim over real TLS.

#include "scanners/nessus/nessus_client.h"

#include <mutex>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

#include "core/base/logging.h"
#include "tests/support/eventually.h"
#include "tests/support/nessus_sim.h"
#include "tests/support/open_gate.h"

using namespace nmcp::scanners;
using nmcp::testing::eventually;
using nmcp::testing::SimProcess;
namespace config = nmcp::config;

namespace {

std::unique_ptr<NessusClient> client_for(const config::InstanceConfig& instance) {
  auto c = NessusClient::create(instance);
  REQUIRE_MESSAGE(c, (c ? "" : c.error().message));
  return std::move(*c);
}

CreateScanRequest scan_request(const std::string& name, const std::string& targets) {
  CreateScanRequest r;
  r.name = name;
  r.targets = targets;
  return r;
}

config::CredentialProfile ssh(const std::string& password, const std::string& method = "Nothing",
                              const std::string& escalation_password = "") {
  config::SshCredential c;
  c.username = nmcp::testing::kSimSshUser;
  c.password = password;
  c.escalation_method = method;
  c.escalation_account = "root";
  c.escalation_password = escalation_password;
  config::CredentialProfile p;
  p.name = "test";
  p.ssh.push_back(c);
  return p;
}

std::string status_of(NessusClient& c, int id) {
  auto d = c.scan_details(id);
  return d ? d->status : "error: " + d.error().message;
}

// Launches and waits until the scan reaches a terminal status; returns it.
std::string run_to_end(NessusClient& c, int id) {
  REQUIRE(c.launch_scan(id, nmcp::testing::open_gate()));
  std::string status;
  REQUIRE(eventually([&] {
    status = status_of(c, id);
    return is_terminal_status(status);
  }));
  return status;
}

std::string download(NessusClient& c, int id) {
  auto handle = c.request_export(id, nmcp::testing::open_gate());
  REQUIRE_MESSAGE(handle, (handle ? "" : handle.error().message));
  REQUIRE(eventually([&] {
    return c.export_status(id, handle->file).value_or(ExportState::Loading) == ExportState::Ready;
  }));
  std::string body;
  auto bytes = c.download_export(id, handle->file, [&](std::string_view piece) {
    body.append(piece);
    return true;
  });
  REQUIRE_MESSAGE(bytes, (bytes ? "" : bytes.error().message));
  CHECK(*bytes == body.size());
  return body;
}

long count(nlohmann::json stats, const std::string& route) {
  return stats["requests"].value(route, 0L);
}

}  // namespace

TEST_CASE("client: server status and properties tell the edition and the scan API, per edition") {
  for (const auto& expected : std::vector<std::pair<std::string, bool>>{
           {"manager", true}, {"professional", false}, {"essentials", false}}) {
    const std::string edition = expected.first;
    const bool scan_api = expected.second;
    CAPTURE(edition);
    SimProcess sim({"--edition", edition});
    auto c = client_for(sim.api_keys_instance());
    const auto status = c->server_status();
    REQUIRE(status);
    CHECK(status->status == "ready");
    const auto props = c->server_properties();
    REQUIRE(props);
    CHECK(props->edition() == edition);
    CHECK(props->scan_api == scan_api);
    CHECK(props->server_version == "10.8.3");
  }
}

TEST_CASE("client: a whole scan with API keys on Manager, every endpoint") {
  SimProcess sim;
  auto c = client_for(sim.api_keys_instance());
  const auto templates = c->templates();
  REQUIRE(templates);
  CHECK(templates->size() >= 3);
  const auto folders = c->folders();
  REQUIRE(folders);
  CHECK(std::any_of(folders->begin(), folders->end(),
                    [](const Folder& f) { return f.type == "main" && f.id != 3; }));
  const auto scanners = c->scanners();
  REQUIRE(scanners);
  CHECK(scanners->at(0).type == "local");
  CHECK(c->list_scans().value().empty());  // "scans": null

  auto created = c->create_scan(scan_request("client test", "10.0.0.1,10.0.0.2\n10.0.0.3"),
                                nmcp::testing::open_gate());
  REQUIRE_MESSAGE(created, (created ? "" : created.error().message));
  CHECK(created->id > 0);
  CHECK(status_of(*c, created->id) == "empty");
  CHECK(c->list_scans().value().size() == 1);

  const std::string status = run_to_end(*c, created->id);
  CHECK(status == "completed");
  const auto details = c->scan_details(created->id);
  REQUIRE(details);
  CHECK(details->progress() == 100.0);
  CHECK(details->hosts.size() == 3);
  CHECK(details->history.size() == 1);

  const std::string xml = download(*c, created->id);
  CHECK(xml.rfind("<?xml", 0) == 0);
  CHECK(xml.find("<NessusClientData_v2>") != std::string::npos);
  CHECK(xml.find("</NessusClientData_v2>") != std::string::npos);
  CHECK(xml.find("Credentialed checks : no") != std::string::npos);

  REQUIRE(c->delete_scan(created->id, nmcp::testing::open_gate()));
  const auto gone = c->scan_details(created->id);
  REQUIRE_FALSE(gone);
  CHECK(gone.error().kind == NessusErrorKind::NotFound);
}

TEST_CASE(
    "client: SSH credentials decide the 19506 line: success, wrong password, failed escalation") {
  SimProcess sim;
  auto c = client_for(sim.api_keys_instance());
  struct Case {
    config::CredentialProfile profile;
    std::string line;
    std::string plugin;
  };
  const std::vector<Case> cases = {
      {ssh(nmcp::testing::kSimSshPassword, "sudo", nmcp::testing::kSimEscalationPassword),
       "Credentialed checks : yes, as &apos;scanuser&apos; via ssh", "pluginID=\"117887\""},
      {ssh("wrong-password"), "Credentialed checks : no", "pluginID=\"104410\""},
      {ssh(nmcp::testing::kSimSshPassword, "sudo", "wrong-root"), "Credentialed checks : yes",
       "pluginID=\"110385\""}};
  for (const auto& k : cases) {
    CAPTURE(k.plugin);
    auto r = scan_request("creds", "192.168.1.10");
    r.credentials = k.profile;
    auto created = c->create_scan(r, nmcp::testing::open_gate());
    REQUIRE(created);
    CHECK(run_to_end(*c, created->id) == "completed");
    const std::string xml = download(*c, created->id);
    CHECK(xml.find(k.line) != std::string::npos);
    CHECK(xml.find(k.plugin) != std::string::npos);
  }
}

TEST_CASE("client: session login on Manager, re-login when the session expires, logout") {
  SimProcess sim({"--session-expire-after-requests", "3"});
  {
    auto c = client_for(sim.session_instance(false));
    REQUIRE(c->login());
    for (int i = 0; i < 10; ++i) REQUIRE(c->list_scans());
    auto created = c->create_scan(scan_request("session", "10.1.1.1"), nmcp::testing::open_gate());
    REQUIRE(created);
    CHECK(run_to_end(*c, created->id) == "completed");
  }  // the destructor logs out
  const auto stats = sim.stats();
  CHECK(stats["sessions_created"].get<long>() >= 4);  // expired every third use, renewed each time
  CHECK(stats["active_sessions"] == 0);
  CHECK(count(stats, "DELETE /session") == 1);
}

TEST_CASE("client: a session that times out on the scanner is renewed transparently") {
  SimProcess sim({"--session-expire-after-seconds", "1"});
  auto c = client_for(sim.session_instance(false));
  REQUIRE(c->login());
  // Keep working across the expiry: every call succeeds, and a second session appears.
  REQUIRE(eventually([&] {
    REQUIRE(c->list_scans());
    return sim.stats()["sessions_created"].get<long>() >= 2;
  }));
}

TEST_CASE("client: a session that expires again right after a new login is renewed again") {
  SimProcess sim;
  auto c = client_for(sim.session_instance(false));
  REQUIRE(c->login());
  // Two answers in a row say the session is gone: the second right after a fresh login.
  sim.set_faults({{"route_rules", {{{"route", "GET /scans"}, {"times", 2}, {"status", 401}}}}});
  REQUIRE(c->list_scans());
  CHECK(sim.stats()["sessions_created"].get<long>() == 3);
  // It never stops expiring: after three new logins the call is transient, never an auth error.
  sim.set_faults({{"route_rules", {{{"route", "GET /scans"}, {"times", 4}, {"status", 401}}}}});
  auto refused = c->list_scans();
  REQUIRE_FALSE(refused);
  CHECK(refused.error().kind == NessusErrorKind::Transient);
  CHECK(refused.error().message.find("expired again") != std::string::npos);
  REQUIRE(c->list_scans());
}

TEST_CASE("client: Professional refuses scan control with keys (412), also when the body is lost") {
  SimProcess sim({"--edition", "professional"});
  auto c = client_for(sim.api_keys_instance());
  auto created = c->create_scan(scan_request("locked", "10.0.0.1"), nmcp::testing::open_gate());
  REQUIRE_FALSE(created);
  CHECK(created.error().kind == NessusErrorKind::ApiLocked);
  CHECK(created.error().http_status == 412);
  CHECK(created.error().message.find("API is not available") != std::string::npos);
  // Reading still works with keys.
  CHECK(c->list_scans());
  sim.set_faults({{"drop_412_body", true}});
  auto dropped = c->create_scan(scan_request("locked", "10.0.0.1"), nmcp::testing::open_gate());
  REQUIRE_FALSE(dropped);
  CHECK(dropped.error().kind == NessusErrorKind::ApiLocked);  // not a network error
  CHECK(dropped.error().message.find("closed before the body") != std::string::npos);
}

TEST_CASE(
    "client: Professional allows scan control to a session with the web-UI token, re-read on 412") {
  SimProcess sim({"--edition", "professional", "--api-token-case", "lower"});
  auto without = client_for(sim.session_instance(false, "plain"));
  auto plain =
      without->create_scan(scan_request("no token", "10.0.0.1"), nmcp::testing::open_gate());
  REQUIRE_FALSE(plain);
  CHECK(plain.error().kind == NessusErrorKind::ApiLocked);

  auto c = client_for(sim.session_instance(true));
  auto token = c->fetch_api_token();
  REQUIRE(token);
  CHECK(*token == "7a3f5c2e-9b1d-4e8f-a6c4-2d5b8e1f3a90");
  auto created = c->create_scan(scan_request("ui token", "10.0.0.1"), nmcp::testing::open_gate());
  REQUIRE_MESSAGE(created, (created ? "" : created.error().message));
  // Nessus was upgraded: the token changed. The next scan control call gets 412, reads the
  // token again and succeeds.
  sim.rotate_api_token();
  const long scrapes_before = count(sim.stats(), "GET /nessus6.js");
  CHECK(run_to_end(*c, created->id) == "completed");
  CHECK(count(sim.stats(), "GET /nessus6.js") == scrapes_before + 1);
}

TEST_CASE("client: Essentials enforces its 16-address licence") {
  SimProcess sim({"--edition", "essentials"});
  auto c = client_for(sim.session_instance(true));
  auto small = c->create_scan(scan_request("small", "10.0.0.1-16"), nmcp::testing::open_gate());
  CHECK(small);
  auto big = c->create_scan(scan_request("big", "10.0.0.0/24"), nmcp::testing::open_gate());
  REQUIRE_FALSE(big);
  CHECK(big.error().message.find("16") != std::string::npos);
}

TEST_CASE("client: wrong credentials are Auth errors that never repeat the secret") {
  SimProcess sim;
  auto keys = sim.api_keys_instance();
  keys.auth.secret_key = std::string(64, 'e');
  auto c = client_for(keys);
  const auto r = c->list_scans();
  REQUIRE_FALSE(r);
  CHECK(r.error().kind == NessusErrorKind::Auth);
  CHECK(r.error().message.find(std::string(64, 'e')) == std::string::npos);

  auto session = sim.session_instance(false);
  session.auth.password = "definitely-wrong-password";
  auto s = client_for(session);
  const auto login = s->login();
  REQUIRE_FALSE(login);
  CHECK(login.error().kind == NessusErrorKind::Auth);
  CHECK(login.error().message.find("Invalid Credentials") != std::string::npos);
  CHECK(login.error().message.find("definitely-wrong-password") == std::string::npos);
}

TEST_CASE("client: TLS pin mismatch refuses to talk; insecure, pins and CA files behave") {
  nmcp::testing::TempDir dir;
  const std::string ca = dir.path() + "/sim.pem";
  SimProcess sim({"--write-cert", ca});

  auto wrong = sim.api_keys_instance();
  wrong.tls.fingerprint = std::string(64, '0');
  auto c = client_for(wrong);
  const auto r = c->list_scans();
  REQUIRE_FALSE(r);
  CHECK(r.error().kind == NessusErrorKind::Tls);
  CHECK(r.error().message.find("sha256:" + sim.fingerprint()) != std::string::npos);
  CHECK(count(sim.stats(), "GET /scans") == 0);  // the request never reached the server

  auto system_cas = sim.api_keys_instance();
  system_cas.tls.fingerprint.clear();
  const auto untrusted = client_for(system_cas)->list_scans();
  REQUIRE_FALSE(untrusted);
  CHECK(untrusted.error().kind == NessusErrorKind::Tls);

  auto ca_file = system_cas;
  ca_file.tls.ca_file = ca;
  ca_file.url = "https://localhost:" + std::to_string(sim.port());
  const auto trusted = client_for(ca_file)->list_scans();
  CHECK_MESSAGE(trusted, (trusted ? "" : trusted.error().message));

  auto insecure = system_cas;
  insecure.tls.insecure = true;
  CHECK(client_for(insecure)->list_scans());
}

TEST_CASE(
    "client: transient failures are classified as such: 5xx bursts, lost connections, timeouts, "
    "refused ports") {
  SimProcess sim;
  auto c = client_for(sim.api_keys_instance());
  sim.set_faults({{"error_burst", 2}, {"error_status", 503}});
  for (int i = 0; i < 2; ++i) {
    const auto r = c->list_scans();
    REQUIRE_FALSE(r);
    CHECK(r.error().kind == NessusErrorKind::Transient);
    CHECK(r.error().http_status == 503);
  }
  CHECK(c->list_scans());
  sim.set_faults({{"reset_every", 1}});
  const auto reset = c->list_scans();
  REQUIRE_FALSE(reset);
  CHECK(reset.error().kind == NessusErrorKind::Transient);
  sim.set_faults({{"reset_every", 0}, {"latency_ms", 2500}});
  auto slow_instance = sim.api_keys_instance();
  slow_instance.request_timeout = std::chrono::seconds(1);
  const auto slow = client_for(slow_instance)->list_scans();
  REQUIRE_FALSE(slow);
  CHECK(slow.error().kind == NessusErrorKind::Transient);
  sim.set_faults({{"latency_ms", 0}});

  auto dead = sim.api_keys_instance();
  dead.url = "https://127.0.0.1:1";
  const auto refused = client_for(dead)->server_status();
  REQUIRE_FALSE(refused);
  CHECK(refused.error().kind == NessusErrorKind::Transient);
  CHECK(refused.error().message.find("could not connect") != std::string::npos);
}

TEST_CASE(
    "client: scan control and states: pause, resume, stop, conflicts, exporting a running scan") {
  SimProcess sim({"--scan-seconds", "86400"});  // runs for minutes even at speed 1000
  auto c = client_for(sim.api_keys_instance());
  auto created = c->create_scan(scan_request("control", "10.0.0.1"), nmcp::testing::open_gate());
  REQUIRE(created);
  const int id = created->id;
  REQUIRE(c->launch_scan(id, nmcp::testing::open_gate()));
  REQUIRE(eventually([&] { return status_of(*c, id) == "running"; }));
  const auto running_export = c->request_export(id, nmcp::testing::open_gate());
  REQUIRE_FALSE(running_export);
  CHECK(running_export.error().kind == NessusErrorKind::Rejected);
  CHECK(running_export.error().message.find("Can not export running scans") != std::string::npos);
  const auto twice = c->launch_scan(id, nmcp::testing::open_gate());
  REQUIRE_FALSE(twice);
  CHECK(twice.error().kind == NessusErrorKind::Rejected);
  REQUIRE(c->pause_scan(id, nmcp::testing::open_gate()));
  REQUIRE(eventually([&] { return status_of(*c, id) == "paused"; }));
  REQUIRE(c->resume_scan(id, nmcp::testing::open_gate()));
  REQUIRE(eventually([&] { return status_of(*c, id) == "running"; }));
  REQUIRE(c->stop_scan(id, nmcp::testing::open_gate()));
  REQUIRE(eventually([&] { return status_of(*c, id) == "canceled"; }));
  CHECK(c->stop_scan(id, nmcp::testing::open_gate()).error().kind ==
        NessusErrorKind::Rejected);  // nothing to stop
  const auto missing = c->launch_scan(999999, nmcp::testing::open_gate());
  REQUIRE_FALSE(missing);
  CHECK(missing.error().kind == NessusErrorKind::NotFound);
}

TEST_CASE("client: scans that abort or never finish, exports that stay loading or arrive broken") {
  SimProcess sim;
  auto c = client_for(sim.api_keys_instance());
  sim.set_faults({{"scan_outcome", "abort"}});
  auto aborted = c->create_scan(scan_request("abort", "10.0.0.1"), nmcp::testing::open_gate());
  REQUIRE(aborted);
  CHECK(run_to_end(*c, aborted->id) == "aborted");

  sim.set_faults({{"scan_outcome", "hang"}});
  auto hung = c->create_scan(scan_request("hang", "10.0.0.1"), nmcp::testing::open_gate());
  REQUIRE(hung);
  REQUIRE(c->launch_scan(hung->id, nmcp::testing::open_gate()));
  // It reaches 99% and stays running there.
  REQUIRE(eventually([&] {
    const auto d = c->scan_details(hung->id);
    return d && d->progress() >= 99.0;
  }));
  CHECK(status_of(*c, hung->id) == "running");

  sim.set_faults({{"scan_outcome", "complete"}});
  auto done =
      c->create_scan(scan_request("exports", "10.0.0.1,10.0.0.2"), nmcp::testing::open_gate());
  REQUIRE(done);
  REQUIRE(run_to_end(*c, done->id) == "completed");
  sim.set_faults({{"export_mode", "truncated"}});
  const std::string truncated = download(*c, done->id);
  CHECK(truncated.find("</NessusClientData_v2>") == std::string::npos);
  sim.set_faults({{"export_mode", "malformed"}});
  CHECK(download(*c, done->id).find("<broken attribute>") != std::string::npos);
  sim.set_faults({{"export_mode", "loading"}});
  const auto handle = c->request_export(done->id, nmcp::testing::open_gate());
  REQUIRE(handle);
  // It would be ready after two simulated seconds (2 ms here); it stays loading far past that.
  for (int i = 0; i < 50; ++i) {
    REQUIRE(c->export_status(done->id, handle->file).value() == ExportState::Loading);
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

TEST_CASE("client: no password, key or token ever reaches a log line") {
  std::mutex mu;
  std::vector<std::string> lines;
  nmcp::log::set_level(nmcp::log::Level::Trace);
  nmcp::log::set_capture([&](std::string_view line) {
    std::lock_guard lock(mu);
    lines.emplace_back(line);
  });
  {
    SimProcess sim({"--edition", "professional", "--session-expire-after-requests", "2"});
    auto c = client_for(sim.session_instance(true));
    auto r = scan_request("secrets", "10.0.0.1");
    r.credentials =
        ssh(nmcp::testing::kSimSshPassword, "sudo", nmcp::testing::kSimEscalationPassword);
    auto created = c->create_scan(r, nmcp::testing::open_gate());
    REQUIRE(created);
    run_to_end(*c, created->id);
    download(*c, created->id);
    auto keys = client_for(sim.api_keys_instance("keys"));
    keys->list_scans();
    keys->create_scan(scan_request("412", "10.0.0.1"), nmcp::testing::open_gate());
  }
  nmcp::log::set_capture({});
  nmcp::log::set_level(nmcp::log::Level::Off);
  std::string all;
  for (const auto& l : lines) all += l + "\n";
  CHECK(lines.size() > 10);  // the client did log (debug request lines, sessions)
  for (const std::string& secret :
       {nmcp::testing::kSimPassword, nmcp::testing::kSimAccessKey, nmcp::testing::kSimSecretKey,
        nmcp::testing::kSimApiToken, nmcp::testing::kSimSshPassword,
        nmcp::testing::kSimEscalationPassword, std::string("X-Cookie"), std::string("X-ApiKeys")}) {
    CAPTURE(secret);
    CHECK(all.find(secret) == std::string::npos);
  }
  // No session token (48 hex digits) either.
  CHECK_FALSE(std::regex_search(all, std::regex("[0-9a-f]{48}")));
}

TEST_CASE("client: a failed POST leaves the connection usable") {
  SimProcess sim;
  auto c = client_for(sim.api_keys_instance());
  REQUIRE(c->templates());  // the template list is cached; the connection is now kept alive
  sim.set_faults({{"error_burst", 1}, {"error_status", 500}});
  auto created =
      c->create_scan(scan_request("after a 500", "10.0.0.1"), nmcp::testing::open_gate());
  REQUIRE_FALSE(created);
  CHECK(created.error().kind == NessusErrorKind::Transient);
  // The next request on the same client is answered in step (a server that left the POST's
  // body unread once made this a 400).
  auto listed = c->list_scans();
  REQUIRE_MESSAGE(listed, (listed ? "" : listed.error().message));
  auto again = c->create_scan(scan_request("after a 500", "10.0.0.1"), nmcp::testing::open_gate());
  REQUIRE(again);
  CHECK(sim.stats()["requests"].value("GET /scans", 0) == 1);  // answered the first time
}
