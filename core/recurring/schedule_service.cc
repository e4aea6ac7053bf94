#include "core/recurring/schedule_service.h"

#include <algorithm>
#include <tuple>

#include "core/audit/audit_log.h"
#include "core/base/time_text.h"
#include "core/store/lifecycle.h"

namespace nmcp::recurring {

namespace {

using nlohmann::json;

void apply(const ScheduleSpec& spec, Schedule& s) {
  if (spec.scan_type) s.scan_type = *spec.scan_type;
  if (spec.name) s.name = *spec.name;
  if (spec.targets) s.targets = *spec.targets;
  if (spec.pool) s.pool = *spec.pool;
  if (spec.template_name) s.template_name = *spec.template_name;
  if (spec.credential_profile) s.credential_profile = *spec.credential_profile;
  // cron and every replace each other: giving one clears the other.
  if (spec.cron) {
    s.cron = *spec.cron;
    if (!spec.every) s.every.clear();
  }
  if (spec.every) {
    s.every = *spec.every;
    if (!spec.cron) {
      s.cron.clear();
      if (!spec.timezone) s.timezone = "UTC";
    }
  }
  if (spec.timezone) s.timezone = *spec.timezone;
  if (spec.start) s.start = *spec.start;
  if (spec.end) s.end = *spec.end;
  if (spec.paused) s.paused = *spec.paused;
}

std::string zone_or_utc(const Schedule& s) { return s.cron.empty() ? "UTC" : s.timezone; }

// A refusal that no submit check recorded (the schedule is unknown, in another key's pool, or
// changed meanwhile): one deny line naming it. A store that did not answer decided nothing.
void audit_refusal(const ScheduleServiceDeps& deps, const Caller& caller, const std::string& id,
                   const Error& why) {
  if (deps.submit.audit == nullptr || !audit::is_decision(why)) return;
  deps.submit.audit->record(
      audit::refusal(deps.submit.clock->now(), caller.owner, caller.via, caller.trace_id, id, why));
}

// The stored schedule `id` as the caller may change it: its own (scope), in its key's pools.
Result<Schedule> changeable(const ScheduleServiceDeps& deps, const Caller& caller,
                            const std::string& id, const char* doing) {
  auto current = deps.book->get(id, caller.scope);
  if (!current) return current;
  if (auto s = store::lifecycle::check_key_pool(caller.allowed_pools, current->pool, doing); !s) {
    return fail(s.error());
  }
  return current;
}

// What a schedule must be before its scan is checked: named, with a timing that fires again.
Status checked_before_submit(const ScheduleServiceDeps& deps, const config::ScannerConfig& config,
                             Schedule& s) {
  if (s.pool.empty()) s.pool = config.defaults.pool;
  if (s.template_name.empty()) s.template_name = config.defaults.template_name;
  if (s.name.empty()) {
    return fail(ErrorCode::InvalidArgument, "a schedule needs a name",
                "name it for what it scans, e.g. \"nightly dmz\"");
  }
  auto timing = timing_of(s, deps.zoneinfo_dir);
  if (!timing) return fail(timing.error());
  if (!schedule::next_slot(*timing, deps.submit.clock->now() / 1000)) {
    return fail(ErrorCode::InvalidArgument, "this schedule would never fire again",
                "give an end in the future, or none");
  }
  return ok();
}

// Every check a schedule must pass before it is stored.
Status check(const ScheduleServiceDeps& deps, const config::ScannerConfig& config,
             const Caller& caller, Schedule& s) {
  auto checked = checked_before_submit(deps, config, s);
  if (!checked) {
    audit_refusal(deps, caller, s.id, checked.error());
    return checked;
  }
  scans::ScanRequest r = scan_request(s, std::nullopt);
  r.allowed_pools = caller.allowed_pools;
  r.allowed_types = caller.allowed_types;
  r.via = caller.via;
  r.trace_id = caller.trace_id;
  auto submit = scans::check_submit(deps.submit, config, r);  // audits its own decision
  if (!submit) return fail(submit.error());
  s.targets = submit->task.targets;  // normalised as a task's
  return ok();
}

}  // namespace

scans::ScanRequest scan_request(const Schedule& s, std::optional<schedule::UtcSeconds> slot) {
  scans::ScanRequest r;
  r.owner = s.owner;
  r.trace_id = s.id;
  r.type = s.scan_type;
  r.targets = s.targets;
  r.name = s.name;
  r.pool = s.pool;
  r.template_name = s.template_name;
  r.credential_profile = s.credential_profile;
  r.schedule_id = s.id;
  if (slot) r.idempotency_key = schedule::slot_idempotency_key(s.id, *slot);
  r.via = "schedule " + s.id;
  return r;
}

namespace {

Error bad_field(const std::string& field, const std::string& what, std::string hint = {}) {
  return {ErrorCode::InvalidArgument, field + " " + what, std::move(hint)};
}

Result<task::Millis> parse_when(std::string_view text, const std::string& field) {
  // Dates and times only: a duration ("24h") would mean "ago" here, which is never meant.
  auto t = parse_utc_time_ms(std::string(text));
  if (!t) return fail(bad_field(field, t.error().message, t.error().hint + " (UTC)"));
  return *t;
}

}  // namespace

Status set_scan_type(ScheduleSpec& spec, std::string_view text) {
  spec.scan_type = task::parse_scan_type(text);
  if (!spec.scan_type) {
    return fail(bad_field("scan_type",
                          "'" + std::string(text.substr(0, 40)) + "' is not a scan type",
                          "use untrusted, authenticated or authenticated_privileged"));
  }
  return ok();
}

Status set_start(ScheduleSpec& spec, std::string_view text) {
  auto t = parse_when(text, "start");
  if (!t) return fail(t.error());
  spec.start = *t;
  return ok();
}

Status set_end(ScheduleSpec& spec, std::optional<std::string_view> text) {
  if (!text) {
    spec.end = std::optional<task::Millis>();
    return ok();
  }
  auto t = parse_when(*text, "end");
  if (!t) return fail(t.error());
  spec.end = std::optional<task::Millis>(*t);
  return ok();
}

std::vector<std::string> completed_runs(const Schedule& s, store::TaskReader& tasks,
                                        std::size_t n) {
  std::vector<std::string> out;
  for (const auto& run : s.runs) {
    if (out.size() >= n) break;
    if (run.task_id.empty()) continue;
    auto t = tasks.get(run.task_id, store::OwnerScope::tenant(s.owner));
    if (t && t->state == task::State::Completed) out.push_back(t->id);
  }
  return out;
}

namespace {

Error over_schedule_limit(const std::string& owner, std::int64_t limit) {
  return {ErrorCode::ResourceExhausted,
          owner + " keeps " + std::to_string(limit) + " schedules, its limit",
          "delete one you no longer need, or ask the operator to raise quotas.tenants." + owner +
              ".schedules"};
}

// Two replicas creating at once may both have written: the one whose schedule comes later
// takes its own back, so the limit holds however many race.
Status within_schedule_limit(const ScheduleServiceDeps& deps, const Schedule& created,
                             std::int64_t limit) {
  auto mine = deps.book->list(store::OwnerScope::tenant(created.owner));
  if (!mine) return fail(mine.error());
  if (keeps_place(*mine, created, limit)) return ok();
  (void)deps.book->remove(created.id, store::OwnerScope::tenant(created.owner));
  return fail(over_schedule_limit(created.owner, limit));
}

}  // namespace

bool keeps_place(const std::vector<Schedule>& mine, const Schedule& created, std::int64_t limit) {
  const auto earlier = std::count_if(mine.begin(), mine.end(), [&](const Schedule& s) {
    return std::tie(s.created_at, s.id) < std::tie(created.created_at, created.id);
  });
  return earlier < limit;
}

Result<Schedule> create_schedule(const ScheduleServiceDeps& deps,
                                 const config::ScannerConfig& config, const Caller& caller,
                                 const ScheduleSpec& spec) {
  Schedule s;
  s.id = new_schedule_id();
  s.owner = caller.owner;
  s.key_id = caller.key_id;
  s.start = deps.submit.clock->now();
  apply(spec, s);
  const std::int64_t limit = config.quotas.for_tenant(caller.owner).schedule_limit();
  auto mine = deps.book->list(store::OwnerScope::tenant(caller.owner));
  if (!mine) return fail(mine.error());
  if (static_cast<std::int64_t>(mine->size()) >= limit) {
    const Error refused = over_schedule_limit(caller.owner, limit);
    audit_refusal(deps, caller, "", refused);
    return fail(refused);
  }
  if (auto c = check(deps, config, caller, s); !c) return fail(c.error());
  auto created = deps.book->create(std::move(s), deps.submit.clock->now());
  if (!created) return created;
  if (auto within = within_schedule_limit(deps, *created, limit); !within) {
    audit_refusal(deps, caller, created->id, within.error());
    return fail(within.error());
  }
  return created;
}

Result<Schedule> update_schedule(const ScheduleServiceDeps& deps,
                                 const config::ScannerConfig& config, const Caller& caller,
                                 const std::string& id, const ScheduleSpec& spec) {
  auto current = changeable(deps, caller, id, "change schedules in");
  if (!current) {
    audit_refusal(deps, caller, id, current.error());
    return current;
  }
  Schedule next = *current;
  apply(spec, next);
  // From now on it fires with the rights of the key that changed it (an operator's change
  // keeps the key it has).
  if (!caller.key_id.empty()) next.key_id = caller.key_id;
  // Pausing or resuming alone needs no check: the request did not change (a resumed schedule
  // is checked again at each firing).
  const bool only_pause = !spec.scan_type && !spec.name && !spec.targets && !spec.pool &&
                          !spec.template_name && !spec.credential_profile && !spec.cron &&
                          !spec.timezone && !spec.every && !spec.start && !spec.end;
  if (!only_pause) {
    if (auto c = check(deps, config, caller, next); !c) return fail(c.error());
  }
  auto updated = deps.book->update(
      id, caller.scope, current->revision,
      [&](Schedule& x) {
        const auto last_slot = x.last_slot;
        const auto runs = x.runs;
        const auto missed = x.missed_slots;
        x = next;
        x.last_slot = last_slot;  // the firing state is the firing job's
        x.runs = runs;
        x.missed_slots = missed;
        return ok();
      },
      deps.submit.clock->now());
  if (!updated) audit_refusal(deps, caller, id, updated.error());
  return updated;
}

Status delete_schedule(const ScheduleServiceDeps& deps, const Caller& caller,
                       const std::string& id) {
  auto current = changeable(deps, caller, id, "delete schedules in");
  Status gone = current ? deps.book->remove(id, caller.scope) : Status(fail(current.error()));
  if (!gone) audit_refusal(deps, caller, id, gone.error());
  return gone;
}

json schedule_view(const Schedule& s, task::Millis now, const std::string& zoneinfo_dir) {
  json next = nullptr;
  if (!s.paused) {
    if (auto timing = timing_of(s, zoneinfo_dir)) {
      const schedule::UtcSeconds after = std::max(now / 1000, s.last_slot.value_or(0));
      if (auto slot = schedule::next_slot(*timing, after)) next = task::format_time(*slot * 1000);
    }
  }
  json runs = json::array();
  for (const auto& r : s.runs) {
    runs.push_back({{"slot", task::format_time(r.slot * 1000)},
                    {"task_id", r.task_id.empty() ? json(nullptr) : json(r.task_id)},
                    {"outcome", r.outcome},
                    {"at", task::format_time(r.at)}});
  }
  json v = {{"schedule_id", s.id},
            {"name", s.name},
            {"scan_type", task::to_string(s.scan_type)},
            {"targets", s.targets},
            {"pool", s.pool},
            {"template", s.template_name},
            {"timezone", zone_or_utc(s)},
            {"start", task::format_time(s.start)},
            {"end", s.end ? json(task::format_time(*s.end)) : json(nullptr)},
            {"paused", s.paused},
            {"next_fire", next},
            {"missed_slots", s.missed_slots},
            {"last_run", runs.empty() ? json(nullptr) : runs[0]},
            {"recent_runs", runs},
            {"revision", s.revision},
            {"created_at", task::format_time(s.created_at)},
            {"updated_at", task::format_time(s.updated_at)}};
  if (!s.cron.empty()) v["cron"] = s.cron;
  if (!s.every.empty()) v["every"] = s.every;
  if (!s.credential_profile.empty()) v["credential_profile"] = s.credential_profile;
  // Which key line governs its runs (the digest's start, as the keys file has it).
  if (!s.key_id.empty()) v["key"] = "sha256:" + s.key_id.substr(0, 12);
  return v;
}

}  // namespace nmcp::recurring
