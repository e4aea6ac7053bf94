// The yaml-cpp adapter for config/scanners.yaml: YAML types and exceptions stay in this file
// and the two beside it (config_loader_internal.h). This one reads the document, checks keys and
// values, and reads defaults, quotas and housekeeping.
#include "core/config/config_loader_internal.h"

namespace nmcp::config {
namespace loading {

std::optional<ScannerConfig> Loader::load(std::string_view text) {
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

void Loader::problem(const YAML::Node& node, const std::string& path, const std::string& message) {
  std::string where = source_;
  if (node.IsDefined() && node.Mark().line >= 0) {
    where +=
        ":" + std::to_string(node.Mark().line + 1) + ":" + std::to_string(node.Mark().column + 1);
  }
  problems_.push_back(where + ": " + (path.empty() ? "" : path + ": ") + message +
                      from_environment(node));
}

std::string Loader::from_environment(const YAML::Node& node) {
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

void Loader::check_duplicate_keys(const YAML::Node& node, const std::string& path, int depth) {
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

void Loader::known_keys(const YAML::Node& map, const std::string& path,
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

std::string Loader::child(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

std::optional<std::string> Loader::text(const YAML::Node& map, const char* key,
                                        const std::string& path, bool required) {
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

std::optional<long long> Loader::number(const YAML::Node& map, const char* key,
                                        const std::string& path, long long min, long long max) {
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

std::optional<bool> Loader::boolean(const YAML::Node& map, const char* key,
                                    const std::string& path) {
  const auto v = text(map, key, path, false);
  if (!v) return std::nullopt;
  if (*v == "true") return true;
  if (*v == "false") return false;
  problem(map[key], child(path, key), "must be true or false, got \"" + *v + "\"");
  return std::nullopt;
}

std::vector<std::string> Loader::text_list(const YAML::Node& map, const char* key,
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

std::vector<net::Cidr> Loader::cidrs(const YAML::Node& map, const char* key,
                                     const std::string& path) {
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

void Loader::read_defaults(const YAML::Node& node, ScannerConfig& config) {
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

void Loader::read_quota_limits(const YAML::Node& node, const std::string& at, QuotaLimits& q) {
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

void Loader::read_quotas(const YAML::Node& node, Quotas& q) {
  if (!node.IsDefined() || node.IsNull()) return;
  if (!node.IsMap()) {
    problem(node, "quotas", "must be a mapping with default and tenants");
    return;
  }
  known_keys(node, "quotas", {"default", "tenants"});
  if (node["default"].IsDefined()) read_quota_limits(node["default"], "quotas.default", q.defaults);
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

void Loader::read_housekeeping(const YAML::Node& node, Housekeeping& h) {
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

}  // namespace loading

using loading::kMaxConfigBytes;
using loading::Loader;

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
