// The streaming parser and the credential validator over real scanner exports in
// ../shared/corpus/nessus/ (never copied into this repository). Each file's hosts, findings,
// per-severity counts (the raw severity attribute) and per-host "Credentialed checks" outcome
// must equal the corpus README; the legacy/malformed file must be refused clearly. Skips with a
// message when the corpus is absent (a clone outside the team's workspace).

#include <sys/stat.h>

#include <array>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "scanners/results/nessus_parser.h"
#include "scanners/results/scan_validation.h"

using namespace nmcp::scanners;

namespace {

const std::string kCorpus = std::string(NMCP_SOURCE_DIR) + "/../shared/corpus/nessus/";

bool corpus_present() {
  struct stat st {};
  return ::stat((kCorpus + "README.md").c_str(), &st) == 0;
}

struct Counts : ReportVisitor {
  long hosts = 0, items = 0;
  std::array<long, 5> severity{};
  void on_host(const ReportHost&) override { ++hosts; }
  void on_item(const ReportHost&, const ReportItem& i) override {
    ++items;
    if (i.severity >= 0 && i.severity <= 4) ++severity[static_cast<std::size_t>(i.severity)];
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

TEST_CASE("corpus: counts and credential outcomes equal the corpus README") {
  if (!corpus_present()) {
    MESSAGE("skipped: " << kCorpus << " is absent");
    return;
  }
  using CS = CredentialStatus;
  const std::vector<Expected> files = {
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
  for (const auto& e : files) {
    CAPTURE(e.file);
    Both v;
    auto r = parse_nessus_file(kCorpus + e.file, v);
    REQUIRE_MESSAGE(r, (r ? "" : r.error().message));
    CHECK(v.counts.hosts == e.hosts);
    CHECK(v.counts.items == e.items);
    CHECK(v.counts.severity == e.severity);
    CHECK(r->hosts == static_cast<std::uint64_t>(e.hosts));
    REQUIRE(v.validator.hosts().size() == static_cast<std::size_t>(e.hosts));
    for (const auto& h : v.validator.hosts()) {
      CAPTURE(h.host);
      CHECK(to_string(h.status) == to_string(e.credentials));
    }
  }
}

TEST_CASE("corpus: the legacy v1 file is refused with a clear error") {
  if (!corpus_present()) {
    MESSAGE("skipped: " << kCorpus << " is absent");
    return;
  }
  Counts c;
  auto r = parse_nessus_file(kCorpus + "rubynessus_example_v1_legacy_malformed.nessus", c);
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find("legacy v1") != std::string::npos);
  CHECK(c.items == 0);
}
