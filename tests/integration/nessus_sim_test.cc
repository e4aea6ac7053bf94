// nessus-sim's own answers, checked against the shapes real scanners send
// (docs/nessus-api.md), with raw HTTPS requests.

#include "tests/support/nessus_sim.h"

#include <regex>
#include <set>

#include <doctest/doctest.h>
#include <expat.h>
#include <nlohmann/json.hpp>

#include "scanners/nessus/https_client.h"
#include "tests/support/eventually.h"

using nlohmann::json;
using nmcp::scanners::HttpsClient;
using nmcp::scanners::HttpsReply;
using nmcp::testing::eventually;
using nmcp::testing::SimProcess;

namespace {

struct Raw {
  explicit Raw(SimProcess& sim) {
    HttpsClient::Options o;
    o.url = sim.url();
    o.tls.fingerprint = sim.fingerprint();
    client = std::move(*HttpsClient::create(o));
  }
  HttpsReply send(const std::string& method, const std::string& path, const json& body = nullptr,
                  bool keys = true, std::vector<std::pair<std::string, std::string>> headers = {}) {
    if (keys) {
      headers.emplace_back("X-ApiKeys", "accessKey=" + nmcp::testing::kSimAccessKey +
                                            "; secretKey=" + nmcp::testing::kSimSecretKey);
    }
    auto r = client->send({method, path, headers, body.is_null() ? "" : body.dump(), "", false});
    REQUIRE_MESSAGE(r, (r ? "" : r.error().detail));
    return *r;
  }
  json get(const std::string& path) {
    const auto r = send("GET", path);
    REQUIRE(r.status == 200);
    return json::parse(r.body);
  }
  std::unique_ptr<HttpsClient> client;
};

const std::string kAdvanced = "ad629e16-03b6-8c1d-cef6-ef8c9dd3c658d24bd260ef5f9e66";

bool well_formed(const std::string& xml) {
  XML_Parser p = XML_ParserCreate(nullptr);
  const bool ok = XML_Parse(p, xml.data(), static_cast<int>(xml.size()), 1) == XML_STATUS_OK;
  XML_ParserFree(p);
  return ok;
}

int create(Raw& raw, const std::string& targets) {
  const auto r =
      raw.send("POST", "/scans",
               {{"uuid", kAdvanced}, {"settings", {{"name", "shape"}, {"text_targets", targets}}}});
  REQUIRE(r.status == 200);
  return json::parse(r.body)["scan"]["id"].get<int>();
}

std::string export_of(Raw& raw, int id) {
  const json handle = json::parse(
      raw.send("POST", "/scans/" + std::to_string(id) + "/export", {{"format", "nessus"}}).body);
  const std::string base =
      "/scans/" + std::to_string(id) + "/export/" + std::to_string(handle["file"].get<int>());
  REQUIRE(eventually([&] { return raw.get(base + "/status")["status"] == "ready"; }));
  const auto r = raw.send("GET", base + "/download");
  REQUIRE(r.status == 200);
  return r.body;
}

void wait_completed(Raw& raw, int id) {
  REQUIRE(eventually(
      [&] { return raw.get("/scans/" + std::to_string(id))["info"]["status"] == "completed"; }));
}

}  // namespace

TEST_CASE("sim: server endpoints, sessions and errors have Nessus' shapes") {
  SimProcess sim;
  Raw raw(sim);
  const json status = json::parse(raw.send("GET", "/server/status", nullptr, false).body);
  CHECK(status["status"] == "ready");
  CHECK(status["progress"].is_null());
  CHECK(status["must_destroy_session"] == false);
  const json anon = json::parse(raw.send("GET", "/server/properties", nullptr, false).body);
  CHECK_FALSE(anon.contains("server_version"));  // build details only with a session or keys
  CHECK(raw.get("/server/properties")["license"]["features"]["scan_api"] == true);

  const auto unauth = raw.send("GET", "/scans", nullptr, false);
  CHECK(unauth.status == 401);
  CHECK(json::parse(unauth.body) == json{{"error", "You need to log in to perform this request"}});
  const auto bad_login =
      raw.send("POST", "/session", {{"username", "admin"}, {"password", "nope"}}, false);
  CHECK(bad_login.status == 401);
  CHECK(json::parse(bad_login.body) == json{{"error", "Invalid Credentials"}});
  const auto login = raw.send(
      "POST", "/session",
      {{"username", nmcp::testing::kSimUser}, {"password", nmcp::testing::kSimPassword}}, false);
  REQUIRE(login.status == 200);
  const std::string token = json::parse(login.body)["token"];
  CHECK(std::regex_match(token, std::regex("[a-f0-9]{48}")));
  const auto me = raw.send("GET", "/session", nullptr, false, {{"X-Cookie", "token=" + token}});
  CHECK(json::parse(me.body)["username"] == "admin");
  CHECK(raw.send("DELETE", "/session", nullptr, false, {{"X-Cookie", "token=" + token}}).status ==
        200);
  CHECK(raw.send("GET", "/scans", nullptr, false, {{"X-Cookie", "token=" + token}}).status == 401);
  const auto missing = raw.send("GET", "/nothing/here");
  CHECK(missing.status == 404);
  CHECK(json::parse(missing.body).contains("error"));

  const std::string js = raw.send("GET", "/nessus6.js", nullptr, false).body;
  CHECK(js.find("getApiToken") != std::string::npos);
  CHECK(js.find(nmcp::testing::kSimApiToken) != std::string::npos);
  CHECK(js.find("ab4bacd2-05f6-425c-9d79-3ba3940ad1c24e51e1f403febe40") !=
        std::string::npos);  // a decoy
}

TEST_CASE(
    "sim: lists, templates and folders: null for empty, integer ids, 52-character template uuids") {
  SimProcess sim;
  Raw raw(sim);
  const json scans = raw.get("/scans");
  CHECK(scans["scans"].is_null());
  CHECK(scans["timestamp"].is_number_integer());
  std::set<std::string> types;
  for (const auto& f : scans["folders"]) {
    CHECK(f["id"].is_number_integer());
    CHECK(f["id"] != 2);
    CHECK(f["id"] != 3);
    types.insert(f["type"]);
  }
  CHECK(types == std::set<std::string>{"main", "trash"});
  const json templates = raw.get("/editor/scan/templates");
  for (const auto& t : templates["templates"]) {
    CHECK(t["uuid"].get<std::string>().size() == 52);
  }
  CHECK(raw.get("/scanners")["scanners"][0]["type"] == "local");
}

TEST_CASE("sim: creating, running and reading a scan") {
  SimProcess sim;
  Raw raw(sim);
  CHECK(raw.send("POST", "/scans",
                 {{"uuid", "nope"}, {"settings", {{"name", "x"}, {"text_targets", "10.0.0.1"}}}})
            .status == 400);
  CHECK(raw.send("POST", "/scans",
                 {{"uuid", kAdvanced}, {"settings", {{"text_targets", "10.0.0.1"}}}})
            .status == 400);
  CHECK(raw.send("POST", "/scans",
                 {{"uuid", kAdvanced},
                  {"settings", {{"name", "x"}, {"text_targets", "not a target!"}}}})
            .status == 400);
  const auto created = raw.send(
      "POST", "/scans",
      {{"uuid", kAdvanced},
       {"settings", {{"name", "shape"}, {"text_targets", "10.0.0.1-2"}, {"scanner_id", "1"}}}});
  REQUIRE(created.status == 200);
  const json scan = json::parse(created.body)["scan"];
  CHECK(scan["id"].is_number_integer());
  CHECK(scan["uuid"].get<std::string>().rfind("template-", 0) == 0);
  const std::string path = "/scans/" + std::to_string(scan["id"].get<int>());
  json d = raw.get(path);
  CHECK(d["info"]["status"] == "empty");
  CHECK(d["hosts"].empty());
  CHECK(d["history"].is_null());
  CHECK(d["notes"].is_null());
  for (const char* key : {"policy", "targets", "hostcount", "uuid", "object_id", "folder_id",
                          "scan_start", "scan_end", "timestamp", "user_permissions", "acls"}) {
    CAPTURE(key);
    CHECK(d["info"].contains(key));
  }
  CHECK(raw.send("POST", path + "/export", {{"format", "nessus"}}).status == 409);  // never ran
  const json launched = json::parse(raw.send("POST", path + "/launch", json::object()).body);
  CHECK(launched["scan_uuid"].is_string());
  wait_completed(raw, scan["id"]);
  d = raw.get(path);
  REQUIRE(d["hosts"].size() == 2);
  for (const auto& h : d["hosts"]) {
    CHECK(h["host_id"].is_number_integer());
    CHECK(h["scanprogresscurrent"] == 100);
    CHECK(h["scanprogresstotal"] == 100);
    CHECK(h["progress"].is_string());
    CHECK(h["severitycount"]["item"].size() == 5);
  }
  CHECK(d["history"].size() == 1);
  CHECK(d["info"]["scan_end"].is_number_integer());
  CHECK(raw.send("DELETE", path).status == 200);
  CHECK(raw.send("GET", path).status == 404);
}

TEST_CASE(
    "sim: exports are well-formed, deterministic, and carry every severity and escaped text") {
  SimProcess sim;
  Raw raw(sim);
  const int id = create(raw, "10.0.0.1-6, scanme.lab");
  raw.send("POST", "/scans/" + std::to_string(id) + "/launch", json::object());
  wait_completed(raw, id);
  const std::string a = export_of(raw, id);
  const std::string b = export_of(raw, id);
  CHECK(a == b);
  CHECK(well_formed(a));
  for (int sev = 0; sev <= 4; ++sev)
    CHECK(a.find("severity=\"" + std::to_string(sev) + "\"") != std::string::npos);
  CHECK(a.find("<cve>CVE-2016-2183</cve>") != std::string::npos);
  CHECK(a.find("<cvss3_base_score>") != std::string::npos);
  CHECK(a.find("&lt;key exchange&gt; &amp; Auth") != std::string::npos);
  CHECK(a.find("<tag name=\"Credentialed_Scan\">false</tag>") != std::string::npos);
  CHECK(a.find("<tag name=\"host-fqdn\">scanme.lab</tag>") != std::string::npos);
  std::size_t hosts = 0;
  std::size_t info = 0;
  for (auto p = a.find("<ReportHost "); p != std::string::npos; p = a.find("<ReportHost ", p + 1))
    ++hosts;
  for (auto p = a.find("pluginID=\"19506\""); p != std::string::npos;
       p = a.find("pluginID=\"19506\"", p + 1))
    ++info;
  CHECK(hosts == 7);
  CHECK(info == 7);  // one Nessus Scan Information item per host
}

namespace {

// host|plugin|port of every vulnerability (severity above info) in an export.
std::set<std::string> vulnerabilities(const std::string& xml) {
  std::set<std::string> out;
  const std::regex host(R"re(<ReportHost name="([^"]+)")re");
  const std::regex item(R"re(<ReportItem port="(\d+)"[^>]* severity="([1-4])" pluginID="(\d+)")re");
  std::string current;
  std::size_t at = 0;
  while (at < xml.size()) {
    const auto next_host = xml.find("<ReportHost ", at);
    const auto next_item = xml.find("<ReportItem ", at);
    if (next_item == std::string::npos) break;
    std::smatch m;
    if (next_host != std::string::npos && next_host < next_item) {
      const std::string head = xml.substr(next_host, 200);
      if (std::regex_search(head, m, host)) current = m[1];
      at = next_host + 1;
      continue;
    }
    const std::string head = xml.substr(next_item, 400);
    if (std::regex_search(head, m, item)) {
      out.insert(current + "|" + m[3].str() + "|" + m[1].str());
    }
    at = next_item + 1;
  }
  return out;
}

std::string scan_once(Raw& raw, const std::string& targets) {
  const int id = create(raw, targets);
  raw.send("POST", "/scans/" + std::to_string(id) + "/launch", json::object());
  wait_completed(raw, id);
  return export_of(raw, id);
}

}  // namespace

TEST_CASE("sim: --network-drift fixes one vulnerability and opens one per Linux host a rescan") {
  SimProcess frozen;
  Raw still(frozen);
  CHECK(vulnerabilities(scan_once(still, "10.0.0.1-3")) ==
        vulnerabilities(scan_once(still, "10.0.0.1-3")));

  SimProcess sim({"--network-drift"});
  Raw raw(sim);
  const auto first = vulnerabilities(scan_once(raw, "10.0.0.1-3"));
  CHECK(first == vulnerabilities(scan_once(still, "10.0.0.1-3")));  // the first scan: as frozen
  auto previous = first;
  for (int rescan = 1; rescan <= 2; ++rescan) {
    CAPTURE(rescan);
    const auto now = vulnerabilities(scan_once(raw, "10.0.0.1-3"));
    std::size_t fixed = 0, added = 0;
    for (const auto& v : previous) fixed += now.count(v) == 0 ? 1U : 0U;
    for (const auto& v : now) added += previous.count(v) == 0 ? 1U : 0U;
    CHECK(fixed == 3);  // one per host
    CHECK(added == 3);
    CHECK(now.size() == previous.size());
    previous = now;
  }
  // Other targets are their own network: their first scan is unchanged.
  CHECK(vulnerabilities(scan_once(raw, "10.0.0.9")) ==
        vulnerabilities(scan_once(still, "10.0.0.9")));
}

TEST_CASE("sim: 412 bodies are the 32 bytes real scanners send; scale and served files") {
  SimProcess pro({"--edition", "professional", "--findings-per-host", "200"});
  Raw raw(pro);
  const auto locked =
      raw.send("POST", "/scans",
               {{"uuid", kAdvanced}, {"settings", {{"name", "x"}, {"text_targets", "10.0.0.1"}}}});
  CHECK(locked.status == 412);
  CHECK(locked.body == R"({"error":"API is not available"})");
  CHECK(locked.body.size() == 32);

  nmcp::testing::TempDir dir;
  dir.file(
      "a.nessus",
      "<?xml version=\"1.0\" ?><NessusClientData_v2><Report name=\"real\"/></NessusClientData_v2>");
  SimProcess served({"--exports-dir", dir.path()});
  Raw raw2(served);
  const int id = create(raw2, "10.0.0.1");
  raw2.send("POST", "/scans/" + std::to_string(id) + "/launch", json::object());
  wait_completed(raw2, id);
  CHECK(export_of(raw2, id).find("<Report name=\"real\"/>") != std::string::npos);

  SimProcess big({"--findings-per-host", "2000"});
  Raw raw3(big);
  const int bid = create(raw3, "10.0.0.1-5");
  raw3.send("POST", "/scans/" + std::to_string(bid) + "/launch", json::object());
  wait_completed(raw3, bid);
  const std::string xml = export_of(raw3, bid);
  CHECK(xml.size() > 10'000'000);  // ~2 KB per finding: scales to hundreds of MB for benchmarks
  CHECK(well_formed(xml));
}

TEST_CASE("sim: the control API counts requests and changes faults; bad patches change nothing") {
  SimProcess sim;
  Raw raw(sim);
  raw.get("/scans");
  raw.get("/scans");
  const json stats = sim.stats();
  CHECK(stats["requests"]["GET /scans"] == 2);
  CHECK(stats["scans_created"] == 0);
  const auto bad = raw.send("POST", "/_sim/faults", {{"error_burst", "many"}}, false);
  CHECK(bad.status == 400);
  CHECK(raw.send("POST", "/_sim/faults", {{"no_such_fault", 1}}, false).status == 400);
  CHECK(sim.stats()["faults"]["error_burst"] == 0);
}

TEST_CASE("sim: stats count the scans active now and the most ever active at once") {
  SimProcess sim({"--speed", "1"});  // scans stay running until stopped
  Raw raw(sim);
  std::vector<int> ids;
  for (int i = 0; i < 3; ++i) ids.push_back(create(raw, "10.0.0." + std::to_string(i + 1)));
  CHECK(raw.get("/_sim/stats")["peak_active_scans"] == 0);
  for (int id : ids) {
    REQUIRE(raw.send("POST", "/scans/" + std::to_string(id) + "/launch", json::object()).status ==
            200);
  }
  json stats = raw.get("/_sim/stats");
  CHECK(stats["active_scans"] == 3);
  CHECK(stats["peak_active_scans"] == 3);
  for (int id : ids) {
    REQUIRE(raw.send("POST", "/scans/" + std::to_string(id) + "/stop", json::object()).status ==
            200);
  }
  REQUIRE(eventually([&] { return raw.get("/_sim/stats")["active_scans"] == 0; }));
  REQUIRE(raw.send("POST", "/scans/" + std::to_string(ids[0]) + "/launch", json::object()).status ==
          200);
  stats = raw.get("/_sim/stats");
  CHECK(stats["active_scans"] == 1);
  CHECK(stats["peak_active_scans"] == 3);  // the peak stays
}

TEST_CASE("sim: credential payloads are checked the way Nessus checks them; uploads are named") {
  SimProcess sim;
  Raw raw(sim);
  auto create = [&](const json& host) {
    return raw
        .send("POST", "/scans",
              {{"uuid", kAdvanced},
               {"settings", {{"name", "bad"}, {"text_targets", "10.0.0.1"}}},
               {"credentials",
                {{"add", {{"Host", host}}}, {"edit", json::object()}, {"delete", json::array()}}}})
        .status;
  };
  auto entry = [](json fields) { return json::array({std::move(fields)}); };
  CHECK(create({{"SSH", entry({{"auth_method", "public key"},
                               {"username", "u"},
                               {"private_key", "never-uploaded.key"}})}}) == 400);
  CHECK(create({{"SSH", entry({{"auth_method", "telepathy"}, {"username", "u"}})}}) == 400);
  CHECK(create({{"SSH", entry({{"auth_method", "password"},
                               {"username", "u"},
                               {"password", "p"},
                               {"elevate_privileges_with", "magic"}})}}) == 400);
  CHECK(create({{"Windows",
                 entry({{"auth_method", "NTLM Hash"}, {"username", "u"}, {"hash", "not-hex"}})}}) ==
        400);
  CHECK(create({{"Windows", entry({{"auth_method", "Password"}, {"username", "u"}})}}) == 400);
  CHECK(create({{"SNMPv3", entry({{"username", "u"}, {"security_level", "Most secure"}})}}) == 400);
  CHECK(create({{"SNMPv3", entry({{"username", "u"},
                                  {"security_level", "Authentication and privacy"},
                                  {"auth_algorithm", "SHA1"},
                                  {"auth_password", "12345678"},
                                  {"priv_algorithm", "ROT13"},
                                  {"priv_password", "12345678"}})}}) == 400);
  CHECK(create({{"Telnet", entry({{"username", "u"}})}}) == 400);
  CHECK(create({{"SSH", json::object()}}) == 400);
  CHECK(create({{"SSH",
                 entry({{"auth_method", "password"}, {"username", "u"}, {"password", "p"}})}}) ==
        200);

  // POST /file/upload: multipart with a Filedata part, answered with the stored name; a key
  // uploaded so is then a valid private_key reference.
  const std::string boundary = "sim-test-boundary";
  auto upload = [&](const std::string& part_name) {
    const std::string body = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" +
                             part_name +
                             "\"; filename=\"k.key\"\r\nContent-Type: "
                             "application/octet-stream\r\n\r\n" +
                             nmcp::testing::kSimDemoKey + "\r\n--" + boundary + "--\r\n";
    auto r = raw.client->send({"POST",
                               "/file/upload",
                               {{"X-ApiKeys", "accessKey=" + nmcp::testing::kSimAccessKey +
                                                  "; secretKey=" + nmcp::testing::kSimSecretKey}},
                               body,
                               "multipart/form-data; boundary=" + boundary,
                               true});
    REQUIRE(r);
    return *r;
  };
  CHECK(upload("Wrongname").status == 400);
  const auto ok = upload("Filedata");
  REQUIRE(ok.status == 200);
  CHECK(json::parse(ok.body) == json{{"fileuploaded", "k.key"}});
  CHECK(create({{"SSH", entry({{"auth_method", "public key"},
                               {"username", "u"},
                               {"private_key", "k.key"},
                               {"private_key_passphrase", ""}})}}) == 200);
}
