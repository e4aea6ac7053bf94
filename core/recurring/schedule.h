#pragma once
// A schedule: a scan request (what run_untrusted_scan / run_authenticated_scan take) with its
// timing (a 5-field cron in an IANA zone, or an interval such as "6h"; optional start and end),
// owned by one tenant like a task, and what its firing has done so far (the last slot handled,
// the runs it created, why a slot was skipped). The firing state is written only by the firing
// job; the request and timing only by the schedule tools. Stored as a JSON record
// (store::RecordStore, kind "schedule"). Never holds a secret: an authenticated schedule names
// a credential profile.
//
// Thread-safety: plain values and pure functions.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/base/result.h"
#include "core/schedule/slots.h"
#include "core/task/task.h"

namespace nmcp::recurring {

inline constexpr const char* kRecordKind = "schedule";
inline constexpr std::size_t kRunHistory = 20;  // runs a schedule remembers, newest first

struct ScheduleRun {
  schedule::UtcSeconds slot = 0;
  std::string task_id;  // empty: the slot was skipped or refused
  std::string outcome;  // "submitted", "skipped: ...", "refused: ..."
  task::Millis at = 0;
  bool operator==(const ScheduleRun&) const = default;
};

struct Schedule {
  std::string id;  // "sch_" + 32 hex
  std::string owner;
  // The API key that made it or last changed what it runs (its digest, never the key; empty
  // for stdio, key-less HTTP and operators): each firing needs that key's rights as published
  // now (key_rights.h).
  std::string key_id;
  // The scan it submits.
  task::ScanType scan_type = task::ScanType::Untrusted;
  std::string name;
  std::string targets;
  std::string pool;
  std::string template_name;
  std::string credential_profile;
  // Timing: cron + timezone, or every.
  std::string cron;
  std::string timezone = "UTC";
  std::string every;
  task::Millis start = 0;  // slots before it never fire (interval slots count from it)
  std::optional<task::Millis> end;
  bool paused = false;
  task::Millis created_at = 0;
  task::Millis updated_at = 0;
  std::int64_t revision = 0;  // grows with every write
  // Firing state.
  std::optional<schedule::UtcSeconds> last_slot;  // the last slot handled (run, skipped, refused)
  std::int64_t missed_slots = 0;                  // slots a catch-up run stood for, in total
  std::vector<ScheduleRun> runs;                  // newest first, at most kRunHistory

  bool operator==(const Schedule&) const = default;
};

std::string new_schedule_id();
bool looks_like_schedule_id(const std::string& text);

nlohmann::json to_json(const Schedule& s);
// DataLoss for a record that is not a schedule.
Result<Schedule> schedule_from_json(const nlohmann::json& j);

// The timing the schedule's fields describe; InvalidArgument (with a hint) for a bad cron,
// zone, interval, or an end before the start. `zoneinfo_dir` as TimeZone::load's.
Result<schedule::Timing> timing_of(const Schedule& s, const std::string& zoneinfo_dir = "");

}  // namespace nmcp::recurring
