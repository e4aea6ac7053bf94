#pragma once
// FairPool: a fixed set of threads serving jobs from many lanes (one per tenant) in turn, so a
// lane with a long backlog never delays the first job of another lane by more than one job
// per thread. Each lane's backlog is bounded, and so is the total.
//
// Thread-safety: try_submit() may be called from any thread, including from a job.
// shutdown() (also run by the destructor) stops accepting work, runs what is queued and joins
// the threads; it must not be called from a job.

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
  FairPool(std::string name, std::size_t threads, std::size_t max_per_lane, std::size_t max_total);
  ~FairPool();
  FairPool(const FairPool&) = delete;
  FairPool& operator=(const FairPool&) = delete;

  enum class Submitted { Yes, LaneFull, PoolFull, Stopping };
  Submitted try_submit(const std::string& lane, std::function<void()> job);

  void shutdown();
  std::size_t queued() const;

 private:
  void run();

  const std::string name_;
  const std::size_t max_per_lane_;
  const std::size_t max_total_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  // Lanes with queued work, and the order they are served in (each lane appears once).
  std::map<std::string, std::deque<std::function<void()>>> lanes_;  // guarded by mu_
  std::deque<std::string> turn_;                                    // guarded by mu_
  std::size_t total_ = 0;                                           // guarded by mu_
  bool stopping_ = false;                                           // guarded by mu_
  std::vector<std::thread> threads_;
};

}  // namespace nmcp
