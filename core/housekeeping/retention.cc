#include "core/housekeeping/retention.h"

#include <algorithm>
#include <chrono>

#include "core/store/lifecycle.h"

namespace nmcp::housekeeping {

namespace {
Millis ms(std::chrono::hours h) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(h).count();
}
}  // namespace

Millis retention_ms(store::FinishedKind kind, const config::Housekeeping& h) {
  Millis keep = ms(h.completed);
  switch (kind) {
    case store::FinishedKind::Completed:
      keep = ms(h.completed);
      break;
    case store::FinishedKind::Failed:
      keep = ms(h.failed);
      break;
    case store::FinishedKind::Cancelled:
      keep = ms(h.cancelled);
      break;
    case store::FinishedKind::TimedOut:
      keep = ms(h.timed_out);
      break;
    case store::FinishedKind::DeadLetter:
      keep = ms(h.dead_letters);
      break;
  }
  // With the Nessus clean-up on, a record outlives its scan, so its id is never lost first.
  if (h.delete_nessus_scans_after_days > 0) {
    keep = std::max(keep, ms(std::chrono::hours(24) * h.delete_nessus_scans_after_days));
  }
  return keep;
}

bool deletes_nessus_scan(const task::Task& t, const config::Housekeeping& h) {
  return h.delete_nessus_scans_after_days > 0 && t.nessus_scan_id.has_value() &&
         !t.instance.empty();
}

std::optional<Millis> due_at(const task::Task& t, const config::Housekeeping& h) {
  const auto kind = store::lifecycle::finished_kind(t);
  if (!kind) return std::nullopt;
  return store::lifecycle::finished_time(t) + retention_ms(*kind, h);
}

bool is_due(const task::Task& t, const config::Housekeeping& h, Millis now) {
  const auto at = due_at(t, h);
  return at && *at <= now;
}

}  // namespace nmcp::housekeeping
