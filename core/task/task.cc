#include "core/task/task.h"

#include <array>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <utility>

#include "core/base/crypto.h"

namespace nmcp::task {

using json = nlohmann::json;

namespace {

constexpr std::array<std::pair<State, std::string_view>, 6> kStates{{
    {State::Queued, "queued"},
    {State::Running, "running"},
    {State::Completed, "completed"},
    {State::Failed, "failed"},
    {State::Cancelled, "cancelled"},
    {State::TimedOut, "timed_out"},
}};
constexpr std::array<std::pair<Step, std::string_view>, 7> kSteps{{
    {Step::Create, "create"},
    {Step::Launch, "launch"},
    {Step::Poll, "poll"},
    {Step::Export, "export"},
    {Step::Download, "download"},
    {Step::Index, "index"},
    {Step::Done, "done"},
}};
constexpr std::array<std::pair<ScanType, std::string_view>, 3> kTypes{{
    {ScanType::Untrusted, "untrusted"},
    {ScanType::Authenticated, "authenticated"},
    {ScanType::AuthenticatedPrivileged, "authenticated_privileged"},
}};

template <class E, std::size_t N>
std::string_view name_of(const std::array<std::pair<E, std::string_view>, N>& table, E e) {
  for (const auto& entry : table) {
    if (entry.first == e) return entry.second;
  }
  return "unknown";
}

template <class E, std::size_t N>
std::optional<E> value_of(const std::array<std::pair<E, std::string_view>, N>& table,
                          std::string_view s) {
  for (const auto& entry : table) {
    if (entry.second == s) return entry.first;
  }
  return std::nullopt;
}

json optional_int(const std::optional<long long>& v) { return v ? json(*v) : json(nullptr); }

template <class T>
std::optional<T> read_optional(const json& j, const char* key) {
  if (!j.contains(key) || j[key].is_null()) return std::nullopt;
  return j[key].get<T>();
}

}  // namespace

std::string_view to_string(State s) { return name_of(kStates, s); }
std::string_view to_string(Step s) { return name_of(kSteps, s); }
std::string_view to_string(ScanType t) { return name_of(kTypes, t); }
std::optional<State> parse_state(std::string_view s) { return value_of(kStates, s); }
std::optional<Step> parse_step(std::string_view s) { return value_of(kSteps, s); }
std::optional<ScanType> parse_scan_type(std::string_view s) { return value_of(kTypes, s); }

bool is_terminal(State s) {
  return s == State::Completed || s == State::Failed || s == State::Cancelled ||
         s == State::TimedOut;
}

std::string new_task_id() { return "task_" + random_hex(16); }

bool is_valid_task_id(std::string_view id) {
  if (id.size() != 37 || id.substr(0, 5) != "task_") return false;
  for (char c : id.substr(5)) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

Millis now_millis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string format_time(Millis t) {
  const std::time_t secs = static_cast<std::time_t>(t / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(t % 1000));
  return buf;
}

json to_json(const Task& t) {
  auto opt_ms = [](const std::optional<Millis>& v) { return v ? json(*v) : json(nullptr); };
  json j = {
      {"id", t.id},
      {"owner", t.owner},
      {"trace_id", t.trace_id},
      {"pool", t.pool},
      {"instance", t.instance},
      {"scan_type", to_string(t.scan_type)},
      {"targets", t.targets},
      {"name", t.name},
      {"description", t.description},
      {"template", t.template_name},
      {"credential_profile", t.credential_profile},
      {"escalation_override", t.escalation_override},
      {"sealed_credentials", t.sealed_credentials},
      {"idempotency_key", t.idempotency_key},
      {"request_hash", t.request_hash},
      {"schedule_id", t.schedule_id},
      {"previous_run", t.previous_run},
      {"state", to_string(t.state)},
      {"step", to_string(t.step)},
      {"nessus_scan_id", optional_int(t.nessus_scan_id)},
      {"export_file_id", optional_int(t.export_file_id)},
      {"nessus_status", t.nessus_status},
      {"progress", t.progress},
      {"window_paused", t.window_paused},
      {"attempts", t.attempts},
      {"failures", t.failures},
      {"cancel_requested", t.cancel_requested},
      {"dead_lettered", t.dead_lettered},
      {"worker", t.worker},
      {"lease_token", t.lease_token},
      {"lease_until", t.lease_until},
      {"not_before", t.not_before},
      {"created_at", t.created_at},
      {"updated_at", t.updated_at},
      {"started_at", opt_ms(t.started_at)},
      {"finished_at", opt_ms(t.finished_at)},
      {"dead_lettered_at", opt_ms(t.dead_lettered_at)},
      {"error", {{"code", t.error.code}, {"message", t.error.message}, {"hint", t.error.hint}}},
      {"validation", t.validation},
      {"summary", t.summary},
  };
  if (!t.moved_to.empty()) j["moved_to"] = t.moved_to;
  return j;
}

std::optional<Task> task_from_json(const json& j) {
  try {
    Task t;
    t.id = j.at("id").get<std::string>();
    t.owner = j.at("owner").get<std::string>();
    t.trace_id = j.value("trace_id", "");
    t.pool = j.at("pool").get<std::string>();
    t.instance = j.value("instance", "");
    auto type = parse_scan_type(j.at("scan_type").get<std::string>());
    auto state = parse_state(j.at("state").get<std::string>());
    auto step = parse_step(j.at("step").get<std::string>());
    if (!type || !state || !step) return std::nullopt;
    t.scan_type = *type;
    t.state = *state;
    t.step = *step;
    t.targets = j.at("targets").get<std::string>();
    t.name = j.value("name", "");
    t.description = j.value("description", "");
    t.template_name = j.value("template", "");
    t.credential_profile = j.value("credential_profile", "");
    t.escalation_override = j.value("escalation_override", "");
    t.sealed_credentials = j.value("sealed_credentials", "");
    t.idempotency_key = j.value("idempotency_key", "");
    t.request_hash = j.value("request_hash", "");
    t.schedule_id = j.value("schedule_id", "");
    t.previous_run = j.value("previous_run", "");
    t.nessus_scan_id = read_optional<int>(j, "nessus_scan_id");
    t.export_file_id = read_optional<int>(j, "export_file_id");
    t.nessus_status = j.value("nessus_status", "");
    t.progress = j.value("progress", 0.0);
    t.window_paused = j.value("window_paused", false);
    t.attempts = j.value("attempts", 0);
    t.failures = j.value("failures", 0);
    t.cancel_requested = j.value("cancel_requested", false);
    t.dead_lettered = j.value("dead_lettered", false);
    t.moved_to = j.value("moved_to", "");
    t.worker = j.value("worker", "");
    t.lease_token = j.value("lease_token", "");
    t.lease_until = j.value("lease_until", Millis{0});
    t.not_before = j.value("not_before", Millis{0});
    t.created_at = j.value("created_at", Millis{0});
    t.updated_at = j.value("updated_at", Millis{0});
    t.started_at = read_optional<Millis>(j, "started_at");
    t.finished_at = read_optional<Millis>(j, "finished_at");
    t.dead_lettered_at = read_optional<Millis>(j, "dead_lettered_at");
    if (j.contains("error") && j["error"].is_object()) {
      t.error.code = j["error"].value("code", "");
      t.error.message = j["error"].value("message", "");
      t.error.hint = j["error"].value("hint", "");
    }
    t.validation = j.value("validation", json());
    t.summary = j.value("summary", json());
    return t;
  } catch (const json::exception&) {
    return std::nullopt;
  }
}

std::string request_hash(const json& arguments) {
  json canonical = arguments;
  if (canonical.is_object()) canonical.erase("idempotency_key");
  // nlohmann::json keeps object keys sorted, so dump() is canonical.
  return sha256_hex(canonical.dump());
}

}  // namespace nmcp::task
