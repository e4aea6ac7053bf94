#include "core/estate/finding_history.h"

#include <algorithm>

namespace nmcp::estate {

std::string_view to_string(FindingState state) {
  switch (state) {
    case FindingState::Open:
      return "OPEN";
    case FindingState::Fixed:
      return "FIXED";
    case FindingState::Reopened:
      return "REOPENED";
  }
  return "OPEN";
}

void advance(FindingHistory& h, const Observation& o) {
  h.last_scan_id = o.scan_id;
  h.last_scan_time = o.scan_time;
  switch (o.sighting) {
    case Sighting::Seen:
      h.last_seen = o.scan_time;
      h.not_rechecked_since.reset();
      h.not_rechecked_reason.clear();
      if (h.state == FindingState::Fixed) {
        h.state = FindingState::Reopened;
        ++h.reopened;
        h.changes.push_back({FindingState::Reopened, o.scan_time, o.scan_id});
      }
      break;
    case Sighting::Absent:
      h.not_rechecked_since.reset();
      h.not_rechecked_reason.clear();
      if (h.state != FindingState::Fixed) {
        h.state = FindingState::Fixed;
        h.fixed_at = o.scan_time;
        h.changes.push_back({FindingState::Fixed, o.scan_time, o.scan_id});
      }
      break;
    case Sighting::NotRechecked:
      if (h.state == FindingState::Fixed) break;  // nothing to re-check: it is gone
      if (!h.not_rechecked_since) h.not_rechecked_since = o.scan_time;
      h.not_rechecked_reason = o.reason;
      break;
  }
}

std::optional<FindingHistory> derive_history(std::vector<Observation> observations) {
  std::sort(observations.begin(), observations.end(), [](const auto& a, const auto& b) {
    if (a.scan_time != b.scan_time) return a.scan_time < b.scan_time;
    if (a.scan_id != b.scan_id) return a.scan_id < b.scan_id;
    return strength(a.sighting) < strength(b.sighting);
  });
  // One observation per scan: the first of each run of equal ids (the strongest, by the sort).
  observations.erase(std::unique(observations.begin(), observations.end(),
                                 [](const auto& a, const auto& b) {
                                   return a.scan_id == b.scan_id && a.scan_time == b.scan_time;
                                 }),
                     observations.end());
  std::optional<FindingHistory> h;
  for (const Observation& o : observations) {
    if (h) {
      advance(*h, o);
    } else if (o.sighting == Sighting::Seen) {  // observations before it existed are ignored
      h.emplace();
      h->first_seen = h->last_seen = o.scan_time;
      h->changes.push_back({FindingState::Open, o.scan_time, o.scan_id});
      h->last_scan_id = o.scan_id;
      h->last_scan_time = o.scan_time;
    }
  }
  return h;
}

}  // namespace nmcp::estate
