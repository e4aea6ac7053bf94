#include "core/store/leader_term.h"

#include "core/base/logging.h"

namespace nmcp::store {

bool LeaderTerm::keep(LeaderLeases& leases, Millis now) {
  if (lease_) {
    auto renewed = leases.renew_lead(*lease_, now, term_ms_);
    if (renewed) {
      lease_ = *renewed;
    } else {
      if (renewed.error().code == ErrorCode::Unavailable) return leading_.load();  // away
      log::warn(role_, "lost the " + role_ + " lease", {{"error", renewed.error().message}});
      lease_.reset();
    }
  }
  if (!lease_) {
    auto got = leases.try_lead(role_, holder_, now, term_ms_);
    if (got) {
      lease_ = *got;
      if (lease_) log::info(role_, "this process leads " + role_, {{"holder", holder_}});
    }
  }
  leading_ = lease_.has_value();
  return lease_.has_value();
}

void LeaderTerm::resign(LeaderLeases& leases, Millis now) {
  if (lease_) (void)leases.resign(*lease_, now);
  lease_.reset();
  leading_ = false;
}

}  // namespace nmcp::store
