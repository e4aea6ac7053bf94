#pragma once
// A fixed set of threads running submitted jobs, with a bounded backlog. Used where work must
// not run on the thread that received it (tool calls off the stdio reader, polls off the
// scheduler). A job that throws is caught and logged; it never takes a thread down.
//
// Thread-safety: try_submit() may be called from any thread, including from a job.
// shutdown() (also run by the destructor) stops accepting work, lets queued and running jobs
// finish, and joins the threads; it must not be called from a job.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace nmcp {

class ThreadPool {
 public:
  ThreadPool(std::string name, std::size_t threads, std::size_t max_backlog);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // False when the backlog is full or the pool is shutting down; the job is then dropped and
  // the caller must answer "busy".
  bool try_submit(std::function<void()> job);

  void shutdown();

  std::size_t thread_count() const { return threads_.size(); }

 private:
  void run();
  bool spin_for_work();

  const std::string name_;
  const std::size_t max_backlog_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;  // guarded by mu_
  bool stopping_ = false;                   // guarded by mu_
  std::size_t idle_ = 0;                    // threads waiting for work; guarded by mu_
  std::vector<std::thread> threads_;
};

}  // namespace nmcp
