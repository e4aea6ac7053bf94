#include "scanners/nessus/nessus_types.h"

#include <doctest/doctest.h>

using nlohmann::json;
using namespace nmcp::scanners;

TEST_CASE("types: null lists, integers as strings, missing optional fields") {
  const auto list = parse_scan_list(json::parse(R"({"folders":null,"scans":null,"timestamp":1})"));
  REQUIRE(list);
  CHECK(list->empty());
  const auto scans = parse_scan_list(
      json::parse(R"({"scans":[{"id":"42","name":"x","status":"running","folder_id":"3"}]})"));
  REQUIRE(scans);
  CHECK((*scans)[0].id == 42);
  CHECK((*scans)[0].folder_id == 3);
  const auto created =
      parse_created_scan(json::parse(R"({"scan":{"id":"7","uuid":"template-x"}})"));
  REQUIRE(created);
  CHECK(created->id == 7);
  CHECK_FALSE(parse_created_scan(json::parse(R"({"scan":{}})")));
  CHECK_FALSE(parse_created_scan(json::parse(R"({"scan":{"id":0}})")));
  const auto handle = parse_export_handle(json::parse(R"({"token":"164","file":2})"));
  REQUIRE(handle);
  CHECK(handle->file == 2);
  CHECK(handle->token == "164");
}

TEST_CASE("types: scan details, progress from hosts, terminal statuses") {
  const auto d = parse_scan_details(json::parse(R"({
    "info":{"status":"running","name":"n","targets":"10.0.0.1","hostcount":2,"scan_start":"1700000000","scan_end":null},
    "hosts":[{"host_id":2,"hostname":"a","scanprogresscurrent":50,"scanprogresstotal":100,"high":"3"},
             {"host_id":3,"hostname":"b","scanprogresscurrent":100,"scanprogresstotal":100}],
    "history":null,"notes":null})"));
  REQUIRE(d);
  CHECK(d->progress() == doctest::Approx(75.0));
  CHECK(d->hosts[0].high == 3);
  CHECK(d->scan_start == 1700000000);
  CHECK_FALSE(d->scan_end);
  CHECK(d->phase() == nmcp::scanners::ScanPhase::Running);
  CHECK(d->history.empty());
  CHECK_FALSE(parse_scan_details(json::parse(R"({"hosts":[]})")));
  for (const char* s : {"completed", "canceled", "cancelled", "aborted", "imported", "stopped"})
    CHECK(is_terminal_status(s));
  for (const char* s : {"running", "pending", "paused", "stopping", "processing", "something-new"})
    CHECK_FALSE(is_terminal_status(s));
  const auto pending =
      parse_scan_details(json::parse(R"({"info":{"status":"pending"},"hosts":[]})"));
  CHECK(pending->progress() == 0.0);
}

TEST_CASE("types: server properties tell the edition and whether the scan API works") {
  const auto ess = parse_server_properties(json::parse(
      R"({"nessus_type":"Nessus Essentials","license":{"type":"home","ips":16,"restricted":true,"features":{"api":true,"scan_api":false}}})"));
  REQUIRE(ess);
  CHECK(ess->edition() == "essentials");
  CHECK_FALSE(ess->scan_api);
  CHECK(ess->licensed_ips == 16);
  const auto mgr =
      parse_server_properties(json::parse(R"({"nessus_type":"Nessus Manager","license":{}})"));
  CHECK(mgr->edition() == "manager");
  CHECK(mgr->scan_api);  // no flag: the documented API works on Manager
  CHECK(
      parse_server_properties(json::parse(R"({"nessus_type":"Nessus Professional"})"))->edition() ==
      "professional");
  CHECK_FALSE(
      parse_server_properties(json::parse(R"({"nessus_type":"Nessus Professional"})"))->scan_api);
  CHECK(parse_export_state(json::parse(R"({"status":"loading"})")).value() == ExportState::Loading);
  CHECK(parse_export_state(json::parse(R"({"status":"ready"})")).value() == ExportState::Ready);
  CHECK_FALSE(parse_export_state(json::parse(R"({"status":"weird"})")));
}

TEST_CASE("errors: statuses are classified once, with hints") {
  CHECK(classify_status(401, "op", "Invalid Credentials").kind == NessusErrorKind::Auth);
  CHECK(classify_status(403, "op", "").kind == NessusErrorKind::Auth);
  const auto locked = classify_status(412, "create scan", "API is not available");
  CHECK(locked.kind == NessusErrorKind::ApiLocked);
  CHECK(locked.message == "create scan failed with HTTP 412: API is not available");
  CHECK(locked.hint.find("Nessus Manager") != std::string::npos);
  CHECK(classify_status(404, "op", "").kind == NessusErrorKind::NotFound);
  CHECK(classify_status(409, "op", "Can not export running scans").kind ==
        NessusErrorKind::Rejected);
  CHECK(classify_status(400, "op", "").kind == NessusErrorKind::Rejected);
  // 429 is the scanner asking to wait (a back-off), not a failure.
  CHECK(classify_status(429, "op", "").kind == NessusErrorKind::RateLimited);
  CHECK(is_transient(NessusErrorKind::RateLimited));
  CHECK(classify_status(503, "op", "").kind == NessusErrorKind::Transient);
  CHECK(is_transient(NessusErrorKind::Transient));
  CHECK_FALSE(is_transient(NessusErrorKind::Auth));
  CHECK(to_core_error(locked).code == nmcp::ErrorCode::FailedPrecondition);
}
