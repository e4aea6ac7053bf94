#include "core/base/periodic_jobs.h"

#include <algorithm>
#include <exception>
#include <utility>

#include "core/base/logging.h"

namespace nmcp {

PeriodicJobs::~PeriodicJobs() { stop(); }

void PeriodicJobs::add(std::string name, std::chrono::milliseconds period,
                       std::function<void()> job, std::chrono::milliseconds first_after) {
  std::lock_guard lock(mu_);
  jobs_.push_back(Job{std::move(name), std::max<std::int64_t>(1, period.count()), std::move(job),
                      now_ms_() + first_after.count()});
}

std::chrono::milliseconds PeriodicJobs::run_due() {
  std::size_t count = 0;
  {
    std::lock_guard lock(mu_);
    count = jobs_.size();
  }
  for (std::size_t i = 0; i < count; ++i) {
    std::function<void()> fn;
    std::string name;
    {
      std::lock_guard lock(mu_);
      Job& j = jobs_[i];
      const auto now = now_ms_();
      if (j.next_ms > now || stopping_) continue;
      // The next run counts from now, not from when it was due: a clock that jumped ahead
      // (or a long run) gives one run, not a burst of catch-up runs.
      j.next_ms = now + j.period_ms;
      ++j.runs;
      fn = j.fn;
      name = j.name;
    }
    try {
      fn();
    } catch (const std::exception& e) {
      log::error("periodic", "a periodic job failed", {{"job", name}, {"error", e.what()}});
    } catch (...) {
      log::error("periodic", "a periodic job failed", {{"job", name}});
    }
  }
  std::lock_guard lock(mu_);
  std::int64_t next = INT64_MAX;
  for (const auto& j : jobs_) next = std::min(next, j.next_ms);
  const auto wait = next == INT64_MAX ? std::int64_t{60'000} : next - now_ms_();
  return std::chrono::milliseconds(std::max<std::int64_t>(0, wait));
}

std::uint64_t PeriodicJobs::runs(const std::string& name) const {
  std::lock_guard lock(mu_);
  for (const auto& j : jobs_) {
    if (j.name == name) return j.runs;
  }
  return 0;
}

void PeriodicJobs::start() {
  thread_ = std::thread([this] {
    for (;;) {
      const auto wait = run_due();
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, wait, [this] { return stopping_ || woken_; });
      if (stopping_) return;
      woken_ = false;
    }
  });
}

void PeriodicJobs::wake() {
  std::lock_guard lock(mu_);
  woken_ = true;
  cv_.notify_all();
}

void PeriodicJobs::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    cv_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

}  // namespace nmcp
