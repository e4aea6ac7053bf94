#include "core/base/thread_pool.h"

#include <chrono>
#include <exception>

#include "core/base/logging.h"

namespace nmcp {

ThreadPool::ThreadPool(std::string name, std::size_t threads, std::size_t max_backlog)
    : name_(std::move(name)), max_backlog_(max_backlog) {
  threads_.reserve(threads);
  for (std::size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { run(); });
}

ThreadPool::~ThreadPool() { shutdown(); }

bool ThreadPool::try_submit(std::function<void()> job) {
  bool wake = false;
  {
    std::lock_guard lock(mu_);
    if (stopping_ || jobs_.size() >= max_backlog_) return false;
    jobs_.push_back(std::move(job));
    // Busy threads look at the queue before they sleep, so a wake-up (a futex system call)
    // is only needed when one is already asleep.
    wake = idle_ > 0;
  }
  if (wake) cv_.notify_one();
  return true;
}

void ThreadPool::shutdown() {
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

bool ThreadPool::spin_for_work() {
  // Under a steady stream of jobs the next one usually arrives within microseconds; checking
  // for it briefly before sleeping saves a futex sleep and a wake-up per job.
  const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(50);
  while (std::chrono::steady_clock::now() < until) {
    {
      std::lock_guard lock(mu_);
      if (stopping_ || !jobs_.empty()) return true;
    }
    std::this_thread::yield();
  }
  return false;
}

void ThreadPool::run() {
  for (;;) {
    spin_for_work();
    std::function<void()> job;
    {
      std::unique_lock lock(mu_);
      ++idle_;
      cv_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      --idle_;
      if (jobs_.empty()) return;  // stopping and drained
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    try {
      job();
    } catch (const std::exception& e) {
      log::error("thread_pool", "job threw; continuing", {{"pool", name_}, {"what", e.what()}});
    } catch (...) {
      log::error("thread_pool", "job threw a non-standard exception; continuing",
                 {{"pool", name_}});
    }
  }
}

}  // namespace nmcp
