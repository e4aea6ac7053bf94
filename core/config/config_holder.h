#pragma once
// ConfigHolder: the live scanner configuration. reload() (on SIGHUP) parses the file again and
// swaps the new configuration in only if it is entirely valid; a bad file leaves the running
// configuration untouched and the error is returned for the log. Readers take a shared_ptr
// snapshot, so a reload never changes a configuration someone is using.
//
// Thread-safety: all methods may be called concurrently.

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/base/result.h"
#include "core/config/scanner_config.h"

namespace nmcp::config {

class ConfigHolder {
 public:
  using Listener = std::function<void(const std::shared_ptr<const ScannerConfig>&)>;

  ConfigHolder(std::string path, EnvLookup env);

  // Loads (first call) or reloads the file. On failure the previous configuration stays.
  Status reload();
  std::shared_ptr<const ScannerConfig> current() const;
  // Called after every successful load, on the thread that called reload().
  void on_change(Listener listener);

 private:
  const std::string path_;
  const EnvLookup env_;
  mutable std::mutex mu_;
  std::shared_ptr<const ScannerConfig> current_;  // guarded by mu_
  std::vector<Listener> listeners_;               // guarded by mu_
};

}  // namespace nmcp::config
