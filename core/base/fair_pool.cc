#include "core/base/fair_pool.h"

#include <algorithm>
#include <exception>
#include <utility>

#include "core/base/logging.h"

namespace nmcp {

FairPool::FairPool(std::string name, std::size_t min_threads, std::size_t max_threads,
                   std::size_t max_per_lane, std::size_t max_total,
                   std::chrono::milliseconds idle_exit)
    : name_(std::move(name)),
      min_threads_(std::max<std::size_t>(1, min_threads)),
      max_threads_(std::max(min_threads_, max_threads)),
      max_per_lane_(max_per_lane),
      max_total_(max_total),
      idle_exit_(idle_exit) {
  std::lock_guard lock(mu_);
  for (std::size_t i = 0; i < min_threads_; ++i) spawn();
}

void FairPool::spawn() {
  // Threads that ended since the last spawn are joined here, so threads_ stays bounded.
  for (const auto id : ended_) {
    const auto it = std::find_if(threads_.begin(), threads_.end(),
                                 [id](const std::thread& t) { return t.get_id() == id; });
    if (it != threads_.end()) {
      it->join();  // it has left run(); at most it is releasing mu_'s lock right now
      threads_.erase(it);
    }
  }
  ended_.clear();
  ++running_;
  threads_.emplace_back([this] { run(); });
}

std::size_t FairPool::threads() const {
  std::lock_guard lock(mu_);
  return running_;
}

FairPool::~FairPool() { shutdown(); }

FairPool::Submitted FairPool::try_submit(const std::string& lane, std::function<void()> job) {
  bool wake = false;
  {
    std::lock_guard lock(mu_);
    if (stopping_) return Submitted::Stopping;
    if (total_ >= max_total_) return Submitted::PoolFull;
    auto& queue = lanes_[lane];
    if (queue.size() >= max_per_lane_) return Submitted::LaneFull;
    if (queue.empty()) turn_.push_back(lane);
    queue.push_back(std::move(job));
    ++total_;
    // Grow only when the threads not running a job cannot take what is queued.
    if (running_ - busy_ < total_ && running_ < max_threads_) spawn();
    // Spinning threads look at the queue on their own: a wake-up (a futex call) is only
    // needed when one is asleep.
    wake = sleeping_ > 0;
  }
  if (wake) cv_.notify_one();
  return Submitted::Yes;
}

void FairPool::shutdown() {
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    threads.swap(threads_);
  }
  cv_.notify_all();
  for (auto& t : threads) {
    if (t.joinable()) t.join();
  }
}

std::size_t FairPool::queued() const {
  std::lock_guard lock(mu_);
  return total_;
}

void FairPool::spin_for_work() {
  // Under a steady stream of requests the next one usually arrives within microseconds;
  // checking for it briefly before sleeping saves a sleep and a wake-up per request.
  const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(50);
  while (std::chrono::steady_clock::now() < until) {
    {
      std::lock_guard lock(mu_);
      if (stopping_ || total_ > 0) return;
    }
    std::this_thread::yield();
  }
}

void FairPool::run() {
  for (;;) {
    spin_for_work();
    std::function<void()> job;
    {
      std::unique_lock lock(mu_);
      bool woke = true;
      if (total_ == 0 && !stopping_) {
        ++sleeping_;
        woke = cv_.wait_for(lock, idle_exit_, [this] { return stopping_ || total_ > 0; });
        --sleeping_;
      }
      if (total_ == 0 && (stopping_ || (!woke && running_ > min_threads_))) {
        // Stopping with nothing left, or a grown thread with nothing to do: it ends, and is
        // joined by the next spawn() or by shutdown().
        --running_;
        if (!stopping_) ended_.push_back(std::this_thread::get_id());
        return;
      }
      if (total_ == 0) continue;
      // The lane at the front runs one job and, if it has more, goes to the back.
      const std::string lane = std::move(turn_.front());
      turn_.pop_front();
      auto it = lanes_.find(lane);
      job = std::move(it->second.front());
      it->second.pop_front();
      --total_;
      if (!it->second.empty()) {
        turn_.push_back(lane);
      } else if (lanes_.size() > kKeptLanes) {
        lanes_.erase(it);  // empty lanes are kept for reuse, up to a bound
      }
      ++busy_;
    }
    try {
      job();
    } catch (const std::exception& e) {
      log::error(name_, "job failed", {{"what", e.what()}});
    } catch (...) {
      log::error(name_, "job failed with an unknown exception");
    }
    std::lock_guard lock(mu_);
    --busy_;
  }
}

}  // namespace nmcp
