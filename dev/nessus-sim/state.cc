#include "dev/nessus-sim/state.h"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <filesystem>
#include <random>

#include "dev/nessus-sim/credentials.h"
#include "dev/nessus-sim/state_internal.h"
#include "dev/nessus-sim/targets.h"

namespace nessus_sim {

using namespace support;  // NOLINT: the simulator's own helpers
namespace {

constexpr int kMainFolder = 17;  // real installs do not use 2/3 either
constexpr int kTrashFolder = 16;

struct Template {
  const char* uuid;
  const char* name;
  const char* title;
  const char* desc;
};

const std::vector<Template>& templates() {
  static const std::vector<Template> k = {
      {"731a8e52-3ea6-a291-ec0a-d2ff0619c19d7bd788d6be818b65", "basic", "Basic Network Scan",
       "A full system scan suitable for any host."},
      {"ad629e16-03b6-8c1d-cef6-ef8c9dd3c658d24bd260ef5f9e66", "advanced", "Advanced Scan",
       "Configure a scan without using any recommendations."},
      {"bbd4f805-3966-d464-b2d1-0079eb89d69708c3a05ec2812bcf", "discovery", "Host Discovery",
       "A simple scan to discover live hosts and open ports."},
      {"ab4bacd2-05f6-425c-9d79-3ba3940ad1c24e51e1f403febe40", "custom", "Custom Scan",
       "Use a user-defined policy."},
  };
  return k;
}

}  // namespace

bool is_terminal(const std::string& status) {
  return status == "completed" || status == "canceled" || status == "aborted" ||
         status == "imported";
}

nlohmann::json templates_json() {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& t : templates()) {
    list.push_back({{"uuid", t.uuid},
                    {"name", t.name},
                    {"title", t.title},
                    {"desc", t.desc},
                    {"subscription_only", false},
                    {"cloud_only", false},
                    {"is_agent", nullptr},
                    {"more_info", nullptr},
                    {"manager_only", false},
                    {"unsupported", false}});
  }
  return {{"templates", list}};
}

std::string template_uuid(const std::string& name) {
  for (const auto& t : templates()) {
    if (name == t.name) return t.uuid;
  }
  return {};
}

SimState::SimState(const Options& options)
    : options_(options), faults_(options.faults), api_token_(options.api_token) {}

std::string SimState::api_token() {
  std::lock_guard lock(mu_);
  return api_token_;
}

std::string SimState::rotate_api_token() {
  std::lock_guard lock(mu_);
  std::string next = random_uuid();
  for (auto& c : next) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  api_token_ = next;
  return api_token_;
}

void SimState::count(const std::string& route) {
  std::lock_guard lock(mu_);
  ++requests_[route];
}

void SimState::note_launch(Clock::time_point now) {
  long active = 0;
  for (auto& [id, scan] : scans_) active += is_active(refresh(scan, now)) ? 1 : 0;
  peak_active_scans_ = std::max(peak_active_scans_, active);
}

nlohmann::json SimState::stats() {
  std::lock_guard lock(mu_);
  const auto now = Clock::now();
  long active = 0;
  for (auto& [id, scan] : scans_) active += is_active(refresh(scan, now)) ? 1 : 0;
  return {{"requests", requests_},
          {"active_scans", active},
          {"peak_active_scans", peak_active_scans_},
          {"scans_created", scans_created_},
          {"scans_launched", scans_launched_},
          {"relaunched_scans", relaunched_scans_},
          {"held_now", held_now_},
          {"held_total", held_total_},
          {"sessions_created", sessions_created_},
          {"active_sessions", sessions_.size()},
          {"exports_requested", exports_requested_},
          {"scans", scans_.size()},
          {"faults", to_json(faults_)}};
}

Faults SimState::faults() {
  std::lock_guard lock(mu_);
  return faults_;
}

std::string SimState::patch_faults(const nlohmann::json& patch) {
  std::lock_guard lock(mu_);
  return apply_patch(faults_, patch);
}

SimState::RequestFate SimState::next_request_fate(const std::string& route) {
  std::lock_guard lock(mu_);
  RequestFate fate;
  ++request_number_;
  fate.latency_ms = faults_.latency_ms;
  auto& rules = faults_.route_rules;
  const auto rule = std::find_if(rules.begin(), rules.end(),
                                 [&](const RouteRule& r) { return r.route == route; });
  if (rule != rules.end()) {
    fate.fail_status = rule->status;
    fate.error = rule->error;
    fate.hold = rule->hold;
    if (--rule->times == 0) rules.erase(rule);
  } else if (faults_.error_burst > 0) {
    --faults_.error_burst;
    fate.fail_status = faults_.error_status;
    fate.retry_after = faults_.retry_after_seconds;
  } else if (faults_.reset_every > 0 && request_number_ % faults_.reset_every == 0) {
    fate.reset = true;
  }
  return fate;
}

void SimState::hold() {
  std::unique_lock lock(mu_);
  const long generation = release_generation_;
  ++held_now_;
  ++held_total_;
  released_.wait_for(lock, std::chrono::minutes(10),
                     [&] { return release_generation_ != generation; });
  --held_now_;
}

int SimState::release_held() {
  std::lock_guard lock(mu_);
  const int n = held_now_;
  ++release_generation_;
  released_.notify_all();
  return n;
}

std::string SimState::create_session() {
  std::lock_guard lock(mu_);
  std::string token = random_hex(48);
  sessions_[token] = Session{Clock::now(), 0};
  ++sessions_created_;
  return token;
}

bool SimState::use_session(const std::string& token) {
  std::lock_guard lock(mu_);
  const auto it = sessions_.find(token);
  if (it == sessions_.end()) return false;
  auto& s = it->second;
  const auto age = std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - s.created);
  if ((faults_.session_expire_after_seconds > 0 &&
       age.count() >= faults_.session_expire_after_seconds) ||
      (faults_.session_expire_after_requests > 0 &&
       s.uses >= faults_.session_expire_after_requests)) {
    sessions_.erase(it);
    return false;
  }
  ++s.uses;
  return true;
}

void SimState::end_session(const std::string& token) {
  std::lock_guard lock(mu_);
  sessions_.erase(token);
}

nlohmann::json SimState::folders() const {
  return nlohmann::json::array({{{"id", kMainFolder},
                                 {"name", "My Scans"},
                                 {"type", "main"},
                                 {"default_tag", 1},
                                 {"custom", 0},
                                 {"unread_count", 0}},
                                {{"id", kTrashFolder},
                                 {"name", "Trash"},
                                 {"type", "trash"},
                                 {"default_tag", 0},
                                 {"custom", 0},
                                 {"unread_count", 0}}});
}

double SimState::sim_seconds(Clock::duration d) const {
  return std::chrono::duration<double>(d).count() * options_.speed;
}

std::string SimState::refresh(Scan& scan, Clock::time_point now) {
  const double total = options_.scan_seconds;
  const std::time_t wall = std::time(nullptr);
  auto finish = [&](Scan::Phase phase, const char* status) {
    scan.phase = phase;
    scan.run_end = wall;
    if (!scan.history.empty()) scan.history.back().status = status;
    return std::string(status);
  };
  switch (scan.phase) {
    case Scan::Phase::Empty:
      return "empty";
    case Scan::Phase::Running: {
      double p = scan.progress_before + sim_seconds(now - scan.phase_since);
      if (scan.outcome == "abort" && p >= 0.5 * total)
        return finish(Scan::Phase::Aborted, "aborted");
      if (scan.outcome == "hang") p = std::min(p, 0.99 * total);
      if (p >= total) return finish(Scan::Phase::Completed, "completed");
      return p < 0.05 * total ? "pending" : "running";
    }
    case Scan::Phase::Pausing:
      if (sim_seconds(now - scan.phase_since) < kTransitionSeconds) return "pausing";
      scan.phase = Scan::Phase::Paused;
      return "paused";
    case Scan::Phase::Paused:
      return "paused";
    case Scan::Phase::Resuming:
      if (sim_seconds(now - scan.phase_since) < kTransitionSeconds) return "resuming";
      scan.phase = Scan::Phase::Running;
      scan.phase_since = now;
      return refresh(scan, now);
    case Scan::Phase::Stopping:
      if (sim_seconds(now - scan.phase_since) < kTransitionSeconds) return "stopping";
      return finish(Scan::Phase::Canceled, "canceled");
    case Scan::Phase::Canceled:
      return "canceled";
    case Scan::Phase::Completed:
      return "completed";
    case Scan::Phase::Aborted:
      return "aborted";
  }
  return "empty";
}

nlohmann::json SimState::scan_summary(Scan& scan, Clock::time_point now) {
  return {{"id", scan.id},
          {"uuid", scan.uuid},
          {"name", scan.name},
          {"status", refresh(scan, now)},
          {"folder_id", scan.folder_id},
          {"type", "local"},
          {"read", false},
          {"shared", false},
          {"owner", options_.username},
          {"user_permissions", 128},
          {"enabled", false},
          {"control", true},
          {"live_results", 0},
          {"creation_date", scan.created},
          {"last_modification_date", scan.modified},
          {"rrules", nullptr},
          {"starttime", nullptr},
          {"timezone", nullptr}};
}

int SimState::create_scan(const nlohmann::json& request, nlohmann::json& body) {
  if (!request.is_object()) {
    body = error_body("Invalid JSON body");
    return 400;
  }
  const std::string uuid = str_field(request, "uuid");
  if (std::none_of(templates().begin(), templates().end(),
                   [&](const Template& t) { return uuid == t.uuid; })) {
    body = error_body("Invalid 'uuid' field: no such template");
    return 400;
  }
  const auto settings_it = request.find("settings");
  if (settings_it == request.end() || !settings_it->is_object()) {
    body = error_body("Invalid 'settings' field");
    return 400;
  }
  const nlohmann::json& settings = *settings_it;
  const std::string name = str_field(settings, "name");
  const std::string targets = str_field(settings, "text_targets");
  if (name.empty()) {
    body = error_body("Invalid 'name' field: the scan needs a name");
    return 400;
  }
  if (targets.empty()) {
    body = error_body("Invalid 'text_targets' field: the scan needs targets");
    return 400;
  }
  const TargetSet set = expand_targets(targets, kMaxHosts);
  if (!set.error.empty()) {
    body = error_body(set.error);
    return 400;
  }
  // Assumption (the exact behaviour is unverified): Essentials refuses scans beyond its 16
  // licensed addresses when they are created.
  if (options_.edition == "essentials" && set.addresses > 16) {
    body = error_body(
        "Your Nessus Essentials license allows scanning 16 IP addresses; this scan targets " +
        std::to_string(set.addresses));
    return 403;
  }
  Scan scan;
  scan.uuid = "template-" + random_uuid();
  scan.name = name;
  scan.description = str_field(settings, "description");
  scan.targets = targets;
  scan.template_uuid = uuid;
  scan.folder_id = int_field(settings, "folder_id", kMainFolder);
  scan.created = scan.modified = std::time(nullptr);
  const bool launch_now = bool_field(settings, "launch_now");
  std::lock_guard lock(mu_);
  if (const std::string bad =
          evaluate_credentials(request, options_, uploads_, std::time(nullptr), scan.creds);
      !bad.empty()) {
    body = error_body(bad);
    return 400;
  }
  scan.id = next_scan_id_++;
  ++scans_created_;
  const int id = scan.id;
  scans_.emplace(id, scan);
  body = {{"scan",
           {{"id", id},
            {"uuid", scan.uuid},
            {"name", scan.name},
            {"description", scan.description},
            {"creation_date", scan.created},
            {"last_modification_date", scan.modified},
            {"custom_targets", scan.targets},
            {"default_permisssions", 0},
            {"emails", nullptr},
            {"enabled", false},
            {"notification_filter_type", "and"},
            {"notification_filters", nullptr},
            {"owner", options_.username},
            {"owner_id", 1},
            {"policy_id", 8},
            {"rrules", nullptr},
            {"scanner_id", 1},
            {"shared", 0},
            {"starttime", nullptr},
            {"tag_id", scan.folder_id},
            {"timezone", nullptr},
            {"type", "public"},
            {"user_permissions", 128}}}};
  if (launch_now) {
    auto& s = scans_[id];
    s.phase = Scan::Phase::Running;
    s.phase_since = Clock::now();
    s.outcome = faults_.scan_outcome;
    s.run_start = std::time(nullptr);
    s.uuid = random_uuid();
    s.history.push_back({next_history_++, s.uuid, s.run_start, "running"});
    ++scans_launched_;
    if (options_.network_drift) s.network_epoch = rescans_[s.targets]++;
    note_launch(s.phase_since);
  }
  return 200;
}

int SimState::list_scans(nlohmann::json& body) {
  std::lock_guard lock(mu_);
  const auto now = Clock::now();
  nlohmann::json scans = nlohmann::json::array();
  for (auto& [id, scan] : scans_) scans.push_back(scan_summary(scan, now));
  body = {{"folders", folders()},
          {"scans", scans.empty() ? nlohmann::json(nullptr) : scans},
          {"timestamp", std::time(nullptr)}};
  return 200;
}

int SimState::get_scan(int id, nlohmann::json& body) {
  std::lock_guard lock(mu_);
  const auto it = scans_.find(id);
  if (it == scans_.end()) {
    body = error_body("The requested file was not found.");
    return 404;
  }
  Scan& scan = it->second;
  const auto now = Clock::now();
  const std::string status = refresh(scan, now);
  const double total = options_.scan_seconds;
  double done = scan.progress_before;
  if (scan.phase == Scan::Phase::Running) {
    done += sim_seconds(now - scan.phase_since);
    if (scan.outcome == "hang") done = std::min(done, 0.99 * total);
  }
  if (scan.phase == Scan::Phase::Completed) done = total;
  const int percent = static_cast<int>(std::min(100.0, 100.0 * done / total));
  const ExportSpec spec = spec_for(scan);
  nlohmann::json hosts = nlohmann::json::array();
  nlohmann::json vulns = nlohmann::json::array();
  if (status != "empty" && status != "pending") {
    int host_id = 2;
    for (const auto& h : spec.hosts) {
      const bool done_all = status == "completed";
      const SeverityCounts c = done_all ? count_findings(h, spec) : SeverityCounts{};
      const int current = done_all ? 100 : percent;
      hosts.push_back(
          {{"host_id", host_id++},
           {"hostname", h.name},
           {"progress",
            std::to_string(current) + "-100/" + std::to_string(current * 1000) + "-100000"},
           {"scanprogresscurrent", current},
           {"scanprogresstotal", 100},
           {"numchecksconsidered", current * 1000},
           {"totalchecksconsidered", 100000},
           {"critical", c.critical},
           {"high", c.high},
           {"medium", c.medium},
           {"low", c.low},
           {"info", c.info},
           {"severitycount",
            {{"item", nlohmann::json::array({{{"count", c.info}, {"severitylevel", 0}},
                                             {{"count", c.low}, {"severitylevel", 1}},
                                             {{"count", c.medium}, {"severitylevel", 2}},
                                             {{"count", c.high}, {"severitylevel", 3}},
                                             {{"count", c.critical}, {"severitylevel", 4}}})}}},
           {"score", c.critical * 10000 + c.high * 1000 + c.medium * 100 + c.low * 10 + c.info}});
    }
  }
  nlohmann::json history = nlohmann::json::array();
  for (const auto& run : scan.history) {
    history.push_back({{"history_id", run.history_id},
                       {"uuid", run.uuid},
                       {"status", run.status},
                       {"type", "local"},
                       {"schedule_type", "public"},
                       {"creation_date", run.started},
                       {"last_modification_date", run.started},
                       {"owner_id", 1}});
  }
  const bool ended = is_terminal(status);
  body = {{"info",
           {{"status", status},
            {"name", scan.name},
            {"policy", "Advanced Scan"},
            {"targets", scan.targets},
            {"hostcount", hosts.size()},
            {"scanner_name", "Local Scanner"},
            {"scan_type", "local"},
            {"uuid", scan.uuid},
            {"object_id", scan.id},
            {"folder_id", scan.folder_id},
            {"scan_start",
             scan.run_start != 0 ? nlohmann::json(scan.run_start) : nlohmann::json(nullptr)},
            {"scan_end", ended ? nlohmann::json(scan.run_end) : nlohmann::json(nullptr)},
            {"scanner_start",
             scan.run_start != 0 ? nlohmann::json(scan.run_start) : nlohmann::json(nullptr)},
            {"scanner_end", ended ? nlohmann::json(scan.run_end) : nlohmann::json(nullptr)},
            {"timestamp", std::time(nullptr)},
            {"haskb", ended},
            {"hasaudittrail", ended},
            {"edit_allowed", true},
            {"control", true},
            {"user_permissions", 128},
            {"acls", nlohmann::json::array({{{"type", "default"},
                                             {"permissions", 0},
                                             {"id", nullptr},
                                             {"name", nullptr},
                                             {"owner", nullptr},
                                             {"display_name", nullptr}}})},
            {"alt_targets_used", false},
            {"no_target", false},
            {"offline", false},
            {"pci-can-upload", false},
            {"migrated", 0}}},
          {"hosts", hosts},
          {"vulnerabilities", vulns},
          {"history", history.empty() ? nlohmann::json(nullptr) : history},
          {"notes", nullptr},
          {"remediations",
           {{"remediations", nullptr},
            {"num_hosts", hosts.size()},
            {"num_cves", 0},
            {"num_impacted_hosts", 0},
            {"num_remediated_cves", 0}}},
          {"filters", nlohmann::json::array()},
          {"comphosts", nullptr},
          {"compliance", nullptr}};
  return 200;
}

int SimState::delete_scan(int id, nlohmann::json& body) {
  std::lock_guard lock(mu_);
  const auto it = scans_.find(id);
  if (it == scans_.end()) {
    body = error_body("The requested file was not found.");
    return 404;
  }
  if (is_active(refresh(it->second, Clock::now()))) {
    body = error_body("Scan cannot be deleted while it is running");
    return 409;
  }
  scans_.erase(it);
  body = nullptr;
  return 200;
}

int SimState::launch_scan(int id, nlohmann::json& body) {
  std::lock_guard lock(mu_);
  const auto it = scans_.find(id);
  if (it == scans_.end()) {
    body = error_body("The requested file was not found.");
    return 404;
  }
  Scan& scan = it->second;
  if (is_active(refresh(scan, Clock::now()))) {
    body = error_body("Scan is already running");
    return 409;
  }
  scan.phase = Scan::Phase::Running;
  scan.phase_since = Clock::now();
  scan.progress_before = 0;
  scan.outcome = faults_.scan_outcome;
  scan.run_start = std::time(nullptr);
  scan.run_end = 0;
  scan.uuid = random_uuid();
  scan.modified = scan.run_start;
  if (!scan.history.empty()) ++relaunched_scans_;
  scan.history.push_back({next_history_++, scan.uuid, scan.run_start, "running"});
  ++scans_launched_;
  if (options_.network_drift) scan.network_epoch = rescans_[scan.targets]++;
  note_launch(scan.phase_since);
  body = {{"scan_uuid", scan.uuid}};
  return 200;
}

int SimState::control_scan(int id, const std::string& action, nlohmann::json& body) {
  std::lock_guard lock(mu_);
  const auto it = scans_.find(id);
  if (it == scans_.end()) {
    body = error_body("The requested file was not found.");
    return 404;
  }
  Scan& scan = it->second;
  const auto now = Clock::now();
  const std::string status = refresh(scan, now);
  body = nullptr;
  if (action == "stop" && (status == "pending" || status == "running" || status == "paused" ||
                           status == "pausing" || status == "resuming")) {
    scan.phase = Scan::Phase::Stopping;
    scan.phase_since = now;
    return 200;
  }
  if (action == "pause" && (status == "pending" || status == "running")) {
    scan.progress_before += sim_seconds(now - scan.phase_since);
    scan.phase = Scan::Phase::Pausing;
    scan.phase_since = now;
    return 200;
  }
  if (action == "resume" && status == "paused") {
    scan.phase = Scan::Phase::Resuming;
    scan.phase_since = now;
    return 200;
  }
  body = error_body("The scan is " + status + "; it cannot be " +
                    (action == "stop" ? std::string("stopped") : action + "d") + " now");
  return 409;
}

int SimState::upload_file(const std::string& name, const std::string& content,
                          nlohmann::json& body) {
  if (name.empty() || name.find('/') != std::string::npos || name.size() > 255) {
    body = error_body("Invalid file name");
    return 400;
  }
  std::lock_guard lock(mu_);
  uploads_[name] = content;
  body = {{"fileuploaded", name}};
  return 200;
}

}  // namespace nessus_sim
