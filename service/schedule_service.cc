#include "service/schedule_service.h"

#include <utility>

#include "service/scan_service.h"

namespace nmcp::service {

using nlohmann::json;

json ScheduleView::to_json() const {
  json v = recurring::schedule_view(schedule, now);
  if (for_operator) v["tenant"] = schedule.owner;
  return v;
}

json SchedulePage::to_json() const {
  json list = json::array();
  for (const auto& s : schedules) list.push_back(s.to_json());
  return {{"schedules", std::move(list)},
          {"next_cursor", next_cursor.empty() ? json(nullptr) : json(next_cursor)}};
}

recurring::Caller schedule_caller(const Caller& who, const std::string& owner) {
  recurring::Caller c;
  c.owner = who.is_operator ? owner : who.tenant;
  c.scope = who.scope();
  c.allowed_pools = who.pools;
  c.allowed_types = who.scan_types;
  c.via = who.via;
  c.trace_id = who.trace_id;
  c.key_id = who.key_id;
  return c;
}

Result<recurring::ScheduleBook> ScheduleService::book() const {
  if (s_.records == nullptr) {
    return fail(ErrorCode::FailedPrecondition, "schedules need a task store",
                "start the server with a store (--store or --data-dir)");
  }
  return recurring::ScheduleBook(*s_.records);
}

recurring::ScheduleServiceDeps ScheduleService::deps(recurring::ScheduleBook& book) const {
  recurring::ScheduleServiceDeps d;
  d.book = &book;
  d.submit.scanner_health = s_.scanner_health;
  d.submit.clock = s_.clock;
  d.submit.audit = s_.audit.get();
  return d;
}

ScheduleView ScheduleService::view(recurring::Schedule s, const Caller& who) const {
  return ScheduleView{std::move(s), s_.clock->now(), who.is_operator};
}

Result<ScheduleView> ScheduleService::create(const Caller& who, const recurring::ScheduleSpec& spec,
                                             const std::string& owner) const {
  if (who.is_operator && owner.empty()) {
    return fail(ErrorCode::InvalidArgument, "an operator's schedule names its tenant",
                "give the tenant whose schedule it is");
  }
  auto config = ScanService(s_).configuration();
  if (!config) return fail(config.error());
  auto b = book();
  if (!b) return fail(b.error());
  auto made = recurring::create_schedule(deps(*b), **config, schedule_caller(who, owner), spec);
  if (!made) return fail(made.error());
  return view(std::move(*made), who);
}

Result<ScheduleView> ScheduleService::update(const Caller& who, const std::string& id,
                                             const recurring::ScheduleSpec& spec) const {
  auto config = ScanService(s_).configuration();
  if (!config) return fail(config.error());
  auto b = book();
  if (!b) return fail(b.error());
  auto changed = recurring::update_schedule(deps(*b), **config, schedule_caller(who), id, spec);
  if (!changed) return fail(changed.error());
  return view(std::move(*changed), who);
}

Status ScheduleService::remove(const Caller& who, const std::string& id) const {
  auto b = book();
  if (!b) return fail(b.error());
  return recurring::delete_schedule(deps(*b), schedule_caller(who), id);
}

Result<ScheduleView> ScheduleService::find(const Caller& who, const std::string& id) const {
  auto b = book();
  if (!b) return fail(b.error());
  auto s = b->get(id, who.scope());
  if (!s) return fail(s.error());
  return view(std::move(*s), who);
}

Result<SchedulePage> ScheduleService::page(const Caller& who, const std::string& cursor,
                                           std::size_t limit) const {
  auto b = book();
  if (!b) return fail(b.error());
  auto p = b->page(who.scope(), cursor, limit);
  if (!p) return fail(p.error());
  SchedulePage out;
  for (auto& s : p->schedules) out.schedules.push_back(view(std::move(s), who));
  out.next_cursor = p->next_cursor;
  return out;
}

Result<SchedulePage> ScheduleService::all(const Caller& who,
                                          const std::optional<std::string>& tenant) const {
  auto b = book();
  if (!b) return fail(b.error());
  const store::OwnerScope scope =
      who.is_operator && tenant ? store::OwnerScope::tenant(*tenant) : who.scope();
  SchedulePage out;
  auto list = b->list(scope, &out.damaged);
  if (!list) return fail(list.error());
  for (auto& s : *list) out.schedules.push_back(view(std::move(s), who));
  return out;
}

}  // namespace nmcp::service
