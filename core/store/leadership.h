#pragma once
// The store-level leader lease: at most one holder of a role (housekeeping, schedules) at a
// time, for a bounded time, with a fencing token. The rules are plain functions here; every
// backend applies them inside its atomic read-modify-write of the role's record
// (TaskStorage::mutate_leader), so SQLite and Redis hand leadership over the same way:
//   - a role nobody holds (never led, resigned, or expired) goes to whoever asks first, with the
//     next token; a holder asking again while it holds the role extends it, same token;
//   - leadership changes hands only once the holder's term has expired (or it resigned);
//   - only the current holder with the current token, before expiry, may renew or resign; an
//     expired holder has lost the role even if nobody took it, and must ask again;
//   - the token of a role only grows (it survives resignation), so work stamped with an older
//     token is recognisably stale.
//
// Thread-safety: pure functions and values.

#include <cstdint>
#include <optional>
#include <string>

#include "core/base/result.h"
#include "core/task/task.h"

namespace nmcp::store {

struct Leadership {
  std::string role;
  std::string holder;      // empty: nobody holds the role
  std::int64_t token = 0;  // the fencing token: grows each time the role is granted anew
  task::Millis expires_at = 0;

  bool held_at(task::Millis now) const { return !holder.empty() && expires_at > now; }
  bool operator==(const Leadership&) const = default;
};

namespace leadership {

// Role and holder names: 1-128 printable ASCII characters without spaces.
Status validate_name(const std::string& what, const std::string& name);
// Terms from 1 s to 1 day.
Status validate_ttl(task::Millis ttl_ms);

// What try_lead does with the stored record (nullopt: the role was never led). Returns the
// record to write when `holder` now leads, or nullopt when another holder does (nothing
// changes).
std::optional<Leadership> lead(const std::optional<Leadership>& current, const std::string& role,
                               const std::string& holder, task::Millis now, task::Millis ttl_ms);
// The record after a renewal, or FailedPrecondition when `mine` no longer leads.
Result<Leadership> renew(const std::optional<Leadership>& current, const Leadership& mine,
                         task::Millis now, task::Millis ttl_ms);
// The record after `mine` resigns, or nullopt when it did not lead anyway (nothing to write).
std::optional<Leadership> resign(const std::optional<Leadership>& current, const Leadership& mine,
                                 task::Millis now);

}  // namespace leadership
}  // namespace nmcp::store
