#include "worker/engine/task_indexing.h"

#include "core/findings/findings_index.h"
#include "core/findings/results_location.h"
#include "core/findings/run_comparison.h"
#include "core/policy/scope_policy.h"

namespace nmcp::worker {

scanners::SuppliedCredentials supplied_credentials(const task::Task& t,
                                                   const config::ScannerConfig& config) {
  // An imported export (admin_cli import) came with no word on what it was given.
  if (t.summary.contains("imported_from")) return scanners::CredentialsSupplied::Unknown;
  if (t.scan_type == task::ScanType::Untrusted) return scanners::CredentialsSupplied::No;
  std::vector<scanners::CredentialProtocol> protocols;
  if (t.credential_profile.empty()) {
    protocols.push_back(scanners::CredentialProtocol::Ssh);
  } else if (const auto* profile = config.credential(t.credential_profile)) {
    for (const auto type : profile->types()) {
      if (auto p = scanners::protocol_named(config::to_string(type))) protocols.push_back(*p);
    }
  }
  return {scanners::CredentialsSupplied::Yes, std::move(protocols)};
}

scanners::ExportExpectations export_expectations(const task::Task& t,
                                                 const config::ScannerConfig& config) {
  scanners::ExportExpectations expect;
  if (auto targets = policy::parse_targets(t.targets)) expect.targets = std::move(*targets);
  expect.max_hosts = config.defaults.max_export_hosts;
  return expect;
}

namespace {

nlohmann::json since_previous_run(const std::string& data_dir, const task::Task& t,
                                  const std::string& index_file) {
  auto later = findings::FindingsIndex::open(index_file);
  if (!later) {
    return {{"previous_task_id", t.previous_run},
            {"unavailable", "this run's findings cannot be reopened: " + later.error().message}};
  }
  return findings::compare_with_previous(data_dir, t.previous_run, **later);
}

}  // namespace

Result<scanners::IndexOutcome> index_task_export(const std::string& data_dir, const task::Task& t,
                                                 const config::ScannerConfig& config,
                                                 const scanners::IndexDestination& dest) {
  auto paths = findings::results_paths(data_dir, t.id);
  if (!paths) return fail(paths.error());
  auto indexed = scanners::index_export(paths->export_file, dest, supplied_credentials(t, config),
                                        export_expectations(t, config));
  if (!indexed) return indexed;
  if (t.summary.contains("imported_from")) {
    indexed->summary["imported_from"] = t.summary["imported_from"];
  }
  if (!t.previous_run.empty()) {
    indexed->summary["since_previous_run"] = since_previous_run(data_dir, t, dest.path);
  }
  return indexed;
}

}  // namespace nmcp::worker
