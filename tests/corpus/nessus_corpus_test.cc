// The streaming parser and the credential validator over real scanner exports in
// ../shared/corpus/nessus/ (never copied into this repository). Each file's hosts, findings,
// per-severity counts (the raw severity attribute) and per-host "Credentialed checks" outcome
// must equal the corpus README; the legacy/malformed file must be refused clearly. Skips with a
// message when the corpus is absent (a clone outside the team's workspace).

#include <sys/stat.h>

#include <array>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include <doctest/doctest.h>

#include "core/estate/sqlite_estate.h"
#include "core/findings/estate_input.h"
#include "core/findings/findings_index.h"
#include "scanners/results/export_indexer.h"
#include "scanners/results/nessus_parser.h"
#include "scanners/results/scan_validation.h"
#include "tests/support/corpus.h"
#include "tests/support/subprocess.h"

using namespace nmcp::scanners;

namespace {

const std::string kCorpus = nmcp::testing::corpus_dir();

struct Counts : ReportVisitor {
  long hosts = 0, items = 0;
  std::array<long, 5> severity{};
  std::array<long, 5> scan_info{};  // plugin 19506 by its raw severity
  void on_host(const ReportHost&) override { ++hosts; }
  void on_item(const ReportHost&, const ReportItem& i) override {
    ++items;
    if (i.severity >= 0 && i.severity <= 4) {
      ++severity[static_cast<std::size_t>(i.severity)];
      if (i.plugin_id == 19506) ++scan_info[static_cast<std::size_t>(i.severity)];
    }
  }
};

// Both visitors in one pass.
struct Both : ReportVisitor {
  Counts counts;
  ScanValidator validator{true};
  void on_report(const ReportInfo& r) override { validator.on_report(r); }
  void on_host(const ReportHost& h) override {
    counts.on_host(h);
    validator.on_host(h);
  }
  void on_item(const ReportHost& h, const ReportItem& i) override {
    counts.on_item(h, i);
    validator.on_item(h, i);
  }
  void on_host_end(const ReportHost& h) override { validator.on_host_end(h); }
};

struct Expected {
  const char* file;
  long hosts, items;
  std::array<long, 5> severity;
  CredentialStatus credentials;  // every host's outcome (credentials counted as supplied)
};

}  // namespace

const std::vector<Expected>& expected_files() {
  using CS = CredentialStatus;
  static const std::vector<Expected> files = {
      {"defectdojo_nessus_many_vuln.xml", 1, 7, {7, 0, 0, 0, 0}, CS::Failed},
      {"defectdojo_nessus_v_unknown.xml", 7, 296, {266, 7, 23, 0, 0}, CS::Failed},
      {"defectdojo_nessus_was_many_vuln.xml", 1, 5, {1, 3, 0, 1, 0}, CS::Unknown},
      {"defectdojo_nessus_was_no_vuln.xml", 1, 0, {0, 0, 0, 0, 0}, CS::Unknown},
      {"defectdojo_nessus_with_cvssv3.nessus", 1, 49, {23, 1, 13, 10, 2}, CS::Failed},
      {"defectdojo_nessus_with_cwe-.nessus", 1, 1, {0, 0, 0, 1, 0}, CS::Failed},  // tag false
      {"pytenable_example_agent_cred.nessus", 1, 230, {135, 2, 9, 77, 7}, CS::Success},
      {"rubynessus_example_v2_nessus42.nessus", 2, 69, {19, 47, 3, 0, 0}, CS::Unknown},
      {"rubynessus_example_v3.nessus", 1, 155, {118, 8, 16, 5, 8}, CS::Failed},
  };
  return files;
}

TEST_CASE("corpus: counts and credential outcomes equal the corpus README") {
  const auto& files = expected_files();

  for (const auto& e : files) {
    CAPTURE(e.file);
    Both v;
    std::vector<HostCredential> hosts;
    v.validator.observe([&hosts](const HostCredential& h) { hosts.push_back(h); });
    auto r = parse_nessus_file(kCorpus + e.file, v);
    REQUIRE_MESSAGE(r, (r ? "" : r.error().message));
    CHECK(v.counts.hosts == e.hosts);
    CHECK(v.counts.items == e.items);
    CHECK(v.counts.severity == e.severity);
    CHECK(r->hosts == static_cast<std::uint64_t>(e.hosts));
    REQUIRE(hosts.size() == static_cast<std::size_t>(e.hosts));
    for (const auto& h : hosts) {
      CAPTURE(h.host);
      CHECK(to_string(h.status) == to_string(e.credentials));
    }
  }
}

TEST_CASE("corpus: the legacy v1 file is refused with a clear error") {
  Counts c;
  auto r = parse_nessus_file(kCorpus + "rubynessus_example_v1_legacy_malformed.nessus", c);
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find("legacy v1") != std::string::npos);
  CHECK(c.items == 0);
}

TEST_CASE("corpus: the findings index holds every host and finding of each real export") {
  for (const auto& e : expected_files()) {
    const std::string file = e.file;
    CAPTURE(file);
    nmcp::testing::TempDir dir;
    Counts raw;
    REQUIRE(parse_nessus_file(kCorpus + e.file, raw));
    auto out =
        index_export(kCorpus + e.file, dir.path() + "/findings.db", CredentialsSupplied::Yes);
    REQUIRE_MESSAGE(out, (out ? "" : out.error().message));
    auto index = nmcp::findings::FindingsIndex::open(dir.path() + "/findings.db");
    REQUIRE(index);
    CHECK((*index)->finding_count() == e.items);
    CHECK((*index)->hosts().size() == static_cast<std::size_t>(e.hosts));
    // The index counts 19506 as informational whatever severity it reported (docs/nessus-api.md).
    std::array<std::int64_t, 5> want{};
    for (std::size_t s = 0; s < 5; ++s) want[s] = e.severity[s] - raw.scan_info[s];
    for (long n : raw.scan_info) want[0] += n;
    auto all = (*index)->select({}, {}, 0, 0);
    REQUIRE(all);
    CHECK(all->severity_counts == want);
    CHECK(all->total == e.items);
    std::int64_t per_host = 0;
    for (const auto& h : (*index)->hosts()) {
      CHECK(h.credential_status == std::string(to_string(e.credentials)));
      for (auto c : h.severity_counts) per_host += c;
    }
    CHECK(per_host == e.items);
    CHECK(out->summary["findings"] == e.items);
    // Every finding reads back with its host and plugin.
    std::vector<std::int64_t> ids;
    for (std::int64_t id = 1; id <= (*index)->finding_count(); ++id) ids.push_back(id);
    auto rows = (*index)->fetch(ids);
    REQUIRE(rows);
    for (const auto& f : *rows) {
      CAPTURE(f.dump().substr(0, 300));
      CHECK(f.contains("host"));
      CHECK(f["plugin_id"].get<int>() >= 0);  // Nessus 4.2 lists open ports as plugin 0
    }
  }
}

TEST_CASE("corpus: each real export folds into the estate, one asset per host, each finding once") {
  for (const auto& e : expected_files()) {
    const std::string file = e.file;
    CAPTURE(file);
    nmcp::testing::TempDir dir;
    auto out =
        index_export(kCorpus + e.file, dir.path() + "/findings.db", CredentialsSupplied::Yes);
    REQUIRE(out);
    auto index = nmcp::findings::FindingsIndex::open(dir.path() + "/findings.db");
    REQUIRE(index);
    auto estate = nmcp::estate::SqliteEstate::open(dir.path() + "/estate.db");
    REQUIRE(estate);
    const auto fold = nmcp::findings::scan_fold_of(**index, "acme", "task_corpus", 1000);
    auto report = (*estate)->fold(fold);
    REQUIRE_MESSAGE(report, (report ? "" : report.error().message));
    // Real hosts are told apart: none merged into another, no conflict.
    CHECK(report->assets_new == e.hosts);
    CHECK(report->merges.empty());
    CHECK(report->conflicts.empty());
    // A finding is a host, a plugin, a port and a protocol: an export may list one twice.
    std::set<std::tuple<std::size_t, int, int, std::string>> distinct;
    for (const auto& f : fold.findings) {
      distinct.insert({f.host, f.plugin.plugin_id, f.port, f.protocol});
    }
    CHECK(report->findings_new == static_cast<int>(distinct.size()));
    auto findings = (*estate)->findings("acme");
    REQUIRE(findings);
    CHECK(findings->size() == distinct.size());
    for (const auto& f : *findings) CHECK(f.state == nmcp::estate::FindingState::Open);
    CHECK((*estate)->fold(fold)->already_folded);
  }
}
