#include "core/recurring/schedule.h"

#include "core/base/crypto.h"

namespace nmcp::recurring {

using nlohmann::json;

std::string new_schedule_id() { return "sch_" + random_hex(16); }

bool looks_like_schedule_id(const std::string& text) {
  if (text.size() != 36 || text.rfind("sch_", 0) != 0) return false;
  for (std::size_t i = 4; i < text.size(); ++i) {
    const char c = text[i];
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

json to_json(const Schedule& s) {
  json runs = json::array();
  for (const auto& r : s.runs) {
    runs.push_back(
        {{"slot", r.slot}, {"task_id", r.task_id}, {"outcome", r.outcome}, {"at", r.at}});
  }
  json j = {{"id", s.id},
            {"owner", s.owner},
            {"scan_type", task::to_string(s.scan_type)},
            {"name", s.name},
            {"targets", s.targets},
            {"pool", s.pool},
            {"template", s.template_name},
            {"credential_profile", s.credential_profile},
            {"cron", s.cron},
            {"timezone", s.timezone},
            {"every", s.every},
            {"start", s.start},
            {"end", s.end ? json(*s.end) : json()},
            {"paused", s.paused},
            {"created_at", s.created_at},
            {"updated_at", s.updated_at},
            {"revision", s.revision},
            {"last_slot", s.last_slot ? json(*s.last_slot) : json()},
            {"missed_slots", s.missed_slots},
            {"runs", runs}};
  if (!s.key_id.empty()) j["key_id"] = s.key_id;
  return j;
}

Result<Schedule> schedule_from_json(const json& j) {
  try {
    Schedule s;
    s.id = j.at("id").get<std::string>();
    s.owner = j.at("owner").get<std::string>();
    s.key_id = j.value("key_id", "");
    const auto type = task::parse_scan_type(j.at("scan_type").get<std::string>());
    if (!type) throw std::runtime_error("scan_type");
    s.scan_type = *type;
    s.name = j.at("name").get<std::string>();
    s.targets = j.at("targets").get<std::string>();
    s.pool = j.at("pool").get<std::string>();
    s.template_name = j.at("template").get<std::string>();
    s.credential_profile = j.at("credential_profile").get<std::string>();
    s.cron = j.at("cron").get<std::string>();
    s.timezone = j.at("timezone").get<std::string>();
    s.every = j.at("every").get<std::string>();
    s.start = j.at("start").get<task::Millis>();
    if (!j.at("end").is_null()) s.end = j.at("end").get<task::Millis>();
    s.paused = j.at("paused").get<bool>();
    s.created_at = j.at("created_at").get<task::Millis>();
    s.updated_at = j.at("updated_at").get<task::Millis>();
    s.revision = j.at("revision").get<std::int64_t>();
    if (!j.at("last_slot").is_null()) s.last_slot = j.at("last_slot").get<schedule::UtcSeconds>();
    s.missed_slots = j.at("missed_slots").get<std::int64_t>();
    for (const auto& r : j.at("runs")) {
      s.runs.push_back({r.at("slot").get<schedule::UtcSeconds>(),
                        r.at("task_id").get<std::string>(), r.at("outcome").get<std::string>(),
                        r.at("at").get<task::Millis>()});
    }
    if (!looks_like_schedule_id(s.id)) throw std::runtime_error("id");
    return s;
  } catch (const std::exception&) {
    return fail(ErrorCode::DataLoss, "a stored schedule record is damaged",
                "delete it with admin_cli schedule delete, then create it again");
  }
}

Result<schedule::Timing> timing_of(const Schedule& s, const std::string& zoneinfo_dir) {
  schedule::Timing t;
  if (s.cron.empty() == s.every.empty()) {
    return fail(ErrorCode::InvalidArgument, "a schedule needs either cron or every, not both",
                "cron: \"0 22 * * 1-5\" with timezone, or every: \"6h\"");
  }
  if (!s.cron.empty()) {
    auto cron = schedule::CronExpression::parse(s.cron);
    if (!cron) return fail(cron.error());
    t.cron = std::move(*cron);
    auto zone = schedule::TimeZone::load(s.timezone.empty() ? "UTC" : s.timezone, zoneinfo_dir);
    if (!zone) return fail(zone.error());
    t.zone = std::move(*zone);
  } else {
    if (!s.timezone.empty() && s.timezone != "UTC") {
      return fail(ErrorCode::InvalidArgument, "timezone goes with cron, not with every",
                  "an interval runs every so many seconds whatever the zone; leave timezone out");
    }
    auto period = schedule::parse_interval(s.every);
    if (!period) return fail(period.error());
    t.interval = *period;
  }
  t.start = s.start / 1000;
  if (s.end) {
    if (*s.end <= s.start) {
      return fail(ErrorCode::InvalidArgument, "the schedule's end is not after its start",
                  "give an end later than the start, or none");
    }
    t.end = *s.end / 1000;
  }
  return t;
}

}  // namespace nmcp::recurring
