#pragma once
// NessusCleanup: housekeeping's access to the scanners (core/housekeeping's ScannerCleanup over
// scanners/). It deletes a scan only at the id its task recorded, and only after reading that
// scan back and finding the name this server gave it (scan_naming.h): a scan a person made, or
// one that replaced ours at a reused id, is never touched, whatever its name looks like. It keeps
// a registry built from the current configuration, rebuilt when the configuration changes.
//
// Thread-safety: safe to call from any thread.

#include <functional>
#include <memory>
#include <mutex>

#include "core/config/scanner_config.h"
#include "core/housekeeping/housekeeper.h"
#include "scanners/registry/scanner_registry.h"

namespace nmcp::worker {

class NessusCleanup final : public housekeeping::ScannerCleanup {
 public:
  using CurrentConfig = std::function<std::shared_ptr<const config::ScannerConfig>()>;
  explicit NessusCleanup(CurrentConfig current) : current_(std::move(current)) {}
  Status delete_scan(const task::Task& t, SideEffectGate& gate) override;
  Status stop_scan(const task::Task& t, SideEffectGate& gate) override;

 private:
  // The client of t's instance, or NotFound when the instance is no longer configured.
  Result<scanners::NessusClient*> client_for(const task::Task& t);

  const CurrentConfig current_;
  std::mutex mu_;
  std::shared_ptr<const config::ScannerConfig> built_for_;  // guarded by mu_
  std::unique_ptr<scanners::ScannerRegistry> registry_;     // guarded by mu_
};

}  // namespace nmcp::worker
