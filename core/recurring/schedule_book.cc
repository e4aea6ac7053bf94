#include "core/recurring/schedule_book.h"

#include <algorithm>

namespace nmcp::recurring {

namespace {

using nlohmann::json;

Error not_found(const std::string& id) {
  return {ErrorCode::NotFound, "no schedule " + id, "a schedule listing shows the schedules",
          Action::ListSchedules};
}

Status check_id(const std::string& id) {
  if (looks_like_schedule_id(id)) return ok();
  return fail(ErrorCode::InvalidArgument, "'" + id.substr(0, 40) + "' is not a schedule id",
              "schedule ids look like sch_ followed by 32 hex digits");
}

Result<Schedule> parse(const std::string& body) {
  return schedule_from_json(json::parse(body, nullptr, false));
}

}  // namespace

Result<Schedule> ScheduleBook::create(Schedule s, task::Millis now) {
  if (auto v = check_id(s.id); !v) return fail(v.error());
  s.created_at = now;
  s.updated_at = now;
  s.revision = 1;
  const std::string body = to_json(s).dump();
  auto r = records_.mutate_record(
      kRecordKind, s.id, [&](const std::optional<std::string>& cur) -> Result<store::RecordEdit> {
        if (cur) return fail(ErrorCode::AlreadyExists, "schedule " + s.id + " exists");
        return store::RecordEdit::put(body);
      });
  if (!r) return fail(r.error());
  return s;
}

Result<Schedule> ScheduleBook::get(const std::string& id, const store::OwnerScope& scope) {
  if (auto v = check_id(id); !v) return fail(v.error());
  auto body = records_.load_record(kRecordKind, id);
  if (!body) return fail(body.error());
  if (!*body) return fail(not_found(id));
  auto s = parse(**body);
  if (!s) return s;
  if (!scope.admits(s->owner)) return fail(not_found(id));
  return s;
}

Result<std::vector<Schedule>> ScheduleBook::list(const store::OwnerScope& scope, int* damaged) {
  auto all = records_.list_records(kRecordKind);
  if (!all) return fail(all.error());
  std::vector<Schedule> out;
  for (const auto& r : *all) {
    auto s = parse(r.body);
    if (!s) {
      if (damaged != nullptr) ++*damaged;
      continue;
    }
    if (scope.admits(s->owner)) out.push_back(std::move(*s));
  }
  return out;
}

Result<ScheduleBook::Page> ScheduleBook::page(const store::OwnerScope& scope,
                                              const std::string& cursor, std::size_t limit) {
  if (!cursor.empty() && !looks_like_schedule_id(cursor)) {
    return fail(ErrorCode::InvalidArgument, "cursor is not one a schedule listing gave",
                "pass next_cursor from the previous page as it was, or no cursor for the first");
  }
  auto all = list(scope);
  if (!all) return fail(all.error());
  std::sort(all->begin(), all->end(),
            [](const Schedule& a, const Schedule& b) { return a.id < b.id; });
  Page out;
  auto from = std::upper_bound(all->begin(), all->end(), cursor,
                               [](const std::string& c, const Schedule& s) { return c < s.id; });
  for (; from != all->end() && out.schedules.size() < limit; ++from) {
    out.schedules.push_back(std::move(*from));
  }
  if (from != all->end() && !out.schedules.empty()) out.next_cursor = out.schedules.back().id;
  return out;
}

Result<Schedule> ScheduleBook::update(const std::string& id, const store::OwnerScope& scope,
                                      std::optional<std::int64_t> expected_revision,
                                      const std::function<Status(Schedule&)>& change,
                                      task::Millis now) {
  if (auto v = check_id(id); !v) return fail(v.error());
  Schedule result;
  auto r = records_.mutate_record(
      kRecordKind, id, [&](const std::optional<std::string>& cur) -> Result<store::RecordEdit> {
        if (!cur) return fail(not_found(id));
        auto s = parse(*cur);
        if (!s) return fail(s.error());
        if (!scope.admits(s->owner)) return fail(not_found(id));
        if (expected_revision && *expected_revision != s->revision) {
          return fail(ErrorCode::Conflict,
                      "schedule " + id + " changed since it was read (revision " +
                          std::to_string(s->revision) + ", not " +
                          std::to_string(*expected_revision) + ")",
                      "read it again and reapply the change");
        }
        Schedule next = *s;
        if (auto c = change(next); !c) return fail(c.error());
        next.id = s->id;
        next.owner = s->owner;
        next.created_at = s->created_at;
        next.revision = s->revision + 1;
        next.updated_at = now;
        result = next;
        return store::RecordEdit::put(to_json(next).dump());
      });
  if (!r) return fail(r.error());
  return result;
}

Status ScheduleBook::remove(const std::string& id, const store::OwnerScope& scope) {
  if (auto v = check_id(id); !v) return v;
  auto r = records_.mutate_record(
      kRecordKind, id, [&](const std::optional<std::string>& cur) -> Result<store::RecordEdit> {
        if (!cur) return fail(not_found(id));
        auto s = parse(*cur);
        // A damaged record is deleted only by an operator (everyone), who cannot read its owner.
        if (!s) {
          if (scope.is_everyone()) return store::RecordEdit::erase();
          return fail(s.error());
        }
        if (!scope.admits(s->owner)) return fail(not_found(id));
        return store::RecordEdit::erase();
      });
  if (!r) return fail(r.error());
  return ok();
}

}  // namespace nmcp::recurring
