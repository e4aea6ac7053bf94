// The audit log: whole lines from many threads, filters, redaction, torn lines, --since.
#include "core/audit/audit_log.h"

#include <thread>
#include <vector>

#include <doctest/doctest.h>

#include "core/base/secret_values.h"
#include "tests/support/subprocess.h"

using namespace nmcp::audit;
using nmcp::testing::TempDir;

namespace {

AuditEvent event(std::int64_t t, const std::string& tenant, const std::string& decision) {
  AuditEvent e;
  e.time_ms = t;
  e.tenant = tenant;
  e.tool = "run_untrusted_scan";
  e.pool = "default";
  e.targets = "10.0.0.1";
  e.decision = decision;
  e.rule = decision == "deny" ? "targets out of scope" : "targets within the scope";
  return e;
}

std::vector<nlohmann::json> read_all(const std::string& path, const AuditFilter& f = {}) {
  std::vector<nlohmann::json> out;
  REQUIRE(read_audit(path, f, [&](const nlohmann::json& j) { out.push_back(j); }));
  return out;
}

}  // namespace

TEST_CASE("audit log: whole lines from many threads, filtered by tenant, time and decision") {
  TempDir dir;
  const std::string path = dir.path() + "/audit.log";
  auto log = AuditLog::open(path);
  REQUIRE(log);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 250; ++i) {
        (*log)->record(event(1'780'000'000'000LL + i * 1000, "tenant-" + std::to_string(t),
                             i % 5 == 0 ? "deny" : "allow"));
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(read_all(path).size() == 1000);
  AuditFilter f;
  f.tenant = "tenant-2";
  f.decision = "deny";
  CHECK(read_all(path, f).size() == 50);
  f = {};
  f.since_ms = 1'780'000'000'000LL + 200 * 1000;
  CHECK(read_all(path, f).size() == 200);
  const auto one = read_all(path).front();
  for (const char* key : {"time", "tenant", "tool", "pool", "targets", "decision", "rule"}) {
    CAPTURE(key);
    CHECK(one.contains(key));
  }
}

TEST_CASE("audit log: no secret in a line; a torn line is skipped") {
  TempDir dir;
  const std::string path = dir.path() + "/audit.log";
  nmcp::remember_secret("Audit-Planted-Secret-9");
  {
    auto log = AuditLog::open(path);
    REQUIRE(log);
    AuditEvent e = event(1'780'000'000'000LL, "a", "deny");
    e.targets = "10.0.0.1 password=hunter2-but-longer";
    e.rule = "Nessus said Audit-Planted-Secret-9 is wrong";
    (*log)->record(e);
  }
  nmcp::forget_secrets_for_tests();
  std::FILE* f = std::fopen(path.c_str(), "a");
  std::fputs("{\"time\":\"2026-", f);  // a crash mid-line
  std::fclose(f);
  long long skipped = 0;
  std::vector<nlohmann::json> events;
  REQUIRE(read_audit(
      path, {}, [&](const nlohmann::json& j) { events.push_back(j); }, &skipped));
  REQUIRE(events.size() == 1);
  CHECK(skipped == 1);
  const std::string text = events[0].dump();
  CHECK(text.find("hunter2") == std::string::npos);
  CHECK(text.find("Audit-Planted-Secret-9") == std::string::npos);

  CHECK(read_audit(dir.path() + "/none.log", {}, [](const nlohmann::json&) {}).error().code ==
        nmcp::ErrorCode::NotFound);
}
