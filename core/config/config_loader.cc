// The yaml-cpp adapter for config/scanners.yaml: YAML types and exceptions stay in this file.

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

namespace nmcp::config {
namespace {

constexpr long long kMaxConfigBytes = 1 << 20;

bool is_name(std::string_view s, std::size_t max) {
  if (s.empty() || s.size() > max) return false;
  for (const char c : s) {
    if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '_' && c != '-' && c != '.')
      return false;
  }
  return true;
}

bool is_hex(std::string_view s) {
  for (const char c : s) {
    if (std::isxdigit(static_cast<unsigned char>(c)) == 0) return false;
  }
  return !s.empty();
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Accepts "sha256:HEX", "HEX" or "AA:BB:..." and returns 64 lower-case hex digits.
std::optional<std::string> normalise_fingerprint(std::string s) {
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

  std::optional<ScannerConfig> load(std::string_view text) {
    YAML::Node root;
    try {
      root = YAML::Load(std::string(text));
    } catch (const YAML::ParserException& e) {
      problems_.push_back(source_ + ":" + std::to_string(e.mark.line + 1) + ":" +
                          std::to_string(e.mark.column + 1) + ": not valid YAML: " + e.msg);
      return std::nullopt;
    }
    ScannerConfig config;
    config.source = source_;
    if (!root.IsMap()) {
      problem(root, "",
              "the file must be a mapping with \"pools\" (and optionally \"defaults\" and "
              "\"credentials\")");
      return std::nullopt;
    }
    check_duplicate_keys(root, "");
    known_keys(root, "", {"defaults", "pools", "credentials", "housekeeping", "quotas"});
    read_pools(root["pools"], config);
    read_credentials(root["credentials"], config);
    check_pool_profiles(config);
    read_defaults(root["defaults"], config);
    read_housekeeping(root["housekeeping"], config.housekeeping);
    read_quotas(root["quotas"], config.quotas);
    if (!problems_.empty()) return std::nullopt;
    return config;
  }

  const std::vector<std::string>& problems() const { return problems_; }

 private:
  void problem(const YAML::Node& node, const std::string& path, const std::string& message) {
    std::string where = source_;
    if (node.IsDefined() && node.Mark().line >= 0) {
      where +=
          ":" + std::to_string(node.Mark().line + 1) + ":" + std::to_string(node.Mark().column + 1);
    }
    problems_.push_back(where + ": " + (path.empty() ? "" : path + ": ") + message +
                        from_environment(node));
  }

  // " (the value comes from $NESSUS_URL)" for a value written with ${...}: the fix is in the
  // environment, not in the file.
  static std::string from_environment(const YAML::Node& node) {
    if (!node.IsDefined() || !node.IsScalar()) return {};
    const std::string& raw = node.Scalar();
    std::string vars;
    for (auto at = raw.find("${"); at != std::string::npos; at = raw.find("${", at + 2)) {
      const auto end = raw.find_first_of(":}", at + 2);
      if (end == std::string::npos) break;
      vars += (vars.empty() ? "$" : ", $") + raw.substr(at + 2, end - at - 2);
    }
    return vars.empty() ? std::string() : " (the value comes from " + vars + ")";
  }

  // YAML keeps one value of a key written twice in a mapping (a second "password:" silently
  // replaces the first, a second profile of the same name drops one): every duplicate is a
  // problem, at any depth.
  void check_duplicate_keys(const YAML::Node& node, const std::string& path, int depth = 0) {
    if (depth > 32) return;
    if (node.IsSequence()) {
      for (std::size_t i = 0; i < node.size(); ++i) {
        check_duplicate_keys(node[i], path + "[" + std::to_string(i) + "]", depth + 1);
      }
      return;
    }
    if (!node.IsMap()) return;
    std::map<std::string, int> first_line;
    for (const auto& kv : node) {
      const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : std::string();
      const auto [it, fresh] = first_line.emplace(key, kv.first.Mark().line + 1);
      if (!fresh) {
        problem(kv.first, path,
                "\"" + key + "\" is written twice in the same mapping (first at line " +
                    std::to_string(it->second) + "); keep one");
      }
      check_duplicate_keys(kv.second, child(path, key), depth + 1);
    }
  }

  void known_keys(const YAML::Node& map, const std::string& path,
                  std::initializer_list<const char*> keys) {
    if (!map.IsMap()) return;
    for (const auto& kv : map) {
      const std::string key = kv.first.Scalar();
      bool known = false;
      for (const char* k : keys) known = known || key == k;
      if (!known) {
        std::string list;
        for (const char* k : keys) list += (list.empty() ? "" : ", ") + std::string(k);
        problem(kv.first, path, "unknown key \"" + key + "\" (expected one of: " + list + ")");
      }
    }
  }

  static std::string child(const std::string& path, const std::string& key) {
    return path.empty() ? key : path + "." + key;
  }

  // A scalar after ${VAR} substitution; nullopt (and a problem if required) when absent.
  std::optional<std::string> text(const YAML::Node& map, const char* key, const std::string& path,
                                  bool required) {
    const YAML::Node node = map.IsMap() ? map[key] : YAML::Node();
    const std::string where = child(path, key);
    if (!node.IsDefined() || node.IsNull()) {
      if (required) problem(map, where, "is required");
      return std::nullopt;
    }
    if (!node.IsScalar()) {
      problem(node, where, "must be a single value, not a list or mapping");
      return std::nullopt;
    }
    auto value = substitute_env(node.Scalar(), env_);
    if (!value) {
      problem(node, where, value.error().message + " (" + value.error().hint + ")");
      return std::nullopt;
    }
    return *value;
  }

  std::optional<long long> number(const YAML::Node& map, const char* key, const std::string& path,
                                  long long min, long long max) {
    const auto v = text(map, key, path, false);
    if (!v) return std::nullopt;
    char* end = nullptr;
    const long long n = std::strtoll(v->c_str(), &end, 10);
    if (v->empty() || *end != '\0' || n < min || n > max) {
      problem(map[key], child(path, key),
              "must be a whole number from " + std::to_string(min) + " to " + std::to_string(max) +
                  ", got \"" + *v + "\"");
      return std::nullopt;
    }
    return n;
  }

  std::optional<bool> boolean(const YAML::Node& map, const char* key, const std::string& path) {
    const auto v = text(map, key, path, false);
    if (!v) return std::nullopt;
    if (*v == "true") return true;
    if (*v == "false") return false;
    problem(map[key], child(path, key), "must be true or false, got \"" + *v + "\"");
    return std::nullopt;
  }

  std::vector<std::string> text_list(const YAML::Node& map, const char* key,
                                     const std::string& path) {
    std::vector<std::string> out;
    const YAML::Node node = map.IsMap() ? map[key] : YAML::Node();
    if (!node.IsDefined() || node.IsNull()) return out;
    if (!node.IsSequence()) {
      problem(node, child(path, key), "must be a list");
      return out;
    }
    for (std::size_t i = 0; i < node.size(); ++i) {
      const std::string where = child(path, key) + "[" + std::to_string(i) + "]";
      if (!node[i].IsScalar()) {
        problem(node[i], where, "must be a single value");
        continue;
      }
      auto v = substitute_env(node[i].Scalar(), env_);
      if (!v) {
        problem(node[i], where, v.error().message);
        continue;
      }
      out.push_back(*v);
    }
    return out;
  }

  std::vector<net::Cidr> cidrs(const YAML::Node& map, const char* key, const std::string& path) {
    std::vector<net::Cidr> out;
    const auto texts = text_list(map, key, path);
    for (std::size_t i = 0; i < texts.size(); ++i) {
      if (auto c = net::Cidr::parse(texts[i])) {
        out.push_back(*c);
      } else {
        problem(map[key][i], child(path, key) + "[" + std::to_string(i) + "]",
                "\"" + texts[i] +
                    "\" is not an IPv4 or IPv6 address or CIDR block with its host bits clear "
                    "(e.g. 10.0.0.0/8, fc00::/7)");
      }
    }
    return out;
  }

  void read_scope(const YAML::Node& node, const std::string& path, ScopePolicy& scope) {
    if (!node.IsDefined() || node.IsNull()) {
      problem(node, path, "is required: say which addresses this pool may scan (scope.allow)");
      return;
    }
    if (!node.IsMap()) {
      problem(node, path, "must be a mapping");
      return;
    }
    known_keys(node, path, {"allow", "deny", "hostnames", "max_addresses"});
    scope.allow = cidrs(node, "allow", path);
    scope.deny = cidrs(node, "deny", path);
    for (auto& h : text_list(node, "hostnames", path)) {
      h = lower(h);
      const std::string_view bare =
          h.rfind("*.", 0) == 0 ? std::string_view(h).substr(2) : std::string_view(h);
      bool ok = !bare.empty() && bare.find('*') == std::string_view::npos;
      for (const char c : bare)
        ok = ok && (std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '-');
      if (!ok) {
        problem(node["hostnames"], child(path, "hostnames"),
                "\"" + h + "\" must be a host name or \"*.\" followed by a domain");
        continue;
      }
      scope.hostnames.push_back(h);
    }
    if (const auto n = number(node, "max_addresses", path, 1, 1000000)) {
      scope.max_addresses = static_cast<std::size_t>(*n);
    }
  }

  void read_auth(const YAML::Node& node, const std::string& path, InstanceAuth& auth) {
    if (!node.IsMap()) {
      problem(
          node, path,
          "is required: mode api_keys (access_key, secret_key) or session (username, password)");
      return;
    }
    known_keys(node, path,
               {"mode", "access_key", "secret_key", "username", "password", "ui_token"});
    const auto mode = text(node, "mode", path, true);
    if (!mode) return;
    if (*mode == "api_keys") {
      auth.mode = AuthMode::ApiKeys;
      for (const char* key : {"access_key", "secret_key"}) {
        const auto v = secret(node, key, path, true);
        if (!v) continue;
        if (v->size() != 64 || !is_hex(*v)) {
          // The value is a secret: say what is wrong with it, never what it is.
          problem(node[key], child(path, key),
                  "must be 64 hex digits (the key Nessus shows under My Account > API Keys)");
          continue;
        }
        (std::string_view(key) == "access_key" ? auth.access_key : auth.secret_key) = *v;
      }
      if (node["ui_token"].IsDefined())
        problem(node["ui_token"], child(path, "ui_token"), "applies to mode session only");
    } else if (*mode == "session") {
      auth.mode = AuthMode::Session;
      if (auto v = text(node, "username", path, true)) auth.username = *v;
      if (auto v = secret(node, "password", path, true)) auth.password = *v;
      if (auto v = boolean(node, "ui_token", path)) auth.ui_token = *v;
    } else {
      problem(node["mode"], child(path, "mode"),
              "must be api_keys or session, got \"" + *mode + "\"");
    }
  }

  void read_tls(const YAML::Node& node, const std::string& path, TlsSettings& tls) {
    if (!node.IsDefined() || node.IsNull()) return;  // verify against the system CA store
    if (!node.IsMap()) {
      problem(node, path, "must be a mapping");
      return;
    }
    known_keys(node, path, {"ca_file", "fingerprint", "insecure"});
    if (auto v = text(node, "ca_file", path, false); v && !v->empty()) {
      if (!std::ifstream(*v))
        problem(node["ca_file"], child(path, "ca_file"), "cannot read \"" + *v + "\"");
      tls.ca_file = *v;
    }
    if (auto v = text(node, "fingerprint", path, false); v && !v->empty()) {
      if (auto fp = normalise_fingerprint(*v)) {
        tls.fingerprint = *fp;
      } else {
        problem(
            node["fingerprint"], child(path, "fingerprint"),
            "must be a SHA-256 fingerprint: sha256: followed by 64 hex digits (colons allowed)");
      }
    }
    if (auto v = boolean(node, "insecure", path)) tls.insecure = *v;
    if (tls.insecure && (!tls.fingerprint.empty() || !tls.ca_file.empty())) {
      problem(node["insecure"], child(path, "insecure"),
              "cannot be combined with fingerprint or ca_file; a pin or a CA is the secure choice");
    }
    if (!tls.fingerprint.empty() && !tls.ca_file.empty()) {
      problem(node, path, "give either fingerprint or ca_file, not both");
    }
  }

  void read_instance(const YAML::Node& node, const std::string& path, PoolConfig& pool,
                     std::set<std::string>& ids) {
    if (!node.IsMap()) {
      problem(node, path, "must be a mapping with id, url and auth");
      return;
    }
    known_keys(
        node, path,
        {"id", "url", "auth", "tls", "max_concurrent_scans", "enabled", "request_timeout_seconds"});
    InstanceConfig inst;
    if (auto v = text(node, "id", path, true)) {
      if (!is_name(*v, 64)) {
        problem(node["id"], child(path, "id"),
                "must be 1-64 of [A-Za-z0-9_.-], got \"" + *v + "\"");
      } else if (!ids.insert(*v).second) {
        problem(node["id"], child(path, "id"), "\"" + *v + "\" is used by another instance");
      }
      inst.id = *v;
    }
    if (auto v = text(node, "url", path, true)) {
      if (v->rfind("https://", 0) != 0 || v->size() <= 8 ||
          v->find_first_of(" \t") != std::string::npos) {
        problem(node["url"], child(path, "url"),
                "must be an https:// URL such as https://nessus.example:8834, got \"" + *v + "\"");
      }
      inst.url = *v;
      while (!inst.url.empty() && inst.url.back() == '/') inst.url.pop_back();
    }
    read_auth(node["auth"], child(path, "auth"), inst.auth);
    read_tls(node["tls"], child(path, "tls"), inst.tls);
    if (auto n = number(node, "max_concurrent_scans", path, 1, 100))
      inst.max_concurrent_scans = static_cast<int>(*n);
    if (auto b = boolean(node, "enabled", path)) inst.enabled = *b;
    if (auto n = number(node, "request_timeout_seconds", path, 1, 600))
      inst.request_timeout = std::chrono::seconds(*n);
    pool.instances.push_back(std::move(inst));
  }

  // "22:00" -> minutes after midnight.
  std::optional<int> time_of_day(const YAML::Node& map, const char* key, const std::string& path) {
    auto v = text(map, key, path, true);
    if (!v) return std::nullopt;
    int h = -1, m = -1;
    char tail = 0;
    if (v->size() == 5 && std::sscanf(v->c_str(), "%2d:%2d%c", &h, &m, &tail) == 2 && h >= 0 &&
        h <= 24 && m >= 0 && m < 60 && (h < 24 || m == 0)) {
      return h * 60 + m;
    }
    problem(map[key], child(path, key),
            "must be a time of day HH:MM (00:00-24:00), got \"" + *v + "\"");
    return std::nullopt;
  }

  // days: [mon, tue, ...], "mon-fri", "sat,sun", "daily".
  std::optional<std::array<bool, 7>> weekdays(const YAML::Node& map, const std::string& path) {
    static const char* kNames[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
    const YAML::Node node = map["days"];
    std::vector<std::string> words;
    if (!node.IsDefined() || node.IsNull()) {
      words = {"daily"};
    } else if (node.IsSequence()) {
      words = text_list(map, "days", path);
    } else if (auto v = text(map, "days", path, false)) {
      std::string word;
      for (const char c : *v + ",") {
        if (c == ',' || c == ' ') {
          if (!word.empty()) words.push_back(word);
          word.clear();
        } else {
          word += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
      }
    }
    auto index = [&](const std::string& w) -> int {
      for (int i = 0; i < 7; ++i) {
        if (w == kNames[i]) return i;
      }
      return -1;
    };
    std::array<bool, 7> days{};
    for (const auto& w : words) {
      if (w == "daily") {
        days.fill(true);
        continue;
      }
      const auto dash = w.find('-');
      const int a = index(w.substr(0, dash));
      const int b = dash == std::string::npos ? a : index(w.substr(dash + 1));
      if (a < 0 || b < 0) {
        problem(node, child(path, "days"),
                "\"" + w +
                    "\" is not a weekday: use mon, tue, wed, thu, fri, sat, sun, a range "
                    "such as mon-fri, or daily");
        return std::nullopt;
      }
      for (int i = a;; i = (i + 1) % 7) {
        days[static_cast<std::size_t>(i)] = true;
        if (i == b) break;
      }
    }
    return days;
  }

  std::optional<ScanWindow> read_window(const YAML::Node& node, const std::string& path) {
    if (!node.IsMap()) {
      problem(node, path, "must be a mapping with days, start, end, timezone and on_close");
      return std::nullopt;
    }
    known_keys(node, path, {"days", "start", "end", "timezone", "on_close"});
    ScanWindow w;
    const auto days = weekdays(node, path);
    const auto start = time_of_day(node, "start", path);
    const auto end = time_of_day(node, "end", path);
    if (auto z = text(node, "timezone", path, false)) w.timezone = *z;
    if (auto zone = schedule::TimeZone::load(w.timezone); !zone) {
      problem(
          node["timezone"], child(path, "timezone"),
          zone.error().message + (zone.error().hint.empty() ? "" : " (" + zone.error().hint + ")"));
      return std::nullopt;
    }
    const auto close = one_of(node, "on_close", path, {"continue", "pause", "stop"}, "continue");
    if (!days || !start || !end || !close) return std::nullopt;
    if (*start == *end && *start != 0) {
      problem(node, path, "start and end are the same: for a whole day use 00:00 and 24:00");
      return std::nullopt;
    }
    w.days = *days;
    w.start_minute = *start;
    w.end_minute = *end;
    w.on_close = *close == "pause"  ? WindowClose::Pause
                 : *close == "stop" ? WindowClose::Stop
                                    : WindowClose::Continue;
    const YAML::Node d = node["days"];
    const std::string day_text = !d.IsDefined() ? "daily"
                                 : d.IsScalar()
                                     ? d.Scalar()
                                     : [&] {
                                         std::string joined;
                                         for (const auto& x : d)
                                           joined += (joined.empty() ? "" : ",") + x.Scalar();
                                         return joined;
                                       }();
    w.text =
        day_text + " " + node["start"].Scalar() + "-" + node["end"].Scalar() + " " + w.timezone;
    return w;
  }

  void read_pools(const YAML::Node& node, ScannerConfig& config) {
    if (!node.IsDefined() || node.IsNull()) {
      problem(node, "pools", "is required: at least one pool of Nessus instances");
      return;
    }
    if (!node.IsMap() || node.size() == 0) {
      problem(node, "pools", "must map pool names to pools");
      return;
    }
    std::set<std::string> ids;
    for (const auto& kv : node) {
      const std::string name = kv.first.Scalar();
      const std::string path = "pools." + name;
      if (!is_name(name, 64)) problem(kv.first, path, "pool names are 1-64 of [A-Za-z0-9_.-]");
      const YAML::Node p = kv.second;
      if (!p.IsMap()) {
        problem(p, path, "must be a mapping with scope and instances");
        continue;
      }
      known_keys(p, path,
                 {"description", "scope", "instances", "credential_profiles", "scan_window"});
      PoolConfig pool;
      pool.name = name;
      if (auto v = text(p, "description", path, false)) pool.description = *v;
      pool.credential_profiles = text_list(p, "credential_profiles", path);
      read_scope(p["scope"], path + ".scope", pool.scope);
      if (p["scan_window"].IsDefined() && !p["scan_window"].IsNull()) {
        pool.window = read_window(p["scan_window"], path + ".scan_window");
      }
      const YAML::Node instances = p["instances"];
      if (!instances.IsSequence() || instances.size() == 0) {
        problem(instances.IsDefined() ? instances : p, path + ".instances",
                "must list at least one Nessus instance");
      } else {
        for (std::size_t i = 0; i < instances.size(); ++i) {
          read_instance(instances[i], path + ".instances[" + std::to_string(i) + "]", pool, ids);
        }
      }
      config.pools.push_back(std::move(pool));
    }
  }

  // A secret field: text() plus file:PATH, remembered for redaction by value.
  std::optional<std::string> secret(const YAML::Node& map, const char* key, const std::string& path,
                                    bool required) {
    auto v = text(map, key, path, required);
    if (!v) return std::nullopt;
    if (is_file_reference(*v)) {
      auto content = read_secret_file(*v);
      wipe(*v);
      if (!content) {
        problem(map[key], child(path, key),
                content.error().message + " (" + content.error().hint + ")");
        return std::nullopt;
      }
      v = std::move(*content);
    }
    remember_secret(*v);
    return v;
  }

  std::optional<std::string> one_of(const YAML::Node& map, const char* key, const std::string& path,
                                    std::initializer_list<const char*> allowed,
                                    const char* fallback) {
    auto v = text(map, key, path, false);
    if (!v) return fallback == nullptr ? std::nullopt : std::optional<std::string>(fallback);
    std::string list;
    for (const char* a : allowed) {
      if (*v == a) return v;
      list += (list.empty() ? "" : ", ") + std::string(a);
    }
    problem(map[key], child(path, key), "must be one of " + list + "; got \"" + *v + "\"");
    return std::nullopt;
  }

  // private_key / certificate: the text itself (from ${VAR}) or file:PATH. A bare path is the
  // likeliest mistake, so it gets its own message.
  std::optional<std::string> key_material(const YAML::Node& map, const char* key,
                                          const std::string& path, const char* begins) {
    const auto raw = text(map, key, path, false);
    if (raw && !is_file_reference(*raw) && raw->find(begins) == std::string::npos &&
        raw->find('\n') == std::string::npos && !raw->empty() && raw->front() == '/') {
      problem(map[key], child(path, key),
              "\"" + *raw + "\" looks like a path; write file:" + *raw +
                  " (or give the text itself, e.g. from ${VAR})");
      return std::nullopt;
    }
    return secret(map, key, path, false);
  }

  void read_escalation(const YAML::Node& c, const std::string& path, SshCredential& ssh) {
    const YAML::Node esc = c["escalation"];
    if (!esc.IsDefined() || esc.IsNull()) return;
    if (!esc.IsMap()) {
      problem(esc, path + ".escalation", "must be a mapping with method, account and password");
      return;
    }
    const std::string at = path + ".escalation";
    known_keys(esc, at, {"method", "account", "password"});
    if (auto v = text(esc, "method", at, true)) {
      if (!is_escalation_method(*v)) {
        problem(esc["method"], at + ".method",
                "must be one of " + escalation_methods_text() + "; got \"" + *v + "\"");
      }
      ssh.escalation_method = *v;
    }
    if (auto v = text(esc, "account", at, false)) ssh.escalation_account = *v;
    if (auto v = secret(esc, "password", at, false)) ssh.escalation_password = *v;
  }

  void read_ssh(const YAML::Node& c, const std::string& path, CredentialProfile& profile) {
    known_keys(c, path,
               {"type", "auth", "username", "password", "private_key", "private_key_file",
                "private_key_passphrase", "certificate", "escalation"});
    SshCredential ssh;
    if (auto v = text(c, "username", path, true)) ssh.username = *v;
    if (c["private_key_file"].IsDefined()) {
      problem(c["private_key_file"], path + ".private_key_file",
              "is now written private_key: file:PATH (the file must be mode 0600)");
    }
    const bool has_key = c["private_key"].IsDefined();
    const auto auth = one_of(c, "auth", path, {"password", "public_key", "certificate"},
                             has_key ? "public_key" : "password");
    if (!auth) return;
    ssh.auth = *auth;
    if (auto v = secret(c, "password", path, false)) ssh.password = *v;
    if (auto v = secret(c, "private_key_passphrase", path, false)) ssh.private_key_passphrase = *v;
    if (auto v = key_material(c, "private_key", path, "PRIVATE KEY")) ssh.private_key = *v;
    if (auto v = key_material(c, "certificate", path, "-cert-v01@openssh.com"))
      ssh.certificate = *v;
    if (ssh.auth == "password") {
      if (ssh.password.empty() && !c["password"].IsDefined())
        problem(c, path, "auth password needs a password");
      for (const char* k : {"private_key", "private_key_passphrase", "certificate"}) {
        if (c[k].IsDefined())
          problem(c[k], child(path, k), "goes with auth public_key or certificate, not password");
      }
    } else {
      if (!has_key) {
        problem(c, path,
                "auth " + ssh.auth +
                    " needs private_key (file:/path/to/key, mode 0600, or ${VAR} with the key)");
      } else if (!ssh.private_key.empty()) {
        if (auto k = inspect_private_key(ssh.private_key, ssh.private_key_passphrase); !k) {
          problem(c["private_key"], path + ".private_key",
                  k.error().message + where_from(c["private_key"]) + " (" + k.error().hint + ")");
        }
      }
      if (c["password"].IsDefined()) {
        problem(c["password"], path + ".password",
                "goes with auth password; an encrypted key takes private_key_passphrase");
      }
      if (ssh.auth == "certificate") {
        if (!c["certificate"].IsDefined()) {
          problem(c, path, "auth certificate needs certificate (file:/path/to/key-cert.pub)");
        } else if (!ssh.certificate.empty()) {
          if (auto k = inspect_ssh_certificate(ssh.certificate); !k) {
            problem(c["certificate"], path + ".certificate",
                    k.error().message + where_from(c["certificate"]) + " (" + k.error().hint + ")");
          }
        }
      } else if (c["certificate"].IsDefined()) {
        problem(c["certificate"], path + ".certificate", "goes with auth certificate");
      }
    }
    read_escalation(c, path, ssh);
    profile.ssh.push_back(std::move(ssh));
  }

  // " (in /etc/keys/scan)" for a value read from a file, so the message names the file.
  std::string where_from(const YAML::Node& node) {
    if (!node.IsScalar()) return {};
    const std::string& raw = node.Scalar();
    return is_file_reference(raw) ? " (in " + raw.substr(kFilePrefix.size()) + ")" : "";
  }

  void read_windows(const YAML::Node& c, const std::string& path, CredentialProfile& profile) {
    known_keys(c, path,
               {"type", "auth", "username", "domain", "password", "ntlm_hash",
                "start_remote_registry", "enable_admin_shares", "start_server_service",
                "never_send_credentials_in_clear", "dont_use_ntlmv1"});
    WindowsCredential w;
    if (auto v = text(c, "username", path, true)) w.username = *v;
    if (auto v = text(c, "domain", path, false)) w.domain = *v;
    if (w.username.find('\\') != std::string::npos && !w.domain.empty()) {
      problem(c["username"], path + ".username",
              "names a domain (DOMAIN\\user) and domain is given too; keep one");
    }
    const auto auth = one_of(c, "auth", path, {"password", "ntlm_hash"}, "password");
    if (!auth) return;
    w.auth = *auth;
    if (auto v = secret(c, "password", path, w.auth == "password")) w.password = *v;
    if (auto v = secret(c, "ntlm_hash", path, w.auth == "ntlm_hash")) {
      w.ntlm_hash = lower(*v);
      remember_secret(w.ntlm_hash);  // the form Nessus is sent
      if (w.ntlm_hash.size() != 32 || !is_hex(w.ntlm_hash)) {
        problem(c["ntlm_hash"], path + ".ntlm_hash", "must be the NT hash: 32 hex digits");
      }
    }
    if (w.auth == "password" && c["ntlm_hash"].IsDefined())
      problem(c["ntlm_hash"], path + ".ntlm_hash", "goes with auth ntlm_hash");
    if (w.auth == "ntlm_hash" && c["password"].IsDefined())
      problem(c["password"], path + ".password", "goes with auth password");
    if (auto b = boolean(c, "start_remote_registry", path)) w.start_remote_registry = *b;
    if (auto b = boolean(c, "enable_admin_shares", path)) w.enable_admin_shares = *b;
    if (auto b = boolean(c, "start_server_service", path)) w.start_server_service = *b;
    if (auto b = boolean(c, "never_send_credentials_in_clear", path))
      w.never_send_credentials_in_clear = *b;
    if (auto b = boolean(c, "dont_use_ntlmv1", path)) w.dont_use_ntlmv1 = *b;
    profile.windows.push_back(std::move(w));
  }

  void read_snmpv3(const YAML::Node& c, const std::string& path, CredentialProfile& profile) {
    known_keys(c, path,
               {"type", "username", "port", "security_level", "auth_algorithm", "auth_password",
                "privacy_algorithm", "privacy_password"});
    Snmpv3Credential s;
    if (auto v = text(c, "username", path, true)) s.username = *v;
    if (auto n = number(c, "port", path, 1, 65535)) s.port = static_cast<int>(*n);
    const auto level = one_of(c, "security_level", path,
                              {"no_auth_no_priv", "auth_no_priv", "auth_priv"}, "auth_priv");
    if (auto v = one_of(c, "auth_algorithm", path,
                        {"MD5", "SHA1", "SHA-224", "SHA-256", "SHA-384", "SHA-512"}, "SHA1"))
      s.auth_algorithm = *v;
    if (auto v = one_of(c, "privacy_algorithm", path, {"AES", "AES-192", "AES-256", "DES", "3DES"},
                        "AES"))
      s.privacy_algorithm = *v;
    if (!level) return;
    s.security_level = *level;
    const bool auth = s.security_level != "no_auth_no_priv";
    const bool priv = s.security_level == "auth_priv";
    // RFC 3414: a USM password has at least 8 characters.
    const auto password = [&](const char* key, bool needed, std::string& out) {
      if (!needed) {
        if (c[key].IsDefined())
          problem(c[key], child(path, key), "is not used at security_level " + s.security_level);
        return;
      }
      if (auto v = secret(c, key, path, true)) {
        if (v->size() < 8)
          problem(c[key], child(path, key), "must have at least 8 characters (RFC 3414)");
        out = *v;
      }
    };
    password("auth_password", auth, s.auth_password);
    password("privacy_password", priv, s.privacy_password);
    profile.snmpv3.push_back(std::move(s));
  }

  void read_credential(const YAML::Node& c, const std::string& path, CredentialProfile& profile) {
    if (!c.IsMap()) {
      problem(c, path, "must be a mapping with type (ssh, windows or snmpv3) and its fields");
      return;
    }
    const auto type = one_of(c, "type", path, {"ssh", "windows", "snmpv3"}, "ssh");
    if (!type) return;
    if (*type == "ssh") read_ssh(c, path, profile);
    if (*type == "windows") read_windows(c, path, profile);
    if (*type == "snmpv3") read_snmpv3(c, path, profile);
  }

  void read_credentials(const YAML::Node& node, ScannerConfig& config) {
    if (!node.IsDefined() || node.IsNull()) return;
    if (!node.IsMap()) {
      problem(node, "credentials", "must map profile names to credential profiles");
      return;
    }
    for (const auto& kv : node) {
      const std::string name = kv.first.Scalar();
      const std::string path = "credentials." + name;
      if (!is_name(name, 64)) problem(kv.first, path, "profile names are 1-64 of [A-Za-z0-9_.-]");
      const YAML::Node c = kv.second;
      CredentialProfile profile;
      profile.name = name;
      if (c.IsMap() && c["credentials"].IsDefined()) {
        // Several credentials: each its own mapping with a type.
        known_keys(c, path, {"credentials"});
        const YAML::Node list = c["credentials"];
        if (!list.IsSequence() || list.size() == 0) {
          problem(list, path + ".credentials", "must be a non-empty list of credentials");
          continue;
        }
        for (std::size_t i = 0; i < list.size(); ++i) {
          read_credential(list[i], path + ".credentials[" + std::to_string(i) + "]", profile);
        }
      } else {
        read_credential(c, path, profile);
      }
      config.credentials.emplace(name, std::move(profile));
    }
  }

  void check_pool_profiles(const ScannerConfig& config) {
    for (const auto& pool : config.pools) {
      for (const auto& name : pool.credential_profiles) {
        if (config.credential(name) == nullptr) {
          problem(YAML::Node(), "pools." + pool.name + ".credential_profiles",
                  "names no profile defined under credentials: \"" + name + "\"");
        }
      }
    }
  }

  void read_defaults(const YAML::Node& node, ScannerConfig& config) {
    Defaults& d = config.defaults;
    if (!config.pools.empty()) d.pool = config.pools.front().name;
    if (!node.IsDefined() || node.IsNull()) return;
    if (!node.IsMap()) {
      problem(node, "defaults", "must be a mapping");
      return;
    }
    known_keys(node, "defaults",
               {"pool", "template", "poll_interval_seconds", "scan_timeout_minutes",
                "allow_inline_credentials", "max_export_hosts"});
    if (auto v = text(node, "pool", "defaults", false)) {
      if (config.pool(*v) == nullptr)
        problem(node["pool"], "defaults.pool", "names no pool defined under pools: \"" + *v + "\"");
      d.pool = *v;
    }
    if (auto v = text(node, "template", "defaults", false)) d.template_name = *v;
    if (auto n = number(node, "poll_interval_seconds", "defaults", 1, 3600))
      d.poll_interval = std::chrono::seconds(*n);
    if (auto n = number(node, "scan_timeout_minutes", "defaults", 1, 7 * 24 * 60))
      d.scan_timeout = std::chrono::minutes(*n);
    if (auto b = boolean(node, "allow_inline_credentials", "defaults"))
      d.allow_inline_credentials = *b;
    if (auto n = number(node, "max_export_hosts", "defaults", 1, 100'000'000))
      d.max_export_hosts = static_cast<std::uint64_t>(*n);
  }

  void read_quota_limits(const YAML::Node& node, const std::string& at, QuotaLimits& q) {
    if (!node.IsMap()) {
      problem(node, at,
              "must be a mapping of scans_per_hour, concurrent_scans, addresses_per_day and "
              "schedules");
      return;
    }
    known_keys(node, at, {"scans_per_hour", "concurrent_scans", "addresses_per_day", "schedules"});
    if (auto n = number(node, "schedules", at, 0, 100'000)) q.schedules = *n;
    if (auto n = number(node, "scans_per_hour", at, 1, 1'000'000)) q.scans_per_hour = *n;
    if (auto n = number(node, "concurrent_scans", at, 1, 100'000)) q.concurrent_scans = *n;
    if (auto n = number(node, "addresses_per_day", at, 1, 1'000'000'000'000LL))
      q.addresses_per_day = *n;
  }

  void read_quotas(const YAML::Node& node, Quotas& q) {
    if (!node.IsDefined() || node.IsNull()) return;
    if (!node.IsMap()) {
      problem(node, "quotas", "must be a mapping with default and tenants");
      return;
    }
    known_keys(node, "quotas", {"default", "tenants"});
    if (node["default"].IsDefined())
      read_quota_limits(node["default"], "quotas.default", q.defaults);
    const YAML::Node tenants = node["tenants"];
    if (!tenants.IsDefined() || tenants.IsNull()) return;
    if (!tenants.IsMap()) {
      problem(tenants, "quotas.tenants", "must map tenant names to their limits");
      return;
    }
    for (const auto& entry : tenants) {
      const std::string name = entry.first.as<std::string>();
      if (name.empty() || name.size() > 128) {
        problem(entry.first, "quotas.tenants", "a tenant name is 1-128 characters");
        continue;
      }
      read_quota_limits(entry.second, "quotas.tenants." + name, q.tenants[name]);
    }
  }

  void read_housekeeping(const YAML::Node& node, Housekeeping& h) {
    if (!node.IsDefined() || node.IsNull()) return;
    if (!node.IsMap()) {
      problem(node, "housekeeping", "must be a mapping");
      return;
    }
    known_keys(node, "housekeeping",
               {"enabled", "interval_minutes", "completed_days", "failed_days", "cancelled_days",
                "timed_out_days", "dead_letter_days", "orphan_grace_hours", "stuck_after_hours",
                "delete_nessus_scans_after_days"});
    const std::string at = "housekeeping";
    if (auto b = boolean(node, "enabled", at)) h.enabled = *b;
    if (auto n = number(node, "interval_minutes", at, 1, 7 * 24 * 60))
      h.interval = std::chrono::minutes(*n);
    const auto days = [&](const char* key, std::chrono::hours& out) {
      if (auto n = number(node, key, at, 1, 10 * 365)) out = std::chrono::hours(*n * 24);
    };
    days("completed_days", h.completed);
    days("failed_days", h.failed);
    days("cancelled_days", h.cancelled);
    days("timed_out_days", h.timed_out);
    days("dead_letter_days", h.dead_letters);
    if (auto n = number(node, "orphan_grace_hours", at, 1, 24 * 365))
      h.orphan_grace = std::chrono::hours(*n);
    if (auto n = number(node, "stuck_after_hours", at, 1, 24 * 365))
      h.stuck_after = std::chrono::hours(*n);
    if (auto n = number(node, "delete_nessus_scans_after_days", at, 0, 10 * 365))
      h.delete_nessus_scans_after_days = static_cast<int>(*n);
  }

  std::string source_;
  const EnvLookup& env_;
  std::vector<std::string> problems_;
};

}  // namespace

EnvLookup process_environment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
}

Result<ScannerConfig> parse_config(std::string_view yaml, std::string_view source,
                                   const EnvLookup& env) {
  if (static_cast<long long>(yaml.size()) > kMaxConfigBytes) {
    return fail(
        ErrorCode::InvalidArgument,
        std::string(source) + " is larger than " + std::to_string(kMaxConfigBytes) + " bytes",
        "a configuration is a few kilobytes; check that it is the right file");
  }
  Loader loader{std::string(source), env};
  auto config = loader.load(yaml);
  if (!config) {
    std::string message =
        std::to_string(loader.problems().size()) + " problem(s) in the scanner configuration:";
    for (const auto& p : loader.problems()) message += "\n  " + p;
    return fail(ErrorCode::InvalidArgument, message, "fix the file and start (or SIGHUP) again");
  }
  return std::move(*config);
}

Result<ScannerConfig> load_config(const std::string& path, const EnvLookup& env) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return fail(
        ErrorCode::NotFound, "cannot read the scanner configuration " + path,
        "pass --config PATH, or run from the repository root where config/scanners.yaml is");
  }
  // A configuration is a few kilobytes; a huge file costs gigabytes to parse on every start
  // and SIGHUP, so it is refused before parsing.
  in.seekg(0, std::ios::end);
  const auto size = static_cast<long long>(in.tellg());
  in.seekg(0, std::ios::beg);
  if (size > kMaxConfigBytes) {
    return fail(ErrorCode::InvalidArgument,
                "the scanner configuration " + path + " is " + std::to_string(size) +
                    " bytes; the limit is " + std::to_string(kMaxConfigBytes),
                "a configuration holds pools, instances and credential profiles: a few "
                "kilobytes; check that --config names the right file");
  }
  std::ostringstream text;
  text << in.rdbuf();
  return parse_config(text.str(), path, env);
}

static nlohmann::json housekeeping_json(const Housekeeping& h) {
  const auto days = [](std::chrono::hours v) { return v.count() / 24; };
  return {{"enabled", h.enabled},
          {"interval_minutes", h.interval.count()},
          {"completed_days", days(h.completed)},
          {"failed_days", days(h.failed)},
          {"cancelled_days", days(h.cancelled)},
          {"timed_out_days", days(h.timed_out)},
          {"dead_letter_days", days(h.dead_letters)},
          {"orphan_grace_hours", h.orphan_grace.count()},
          {"stuck_after_hours", h.stuck_after.count()},
          {"delete_nessus_scans_after_days", h.delete_nessus_scans_after_days}};
}

static nlohmann::json quota_json(const QuotaLimits& q) {
  auto v = [](const std::optional<std::int64_t>& n) {
    return n ? nlohmann::json(*n) : nlohmann::json("unlimited");
  };
  return {{"scans_per_hour", v(q.scans_per_hour)},
          {"concurrent_scans", v(q.concurrent_scans)},
          {"addresses_per_day", v(q.addresses_per_day)},
          {"schedules", q.schedule_limit()}};
}

nlohmann::json describe(const ScannerConfig& config) {
  using nlohmann::json;
  auto cidr_list = [](const std::vector<net::Cidr>& v) {
    json out = json::array();
    for (const auto& c : v) out.push_back(c.to_string());
    return out;
  };
  json pools = json::array();
  for (const auto& p : config.pools) {
    json instances = json::array();
    for (const auto& i : p.instances) {
      json tls = {{"mode", i.tls.insecure               ? "insecure"
                           : !i.tls.fingerprint.empty() ? "pinned"
                           : !i.tls.ca_file.empty()     ? "ca_file"
                                                        : "system"}};
      if (!i.tls.fingerprint.empty()) tls["fingerprint"] = "sha256:" + i.tls.fingerprint;
      if (!i.tls.ca_file.empty()) tls["ca_file"] = i.tls.ca_file;
      json auth = {{"mode", i.auth.mode == AuthMode::ApiKeys ? "api_keys" : "session"}};
      if (i.auth.mode == AuthMode::Session) {
        auth["username"] = i.auth.username;
        auth["ui_token"] = i.auth.ui_token;
      }
      instances.push_back({{"id", i.id},
                           {"url", i.url},
                           {"auth", auth},
                           {"tls", tls},
                           {"max_concurrent_scans", i.max_concurrent_scans},
                           {"enabled", i.enabled},
                           {"request_timeout_seconds", i.request_timeout.count()}});
    }
    pools.push_back({{"name", p.name},
                     {"description", p.description},
                     {"scope",
                      {{"allow", cidr_list(p.scope.allow)},
                       {"deny", cidr_list(p.scope.deny)},
                       {"hostnames", p.scope.hostnames},
                       {"max_addresses", p.scope.max_addresses}}},
                     {"credential_profiles",
                      p.credential_profiles.empty() ? json("any") : json(p.credential_profiles)},
                     {"scan_window", p.window ? json{{"window", p.window->text},
                                                     {"on_close", to_string(p.window->on_close)}}
                                              : json(nullptr)},
                     {"instances", instances}});
  }
  json credentials = json::array();
  for (const auto& [name, c] : config.credentials) {
    credentials.push_back(describe_profile(config, c));
  }
  return {{"source", config.source},
          {"defaults",
           {{"pool", config.defaults.pool},
            {"template", config.defaults.template_name},
            {"poll_interval_seconds", config.defaults.poll_interval.count()},
            {"scan_timeout_minutes", config.defaults.scan_timeout.count()},
            {"allow_inline_credentials", config.defaults.allow_inline_credentials},
            {"max_export_hosts", config.defaults.max_export_hosts}}},
          {"housekeeping", housekeeping_json(config.housekeeping)},
          {"quotas",
           [&] {
             nlohmann::json tenants = nlohmann::json::object();
             for (const auto& [name, limits] : config.quotas.tenants) {
               tenants[name] = quota_json(config.quotas.for_tenant(name));
             }
             return nlohmann::json{{"default", quota_json(config.quotas.defaults)},
                                   {"tenants", tenants}};
           }()},
          {"pools", pools},
          {"credentials", credentials}};
}

}  // namespace nmcp::config
