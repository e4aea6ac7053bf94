// Reading the pools of config/scanners.yaml: each pool's scope, its instances with their
// authentication and TLS, and its scan window.
#include "core/config/config_loader_internal.h"
#include "core/schedule/weekdays.h"

namespace nmcp::config::loading {

void Loader::read_scope(const YAML::Node& node, const std::string& path, ScopePolicy& scope) {
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

void Loader::read_auth(const YAML::Node& node, const std::string& path, InstanceAuth& auth) {
  if (!node.IsMap()) {
    problem(node, path,
            "is required: mode api_keys (access_key, secret_key) or session (username, password)");
    return;
  }
  known_keys(node, path, {"mode", "access_key", "secret_key", "username", "password", "ui_token"});
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

void Loader::read_tls(const YAML::Node& node, const std::string& path, TlsSettings& tls) {
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
      problem(node["fingerprint"], child(path, "fingerprint"),
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

void Loader::read_instance(const YAML::Node& node, const std::string& path, PoolConfig& pool,
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
      problem(node["id"], child(path, "id"), "must be 1-64 of [A-Za-z0-9_.-], got \"" + *v + "\"");
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

std::optional<int> Loader::time_of_day(const YAML::Node& map, const char* key,
                                       const std::string& path) {
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

std::optional<std::array<bool, 7>> Loader::weekdays(const YAML::Node& map,
                                                    const std::string& path) {
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
  // Weekday names are the one rule of core/schedule/weekdays.h (cron reads them too).
  auto index = [](const std::string& w) { return schedule::weekday_from_name(w).value_or(-1); };
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

std::optional<ScanWindow> Loader::read_window(const YAML::Node& node, const std::string& path) {
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
  w.text = day_text + " " + node["start"].Scalar() + "-" + node["end"].Scalar() + " " + w.timezone;
  return w;
}

void Loader::read_pools(const YAML::Node& node, ScannerConfig& config) {
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

}  // namespace nmcp::config::loading
