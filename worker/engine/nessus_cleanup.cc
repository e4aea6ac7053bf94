#include "worker/engine/nessus_cleanup.h"

#include "worker/engine/scan_naming.h"

namespace nmcp::worker {

namespace {

Error from_nessus(const task::Task& t, const scanners::NessusError& e) {
  const ErrorCode code =
      e.kind == scanners::NessusErrorKind::NotFound ? ErrorCode::NotFound : ErrorCode::Unavailable;
  return Error{code, "instance " + t.instance + ": " + e.message, e.hint};
}

}  // namespace

Result<scanners::NessusClient*> NessusCleanup::client_for(const task::Task& t) {
  const auto config = current_();
  if (!config) return fail(ErrorCode::Unavailable, "no scanner configuration is loaded");
  if (config != built_for_) {
    auto made = scanners::ScannerRegistry::create(config);
    if (!made) return fail(made.error());
    registry_ = std::move(*made);
    built_for_ = config;
  }
  auto* client = registry_->client(t.instance);
  if (client == nullptr) {
    return fail(ErrorCode::NotFound, "instance " + t.instance +
                                         " is no longer in the configuration; its scans are left "
                                         "on the scanner");
  }
  return client;
}

Status NessusCleanup::delete_scan(const task::Task& t, SideEffectGate& gate) {
  if (!t.nessus_scan_id) return fail(ErrorCode::NotFound, "the task recorded no Nessus scan");
  std::lock_guard lock(mu_);
  auto client = client_for(t);
  if (!client) return fail(client.error());
  auto details = (*client)->scan_details(*t.nessus_scan_id);
  if (!details) return fail(from_nessus(t, details.error()));
  if (details->name != nessus_scan_name(t)) {
    return fail(ErrorCode::NotFound, "scan " + std::to_string(*t.nessus_scan_id) + " on " +
                                         t.instance +
                                         " is not the one this task created; left "
                                         "alone");
  }
  if (auto deleted = (*client)->delete_scan(*t.nessus_scan_id, gate); !deleted) {
    return fail(from_nessus(t, deleted.error()));
  }
  return ok();
}

Status NessusCleanup::stop_scan(const task::Task& t, SideEffectGate& gate) {
  if (!t.nessus_scan_id) return fail(ErrorCode::NotFound, "the task recorded no Nessus scan");
  std::lock_guard lock(mu_);
  auto client = client_for(t);
  if (!client) return fail(client.error());
  if (auto stopped = (*client)->stop_scan(*t.nessus_scan_id, gate); !stopped) {
    return fail(from_nessus(t, stopped.error()));
  }
  return ok();
}

}  // namespace nmcp::worker
