#pragma once
// SignalWatcher: turns SIGINT/SIGTERM (stop) and SIGHUP (reload) into calls on an ordinary
// thread, so no work ever happens inside a signal handler. Construct it in main() before any
// other thread starts: it blocks those signals for the whole process, and every thread created
// afterwards inherits the mask. The destructor ends and joins its thread (SIGUSR1 is its
// private wake-up), so it never outlives main().
//
// Thread-safety: on_stop() and on_reload() may be called from any thread; the callbacks run
// on the watcher thread, one at a time.

#include <signal.h>

#include <functional>
#include <mutex>
#include <thread>

namespace nmcp {

class SignalWatcher {
 public:
  SignalWatcher();
  ~SignalWatcher();
  SignalWatcher(const SignalWatcher&) = delete;
  SignalWatcher& operator=(const SignalWatcher&) = delete;

  void on_stop(std::function<void()> stop);
  void on_reload(std::function<void()> reload);

 private:
  void watch();

  sigset_t set_{};
  std::mutex mu_;
  std::function<void()> stop_;    // guarded by mu_
  std::function<void()> reload_;  // guarded by mu_
  std::thread thread_;
};

}  // namespace nmcp
