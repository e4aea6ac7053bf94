#pragma once
// The scanner configuration (config/scanners.yaml): pools of Nessus instances with their
// connection, authentication and TLS settings, each pool's scope policy, named credential
// profiles and defaults. load_config() parses and validates the whole file and reports every
// problem with its file, line and path, so one run shows all that is wrong. Secrets arrive
// through ${VAR} / ${VAR:-default} substitution; describe() renders a copy without them.
//
// A ScannerConfig is an immutable value once loaded; share it as shared_ptr<const ...>.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
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

struct PoolConfig {
  std::string name;
  std::string description;
  ScopePolicy scope;
  std::vector<InstanceConfig> instances;

  // Scans the pool may run at once: the sum of its enabled instances' limits.
  int capacity() const;
};

// Escalation methods Nessus accepts in elevate_privileges_with (ours use the same spelling).
inline constexpr const char* kNoEscalation = "Nothing";
bool is_escalation_method(std::string_view method);

struct CredentialProfile {
  std::string name;
  std::string username;
  std::string password;
  std::string private_key_file;
  std::string private_key_passphrase;
  std::string escalation_method = kNoEscalation;  // Nothing, sudo, su, su+sudo, pbrun, dzdo
  std::string escalation_account;
  std::string escalation_password;
};

struct Defaults {
  std::string pool;  // default: the first pool in the file
  std::string template_name = "advanced";
  std::chrono::seconds poll_interval{30};
  std::chrono::minutes scan_timeout{24 * 60};
  bool allow_inline_credentials = false;
  // An export with more hosts is refused (a runaway or hostile export must not fill the disk).
  std::uint64_t max_export_hosts = 1'000'000;
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

struct ScannerConfig {
  std::string source;  // the file it came from
  Defaults defaults;
  Housekeeping housekeeping;
  std::vector<PoolConfig> pools;
  std::map<std::string, CredentialProfile> credentials;

  const PoolConfig* pool(std::string_view name) const;
  const CredentialProfile* credential(std::string_view name) const;
};

// Looks up an environment variable; injectable so tests do not touch the process environment.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;
EnvLookup process_environment();

Result<ScannerConfig> load_config(const std::string& path, const EnvLookup& env);
// `source` names the text in messages.
Result<ScannerConfig> parse_config(std::string_view yaml, std::string_view source,
                                   const EnvLookup& env);

// Inline SSH credentials as a submit seals them for the worker (the one shape, written and read
// only here). from_json refuses a record without a user name or with an unknown escalation.
nlohmann::json inline_credentials_to_json(const CredentialProfile& p);
std::optional<CredentialProfile> inline_credentials_from_json(const nlohmann::json& j);

// The configuration as JSON with every secret left out (for logs, list_scanners, config check).
nlohmann::json describe(const ScannerConfig& config);

}  // namespace nmcp::config
