#include "core/base/side_effect_gate.h"

#include <string>
#include <utility>

namespace nmcp {

RenewingGate::RenewingGate(std::function<Status()> renew, std::chrono::milliseconds window,
                           const MonotonicClock& monotonic)
    : renew_(std::move(renew)), window_(window), monotonic_(monotonic) {}

Status RenewingGate::may_act() {
  const std::int64_t started = monotonic_.elapsed_ms();
  Status renewed = renew_();
  const std::int64_t took = monotonic_.elapsed_ms() - started;
  if (!renewed) {
    refusal_ = renewed.error();
    return renewed;
  }
  if (took > window_.count()) {
    // The lease may still be ours, but a request sent now could arrive after another holder
    // took over: the process stalled (paused, swapped, starved) during the renewal.
    refusal_ = Error{ErrorCode::Unavailable,
                     "the lease renewal before this request took " + std::to_string(took) +
                         " ms, more than the " + std::to_string(window_.count()) +
                         " ms a side effect may follow it; nothing was sent",
                     "it is tried again at the next step"};
    return fail(*refusal_);
  }
  refusal_.reset();
  ++admitted_;
  return ok();
}

}  // namespace nmcp
