#pragma once
// The yaml-cpp adapter's class and helpers, internal to core/config and included only by its
// three files: config_loader.cc (the document, the value readers, defaults, quotas,
// housekeeping), config_loader_pools.cc (pools, instances, scope, TLS, scan windows) and
// config_loader_credentials.cc (credential profiles). YAML types never leave these files.
// Not thread-safe: one Loader reads one file.

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "core/base/private_key.h"
#include "core/base/secret_values.h"
#include "core/config/env_substitution.h"
#include "core/config/scanner_config.h"
#include "core/config/secret_source.h"
#include "core/schedule/time_zone.h"

namespace nmcp::config::loading {

inline constexpr long long kMaxConfigBytes = 1 << 20;

inline bool is_name(std::string_view s, std::size_t max) {
  if (s.empty() || s.size() > max) return false;
  for (const char c : s) {
    if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '_' && c != '-' && c != '.')
      return false;
  }
  return true;
}

inline bool is_hex(std::string_view s) {
  for (const char c : s) {
    if (std::isxdigit(static_cast<unsigned char>(c)) == 0) return false;
  }
  return !s.empty();
}

inline std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Accepts "sha256:HEX", "HEX" or "AA:BB:..." and returns 64 lower-case hex digits.
inline std::optional<std::string> normalise_fingerprint(std::string s) {
  s = lower(std::move(s));
  if (s.rfind("sha256:", 0) == 0) s = s.substr(7);
  std::string hex;
  for (const char c : s) {
    if (c != ':') hex.push_back(c);
  }
  if (hex.size() != 64 || !is_hex(hex)) return std::nullopt;
  return hex;
}

class Loader {
 public:
  Loader(std::string source, const EnvLookup& env) : source_(std::move(source)), env_(env) {}

  std::optional<ScannerConfig> load(std::string_view text);

  const std::vector<std::string>& problems() const { return problems_; }

 private:
  void problem(const YAML::Node& node, const std::string& path, const std::string& message);

  // " (the value comes from $NESSUS_URL)" for a value written with ${...}: the fix is in the
  // environment, not in the file.
  static std::string from_environment(const YAML::Node& node);

  // YAML keeps one value of a key written twice in a mapping (a second "password:" silently
  // replaces the first, a second profile of the same name drops one): every duplicate is a
  // problem, at any depth.
  void check_duplicate_keys(const YAML::Node& node, const std::string& path, int depth = 0);

  void known_keys(const YAML::Node& map, const std::string& path,
                  std::initializer_list<const char*> keys);

  static std::string child(const std::string& path, const std::string& key);

  // A scalar after ${VAR} substitution; nullopt (and a problem if required) when absent.
  std::optional<std::string> text(const YAML::Node& map, const char* key, const std::string& path,
                                  bool required);

  std::optional<long long> number(const YAML::Node& map, const char* key, const std::string& path,
                                  long long min, long long max);

  std::optional<bool> boolean(const YAML::Node& map, const char* key, const std::string& path);

  std::vector<std::string> text_list(const YAML::Node& map, const char* key,
                                     const std::string& path);

  std::vector<net::Cidr> cidrs(const YAML::Node& map, const char* key, const std::string& path);

  void read_scope(const YAML::Node& node, const std::string& path, ScopePolicy& scope);

  void read_auth(const YAML::Node& node, const std::string& path, InstanceAuth& auth);

  void read_tls(const YAML::Node& node, const std::string& path, TlsSettings& tls);

  void read_instance(const YAML::Node& node, const std::string& path, PoolConfig& pool,
                     std::set<std::string>& ids);

  // "22:00" -> minutes after midnight.
  std::optional<int> time_of_day(const YAML::Node& map, const char* key, const std::string& path);

  // days: [mon, tue, ...], "mon-fri", "sat,sun", "daily".
  std::optional<std::array<bool, 7>> weekdays(const YAML::Node& map, const std::string& path);

  std::optional<ScanWindow> read_window(const YAML::Node& node, const std::string& path);

  void read_pools(const YAML::Node& node, ScannerConfig& config);

  // A secret field: text() plus file:PATH, remembered for redaction by value.
  std::optional<std::string> secret(const YAML::Node& map, const char* key, const std::string& path,
                                    bool required);

  std::optional<std::string> one_of(const YAML::Node& map, const char* key, const std::string& path,
                                    std::initializer_list<const char*> allowed,
                                    const char* fallback);

  // private_key / certificate: the text itself (from ${VAR}) or file:PATH. A bare path is the
  // likeliest mistake, so it gets its own message.
  std::optional<std::string> key_material(const YAML::Node& map, const char* key,
                                          const std::string& path, const char* begins);

  void read_escalation(const YAML::Node& c, const std::string& path, SshCredential& ssh);

  void read_ssh(const YAML::Node& c, const std::string& path, CredentialProfile& profile);

  // " (in /etc/keys/scan)" for a value read from a file, so the message names the file.
  std::string where_from(const YAML::Node& node);

  void read_windows(const YAML::Node& c, const std::string& path, CredentialProfile& profile);

  void read_snmpv3(const YAML::Node& c, const std::string& path, CredentialProfile& profile);

  void read_credential(const YAML::Node& c, const std::string& path, CredentialProfile& profile);

  void read_credentials(const YAML::Node& node, ScannerConfig& config);

  void check_pool_profiles(const ScannerConfig& config);

  void read_defaults(const YAML::Node& node, ScannerConfig& config);

  void read_quota_limits(const YAML::Node& node, const std::string& at, QuotaLimits& q);

  void read_quotas(const YAML::Node& node, Quotas& q);

  void read_housekeeping(const YAML::Node& node, Housekeeping& h);

  std::string source_;
  const EnvLookup& env_;
  std::vector<std::string> problems_;
};

}  // namespace nmcp::config::loading
