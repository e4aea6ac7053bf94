#pragma once
// The scanner configuration (config/scanners.yaml): pools of Nessus instances with their
// connection, authentication and TLS settings, each pool's scope policy, named credential
// profiles (SSH, Windows, SNMPv3) and defaults. load_config() parses and validates the whole file
// and reports every problem with its file, line and path, so one run shows all that is wrong.
// Secrets arrive through ${VAR} / ${VAR:-default} substitution or file:PATH (a file only its owner
// may read); every secret loaded is remembered for redaction by value; describe() renders a copy
// without them.
//
// A ScannerConfig is an immutable value once loaded; share it as shared_ptr<const ...>.

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/base/result.h"
#include "core/net/ip.h"

namespace nmcp::config {

struct TlsSettings {
  std::string ca_file;      // verify against this CA bundle instead of the system store
  std::string fingerprint;  // pin: lower-case hex SHA-256 of the server certificate (DER)
  bool insecure = false;    // no verification at all; only when written explicitly
};

enum class AuthMode { ApiKeys, Session };

struct InstanceAuth {
  AuthMode mode = AuthMode::ApiKeys;
  std::string access_key;  // ApiKeys
  std::string secret_key;
  std::string username;  // Session
  std::string password;
  // Session only: also send the web UI's X-API-Token scraped from /nessus6.js, which
  // Professional and Essentials require for scan control. Off unless asked for.
  bool ui_token = false;
};

struct InstanceConfig {
  std::string id;
  std::string url;  // https://host[:port]
  InstanceAuth auth;
  TlsSettings tls;
  int max_concurrent_scans = 2;
  bool enabled = true;
  std::chrono::seconds request_timeout{30};
};

struct ScopePolicy {
  std::vector<net::Cidr> allow;
  std::vector<net::Cidr> deny;
  std::vector<std::string> hostnames;  // exact names or "*.suffix" patterns, lower case
  std::size_t max_addresses = 256;
};

// When a pool may start scans (its scan_window: section), in a named zone: on the given
// weekdays from start to end local time (an end at or before the start is on the next day).
// What a scan still running at the close does is on_close's: continue, pause (resumed through
// Nessus at the next opening) or stop.
enum class WindowClose { Continue, Pause, Stop };
std::string_view to_string(WindowClose c);

struct ScanWindow {
  std::array<bool, 7> days{};  // by weekday, 0 = Sunday
  int start_minute = 0;        // minutes after local midnight
  int end_minute = 0;
  std::string timezone = "UTC";
  WindowClose on_close = WindowClose::Continue;
  std::string text;  // as written, for messages ("mon-fri 22:00-06:00 Europe/Berlin")
  bool operator==(const ScanWindow&) const = default;
};

struct PoolConfig {
  std::string name;
  std::string description;
  ScopePolicy scope;
  std::optional<ScanWindow> window;  // none: scans may start at any time
  std::vector<InstanceConfig> instances;
  // The credential profiles this pool's scans may use; empty: any.
  std::vector<std::string> credential_profiles;

  bool allows_profile(std::string_view profile) const;

  // Scans the pool may run at once: the sum of its enabled instances' limits.
  int capacity() const;
};

// Escalation methods Nessus accepts in elevate_privileges_with (ours use the same spelling).
inline constexpr const char* kNoEscalation = "Nothing";
// Every SSH privilege escalation method Nessus knows, in the order errors and schemas list them.
inline constexpr std::array<std::string_view, 6> kEscalationMethods = {"Nothing", "sudo",  "su",
                                                                       "su+sudo", "pbrun", "dzdo"};
// "Nothing, sudo, su, su+sudo, pbrun, dzdo", for messages.
std::string escalation_methods_text();
bool is_escalation_method(std::string_view method);

// Credential profiles. A profile holds one or more credentials, each of one protocol, and every
// one goes into the scan (a mixed subnet gets SSH and Windows). Secret fields hold the secret
// itself, read at load from ${VAR} or file:PATH; nothing else ever sees them.
enum class CredentialType { Ssh, Windows, Snmpv3 };
std::string_view to_string(CredentialType type);

struct SshCredential {
  std::string auth = "password";  // password | public_key | certificate
  std::string username;
  std::string password;                           // password
  std::string private_key;                        // public_key, certificate: the key's PEM text
  std::string private_key_passphrase;             // when the key is encrypted
  std::string certificate;                        // certificate: the OpenSSH user certificate line
  std::string escalation_method = kNoEscalation;  // Nothing, sudo, su, su+sudo, pbrun, dzdo
  std::string escalation_account;
  std::string escalation_password;
};

struct WindowsCredential {
  std::string auth = "password";  // password | ntlm_hash
  std::string username;
  std::string domain;
  std::string password;   // password
  std::string ntlm_hash;  // ntlm_hash: 32 hex digits
  // The scan's Windows settings. Off by default: each changes the target (starts a service,
  // opens shares) or weakens how credentials travel, so a profile must ask for it.
  bool start_remote_registry = false;
  bool enable_admin_shares = false;
  bool start_server_service = false;
  bool never_send_credentials_in_clear = true;
  bool dont_use_ntlmv1 = true;
};

struct Snmpv3Credential {
  std::string username;
  int port = 161;
  std::string security_level = "auth_priv";  // no_auth_no_priv | auth_no_priv | auth_priv
  std::string auth_algorithm = "SHA1";       // MD5, SHA1, SHA-224, SHA-256, SHA-384, SHA-512
  std::string auth_password;
  std::string privacy_algorithm = "AES";  // AES, AES-192, AES-256, DES, 3DES
  std::string privacy_password;
};

struct CredentialProfile {
  std::string name;
  std::vector<SshCredential> ssh;
  std::vector<WindowsCredential> windows;
  std::vector<Snmpv3Credential> snmpv3;

  // The protocols it holds, in the order ssh, windows, snmpv3.
  std::vector<CredentialType> types() const;
  bool has(CredentialType type) const;
  // True when some SSH credential escalates (for scan_type authenticated_privileged).
  bool escalates() const;
  // Replaces every SSH credential's escalation method ("Nothing" also drops its secrets).
  void override_escalation(const std::string& method);
  // Overwrites every secret it holds (a copy made for one scan, once Nessus has it).
  void wipe_secrets();
};

// The most hosts one export may have (defaults.max_export_hosts): more is refused, so a hostile
// or runaway export cannot fill the disk or the index.
inline constexpr std::uint64_t kDefaultMaxExportHosts = 1'000'000;

struct Defaults {
  std::string pool;  // default: the first pool in the file
  std::string template_name = "advanced";
  std::chrono::seconds poll_interval{30};
  std::chrono::minutes scan_timeout{24 * 60};
  bool allow_inline_credentials = false;
  // An export with more hosts is refused (a runaway or hostile export must not fill the disk).
  std::uint64_t max_export_hosts = kDefaultMaxExportHosts;
};

// How long finished work is kept (the housekeeping: section). A task is deleted with its results
// once its retention, counted from when it finished, has passed; queued and running tasks are
// never deleted. Nessus-side clean-up is off unless a number of days is given.
struct Housekeeping {
  bool enabled = true;
  std::chrono::minutes interval{60};
  std::chrono::hours completed{30 * 24};
  std::chrono::hours failed{14 * 24};
  std::chrono::hours cancelled{7 * 24};
  std::chrono::hours timed_out{14 * 24};
  std::chrono::hours dead_letters{30 * 24};
  // Results directories without a task and files a crash left behind are removed this long
  // after they were last written.
  std::chrono::hours orphan_grace{24};
  // A running task whose lease expired this long past the scan timeout ends timed_out.
  std::chrono::hours stuck_after{6};
  // Scans this server created are deleted on Nessus this long after their task finished
  // (0: never).
  int delete_nessus_scans_after_days = 0;
};

// A tenant's limits (the quotas: section); an unset limit is no limit. Enforced in the store
// for the whole deployment by core/quota.
struct QuotaLimits {
  // A token bucket: at most this many scans at once, refilled evenly over an hour.
  std::optional<std::int64_t> scans_per_hour;
  // Scans queued or running at once.
  std::optional<std::int64_t> concurrent_scans;
  // Addresses named by the scans submitted in one UTC day.
  std::optional<std::int64_t> addresses_per_day;
  // Schedules the tenant keeps at once. Never unlimited: unset is kDefaultScheduleLimit, since
  // each one is stored, listed and fired for the whole deployment.
  std::optional<std::int64_t> schedules;
  std::int64_t schedule_limit() const;
  // Whether a scan limit is set (the ledger in the store is needed).
  bool any() const { return scans_per_hour || concurrent_scans || addresses_per_day; }
  bool operator==(const QuotaLimits&) const = default;
};

inline constexpr std::int64_t kDefaultScheduleLimit = 1000;

// An unknown pool, worded one way everywhere: NotFound "no pool named 'X'", the choices as the
// hint (or that there are none).
Error no_such_pool(const std::string& name, const std::vector<std::string>& choices);

struct Quotas {
  QuotaLimits defaults;                        // every tenant without an entry of its own
  std::map<std::string, QuotaLimits> tenants;  // a tenant's own; unset fields: the defaults'
  QuotaLimits for_tenant(const std::string& tenant) const;
  bool configured() const;
};

struct ScannerConfig {
  std::string source;  // the file it came from
  Defaults defaults;
  Housekeeping housekeeping;
  Quotas quotas;
  std::vector<PoolConfig> pools;
  std::map<std::string, CredentialProfile> credentials;

  const PoolConfig* pool(std::string_view name) const;
  // The pool `name`, or no_such_pool naming the pools `key_pools` allows (nullopt: every pool):
  // a key is never told of pools it may not use.
  Result<const PoolConfig*> find_pool(
      const std::string& name,
      const std::optional<std::set<std::string>>& key_pools = std::nullopt) const;
  // The names of the pools `key_pools` allows (nullopt: every pool), in configuration order.
  std::vector<std::string> pools_open_to(
      const std::optional<std::set<std::string>>& key_pools) const;
  const CredentialProfile* credential(std::string_view name) const;
  // The pools whose scans may use `profile`.
  std::vector<std::string> pools_allowing(std::string_view profile) const;
};

// Looks up an environment variable; injectable so tests do not touch the process environment.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;
EnvLookup process_environment();

Result<ScannerConfig> load_config(const std::string& path, const EnvLookup& env);
// `source` names the text in messages.
Result<ScannerConfig> parse_config(std::string_view yaml, std::string_view source,
                                   const EnvLookup& env);

// Inline SSH credentials as a submit seals them for the worker (the one shape, written and read
// only here): a profile named "inline" with one SSH password credential. from_json refuses a
// record without a user name or with an unknown escalation.
nlohmann::json inline_credentials_to_json(const SshCredential& c);
std::optional<CredentialProfile> inline_credentials_from_json(const nlohmann::json& j);

// The configuration as JSON with every secret left out (for logs, list_scanners, config check).
nlohmann::json describe(const ScannerConfig& config);
// One profile as list_credential_profiles shows it: name, the type and auth method of each
// credential, user names, escalation, Windows options, the pools that may use it; no secret.
nlohmann::json describe_profile(const ScannerConfig& config, const CredentialProfile& profile);

}  // namespace nmcp::config
