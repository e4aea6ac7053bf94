// The findings index over exports the project generates itself, checked against the
// generator's own record of what it wrote: counts, every filter alone and combined, every sort
// in both directions across page boundaries, projection, truncation and budgets, the host view
// and scan comparison.
#include "core/findings/findings_index.h"

#include <algorithm>
#include <filesystem>
#include <functional>
#include <set>

#include <doctest/doctest.h>

#include "core/base/text.h"
#include "core/findings/finding.h"
#include "core/findings/finding_fields.h"
#include "core/findings/finding_page.h"
#include "core/findings/index_cache.h"
#include "core/findings/index_writer.h"
#include "core/findings/results_location.h"
#include "core/findings/run_comparison.h"
#include "core/findings/scan_diff.h"
#include "core/net/ip.h"
#include "core/policy/scope_policy.h"
#include "core/task/task.h"
#include "scanners/results/export_indexer.h"
#include "tests/support/export_generator.h"
#include "tests/support/subprocess.h"

using namespace nmcp;
using findings::FindingFilter;
using findings::SortField;
using findings::SortSpec;
using testing::GeneratedFinding;

namespace {

struct Indexed {
  testing::TempDir dir;
  std::vector<GeneratedFinding> model;
  std::shared_ptr<const findings::FindingsIndex> index;
  scanners::IndexOutcome outcome;
};

std::unique_ptr<Indexed> make(const testing::ExportSpec& spec) {
  auto out = std::make_unique<Indexed>();
  const std::string xml = out->dir.path() + "/scan.nessus";
  REQUIRE(testing::write_export_file(spec, xml, &out->model));
  auto r = scanners::index_export(xml, out->dir.path() + "/findings.db",
                                  scanners::CredentialsSupplied::Yes);
  REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().message));
  out->outcome = *r;
  auto index = findings::FindingsIndex::open(out->dir.path() + "/findings.db");
  REQUIRE_MESSAGE(index.has_value(), (index ? "" : index.error().message));
  out->index = *index;
  return out;
}

// All ids matching `filter`, page by page, checking every page on the way.
std::vector<std::int64_t> all_pages(const findings::FindingsIndex& index, const FindingFilter& f,
                                    const SortSpec& sort, std::size_t page) {
  std::vector<std::int64_t> ids;
  std::int64_t after = 0;
  std::int64_t total = -1;
  for (int guard = 0; guard < 100000; ++guard) {
    auto r = index.select(f, sort, after, page);
    REQUIRE(r.has_value());
    if (total < 0) total = r->total;
    CHECK(r->total == total);  // totals do not change from page to page
    CHECK(r->remaining == total - static_cast<std::int64_t>(ids.size()));
    CHECK(r->ids.size() == std::min<std::size_t>(page, static_cast<std::size_t>(r->remaining)));
    if (r->ids.empty()) break;
    ids.insert(ids.end(), r->ids.begin(), r->ids.end());
    after = r->ids.back();
  }
  CHECK(static_cast<std::int64_t>(ids.size()) == total);
  return ids;
}

int effective(const GeneratedFinding& g) { return g.plugin_id == 19506 ? 0 : g.severity; }

std::set<std::int64_t> expected(const std::vector<GeneratedFinding>& model,
                                const std::function<bool(const GeneratedFinding&)>& keep) {
  std::set<std::int64_t> out;
  for (std::size_t i = 0; i < model.size(); ++i) {
    if (keep(model[i])) out.insert(static_cast<std::int64_t>(i) + 1);
  }
  return out;
}

std::set<std::int64_t> as_set(const std::vector<std::int64_t>& v) { return {v.begin(), v.end()}; }

}  // namespace

TEST_CASE("findings index: counts and summary equal what the export holds") {
  testing::ExportSpec spec;
  auto s = make(spec);
  CHECK(s->index->finding_count() == static_cast<std::int64_t>(s->model.size()));
  CHECK(s->index->hosts().size() == 8);
  CHECK(s->outcome.summary["findings"] == s->model.size());
  std::array<std::int64_t, 5> sev{};
  for (const auto& g : s->model) ++sev[static_cast<std::size_t>(effective(g))];
  auto all = s->index->select({}, {}, 0, 0);
  REQUIRE(all.has_value());
  CHECK(all->severity_counts == sev);
  CHECK(s->outcome.summary["severity"]["critical"] == sev[4]);
  CHECK(s->outcome.summary["credentialed_hosts"] == 8);
  std::int64_t per_host = 0;
  for (const auto& h : s->index->hosts()) {
    CHECK(h.credential_status == "success");
    CHECK(h.credential_account == "scanuser");
    for (auto c : h.severity_counts) per_host += c;
  }
  CHECK(per_host == static_cast<std::int64_t>(s->model.size()));
  CHECK(s->index->meta()["scan_name"] == "generated scan");
}

TEST_CASE("findings index: every filter, alone and combined, selects what the model says") {
  testing::ExportSpec spec;
  spec.hosts = 12;
  auto s = make(spec);
  const auto& m = s->model;
  const SortSpec by_severity;
  auto check = [&](const char* what, const FindingFilter& f,
                   const std::function<bool(const GeneratedFinding&)>& keep) {
    INFO(what);
    const auto want = expected(m, keep);
    CHECK(!want.empty());  // each case selects something, so a filter that drops all fails
    CHECK(want.size() < m.size());
    CHECK(as_set(all_pages(*s->index, f, by_severity, 1000)) == want);
  };
  FindingFilter f;
  f.severity_min = 3;
  check("severity_min", f, [](auto& g) { return effective(g) >= 3; });
  f = {};
  f.severity_max = 1;
  check("severity_max", f, [](auto& g) { return effective(g) <= 1; });
  f = {};
  f.severities = {0, 4};
  check("severity set", f, [](auto& g) { return effective(g) == 0 || effective(g) == 4; });
  f = {};
  f.host = "10.0.0.2";
  check("host address", f, [](auto& g) { return g.host_ip == "10.0.0.2"; });
  f = {};
  f.host = "10.0.0.0/30";
  check("host CIDR", f, [](auto& g) {
    return g.host_ip == "10.0.0.0" || g.host_ip == "10.0.0.1" || g.host_ip == "10.0.0.2" ||
           g.host_ip == "10.0.0.3";
  });
  f = {};
  f.host = "fd00::/64";
  check("host IPv6 CIDR", f, [](auto& g) { return g.host_ip.rfind("fd00::", 0) == 0; });
  f = {};
  f.host = "HOST-3.example.test";
  check("host FQDN, any case", f, [](auto& g) { return g.fqdn == "host-3.example.test"; });
  f = {};
  f.host = "web-6.corp.example";
  check("host by name only", f, [](auto& g) { return g.host == "web-6.corp.example"; });
  f = {};
  f.host = "*.corp.example";
  check("host suffix", f,
        [](auto& g) { return g.fqdn.find(".corp.example") != std::string::npos; });
  f = {};
  f.host = "host5";
  check("host NetBIOS", f, [](auto& g) { return g.netbios == "HOST5"; });
  f = {};
  f.ports = {22, 443};
  check("port", f, [](auto& g) { return g.port == 22 || g.port == 443; });
  f = {};
  f.protocols = {"udp"};
  check("protocol", f, [](auto& g) { return g.protocol == "udp"; });
  f = {};
  f.services = {"www"};
  check("service", f, [](auto& g) { return g.service == "www"; });
  f = {};
  f.plugin_ids = {10007, 10014};
  check("plugin ids", f, [](auto& g) { return g.plugin_id == 10007 || g.plugin_id == 10014; });
  f = {};
  f.families = {"web servers"};
  check("family", f, [](auto& g) { return g.family == "Web Servers"; });
  f = {};
  f.name = "overflow";
  check("name text", f,
        [](auto& g) { return g.plugin_name.find("overflow") != std::string::npos; });
  const std::string cve = [&] {
    for (const auto& g : m) {
      if (!g.cves.empty()) return g.cves.front();
    }
    return std::string();
  }();
  f = {};
  f.cves = {cve};
  check("cve", f,
        [&](auto& g) { return std::find(g.cves.begin(), g.cves.end(), cve) != g.cves.end(); });
  f = {};
  f.cvss3_min = 7.0;
  check("cvss3_min", f, [](auto& g) { return g.cvss3 >= 7.0; });
  f = {};
  f.cvss3_min = 4.0;
  f.cvss3_max = 6.9;
  check("cvss3 range", f, [](auto& g) { return g.cvss3 >= 4.0 && g.cvss3 <= 6.9; });
  f = {};
  f.cvss2_max = 5.0;
  check("cvss2_max (unscored findings excluded)", f,
        [](auto& g) { return g.cvss2 >= 0 && g.cvss2 <= 5.0; });
  f = {};
  f.exploit_available = true;
  check("exploit available", f, [](auto& g) { return g.exploit; });
  f = {};
  f.text = "reports generated plugin 1";
  check("free text in the plugin output", f, [](auto& g) {
    return ascii_lower(g.output).find("reports generated plugin 1") != std::string::npos;
  });
  f = {};
  f.text = "scan information";
  check("free text in the plugin name", f, [](auto& g) { return g.plugin_id == 19506; });
  f = {};
  f.severity_min = 2;
  f.services = {"www"};
  f.host = "10.0.0.0/24";
  f.exploit_available = false;
  check("combined", f, [](auto& g) {
    return effective(g) >= 2 && g.service == "www" && g.host_ip.rfind("10.0.0.", 0) == 0 &&
           !g.exploit;
  });
  f = {};
  f.cves = {"CVE-1999-0000"};
  CHECK(all_pages(*s->index, f, by_severity, 10).empty());
  f = {};
  f.host = "10.0.0.300";
  CHECK(!s->index->select(f, by_severity, 0, 10).has_value());
  f.host = "bad host!";
  CHECK(!s->index->select(f, by_severity, 0, 10).has_value());
  CHECK(!s->index->select({}, by_severity, 999999, 10).has_value());  // cursor past the end
}

TEST_CASE("findings index: every sort, both ways, pages through everything in order") {
  testing::ExportSpec spec;
  spec.hosts = 9;
  auto s = make(spec);
  const auto n = static_cast<std::size_t>(s->index->finding_count());
  auto rows = s->index->fetch([&] {
    std::vector<std::int64_t> ids;
    for (std::size_t i = 1; i <= n; ++i) ids.push_back(static_cast<std::int64_t>(i));
    return ids;
  }());
  REQUIRE(rows.has_value());
  auto value = [&](SortField field, std::int64_t id) -> double {
    const auto& r = (*rows)[static_cast<std::size_t>(id - 1)];
    switch (field) {
      case SortField::Severity:
        return r["severity"].get<double>();
      case SortField::Cvss3:
        return r.value("cvss3_base_score", -1.0);
      case SortField::Cvss2:
        return r.value("cvss_base_score", -1.0);
      case SortField::Vpr:
        return r.value("vpr_score", -1.0);
      case SortField::Port:
        return r["port"].get<double>();
      case SortField::PluginId:
        return r["plugin_id"].get<double>();
      default:
        return 0;
    }
  };
  for (const auto& name : findings::sort_field_names()) {
    const SortField field = *findings::parse_sort_field(name);
    for (bool desc : {true, false}) {
      for (std::size_t page : {std::size_t{1}, std::size_t{7}, n - 1, n, n + 1}) {
        INFO(name << (desc ? " desc" : " asc") << " page " << page);
        const auto ids = all_pages(*s->index, {}, {field, desc}, page);
        CHECK(as_set(ids).size() == n);  // no duplicate, no gap
        for (std::size_t i = 1; i < ids.size(); ++i) {
          const double a = value(field, ids[i - 1]), b = value(field, ids[i]);
          const bool scored =
              field == SortField::Cvss3 || field == SortField::Cvss2 || field == SortField::Vpr;
          if (scored && (a < 0 || b < 0)) {
            CHECK((b < 0 || a >= 0));  // unscored findings come last in either direction
            continue;
          }
          if (desc)
            CHECK(a >= b);
          else
            CHECK(a <= b);
        }
      }
    }
  }
  // Default order: severity, then CVSS v3, highest first.
  const auto ids = all_pages(*s->index, {}, {}, 50);
  for (std::size_t i = 1; i < ids.size(); ++i) {
    const auto& a = (*rows)[static_cast<std::size_t>(ids[i - 1] - 1)];
    const auto& b = (*rows)[static_cast<std::size_t>(ids[i] - 1)];
    if (a["severity"] == b["severity"]) {
      CHECK(a.value("cvss3_base_score", -1.0) >= b.value("cvss3_base_score", -1.0));
    }
  }
}

TEST_CASE("findings index: a full finding holds every field, lists as lists") {
  auto s = make({});
  FindingFilter f;
  f.exploit_available = true;
  f.cvss3_min = 0;
  auto page = s->index->select(f, {}, 0, 1);
  REQUIRE(page.has_value());
  REQUIRE(page->ids.size() == 1);
  auto full = s->index->fetch(page->ids);
  REQUIRE(full.has_value());
  const auto& j = full->front();
  const auto& g = s->model[static_cast<std::size_t>(page->ids[0] - 1)];
  CHECK(j["host"] == g.host);
  CHECK(j["plugin_id"] == g.plugin_id);
  CHECK(j["exploit_available"] == true);
  CHECK(j["cvss3_base_score"].get<double>() == doctest::Approx(g.cvss3));
  CHECK(j["see_also"].size() == 2);
  CHECK(j["plugin_output"] == g.output);
  CHECK(j["synopsis"].get<std::string>().find("& more") != std::string::npos);  // entities decoded
  CHECK(j["severity_label"] == std::string(findings::severity_name(g.severity)));
  if (!g.cves.empty()) CHECK(j["cve"].size() == g.cves.size());
  CHECK(j.contains("cvss3_vector"));
  CHECK(j.contains("plugin_publication_date"));
}

TEST_CASE("findings pages: each profile shows its fields and only those; field lists too") {
  auto s = make({});
  FindingFilter f;
  f.exploit_available = true;  // findings that have every optional field
  auto page = s->index->select(f, {}, 0, 5);
  REQUIRE(page.has_value());
  auto full = s->index->fetch(page->ids);
  REQUIRE(full.has_value());
  std::size_t previous = 0;
  for (const auto& name : findings::profile_names()) {
    INFO(name);
    const auto fields = *findings::profile_fields(name);
    CHECK(fields.size() > previous);  // each profile widens the one before
    previous = fields.size();
    for (const auto& finding : *full) {
      const auto projected = findings::project(finding, fields, 1U << 20U);
      for (const auto& [k, v] : projected.items()) {
        CHECK(std::find(fields.begin(), fields.end(), k) != fields.end());
      }
      for (const char* always : {"finding_id", "host", "port", "plugin_id", "severity"}) {
        CHECK(projected.contains(always));
      }
      CHECK(projected.contains("plugin_name") == (name != "minimal"));
      CHECK(projected.contains("description") == (name == "brief" || name == "full"));
      CHECK(projected.contains("plugin_publication_date") == (name == "full"));
    }
  }
  CHECK(!findings::profile_fields("everything").has_value());
  const auto custom = findings::project(full->front(), {"cve", "plugin_output"}, 1U << 20U);
  CHECK(custom.size() <= 2);
  CHECK(custom.contains("plugin_output"));
}

TEST_CASE("findings pages: projection, truncation with a marker, and the token budget") {
  testing::ExportSpec spec;
  spec.output_bytes = 6000;
  auto s = make(spec);
  auto page = s->index->select({}, {}, 0, 200);
  REQUIRE(page.has_value());
  auto full = s->index->fetch(page->ids);
  REQUIRE(full.has_value());
  const auto minimal = *findings::profile_fields("minimal");
  auto projected = findings::project(full->front(), minimal, 2000);
  for (const auto& [k, v] : projected.items()) {
    CHECK(std::find(minimal.begin(), minimal.end(), k) != minimal.end());
  }
  CHECK(!projected.contains("plugin_output"));
  const auto brief = *findings::profile_fields("brief");
  const auto cut = findings::project(full->front(), brief, 500);
  const std::string out = cut["plugin_output"];
  CHECK(out.find("…[truncated: ") != std::string::npos);
  CHECK(out.find("get_finding with finding_id " + std::to_string(page->ids[0])) !=
        std::string::npos);
  for (std::size_t budget : {300UL, 1000UL, 2500UL, 8000UL, 25000UL}) {
    INFO("budget " << budget);
    const auto filled = findings::fill_page(*full, brief, budget, 100, 2000);
    CHECK(filled.used >= 1);
    CHECK(filled.items.size() == filled.used);
    CHECK(findings::estimate_tokens(filled.items) + 100 <= budget);  // even one cut finding
  }
  // Unicode is never cut inside a character.
  const std::string text = "é" + std::string(10, 'a');
  const auto t = findings::truncate_text("aé" + text, 2, 1, "plugin_output");
  CHECK(t.rfind("a …[truncated", 0) == 0);
}

TEST_CASE("findings index: scan comparison matches the two models") {
  testing::ExportSpec first;
  first.hosts = 6;
  first.seed = 1;
  testing::ExportSpec second = first;
  second.seed = 2;
  second.hosts = 7;
  auto a = make(first);
  auto b = make(second);
  auto key = [](const GeneratedFinding& g) {
    return (g.host_ip.empty() ? ascii_lower(g.host) : g.host_ip) + "|" +
           std::to_string(g.plugin_id) + "|" + std::to_string(g.port) + "|" + g.protocol;
  };
  auto host_of = [](const GeneratedFinding& g) {
    return g.host_ip.empty() ? ascii_lower(g.host) : g.host_ip;
  };
  std::set<std::string> ha, hb;
  for (const auto& g : a->model) ha.insert(host_of(g));
  for (const auto& g : b->model) hb.insert(host_of(g));
  // Only hosts both scans covered are compared.
  std::set<std::string> ka, kb;
  std::size_t only_later = 0, not_rescanned = 0;
  for (const auto& g : a->model) {
    if (g.severity < 1) continue;
    if (hb.count(host_of(g)) == 0) {
      ++not_rescanned;
    } else {
      ka.insert(key(g));
    }
  }
  for (const auto& g : b->model) {
    if (g.severity < 1) continue;
    if (ha.count(host_of(g)) == 0) {
      ++only_later;
    } else {
      kb.insert(key(g));
    }
  }
  std::size_t added = 0, fixed = 0, open = 0;
  for (const auto& k : kb) (ka.count(k) != 0 ? open : added)++;
  for (const auto& k : ka) fixed += kb.count(k) == 0 ? 1U : 0U;
  const auto d = findings::diff_scans(*a->index, *b->index, 1);
  CHECK(d.entries[findings::kAdded].size() == added);
  CHECK(d.entries[findings::kFixed].size() + d.entries[findings::kUnverified].size() == fixed);
  CHECK(d.entries[findings::kStillOpen].size() == open);
  CHECK(d.entries[findings::kNotRescanned].size() == not_rescanned);
  std::int64_t later_only_findings = 0;
  for (const auto& h : d.new_hosts) later_only_findings += h.findings;
  CHECK(later_only_findings == static_cast<std::int64_t>(only_later));
  CHECK(d.hosts_compared == 6);
  CHECK(added > 0);
  CHECK(fixed > 0);
  CHECK(open > 0);
  CHECK(only_later > 0);
  const auto& add = d.entries[findings::kAdded];
  for (std::size_t i = 1; i < add.size(); ++i) CHECK(add[i - 1].severity >= add[i].severity);
  for (const auto& e : d.entries[findings::kFixed])
    CHECK(ka.count(key(a->model[static_cast<std::size_t>(e.finding_id - 1)])) == 1);

  // The base against a later scan of only some of its hosts: nothing on the others is "fixed".
  testing::ExportSpec narrow = first;
  narrow.hosts = 3;
  auto c = make(narrow);
  const auto n = findings::diff_scans(*a->index, *c->index, 1);
  CHECK(n.hosts_compared == 3);
  CHECK(n.not_rescanned_hosts.size() == 3);
  CHECK(n.entries[findings::kFixed].empty());  // same seed: the 3 rescanned hosts are unchanged
  CHECK(n.entries[findings::kAdded].empty());
  CHECK_FALSE(n.entries[findings::kNotRescanned].empty());
}

TEST_CASE("run comparison: a scheduled run's digest against the previous run's index") {
  testing::ExportSpec first;
  first.hosts = 6;
  first.seed = 1;
  testing::ExportSpec second = first;
  second.seed = 2;
  auto a = make(first);
  auto b = make(second);
  testing::TempDir data;
  const std::string previous = task::new_task_id();
  const auto paths = findings::results_paths(data.path(), previous);
  REQUIRE(paths);
  std::filesystem::create_directories(paths->dir);
  std::filesystem::copy_file(a->dir.path() + "/findings.db", paths->index_file);

  const auto digest = findings::compare_with_previous(data.path(), previous, *b->index);
  const auto d = findings::diff_scans(*a->index, *b->index, 1);
  CHECK(digest["previous_task_id"] == previous);
  CHECK(!digest.contains("unavailable"));
  CHECK(digest["new"] == d.entries[findings::kAdded].size());
  CHECK(digest["fixed"] == d.entries[findings::kFixed].size());
  CHECK(digest["still_open"] == d.entries[findings::kStillOpen].size());
  CHECK(digest["hosts_compared"] == 6);
  std::int64_t by_severity = 0;
  for (const auto& [sev, n] : digest["new_by_severity"].items()) by_severity += n.get<int>();
  CHECK(by_severity == static_cast<std::int64_t>(d.entries[findings::kAdded].size()));
  const auto& top = digest["top_new"];
  REQUIRE(top.size() ==
          std::min<std::size_t>(findings::kTopNewFindings, d.entries[findings::kAdded].size()));
  REQUIRE(!top.empty());
  CHECK(top[0]["severity"] == d.entries[findings::kAdded][0].severity);
  for (std::size_t i = 1; i < top.size(); ++i) CHECK(top[i - 1]["severity"] >= top[i]["severity"]);
  CHECK(b->index->has(top[0]["finding_id"].get<std::int64_t>()));
  CHECK(top[0]["plugin_name"].get<std::string>() ==
        b->index->plugin_name(top[0]["finding_id"].get<std::int64_t>()));

  // The previous run's results removed (retention): said, not everything counted as new.
  const auto gone = findings::compare_with_previous(data.path(), task::new_task_id(), *b->index);
  CHECK(gone["unavailable"].get<std::string>().find("retention") != std::string::npos);
  CHECK(!gone.contains("new"));
  const auto bad = findings::compare_with_previous(data.path(), "../etc", *b->index);
  CHECK(bad.contains("unavailable"));
}

TEST_CASE("findings index: a refused export leaves no index; damaged files are reported") {
  testing::TempDir dir;
  const std::string xml = dir.file("bad.nessus",
                                   "<NessusClientData_v2><Report name=\"x\">"
                                   "<ReportHost name=\"a\"><HostProperties>");
  const std::string db = dir.path() + "/findings.db";
  auto r = scanners::index_export(xml, db, scanners::CredentialsSupplied::No);
  REQUIRE(!r.has_value());
  CHECK(r.error().message.find("truncated") != std::string::npos);
  CHECK(!std::filesystem::exists(db));
  CHECK(!std::filesystem::exists(db + ".part"));
  const std::string junk = dir.file("junk.db", "this is not an index");
  auto opened = findings::FindingsIndex::open(junk);
  REQUIRE(!opened.has_value());
  CHECK(opened.error().hint.find("re-index") != std::string::npos);
  CHECK(!findings::FindingsIndex::open(dir.path() + "/missing.db").has_value());
}

TEST_CASE("findings index: an export is held to its scan's targets and to the ceilings") {
  testing::TempDir dir;
  testing::ExportSpec spec;
  spec.hosts = 40;
  spec.findings_per_host = 3;
  const std::string xml = dir.path() + "/e.nessus";
  REQUIRE(testing::write_export_file(spec, xml));
  const std::string db = dir.path() + "/findings.db";

  // Hosts the scan did not target are flagged (the generator's IPv4 hosts are 10.0.0.x; some
  // are IPv6 or names only).
  scanners::ExportExpectations narrow;
  narrow.targets = *policy::parse_targets("10.0.0.0/28");
  auto flagged = scanners::index_export(xml, db, scanners::CredentialsSupplied::No, narrow);
  REQUIRE(flagged.has_value());
  CHECK(flagged->outside_targets > 0);
  CHECK(flagged->outside_targets < 40);
  CHECK(flagged->summary["hosts_outside_targets"]["count"] == flagged->outside_targets);
  CHECK(flagged->summary["hosts_outside_targets"]["sample"].size() <= 5);
  CHECK(flagged->targets.find("10.0.0.0") != std::string::npos);  // the hosts it covered

  // Past the host ceiling the export is refused at once, and nothing is published.
  std::filesystem::remove(db);
  scanners::ExportExpectations few;
  few.max_hosts = 10;
  auto refused = scanners::index_export(xml, db, scanners::CredentialsSupplied::No, few);
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().code == ErrorCode::ResourceExhausted);
  CHECK(refused.error().message.find("more than 10 hosts") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(db));

  scanners::ExportExpectations plugins;
  plugins.max_plugin_variants = 5;
  auto too_many = scanners::index_export(xml, db, scanners::CredentialsSupplied::No, plugins);
  REQUIRE_FALSE(too_many.has_value());
  CHECK(too_many.error().message.find("distinct plugins") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(db));
}

TEST_CASE("index cache: reuses an open index and reopens a rewritten one") {
  auto s = make({});
  const std::string db = s->dir.path() + "/findings.db";
  findings::IndexCache cache(2);
  auto first = cache.get(db);
  auto again = cache.get(db);
  REQUIRE(first.has_value());
  REQUIRE(again.has_value());
  CHECK(first->get() == again->get());
  testing::ExportSpec bigger;
  bigger.hosts = 3;
  REQUIRE(testing::write_export_file(bigger, s->dir.path() + "/other.nessus"));
  REQUIRE(
      scanners::index_export(s->dir.path() + "/other.nessus", db, scanners::CredentialsSupplied::No)
          .has_value());
  auto fresh = cache.get(db);
  REQUIRE(fresh.has_value());
  CHECK((*fresh)->hosts().size() == 3);
}

TEST_CASE("index writer: a write that fails on its thread fails finish() and publishes nothing") {
  testing::TempDir dir;
  const std::string db = dir.path() + "/findings.db";
  auto writer = findings::IndexWriter::create(db);
  REQUIRE(writer.has_value());
  findings::HostRecord host;
  host.name = "10.0.0.1";
  (*writer)->begin_host();
  for (int i = 0; i < 2000; ++i) {  // several batches, so the thread is busy meanwhile
    findings::FindingRecord f;
    f.port = i;
    f.plugin_output = std::string(100, 'x');
    CHECK((*writer)->add_finding(1, f));
  }
  CHECK((*writer)->end_host(host));
  // The same host id again: the hosts table refuses it on the writing thread.
  (void)(*writer)->end_host(host);
  auto finished = (*writer)->finish({{"scan_name", "x"}});
  REQUIRE_FALSE(finished.has_value());
  CHECK(finished.error().message.find("UNIQUE") != std::string::npos);
  CHECK(!std::filesystem::exists(db));
  writer->reset();
  CHECK(!std::filesystem::exists(db + ".part"));
}
