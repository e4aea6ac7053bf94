#include "core/base/signal_watcher.h"

#include <pthread.h>

#include <cstring>

#include "core/base/logging.h"

namespace nmcp {

SignalWatcher::SignalWatcher() {
  sigemptyset(&set_);
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGUSR1}) sigaddset(&set_, sig);
  pthread_sigmask(SIG_BLOCK, &set_, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  thread_ = std::thread([this] { watch(); });
}

SignalWatcher::~SignalWatcher() {
  pthread_kill(thread_.native_handle(), SIGUSR1);
  thread_.join();
}

void SignalWatcher::on_stop(std::function<void()> stop) {
  std::lock_guard lock(mu_);
  stop_ = std::move(stop);
}

void SignalWatcher::on_reload(std::function<void()> reload) {
  std::lock_guard lock(mu_);
  reload_ = std::move(reload);
}

void SignalWatcher::watch() {
  for (;;) {
    int sig = 0;
    if (sigwait(&set_, &sig) != 0) continue;
    if (sig == SIGUSR1) return;
    std::lock_guard lock(mu_);
    if (sig == SIGHUP) {
      if (reload_) {
        reload_();
      } else {
        log::info("main", "SIGHUP received; no scanner configuration is loaded");
      }
      continue;
    }
    log::info("main", "stop requested by signal", {{"signal", strsignal(sig)}});
    if (stop_) stop_();
  }
}

}  // namespace nmcp
