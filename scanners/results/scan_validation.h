#pragma once
// Reads a finished scan's export and says what it shows: a summary (hosts, findings per
// severity, credentialed hosts, top plugins) and, for authenticated scans, whether the
// credentials worked on each host. It is a ReportVisitor, so it runs in the same streaming
// pass as anything else reading the file.
//
// Per host, from the Credentialed_Scan tag, the "Credentialed checks :" line of plugin 19506,
// and the credential-status plugins (docs/nessus-api.md, "Did the credentials work?"):
//   success         logged in and ran local checks
//   partial         logged in, but privilege escalation failed (110385, 102094)
//   failed          the credentials were refused (104410, 21745, "Credentialed checks : no")
//   not_applicable  no credentials were supplied (untrusted scan)
//   unknown         nothing says either way (no 19506: the host was not scanned)
// An authenticated scan with no host at success or partial has failed, with a hint naming the
// likely cause.
//
// Memory is bounded whatever the export holds: per host it keeps only the host being read;
// across hosts, counts per outcome, a few sample hosts and one failure reason. Each host's
// outcome goes to observers (the findings index stores every host's) as the host ends.
//
// Not thread-safe: one validator per parse.

#include <array>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "scanners/results/nessus_parser.h"

namespace nmcp::scanners {

enum class CredentialStatus { Success, Partial, Failed, NotApplicable, Unknown };
std::string_view to_string(CredentialStatus s);

struct HostCredential {
  std::string host;
  CredentialStatus status = CredentialStatus::Unknown;
  std::string account;   // from "as '<user>'"
  std::string protocol;  // from "via <proto>"
  std::string reason;    // why failed or partial
};

struct SeverityCounts {
  long long critical = 0, high = 0, medium = 0, low = 0, info = 0;
};

struct ScanVerdict {
  bool ok = true;  // false: an authenticated scan where no login worked
  std::string message;
  std::string hint;
};

// Whether the scan was given credentials. Unknown (an imported export): a host counts as
// credentialed when the export shows a login, failed only when a credential plugin shows a
// refusal, and the scan itself never fails on credentials.
enum class CredentialsSupplied { Yes, No, Unknown };

class ScanValidator : public ReportVisitor {
 public:
  explicit ScanValidator(CredentialsSupplied supplied);
  explicit ScanValidator(bool credentials_supplied)
      : ScanValidator(credentials_supplied ? CredentialsSupplied::Yes : CredentialsSupplied::No) {}

  void on_report(const ReportInfo& info) override { info_ = info; }
  void on_host(const ReportHost& host) override;
  void on_item(const ReportHost& host, const ReportItem& item) override;
  void on_host_end(const ReportHost& host) override;

  // Called with each host's outcome as its </ReportHost> is read.
  void observe(std::function<void(const HostCredential&)> observer) {
    observer_ = std::move(observer);
  }
  // The outcome of the host read last (valid in and after on_host_end).
  const HostCredential& last_host() const { return last_; }
  long long host_count() const { return hosts_; }
  const SeverityCounts& severities() const { return severities_; }
  ScanVerdict verdict() const;
  // {hosts, findings, severity{critical..info}, credentialed_hosts, top_plugins[...],
  //  scan_name, policy_name}
  nlohmann::json summary() const;
  // {credentials: overall, counts{success,partial,failed,not_applicable,unknown}, hosts_total,
  //  hosts:[at most kSampleHosts, problems first], warnings[at most kSampleHosts],
  //  warnings_total}; every host's outcome is in the findings index (list_scan_hosts).
  nlohmann::json validation() const;

  static constexpr std::size_t kSampleHosts = 5;

 private:
  struct HostState {
    std::optional<bool> tag;       // Credentialed_Scan
    std::optional<bool> line_yes;  // 19506 "Credentialed checks : yes|no"
    std::string account, protocol;
    bool login_ok_plugin = false;    // 141118, 117887
    bool refused = false;            // 104410, 21745
    bool escalation_failed = false;  // 110385, 102094
    std::string refused_detail;
  };

  long long count(CredentialStatus s) const { return outcomes_[static_cast<std::size_t>(s)]; }

  const CredentialsSupplied supplied_;
  ReportInfo info_;
  HostState current_;
  HostCredential last_;
  std::function<void(const HostCredential&)> observer_;
  long long hosts_ = 0;
  std::array<long long, 5> outcomes_{};    // by CredentialStatus
  std::vector<HostCredential> problems_;   // the first non-success hosts
  std::vector<HostCredential> successes_;  // the first successful ones
  std::string first_failure_;              // the first failed host's reason
  SeverityCounts severities_;
  long long findings_ = 0;
  std::map<int, std::pair<std::string, long long>> plugin_counts_;  // severity >= 1
  std::map<int, int> plugin_severity_;
};

}  // namespace nmcp::scanners
