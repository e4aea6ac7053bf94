#include "core/store/presence.h"

#include <algorithm>

namespace nmcp::store {

namespace {
constexpr Millis kForgetAfter = 24LL * 3600 * 1000;
}

nlohmann::json Presence::to_json() const {
  return {{"id", id},
          {"host", host},
          {"pid", pid},
          {"seen_at", seen_at},
          {"live_until", live_until},
          {"checks", checks}};
}

std::optional<Presence> Presence::from_json(const nlohmann::json& j) {
  if (!j.is_object() || !j.contains("id") || !j["id"].is_string()) return std::nullopt;
  Presence p;
  p.id = j["id"].get<std::string>();
  p.host = j.value("host", "");
  p.pid = j.value("pid", 0LL);
  p.seen_at = j.value("seen_at", Millis{0});
  p.live_until = j.value("live_until", Millis{0});
  if (j.contains("checks") && j["checks"].is_object()) p.checks = j["checks"];
  return p;
}

Status announce(RecordStore& records, const Presence& me) {
  const std::string body = me.to_json().dump();
  auto put = records.mutate_record(kPresenceKind, me.id, [&](const auto&) -> Result<RecordEdit> {
    return RecordEdit::put(body);
  });
  if (!put) return fail(put.error());
  auto all = records.list_records(kPresenceKind);
  if (!all) return fail(all.error());
  for (const auto& r : *all) {
    auto p = Presence::from_json(nlohmann::json::parse(r.body, nullptr, false));
    if (p && p->live_until + kForgetAfter >= me.seen_at) continue;
    // Gone for a day (or unreadable): erased only if it has not come back meanwhile.
    (void)records.mutate_record(kPresenceKind, r.key,
                                [&](const std::optional<std::string>& now) -> Result<RecordEdit> {
                                  if (now && *now != r.body) return RecordEdit::keep();
                                  return RecordEdit::erase();
                                });
  }
  return ok();
}

Status withdraw(RecordStore& records, const std::string& id) {
  auto erased = records.mutate_record(
      kPresenceKind, id, [](const auto&) -> Result<RecordEdit> { return RecordEdit::erase(); });
  if (!erased) return fail(erased.error());
  return ok();
}

Result<std::vector<Presence>> live_processes(RecordStore& records, Millis now) {
  auto all = records.list_records(kPresenceKind);
  if (!all) return fail(all.error());
  std::vector<Presence> live;
  for (const auto& r : *all) {
    auto p = Presence::from_json(nlohmann::json::parse(r.body, nullptr, false));
    if (p && p->live_until > now) live.push_back(std::move(*p));
  }
  std::sort(live.begin(), live.end(),
            [](const Presence& a, const Presence& b) { return a.seen_at < b.seen_at; });
  return live;
}

}  // namespace nmcp::store
