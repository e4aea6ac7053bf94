// The scan driver's last steps: getting the results of a finished scan. Ask Nessus for the
// export, download it under a per-attempt name and publish it by rename once the lease is
// confirmed, then index it (task_indexing.h) and finish the task with its summary and
// credential outcome. The other steps and the recording of outcomes are scan_driver.cc's.
#include <filesystem>

#include "core/base/logging.h"
#include "core/base/secret_values.h"
#include "core/findings/results_location.h"
#include "core/store/lifecycle.h"
#include "worker/engine/scan_driver.h"
#include "worker/engine/task_indexing.h"
#include "worker/engine/worker_metrics.h"

namespace nmcp::worker {

namespace log = nmcp::log;
using scanners::NessusErrorKind;
using std::chrono::milliseconds;
using store::lease_of;
using task::State;
using task::Step;
using task::TaskError;

namespace {

// A file one attempt writes, named for its lease, so that an attempt that lost the task never
// overwrites the one that holds it.
std::string attempt_file(const std::string& base, const task::Task& t) {
  return base + "." + t.lease_token.substr(0, 12);
}

}  // namespace

ScanDriver::Next ScanDriver::request_export(const Task& t, const ScannerSnapshot& s, Scanner n) {
  scanners::NessusClient& client = n.client;
  if (!t.export_file_id) {
    auto handle = client.request_export(*t.nessus_scan_id, n.gate);
    if (!handle) return nessus_failure(t, s, handle.error(), "requesting the export");
    store::StepUpdate u;
    u.export_file_id = handle->file;
    // Export, download and index succeed or fail as one: a bad export comes round again, so
    // only finishing the task resets the failure count (else a bad export would loop forever).
    u.step_succeeded = false;
    return record(t, u, options_.export_poll);
  }
  auto state = client.export_status(*t.nessus_scan_id, *t.export_file_id);
  if (!state) {
    if (state.error().kind == NessusErrorKind::NotFound) {
      store::StepUpdate u;  // the export expired: ask for a new one
      u.clear_export = true;
      u.step_succeeded = false;
      return record(t, u, milliseconds(0));
    }
    return nessus_failure(t, s, state.error(), "waiting for the export");
  }
  if (*state == scanners::ExportState::Loading) {
    store::StepUpdate u;
    u.step_succeeded = false;  // waiting is not progress
    return record(t, u, options_.export_poll);
  }
  if (*state == scanners::ExportState::Error) {
    store::StepUpdate forget;
    forget.clear_export = true;
    return retry(t,
                 {"export_failed", "Nessus could not produce the export",
                  "the export is requested again automatically"},
                 forget);
  }
  store::StepUpdate u;
  u.step = Step::Download;
  u.step_succeeded = false;
  return record(t, u, milliseconds(0));
}

Status ScanDriver::still_holding(const Task& t) {
  auto r = store_.renew(t.id, lease_of(t), clock_.now(), lease_until());
  if (!r) return fail(r.error());
  return ok();
}

ScanDriver::Next ScanDriver::download(const Task& t, const ScannerSnapshot& s,
                                      scanners::NessusClient& client) {
  auto paths = findings::results_paths(options_.data_dir, t.id);
  if (!paths) return dead_letter(t, {"internal", paths.error().message, ""});
  std::error_code ec;
  std::filesystem::create_directories(paths->dir, ec);
  if (ec) {
    return retry(t, {"storage", "cannot create " + paths->dir + ": " + ec.message(),
                     "check free space and permissions of the data directory"});
  }
  const std::string partial = attempt_file(paths->partial, t);
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> out(std::fopen(partial.c_str(), "wb"),
                                                      &std::fclose);
  if (!out) {
    return retry(t, {"storage", "cannot write " + partial,
                     "check free space and permissions of the data directory"});
  }
  bool write_failed = false;
  // The export is stored masked: every reader (the index, the raw resource) sees it so.
  StreamMasker masked([&](std::string_view piece) {
    if (std::fwrite(piece.data(), 1, piece.size(), out.get()) != piece.size()) {
      write_failed = true;
      return false;
    }
    return true;
  });
  auto bytes = client.download_export(*t.nessus_scan_id, *t.export_file_id,
                                      [&](std::string_view chunk) { return masked.write(chunk); });
  if (bytes) masked.finish();
  const bool flushed = std::fflush(out.get()) == 0 && ::fsync(fileno(out.get())) == 0;
  out.reset();
  if (write_failed || !flushed) {
    std::filesystem::remove(partial, ec);
    return retry(t, {"storage", "writing the export to " + partial + " failed",
                     "check free space in the data directory"});
  }
  if (!bytes) {
    std::filesystem::remove(partial, ec);
    if (bytes.error().kind == NessusErrorKind::NotFound) {
      store::StepUpdate u;
      u.step = Step::Export;
      u.clear_export = true;
      u.step_succeeded = false;
      return record(t, u, milliseconds(0));
    }
    return nessus_failure(t, s, bytes.error(), "downloading the export");
  }
  // Only the current holder publishes: a superseded attempt's file never replaces the export.
  if (auto held = still_holding(t); !held) {
    std::filesystem::remove(partial, ec);
    if (held.error().code == ErrorCode::Unavailable) return {true, options_.backoff_base};
    log::warn("worker", "a superseded attempt finished its download; discarded",
              {{"task_id", t.id}});
    return {};
  }
  std::filesystem::rename(partial, paths->export_file, ec);
  if (ec) {
    std::filesystem::remove(partial, ec);
    return retry(t, {"storage", "cannot rename the export: " + ec.message(), ""});
  }
  log::info("worker", "export downloaded", {{"task_id", t.id}, {"bytes", *bytes}});
  store::StepUpdate u;
  u.step = Step::Index;
  u.step_succeeded = false;
  return record(t, u, milliseconds(0));
}

ScanDriver::Next ScanDriver::index(const Task& t, const ScannerSnapshot& s) {
  auto paths = findings::results_paths(options_.data_dir, t.id);
  if (!paths) return dead_letter(t, {"internal", paths.error().message, ""});
  scanners::IndexDestination dest(paths->index_file);
  dest.temp = attempt_file(paths->index_file + ".part", t);
  dest.may_publish = [&] { return still_holding(t); };
  auto indexed = index_task_export(options_.data_dir, t, *s.config, dest);
  if (!indexed && indexed.error().code == ErrorCode::ResourceExhausted) {
    // The same export would be refused again: an operator decides (raise the limit, retry).
    return dead_letter(t, {"export_too_large", "the export was refused: " + indexed.error().message,
                           indexed.error().hint});
  }
  if (!indexed && indexed.error().code == ErrorCode::FailedPrecondition) {
    log::warn("worker", "a superseded attempt finished its index; discarded", {{"task_id", t.id}});
    return {};
  }
  if (!indexed && indexed.error().code == ErrorCode::Unavailable) {
    // The store is down at the moment of publishing, or the disk refused the file: retry.
    return retry(t, {"storage", "writing the findings index failed: " + indexed.error().message,
                     "check free space in the data directory"});
  }
  if (!indexed && indexed.error().code != ErrorCode::InvalidArgument) {
    // The export is fine but the index could not be written (disk full, permissions): retry.
    return retry(t, {"storage", "writing the findings index failed: " + indexed.error().message,
                     "check free space in the data directory"});
  }
  if (!indexed) {
    // A damaged download: fetch a fresh export (bounded by max_failures, then the DLQ).
    store::StepUpdate fresh;
    fresh.step = Step::Export;
    fresh.clear_export = true;
    return retry(t,
                 {"export_invalid", "the downloaded export is unusable: " + indexed.error().message,
                  "a new export is requested automatically"},
                 fresh);
  }
  log::info("worker", "findings indexed",
            {{"task_id", t.id},
             {"hosts", indexed->stats.hosts},
             {"findings", indexed->stats.items},
             {"export_bytes", indexed->stats.bytes}});
  if (indexed->outside_targets > 0) {
    log::warn("worker", "the export has hosts the scan did not target",
              {{"task_id", t.id}, {"hosts", indexed->outside_targets}});
  }
  store::StepUpdate u;
  u.validation = indexed->validation;
  u.summary = indexed->summary;
  u.step_succeeded = false;
  auto recorded = store_.record(t.id, lease_of(t), u, clock_.now(), lease_until());
  if (!recorded) {
    if (recorded.error().code != ErrorCode::Unavailable) return {};
    keep_pending(t.id, PendingRecord{u, milliseconds(0)});
    return {true, options_.backoff_base};
  }
  if (t.scan_type != task::ScanType::Untrusted && indexed->validation.is_object()) {
    count_validation(options_.metrics, indexed->validation.value("credentials", ""));
  }
  if (!indexed->verdict.ok) {
    return finish(t, State::Failed,
                  {"credentials_rejected", indexed->verdict.message, indexed->verdict.hint});
  }
  return finish(t, State::Completed, {});
}

}  // namespace nmcp::worker
