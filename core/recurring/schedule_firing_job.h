#pragma once
// ScheduleFiringJob: fire_due() as a periodic job that exactly one process of a deployment runs
// at a time. tick() (registered on a PeriodicJobs runner, every kTickPeriod) keeps the store's
// "schedules" leader lease and, while this process leads, makes one firing pass with the
// configuration current at that moment. Several servers and workers may all register it; the
// lease picks one, and a leader killed mid-pass hands over when its term ends, the slot keys
// making a repeated slot harmless.
//
// Thread-safety: tick() and resign() from one thread (the runner); the rest from any.

#include <chrono>
#include <mutex>
#include <string>

#include "core/config/config_holder.h"
#include "core/recurring/schedule_firing.h"
#include "core/store/leader_term.h"

namespace nmcp::recurring {

inline constexpr const char* kLeaderRole = "schedules";
inline constexpr std::chrono::seconds kTickPeriod{15};
inline constexpr std::chrono::seconds kLeaderTerm{60};

class ScheduleFiringJob {
 public:
  // `submit` carries the store, scanner health, sealing, audit log and clock.
  ScheduleFiringJob(store::TaskStore& store, config::ConfigHolder& config, scans::SubmitDeps submit,
                    std::string holder);

  void tick();
  void resign();
  bool leading() const { return term_.leading(); }
  FiringReport totals() const;

 private:
  store::TaskStore& store_;
  config::ConfigHolder& config_;
  ScheduleBook book_;
  KeyRightsBook keys_;
  FiringDeps deps_;
  store::LeaderTerm term_;
  mutable std::mutex mu_;
  FiringReport totals_;  // guarded by mu_
};

}  // namespace nmcp::recurring
