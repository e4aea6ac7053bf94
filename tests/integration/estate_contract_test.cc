// The estate's contract: what folding scans into it gives, whatever the engine. Each case runs
// on a real SQLite file in a temp dir (PostgreSQL joins when its engine exists). Scans are
// built by hand: hosts with their identifiers, login outcome and open ports, findings with
// their plugin facts.
#include <algorithm>
#include <functional>
#include <memory>
#include <random>

#include <doctest/doctest.h>

#include "core/estate/sqlite_estate.h"
#include "core/sqlite/sqlite_db.h"
#include "tests/support/subprocess.h"

using namespace nmcp::estate;

namespace {

constexpr std::int64_t kDay = 86400000;

struct Engine {
  nmcp::testing::TempDir dir;
  std::unique_ptr<SqliteEstate> estate;
  Engine() {
    auto opened = SqliteEstate::open(dir.path() + "/estate.db");
    REQUIRE(opened);
    estate = std::move(*opened);
  }
  FoldReport fold(const ScanFold& scan) {
    auto r = estate->fold(scan);
    REQUIRE(r);
    return *r;
  }
  std::vector<EstateFindingRow> findings(const std::string& tenant = "acme") {
    auto r = estate->findings(tenant);
    REQUIRE(r);
    return *r;
  }
  const EstateFindingRow& one(const std::vector<EstateFindingRow>& all, int plugin) {
    const auto it =
        std::find_if(all.begin(), all.end(), [&](const auto& f) { return f.plugin_id == plugin; });
    REQUIRE(it != all.end());
    return *it;
  }
};

// A small scan builder.
struct Scan {
  ScanFold fold;
  Scan(std::string id, std::int64_t day, std::string tenant = "acme") {
    fold.tenant = std::move(tenant);
    fold.scan_id = std::move(id);
    fold.scan_time = day * kDay;
  }
  Scan& host(ReportedHost h, bool logged_in = false) {
    ScannedHost s;
    s.reported = std::move(h);
    s.logged_in = logged_in;
    fold.hosts.push_back(std::move(s));
    return *this;
  }
  // A finding on the last host added; its port counts as open there.
  Scan& finding(int plugin, int port = 22, bool local = false, int severity = 3) {
    ScannedFinding f;
    f.host = fold.hosts.size() - 1;
    f.plugin = {plugin, "plugin " + std::to_string(plugin),
                local ? "Ubuntu Local Security Checks" : "Misc.", local};
    f.port = port;
    f.protocol = "tcp";
    f.severity = severity;
    f.details = "{}";
    fold.findings.push_back(f);
    fold.hosts.back().open_ports.insert({port, "tcp"});
    return *this;
  }
  // A port seen open with nothing of interest on it (the service detection line).
  Scan& open(int port) {
    fold.hosts.back().open_ports.insert({port, "tcp"});
    return *this;
  }
};

const ReportedHost kWeb{"", "00:1a:2b:3c:4d:5e", "web01.corp", "WEB01", "10.0.0.5"};

}  // namespace

TEST_CASE("estate contract: OPEN, FIXED when a covering scan proves it gone, REOPENED") {
  Engine e;
  auto r = e.fold(Scan("s1", 1).host(kWeb, true).finding(100).finding(200).fold);
  CHECK(r.assets_new == 1);
  CHECK(r.findings_new == 2);
  r = e.fold(Scan("s2", 2).host(kWeb, true).finding(100).fold);
  CHECK(r.fixed == 1);
  auto all = e.findings();
  CHECK(e.one(all, 100).state == FindingState::Open);
  CHECK(e.one(all, 100).last_seen == 2 * kDay);
  CHECK(e.one(all, 200).state == FindingState::Fixed);
  CHECK(e.one(all, 200).fixed_at == 2 * kDay);
  CHECK(e.one(all, 200).changes.back().scan_id == "s2");

  r = e.fold(Scan("s3", 3).host(kWeb, true).finding(100).finding(200).fold);
  CHECK(r.reopened == 1);
  all = e.findings();
  CHECK(e.one(all, 200).state == FindingState::Reopened);
  CHECK(e.one(all, 200).reopened == 1);
  CHECK(e.one(all, 200).first_seen == kDay);
}

TEST_CASE("estate contract: a narrower or unauthenticated rescan re-checks nothing it cannot") {
  Engine e;
  e.fold(
      Scan("s1", 1).host(kWeb, true).finding(100, 22).finding(300, 0, true).finding(400, 443).fold);
  // Unauthenticated, and port 443 not seen open: the local check and the 443 finding stay open,
  // not re-checked; the port 22 finding is fixed.
  e.fold(Scan("s2", 2).host(kWeb, false).open(22).fold);
  const auto all = e.findings();
  CHECK(e.one(all, 100).state == FindingState::Fixed);
  CHECK(e.one(all, 300).state == FindingState::Open);
  CHECK(e.one(all, 300).not_rechecked_since == 2 * kDay);
  CHECK(e.one(all, 300).not_rechecked_reason.find("local check") != std::string::npos);
  CHECK(e.one(all, 400).state == FindingState::Open);
  CHECK(e.one(all, 400).not_rechecked_reason.find("port") != std::string::npos);
  // A scan of another host says nothing about this one.
  e.fold(Scan("s3", 3).host({"", "", "db01.corp", "", "10.0.0.6"}, true).finding(100).fold);
  CHECK(e.one(e.findings(), 300).state == FindingState::Open);
}

TEST_CASE("estate contract: folding twice changes nothing; another tenant sees nothing") {
  Engine e;
  const auto s1 = Scan("s1", 1).host(kWeb, true).finding(100).fold;
  e.fold(s1);
  const auto again = e.fold(s1);
  CHECK(again.already_folded);
  CHECK(e.findings().size() == 1);
  CHECK(e.findings("other").empty());
  // The same host and finding in another tenant's scan is another tenant's estate.
  e.fold(Scan("t1", 1, "other").host(kWeb, true).finding(100).fold);
  e.fold(Scan("s2", 2).host(kWeb, true).open(22).fold);  // acme's fix
  CHECK(e.one(e.findings(), 100).state == FindingState::Fixed);
  CHECK(e.one(e.findings("other"), 100).state == FindingState::Open);
}

TEST_CASE("estate contract: scans folded out of order give the in-order estate") {
  // Five scans of two hosts with fixes, returns and an unauthenticated pass.
  const ReportedHost db{"", "00:1a:2b:3c:4d:99", "db01.corp", "DB01", "10.0.0.6"};
  std::vector<ScanFold> scans = {
      Scan("s1", 1)
          .host(kWeb, true)
          .finding(100)
          .finding(200)
          .finding(300, 0, true)
          .host(db, true)
          .finding(100, 5432)
          .fold,
      Scan("s2", 2).host(kWeb, true).finding(100).host(db, true).open(5432).fold,
      Scan("s3", 3).host(kWeb, false).finding(200).host(db, true).finding(100, 5432).fold,
      Scan("s4", 4)
          .host(kWeb, true)
          .finding(200)
          .finding(300, 0, true)
          .host(db, true)
          .open(5432)
          .fold,
      Scan("s5", 5).host(kWeb, true).finding(100).open(22).fold};
  const auto summary = [](const std::vector<EstateFindingRow>& all) {
    std::vector<std::string> out;
    for (const auto& f : all) {
      out.push_back(f.asset_ids.fqdn + "/" + std::to_string(f.plugin_id) + "/" +
                    std::to_string(f.port) + " " + std::string(to_string(f.state)) + " " +
                    std::to_string(f.first_seen) + "-" + std::to_string(f.last_seen) + " fixed " +
                    std::to_string(f.fixed_at.value_or(-1)) + " reopened " +
                    std::to_string(f.reopened) + " unchecked " +
                    std::to_string(f.not_rechecked_since.value_or(-1)));
    }
    std::sort(out.begin(), out.end());
    return out;
  };
  Engine in_order;
  for (const auto& s : scans) in_order.fold(s);
  const auto expected = summary(in_order.findings());
  CHECK(expected.size() == 4);
  // In order: web's 100 fixed by s3 (a remote check: no login needed), back in s5.
  CHECK(std::count_if(expected.begin(), expected.end(), [](const std::string& line) {
          return line.starts_with("web01.corp/100/22 REOPENED");
        }) == 1);
  std::mt19937 rng(11);
  for (int round = 0; round < 12; ++round) {
    CAPTURE(round);
    std::shuffle(scans.begin(), scans.end(), rng);
    Engine shuffled;
    for (const auto& s : scans) shuffled.fold(s);
    const auto got = summary(shuffled.findings());
    CHECK(got == expected);
    if (got != expected) {  // the fold order, and what differs
      for (const auto& s : scans) MESSAGE(s.scan_id);
      for (std::size_t i = 0; i < got.size() && i < expected.size(); ++i) {
        if (got[i] != expected[i]) MESSAGE(std::string(got[i] + "  vs  " + expected[i]));
      }
    }
  }
}

TEST_CASE("estate contract: the same host across scans; a merge is recorded, not silent") {
  Engine e;
  // The same machine seen by name in one scan and by address in another: two assets...
  e.fold(Scan("s1", 1).host({"", "", "files.corp", "", ""}, true).finding(100).fold);
  e.fold(Scan("s2", 2).host({"", "", "", "", "10.0.1.1"}, true).finding(200).fold);
  REQUIRE(e.estate->assets("acme")->size() == 2);
  // ... until a scan shows both: merged into the older, its findings joined.
  const auto r =
      e.fold(Scan("s3", 3).host({"", "", "files.corp", "", "10.0.1.1"}, true).finding(100).fold);
  REQUIRE(r.merges.size() == 1);
  CHECK(r.merges[0].merged.size() == 1);
  const auto assets = *e.estate->assets("acme");
  REQUIRE(assets.size() == 1);
  CHECK(assets[0].ids.fqdn == "files.corp");
  CHECK(assets[0].ids.address == "10.0.1.1");
  const auto all = e.findings();
  REQUIRE(all.size() == 2);
  CHECK(e.one(all, 100).state == FindingState::Open);
  CHECK(e.one(all, 200).state == FindingState::Fixed);  // s3 covered the merged asset
  // DHCP: the address moves to another machine (another MAC): a new asset, nothing fixed.
  e.fold(Scan("s4", 4).host(kWeb, true).finding(500).fold);
  e.fold(Scan("s5", 5).host({"", "00:aa:bb:cc:dd:ee", "", "", "10.0.0.5"}, true).fold);
  CHECK(e.one(e.findings(), 500).state == FindingState::Open);
  CHECK(e.estate->assets("acme")->size() == 3);
}

TEST_CASE("estate (SQLite): a file written by a newer schema is refused, not misread") {
  nmcp::testing::TempDir dir;
  const std::string path = dir.path() + "/estate.db";
  REQUIRE(SqliteEstate::open(path));
  {
    auto db = nmcp::sqlite::SqliteDb::open(path, 1000);
    REQUIRE(db);
    REQUIRE((*db)->exec("UPDATE estate_meta SET value = '99' WHERE key = 'schema_version'"));
  }
  const auto again = SqliteEstate::open(path);
  REQUIRE_FALSE(again);
  CHECK(again.error().message.find("newer") != std::string::npos);
}
