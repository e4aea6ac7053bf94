#pragma once
// The schedule use cases the MCP tools and admin_cli share: create, change (pause, resume, edit)
// and describe a schedule. A schedule is checked when it is created or changed, not only when it
// fires: its timing must read (cron and zone, or interval; start and end), and the scan it will
// submit must pass every submit rule now (scans::check_submit: pool, the key's pools, scope,
// template, credential profile), each decision going to the audit log as the submit's would.
// Checks run outside the store's read-modify-write (they read the store themselves); the write
// is then conditional on the revision that was checked.
//
// Thread-safety: as the dependencies'.

#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/recurring/schedule_book.h"
#include "core/scans/submit_scan.h"

namespace nmcp::recurring {

// Who asks: the tenant that will own (or owns) the schedule and what its key may use.
struct Caller {
  std::string owner;  // empty with everyone(): an operator
  store::OwnerScope scope = store::OwnerScope::everyone();
  std::optional<std::set<std::string>> allowed_pools;
  // The kinds of scan the caller may start (scans::ScanRequest::allowed_types).
  std::optional<std::set<task::ScanType>> allowed_types;
  std::string via;  // the tool or command, for the audit log
  std::string trace_id;
  std::string key_id;  // the caller's API key digest (empty: none); a schedule is bound to it
};

// What a caller may set; unset fields keep their value on update (create: the defaults).
struct ScheduleSpec {
  std::optional<task::ScanType> scan_type;
  std::optional<std::string> name, targets, pool, template_name, credential_profile;
  std::optional<std::string> cron, timezone, every;
  std::optional<task::Millis> start;
  std::optional<std::optional<task::Millis>> end;  // set to nullopt: no end
  std::optional<bool> paused;
};

struct ScheduleServiceDeps {
  ScheduleBook* book = nullptr;
  scans::SubmitDeps submit;  // clock, scanner health and audit; nothing is stored through it
  std::string zoneinfo_dir;
};

// Whether `created` keeps its place among its owner's schedules `mine` (itself among them)
// under `limit`: the first `limit` by creation time, then id, do. Pure.
bool keeps_place(const std::vector<Schedule>& mine, const Schedule& created, std::int64_t limit);

// The spec's fields that front doors read as text (a tool's argument, an admin_cli option),
// each by its one rule: a scan type's name; start and end as a date or an ISO time (UTC; a
// duration is refused: "24h" would mean "ago"); an end of nullopt is no end. InvalidArgument,
// naming the field. The other fields are plain strings, checked when the schedule is.
Status set_scan_type(ScheduleSpec& spec, std::string_view text);
Status set_start(ScheduleSpec& spec, std::string_view text);
Status set_end(ScheduleSpec& spec, std::optional<std::string_view> text);

// A tenant keeps at most its quotas' `schedules` (config::QuotaLimits::schedule_limit); one
// more is refused with ResourceExhausted and a deny line.
Result<Schedule> create_schedule(const ScheduleServiceDeps& deps,
                                 const config::ScannerConfig& config, const Caller& caller,
                                 const ScheduleSpec& spec);
// A change or a deletion needs the schedule to be in one of the caller's key's pools, as a
// submit does. Every refusal of create, update or delete is one deny line of the audit log
// naming the schedule (for create and update, check_submit's own line when it decided).
Result<Schedule> update_schedule(const ScheduleServiceDeps& deps,
                                 const config::ScannerConfig& config, const Caller& caller,
                                 const std::string& id, const ScheduleSpec& spec);
Status delete_schedule(const ScheduleServiceDeps& deps, const Caller& caller,
                       const std::string& id);

// The scan request a schedule submits for `slot` (the slot's idempotency key), or, without a
// slot, the one it is checked with.
scans::ScanRequest scan_request(const Schedule& s, std::optional<schedule::UtcSeconds> slot);

// The task ids of the schedule's last `n` completed runs, newest first: fewer when it has not
// completed as many (runs whose task is gone, failed or still running are passed over).
std::vector<std::string> completed_runs(const Schedule& s, store::TaskReader& tasks, std::size_t n);

// The schedule as tools and admin_cli show it: its request and timing, next fire time (null
// when paused, ended or unreadable), the last run and its outcome, and the recent runs.
nlohmann::json schedule_view(const Schedule& s, task::Millis now,
                             const std::string& zoneinfo_dir = "");

}  // namespace nmcp::recurring
