// A completed scan's findings index folded into the estate (core/findings/estate_input.h): a
// generated export indexed as a worker does, then folded into a real SQLite estate.
#include "core/findings/estate_input.h"

#include <set>
#include <tuple>

#include <doctest/doctest.h>

#include "core/estate/sqlite_estate.h"
#include "scanners/results/export_indexer.h"
#include "tests/support/export_generator.h"
#include "tests/support/subprocess.h"

using namespace nmcp;

namespace {

std::shared_ptr<const findings::FindingsIndex> indexed(
    const testing::TempDir& dir, const testing::ExportSpec& spec, const std::string& name,
    std::vector<testing::GeneratedFinding>* rec) {
  const std::string xml = dir.path() + "/" + name + ".nessus";
  const std::string db = dir.path() + "/" + name + ".db";
  REQUIRE(testing::write_export_file(spec, xml, rec));
  REQUIRE(scanners::index_export(xml, db, scanners::CredentialsSupplied::Yes).has_value());
  auto index = findings::FindingsIndex::open(db);
  REQUIRE(index);
  return *index;
}

}  // namespace

TEST_CASE("estate input: a scan's index folds in as one asset per host and each finding once") {
  testing::TempDir dir;
  testing::ExportSpec spec;
  spec.hosts = 6;
  spec.findings_per_host = 30;
  std::vector<testing::GeneratedFinding> record;
  const auto first = indexed(dir, spec, "first", &record);
  const auto fold = findings::scan_fold_of(*first, "acme", "task_1", 1000);
  CHECK(fold.hosts.size() == first->hosts().size());
  CHECK(fold.findings.size() == static_cast<std::size_t>(first->finding_count()));
  // Every host has ports open (its findings'), and the generated scan was credentialed.
  for (const auto& h : fold.hosts) {
    CHECK(!h.open_ports.empty());
    CHECK(h.logged_in);
  }

  auto estate = estate::SqliteEstate::open(dir.path() + "/estate.db");
  REQUIRE(estate);
  auto report = (*estate)->fold(fold);
  REQUIRE(report);
  CHECK(report->assets_new == spec.hosts);
  std::set<std::tuple<std::string, int, int, std::string>> distinct;
  for (const auto& f : record) distinct.insert({f.host, f.plugin_id, f.port, f.protocol});
  CHECK(report->findings_new == static_cast<int>(distinct.size()));
  CHECK((*estate)->findings("acme")->size() == distinct.size());

  // The same network scanned again with other plugins found: the same assets, some findings
  // fixed (their ports were scanned again), nothing doubled.
  testing::ExportSpec later = spec;
  later.seed = 2;
  const auto second = indexed(dir, later, "second", nullptr);
  report = (*estate)->fold(findings::scan_fold_of(*second, "acme", "task_2", 2000));
  REQUIRE(report);
  CHECK(report->assets_new == 0);
  CHECK(report->assets_matched == spec.hosts);
  CHECK(report->fixed > 0);
  CHECK((*estate)->assets("acme")->size() == static_cast<std::size_t>(spec.hosts));
}
