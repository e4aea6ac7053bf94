#pragma once
// LeaderTerm: a process's hold on one leader role (leadership.h), kept by calling keep() on
// every tick of a periodic job: it renews the term while this process leads, asks for the role
// when it does not, and says whether this process leads now. A store that does not answer
// leaves the term as it was (a renewal is retried at the next tick; the term outlives a few).
// Housekeeping and schedule firing each keep one, so the hand-over rules are written once.
//
// Thread-safety: keep() and resign() from one thread (the job's); leading() from any.

#include <atomic>
#include <optional>
#include <string>

#include "core/store/task_store.h"

namespace nmcp::store {

class LeaderTerm {
 public:
  LeaderTerm(std::string role, std::string holder, Millis term_ms)
      : role_(std::move(role)), holder_(std::move(holder)), term_ms_(term_ms) {}

  bool keep(LeaderLeases& leases, Millis now);
  void resign(LeaderLeases& leases, Millis now);
  bool leading() const { return leading_.load(); }
  // The fencing token of the current term (0: not leading).
  std::int64_t token() const { return lease_ ? lease_->token : 0; }

 private:
  const std::string role_;
  const std::string holder_;
  const Millis term_ms_;
  std::optional<Leadership> lease_;  // the job's thread only
  std::atomic<bool> leading_{false};
};

}  // namespace nmcp::store
