#include "core/base/fair_pool.h"

#include <exception>
#include <utility>

#include "core/base/logging.h"

namespace nmcp {

FairPool::FairPool(std::string name, std::size_t threads, std::size_t max_per_lane,
                   std::size_t max_total)
    : name_(std::move(name)), max_per_lane_(max_per_lane), max_total_(max_total) {
  threads_.reserve(threads);
  for (std::size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { run(); });
}

FairPool::~FairPool() { shutdown(); }

FairPool::Submitted FairPool::try_submit(const std::string& lane, std::function<void()> job) {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return Submitted::Stopping;
    if (total_ >= max_total_) return Submitted::PoolFull;
    auto& queue = lanes_[lane];
    if (queue.size() >= max_per_lane_) return Submitted::LaneFull;
    if (queue.empty()) turn_.push_back(lane);
    queue.push_back(std::move(job));
    ++total_;
  }
  cv_.notify_one();
  return Submitted::Yes;
}

void FairPool::shutdown() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

std::size_t FairPool::queued() const {
  std::lock_guard lock(mu_);
  return total_;
}

void FairPool::run() {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || total_ > 0; });
      if (total_ == 0) return;  // stopping, and nothing left to run
      // The lane at the front runs one job and, if it has more, goes to the back.
      const std::string lane = std::move(turn_.front());
      turn_.pop_front();
      auto it = lanes_.find(lane);
      job = std::move(it->second.front());
      it->second.pop_front();
      --total_;
      if (it->second.empty()) {
        lanes_.erase(it);
      } else {
        turn_.push_back(lane);
      }
    }
    try {
      job();
    } catch (const std::exception& e) {
      log::error(name_, "job failed", {{"what", e.what()}});
    } catch (...) {
      log::error(name_, "job failed with an unknown exception");
    }
  }
}

}  // namespace nmcp
