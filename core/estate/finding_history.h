#pragma once
// A finding's state across scans (issue 26), derived from what each completed scan observed of
// it: OPEN from its first sighting, FIXED when a later scan proves it gone (coverage.h),
// REOPENED when a fixed finding is seen again (and open until fixed again), with first seen,
// last seen, fixed at, and the scan that decided each change. The state is a function of the
// set of observations, ordered by when their scans ran: folding a scan twice changes nothing,
// and a scan that finished late (or an import of an old export) lands where it belongs in the
// timeline, so scans folded out of order give the same history as in order. A missing finding
// the scan could not have found (NotRechecked) changes nothing; the history says since when
// the finding has not been re-checked, and why. Observations from before the first sighting
// are ignored: a finding exists from the scan that first saw it. Pure; thread-safe.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/estate/coverage.h"

namespace nmcp::estate {

enum class FindingState { Open, Fixed, Reopened };
std::string_view to_string(FindingState state);

struct Observation {
  std::string scan_id;         // the scan (or import) that observed it
  std::int64_t scan_time = 0;  // when that scan ran (its start), ms since the epoch
  Sighting sighting = Sighting::Seen;
  std::string reason;  // NotRechecked: why (AbsenceVerdict::reason)
};

struct StateChange {
  FindingState state = FindingState::Open;
  std::int64_t at = 0;  // the deciding scan's time
  std::string scan_id;  // the deciding scan
};

struct FindingHistory {
  FindingState state = FindingState::Open;
  std::int64_t first_seen = 0;
  std::int64_t last_seen = 0;
  std::optional<std::int64_t> fixed_at;  // the latest fix; kept after a reopening
  std::vector<StateChange> changes;      // oldest first; the first is the first sighting
  int reopened = 0;                      // times it came back after a fix
  // Open and the scans since its last sighting could not re-check it: since when (the first
  // such scan's time) and why (the latest such scan's reason).
  std::optional<std::int64_t> not_rechecked_since;
  std::string not_rechecked_reason;
  std::string last_scan_id;         // the latest scan that observed it in any way
  std::int64_t last_scan_time = 0;  // that scan's time
};

// The history the observations give; nullopt when none of them is a sighting. Any order;
// several observations of one scan count as that scan's strongest (Seen, then Absent).
std::optional<FindingHistory> derive_history(std::vector<Observation> observations);

// `history` moved on by one observation of a scan that ran after every scan it already holds
// (o.scan_time > history.last_scan_time): what derive_history would give with it, without
// reading the others. The fold's common case: scans folded as they finish.
void advance(FindingHistory& history, const Observation& o);

}  // namespace nmcp::estate
