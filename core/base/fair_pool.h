#pragma once
// FairPool: threads serving jobs from many lanes (one per tenant) in turn, so a lane with a
// long backlog never delays the first job of another lane by more than one job per thread.
// Each lane's backlog is bounded, and so is the total. The pool keeps min_threads and grows
// up to max_threads while every thread is busy (jobs may block, e.g. a status call waiting
// for a scan), so a few lanes with blocking jobs cannot hold every thread; threads above
// min_threads end after idle_exit without work.
//
// Thread-safety: try_submit() may be called from any thread, including from a job.
// shutdown() (also run by the destructor) stops accepting work, runs what is queued and joins
// the threads; it must not be called from a job.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace nmcp {

class FairPool {
 public:
  FairPool(std::string name, std::size_t min_threads, std::size_t max_threads,
           std::size_t max_per_lane, std::size_t max_total,
           std::chrono::milliseconds idle_exit = std::chrono::seconds(60));
  ~FairPool();
  FairPool(const FairPool&) = delete;
  FairPool& operator=(const FairPool&) = delete;

  enum class Submitted { Yes, LaneFull, PoolFull, Stopping };
  Submitted try_submit(const std::string& lane, std::function<void()> job);

  void shutdown();
  std::size_t queued() const;
  std::size_t threads() const;

 private:
  void run();
  void spawn();  // with mu_ held
  void spin_for_work();

  // Empty lanes keep their queue (no allocation per job) while there are at most this many.
  static constexpr std::size_t kKeptLanes = 1024;

  const std::string name_;
  const std::size_t min_threads_;
  const std::size_t max_threads_;
  const std::size_t max_per_lane_;
  const std::size_t max_total_;
  const std::chrono::milliseconds idle_exit_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  // Lanes with queued work, and the order they are served in (each lane appears once).
  std::map<std::string, std::deque<std::function<void()>>> lanes_;  // guarded by mu_
  std::deque<std::string> turn_;                                    // guarded by mu_
  std::size_t total_ = 0;                                           // guarded by mu_
  bool stopping_ = false;                                           // guarded by mu_
  std::size_t sleeping_ = 0;                                        // guarded by mu_
  std::size_t busy_ = 0;                // threads running a job; guarded by mu_
  std::size_t running_ = 0;             // threads alive; guarded by mu_
  std::vector<std::thread> threads_;    // guarded by mu_; joined by shutdown()
  std::vector<std::thread::id> ended_;  // guarded by mu_: left run(), not yet joined
};

}  // namespace nmcp
