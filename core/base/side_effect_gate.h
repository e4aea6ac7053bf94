#pragma once
// SideEffectGate: the permission to change something outside the store (create, launch, stop,
// pause, resume or delete a Nessus scan, request an export, upload a key file), asked
// immediately before each such request leaves the process. The scanner client asks it for every
// request that changes something and sends nothing when it refuses, so no call site can forget
// it: the mutating calls of scanners/nessus/nessus_client.h take a gate as an argument.
//
// RenewingGate is the one rule, for every holder of a lease (a worker's task lease, a leader's
// term): the request may leave only right after a renewal of the lease succeeded in the store,
// and only if that renewal took less than `window` on the monotonic clock. A holder that was
// paused, cut off or descheduled past its lease finds the lease taken over (the renewal is
// refused: FailedPrecondition) or at least finds out that too much time passed (Unavailable:
// try later); either way nothing is sent. What is left is the time between the gate's answer and
// the request's bytes reaching the scanner (a connect at most), which the lease term covers with
// a stated margin (core/store/lease_timing.h).
//
// Thread-safety: a gate belongs to one step of one holder; use it from one thread at a time.

#include <chrono>
#include <functional>
#include <optional>

#include "core/base/monotonic_clock.h"
#include "core/base/result.h"

namespace nmcp {

class SideEffectGate {
 public:
  virtual ~SideEffectGate() = default;
  // ok: send the request now. Otherwise why not: FailedPrecondition when the right to act is
  // gone for good (stop working on this), Unavailable when it cannot be confirmed now.
  virtual Status may_act() = 0;
};

class RenewingGate final : public SideEffectGate {
 public:
  // `renew` extends the lease in the store: ok, or the store's error (FailedPrecondition when
  // the lease is no longer held).
  RenewingGate(std::function<Status()> renew, std::chrono::milliseconds window,
               const MonotonicClock& monotonic = steady_ms());
  Status may_act() override;
  // The last refusal, if the last may_act() refused.
  const std::optional<Error>& refusal() const { return refusal_; }
  int admitted() const { return admitted_; }

 private:
  const std::function<Status()> renew_;
  const std::chrono::milliseconds window_;
  const MonotonicClock& monotonic_;
  std::optional<Error> refusal_;
  int admitted_ = 0;
};

}  // namespace nmcp
