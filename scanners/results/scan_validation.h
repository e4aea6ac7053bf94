#pragma once
// Reads a finished scan's export and says what it shows: a summary (hosts, findings per
// severity, credentialed hosts, top plugins) and, for authenticated scans, whether the
// credentials worked on each host. It is a ReportVisitor, so it runs in the same streaming
// pass as anything else reading the file.
//
// Per host and per protocol (ssh, windows, snmpv3), from the Credentialed_Scan tag, the
// "Credentialed checks :" line of plugin 19506 (every real form, including "yes (as 'X' via SMB"
// with its parenthesis missing) and the credential plugins (docs/nessus-api.md, 5.5):
//   success         logged in and ran local checks (19506 "via <proto>", 117887 "Protocol :")
//   partial         logged in without the rights local checks need, saying which: SSH
//                   escalation (110385, 102094), Windows administrator rights (10394 with 24786),
//                   the Windows registry (26917)
//   failed          the credentials were refused (104410, 21745 with their Protocol lines)
//   not_applicable  no credentials for it were supplied, or the host showed no sign of it
//   unknown         nothing says either way (no 19506: the host was not scanned)
// A host's overall outcome is its best protocol's. An authenticated scan with no host at
// success or partial has failed, with a hint for the protocols that failed (Windows: locked
// account, not admin, remote registry, SMB signing, port 445).
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

// The credential protocols, named as credential profiles name them.
enum class CredentialProtocol { Ssh, Windows, Snmpv3 };
inline constexpr std::size_t kProtocols = 3;
std::string_view to_string(CredentialProtocol p);
// "ssh", "windows" or "snmpv3" (also "SMB", "snmp", ...); nullopt for others (HTTPS, ...).
std::optional<CredentialProtocol> protocol_named(std::string_view name);

struct ProtocolOutcome {
  CredentialProtocol protocol = CredentialProtocol::Ssh;
  CredentialStatus status = CredentialStatus::Unknown;
  std::string account;
  std::string reason;  // why failed or partial (partial: the missing right)
};

struct HostCredential {
  std::string host;
  CredentialStatus status = CredentialStatus::Unknown;
  std::string account;                     // from "as '<user>'"
  std::string protocol;                    // from "via <proto>"
  std::string reason;                      // why failed or partial
  std::vector<ProtocolOutcome> protocols;  // one per protocol supplied (or seen)
};

// The per-protocol outcomes as a JSON array ([{protocol, status, account?, reason?}]); empty
// when the host has none to show (an untrusted scan).
nlohmann::json protocols_json(const HostCredential& host);

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

// What the scan was given: whether credentials, and for which protocols (empty: whichever the
// export shows evidence of).
struct SuppliedCredentials {
  SuppliedCredentials(CredentialsSupplied s) : supplied(s) {}  // NOLINT: implicit on purpose
  SuppliedCredentials(CredentialsSupplied s, std::vector<CredentialProtocol> p)
      : supplied(s), protocols(std::move(p)) {}
  CredentialsSupplied supplied;
  std::vector<CredentialProtocol> protocols;
};

class ScanValidator : public ReportVisitor {
 public:
  explicit ScanValidator(SuppliedCredentials supplied);
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
  //  scan_name, policy_name, credentials_by_protocol (authenticated scans)}
  nlohmann::json summary() const;
  // {credentials: overall, counts{success,partial,failed,not_applicable,unknown},
  //  by_protocol{ssh|windows|snmpv3: counts}, hosts_total,
  //  hosts:[at most kSampleHosts, problems first], warnings[at most kSampleHosts],
  //  warnings_total}; every host's outcome is in the findings index (list_scan_hosts).
  nlohmann::json validation() const;
  // {ssh|windows|snmpv3: {success, partial, failed, not_applicable, unknown}} for the protocols
  // supplied or seen (also in summary() as credentials_by_protocol).
  nlohmann::json by_protocol() const;

  static constexpr std::size_t kSampleHosts = 5;

 private:
  // What one host's export says about one protocol.
  struct Evidence {
    bool seen = false;       // any plugin spoke of this protocol
    bool logged_in = false;  // 10394, 141118, or full
    bool full = false;       // local checks ran: 19506 "via", 117887
    bool refused = false;    // 104410, 21745
    std::string refused_detail;
    std::string missing;  // the right a partial login lacked
    std::string account;
  };
  struct HostState {
    std::optional<bool> tag;       // Credentialed_Scan
    std::optional<bool> line_yes;  // 19506 "Credentialed checks : yes|no"
    std::string account, protocol;
    bool login_ok_plugin = false;  // 141118, 117887 without a protocol
    bool refused = false;          // 104410, 21745 without a protocol
    std::string refused_detail;
    std::array<Evidence, kProtocols> by_protocol{};
  };

  Evidence* evidence_for(std::string_view protocol_name);
  bool supplied(CredentialProtocol p) const;
  std::vector<CredentialProtocol> protocols_to_report(const HostState& s) const;
  ProtocolOutcome outcome_of(CredentialProtocol p, const HostState& s, bool only_one) const;
  long long count(CredentialStatus s) const { return outcomes_[static_cast<std::size_t>(s)]; }

  const CredentialsSupplied supplied_;
  const std::vector<CredentialProtocol> protocols_;
  ReportInfo info_;
  HostState current_;
  HostCredential last_;
  std::function<void(const HostCredential&)> observer_;
  long long hosts_ = 0;
  std::array<long long, 5> outcomes_{};  // by CredentialStatus
  std::array<std::array<long long, 5>, kProtocols> protocol_outcomes_{};
  std::array<bool, kProtocols> protocol_reported_{};
  std::array<long long, kProtocols> protocol_failures_{};
  std::vector<HostCredential> problems_;   // the first non-success hosts
  std::vector<HostCredential> successes_;  // the first successful ones
  std::string first_failure_;              // the first failed host's reason
  SeverityCounts severities_;
  long long findings_ = 0;
  std::map<int, std::pair<std::string, long long>> plugin_counts_;  // severity >= 1
  std::map<int, int> plugin_severity_;
};

}  // namespace nmcp::scanners
