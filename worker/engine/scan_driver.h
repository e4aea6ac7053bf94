#pragma once
// ScanDriver: advances one claimed task by one step against Nessus and records the outcome in
// the store before anything else happens, so a process killed at any point resumes from the
// last recorded step:
//
//   create   re-check the scope, resolve the credential profile, create the Nessus scan (or,
//            on a retry, find the one an earlier attempt created: its name carries the task id)
//   launch   launch it unless Nessus already shows it launched
//   poll     read status and progress until the scan ends
//   export   request the .nessus export and wait until it is ready
//   download stream it to <data_dir>/results/<task_id>/scan.nessus
//   index    parse and validate it; completed, or failed when no login worked
//
// Every write names the lease the step runs under, so a superseded attempt (its lease taken
// over) can change nothing; the download and the index are built under file names unique to
// the attempt and published by rename only after the lease is confirmed. An outcome the store
// could not take (busy or unreachable) is kept in memory and written before anything else is
// done for the task, so Nessus is never asked twice for the same step because of an outage.
//
// Never twice on Nessus. Every request that changes something on the scanner passes a
// side-effect gate (core/base/side_effect_gate.h) built for the step: it renews the task's
// lease right before the request leaves and sends nothing unless the renewal succeeded within
// the window of store/lease_timing.h. A worker that was paused between reading the scanner and
// acting on what it read (launch after reading the scan, create after listing the scans) wakes
// to a refused renewal and drops the task. A scan whose history is not empty is never launched.
//
// Before each step: a cancel request stops the Nessus scan and ends the task cancelled; the
// wall-clock scan timeout stops it and ends the task timed_out. Transient Nessus errors go back
// to the queue with backoff; permanent ones dead-letter the task with the error and a hint.
// Secrets from credential profiles go into the create request and nowhere else. Time comes
// from the injected clock.
//
// Thread-safety: step() may run concurrently for different tasks.

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <variant>

#include "core/base/clock.h"
#include "core/base/monotonic_clock.h"
#include "core/base/side_effect_gate.h"
#include "core/config/scanner_config.h"
#include "core/store/task_store.h"
#include "scanners/nessus/nessus_error.h"
#include "scanners/registry/scanner_registry.h"
#include "worker/engine/engine_options.h"

namespace nmcp::worker {

// The configuration and the registry built from it, taken together at the start of a step.
struct ScannerSnapshot {
  std::shared_ptr<const config::ScannerConfig> config;
  std::shared_ptr<scanners::ScannerRegistry> registry;
};

class ScanDriver {
 public:
  struct Next {
    bool keep = false;  // the task is still this worker's: run step() again after `delay`
    std::chrono::milliseconds delay{0};
  };

  ScanDriver(store::LeaseStore& store, const EngineOptions& options,
             const Clock& clock = system_clock(), const MonotonicClock& monotonic = steady_ms());

  Next step(const std::string& task_id, const store::Lease& lease, const ScannerSnapshot& scanners);
  // The step crashed (an exception escaped it, out of memory among them): a failed attempt.
  Next crashed(const std::string& task_id, const store::Lease& lease, const std::string& what);

 private:
  using Task = task::Task;
  // An outcome the store did not take yet.
  struct PendingRecord {
    store::StepUpdate update;
    std::chrono::milliseconds delay;
  };
  struct PendingFinish {
    task::State to;
    task::TaskError error;
  };
  using Pending = std::variant<PendingRecord, PendingFinish>;

  // What a step needs to reach the scanner: its client and the gate its side effects pass.
  struct Scanner {
    scanners::NessusClient& client;
    SideEffectGate& gate;
  };

  Next create(const Task& t, const ScannerSnapshot& s, Scanner n);
  Next launch(const Task& t, const ScannerSnapshot& s, Scanner n);
  Next poll(const Task& t, const ScannerSnapshot& s, Scanner n);
  Next request_export(const Task& t, const ScannerSnapshot& s, Scanner n);
  Next download(const Task& t, const ScannerSnapshot& s, scanners::NessusClient& client);
  Next index(const Task& t, const ScannerSnapshot& s);
  Result<config::CredentialProfile> open_inline_credentials(const Task& t) const;
  Next back_off(const Task& t, const scanners::NessusError& e, std::string_view doing);
  // What the pool's scan window asks of a running scan (pause at the close, resume at the
  // opening, stop); nullopt: nothing, poll on.
  std::optional<Next> follow_window(const Task& t, const ScannerSnapshot& s, Scanner n,
                                    const std::string& status);
  // One audit line for what the window did to the scan (paused, resumed, stopped).
  void audit_window(const Task& t, const char* decision, const std::string& rule);
  Next stop_and_finish(const Task& t, scanners::NessusClient* client, SideEffectGate& gate,
                       task::State to, task::TaskError error);
  // A side effect the gate refused: come back soon, or drop a task this worker lost.
  Next withheld(const Task& t, const scanners::NessusError& e);

  Next record(const Task& t, store::StepUpdate update, std::chrono::milliseconds delay);
  Next finish(const Task& t, task::State to, task::TaskError error);
  Next nessus_failure(const Task& t, const ScannerSnapshot& s, const scanners::NessusError& e,
                      std::string_view doing);
  Next retry(const Task& t, task::TaskError error,
             std::optional<store::StepUpdate> update = std::nullopt);
  Next dead_letter(const Task& t, task::TaskError error);
  // Writes what an earlier step could not; nullopt when nothing is pending any more.
  std::optional<Next> flush_pending(const std::string& task_id, const store::Lease& lease);
  void keep_pending(const std::string& task_id, Pending p);
  // ok while `lease` is still the task's lease (checked by renewing it).
  Status still_holding(const Task& t);
  std::chrono::milliseconds poll_interval(const ScannerSnapshot& s) const;
  task::Millis lease_until() const;

  store::LeaseStore& store_;
  const EngineOptions options_;
  const Clock& clock_;
  const MonotonicClock& monotonic_;
  std::mutex mu_;
  std::map<std::string, Pending> pending_;  // guarded by mu_
};

}  // namespace nmcp::worker
