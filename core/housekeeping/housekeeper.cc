#include "core/housekeeping/housekeeper.h"

#include <filesystem>
#include <set>
#include <system_error>
#include <utility>

#include "core/findings/results_location.h"
#include "core/housekeeping/retention.h"
#include "core/store/lifecycle.h"

namespace nmcp::housekeeping {

namespace fs = std::filesystem;
using nlohmann::json;
using Steady = std::chrono::steady_clock;

namespace {

constexpr std::size_t kDryRunRead = 100'000;  // tasks a dry run reads per kind at most
constexpr std::size_t kOrphanEntriesPerRun = 20'000;
constexpr const char* kDeletingPrefix = ".deleting-";
// How soon after confirming the task a request to the scanner must leave.
constexpr std::chrono::milliseconds kGateWindow{5'000};

std::uint64_t size_of(const fs::path& p) {
  std::error_code ec;
  if (fs::is_regular_file(p, ec)) {
    const auto n = fs::file_size(p, ec);
    return ec ? 0 : n;
  }
  std::uint64_t total = 0;
  for (fs::recursive_directory_iterator it(p, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_regular_file(ec)) {
      const auto n = it->file_size(ec);
      if (!ec) total += n;
    }
  }
  return total;
}

// A file's last write as Unix milliseconds.
std::optional<task::Millis> modified_ms(const fs::path& p) {
  std::error_code ec;
  const auto t = fs::last_write_time(p, ec);
  if (ec) return std::nullopt;
  const auto sys = std::chrono::file_clock::to_sys(t);
  return std::chrono::duration_cast<std::chrono::milliseconds>(sys.time_since_epoch()).count();
}

bool is_partial_name(const std::string& name) { return name.find(".part") != std::string::npos; }

}  // namespace

std::uint64_t Counts::total_tasks_deleted() const {
  std::uint64_t n = 0;
  for (const auto& [kind, count] : tasks_deleted) n += count;
  return n;
}

void Counts::add(const Counts& o) {
  for (const auto& [kind, n] : o.tasks_deleted) tasks_deleted[kind] += n;
  orphans_removed += o.orphans_removed;
  stuck_timed_out += o.stuck_timed_out;
  nessus_scans_deleted += o.nessus_scans_deleted;
  bytes_freed += o.bytes_freed;
  errors += o.errors;
}

json Report::to_json() const {
  json deleted = json::object();
  for (const auto kind : store::kFinishedKinds) {
    const auto it = tasks_deleted.find(store::to_string(kind));
    deleted[store::to_string(kind)] = it == tasks_deleted.end() ? 0 : it->second;
  }
  return {{"dry_run", dry_run},
          {"finished", finished},
          {"tasks_deleted", deleted},
          {"tasks_deleted_total", total_tasks_deleted()},
          {"orphans_removed", orphans_removed},
          {"stuck_timed_out", stuck_timed_out},
          {"nessus_scans_deleted", nessus_scans_deleted},
          {"bytes_freed", bytes_freed},
          {"errors", errors},
          {"items", items},
          {"problems", problems}};
}

struct Housekeeper::Run {
  Housekeeper& hk;
  const Options& o;
  Report r;
  task::Millis now;
  Steady::time_point deadline;

  bool out_of_time() {
    if (Steady::now() < deadline) return false;
    r.finished = false;
    return true;
  }
  void item(json j) {
    if (r.items.size() < o.max_listed) r.items.push_back(std::move(j));
  }
  void problem(std::string what) {
    ++r.errors;
    if (r.problems.size() < 20) r.problems.push_back(std::move(what));
  }
  std::string results_dir(const std::string& id) const {
    auto paths = findings::results_paths(o.data_dir, id);
    return paths ? paths->dir : std::string();
  }

  // Returns false on a store error (the run stops: the store is unwell).
  bool expire_tasks() {
    for (const auto kind : store::kFinishedKinds) {
      const auto cutoff = now - retention_ms(kind, o.policy);
      if (o.dry_run) {
        auto due = hk.store_.finished_before(kind, cutoff, kDryRunRead);
        if (!due) return fail_store(due.error());
        if (due->size() >= kDryRunRead) r.finished = false;
        for (const auto& t : *due) {
          if (!is_due(t, o.policy, now)) continue;
          const std::string dir = results_dir(t.id);
          const auto bytes = dir.empty() ? 0 : size_of(dir);
          count_deleted(t, kind, bytes);
          if (deletes_nessus_scan(t, o.policy)) ++r.nessus_scans_deleted;
        }
        continue;
      }
      std::set<std::string> kept;  // tried once this run; read past them
      for (;;) {
        if (out_of_time()) return true;
        const std::size_t limit = o.batch + kept.size();
        auto batch = hk.store_.finished_before(kind, cutoff, limit);
        if (!batch) return fail_store(batch.error());
        auto progress = delete_batch(*batch, kind, kept);
        if (!progress) return fail_store(progress.error());
        // Nothing of a batch could go (each kept for a reason): the next run tries again.
        if (!*progress || batch->size() < limit) break;
      }
    }
    return true;
  }

  void count_deleted(const task::Task& t, store::FinishedKind kind, std::uint64_t bytes) {
    ++r.tasks_deleted[store::to_string(kind)];
    r.bytes_freed += bytes;
    item({{"what", "task"},
          {"id", t.id},
          {"kind", store::to_string(kind)},
          {"owner", t.owner},
          {"finished_at", task::format_time(store::lifecycle::finished_time(t))},
          {"bytes", bytes}});
  }

  // Deletes the due tasks of one batch: Nessus scans first (per task), then every record in one
  // store call, then the results of those the store deleted. Tasks kept for a reason go to
  // `kept` (tried once per run). Returns whether anything was deleted.
  Result<bool> delete_batch(const std::vector<task::Task>& batch, store::FinishedKind kind,
                            std::set<std::string>& kept) {
    struct Candidate {
      const task::Task* task;
      std::string dir;
      std::uint64_t bytes;
    };
    std::vector<Candidate> candidates;
    std::vector<std::string> ids;
    for (const auto& t : batch) {
      if (kept.count(t.id) != 0) continue;
      if (!is_due(t, o.policy, now) || !nessus_scan_gone(t)) {
        kept.insert(t.id);
        continue;
      }
      std::string dir = results_dir(t.id);
      const auto bytes = dir.empty() ? 0 : size_of(dir);
      candidates.push_back({&t, std::move(dir), bytes});
      ids.push_back(t.id);
    }
    if (ids.empty()) return false;
    const auto policy = o.policy;
    const auto at = now;
    auto deleted = hk.store_.delete_finished(
        ids, [&](const task::Task& current) { return is_due(current, policy, at); });
    if (!deleted) return fail(deleted.error());
    const std::set<std::string> gone(deleted->begin(), deleted->end());
    for (const auto& c : candidates) {
      if (gone.count(c.task->id) == 0) {  // retried or changed since it was read
        kept.insert(c.task->id);
        continue;
      }
      if (!c.dir.empty()) remove_results(c.task->id, c.dir);
      if (o.on_deleted) o.on_deleted(c.task->id);
      count_deleted(*c.task, kind, c.bytes);
    }
    return !gone.empty();
  }

  // Moves the directory aside under a name that says "being deleted" (one rename), then removes
  // it: a crash halfway leaves `.deleting-<id>`, which the next run's orphan pass removes at
  // once, with no grace period (nothing else ever has that name).
  void remove_results(const std::string& id, const std::string& dir) {
    std::error_code ec;
    if (!fs::exists(dir, ec)) return;
    const fs::path aside = fs::path(dir).parent_path() / (std::string(kDeletingPrefix) + id);
    fs::rename(dir, aside, ec);
    const fs::path target = ec ? fs::path(dir) : aside;
    ec.clear();
    fs::remove_all(target, ec);
    if (ec) problem("task " + id + ": its results were not removed (" + ec.message() + ")");
  }

  // Admits a request to the scanner about `t` only while the stored task is still finished and
  // unchanged since it was read (an operator's retry brings it back to life).
  RenewingGate finished_gate(const task::Task& t) {
    return RenewingGate(
        [this, id = t.id, seen = t.updated_at]() -> Status {
          auto now_stored = hk.store_.get(id, store::OwnerScope::everyone());
          if (!now_stored) return fail(now_stored.error());
          if (!task::is_terminal(now_stored->state) || now_stored->updated_at != seen) {
            return fail(ErrorCode::FailedPrecondition,
                        "task " + id + " changed since housekeeping read it");
          }
          return ok();
        },
        kGateWindow);
  }

  // With the Nessus clean-up on, deletes the task's scan first; false when it could not be
  // deleted (the task is kept, so the scan's id is not lost: the next run tries again).
  bool nessus_scan_gone(const task::Task& t) {
    if (!deletes_nessus_scan(t, o.policy) || o.scanners == nullptr) return true;
    auto gate = finished_gate(t);
    auto s = o.scanners->delete_scan(t, gate);
    if (!s && s.error().code != ErrorCode::NotFound) {
      problem("task " + t.id + ": its Nessus scan was not deleted: " + s.error().message);
      return false;
    }
    if (s) {
      ++r.nessus_scans_deleted;
      item({{"what", "nessus_scan"},
            {"id", t.id},
            {"instance", t.instance},
            {"nessus_scan_id", *t.nessus_scan_id}});
    }
    return true;
  }

  bool end_stuck() {
    const auto timeout =
        std::chrono::duration_cast<std::chrono::milliseconds>(o.scan_timeout).count();
    const auto lease_before =
        now - std::chrono::duration_cast<std::chrono::milliseconds>(o.policy.stuck_after).count();
    auto expired = hk.store_.expired_running(lease_before, o.batch);
    if (!expired) return fail_store(expired.error());
    for (const auto& t : *expired) {
      if (out_of_time()) return true;
      if (!store::lifecycle::overdue(t, now, timeout)) continue;
      item({{"what", "stuck"}, {"id", t.id}, {"instance", t.instance}});
      if (o.dry_run) {
        ++r.stuck_timed_out;
        continue;
      }
      // Ended in the store first: a worker that took the task back since it was read keeps
      // it, and its scan is not stopped under it.
      auto ended = hk.store_.time_out_stuck(t.id, now, lease_before, timeout);
      if (!ended) {
        if (ended.error().code != ErrorCode::FailedPrecondition &&
            ended.error().code != ErrorCode::NotFound) {
          return fail_store(ended.error());
        }
        continue;
      }
      ++r.stuck_timed_out;
      if (ended->nessus_scan_id && o.scanners != nullptr) {
        auto gate = finished_gate(*ended);
        if (auto s = o.scanners->stop_scan(*ended, gate);
            !s && s.error().code != ErrorCode::NotFound) {
          problem("task " + t.id + ": its Nessus scan was not stopped: " + s.error().message);
        }
      }
    }
    return true;
  }

  bool remove_orphans() {
    const fs::path root = fs::path(o.data_dir) / "results";
    std::error_code ec;
    if (o.data_dir.empty() || !fs::is_directory(root, ec)) return true;
    const auto grace_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(o.policy.orphan_grace).count();
    const auto old_enough = [&](const fs::path& p) {
      const auto m = modified_ms(p);
      return m && *m < now - grace_ms;
    };
    std::size_t position = 0;
    std::size_t examined = 0;
    fs::directory_iterator it(root, ec);
    for (fs::directory_iterator end; !ec && it != end; it.increment(ec), ++position) {
      if (position < hk.orphan_cursor_) continue;
      if (examined++ >= kOrphanEntriesPerRun || out_of_time()) {
        r.finished = false;
        hk.orphan_cursor_ = position;
        return true;
      }
      const std::string name = it->path().filename().string();
      if (name.rfind(kDeletingPrefix, 0) == 0 &&
          task::is_valid_task_id(name.substr(std::string_view(kDeletingPrefix).size()))) {
        remove_orphan(it->path(), "interrupted_deletion");  // its record is gone already
        continue;
      }
      if (!task::is_valid_task_id(name) || !it->is_directory(ec)) continue;
      auto t = hk.store_.get(name, store::OwnerScope::everyone());
      if (!t && t.error().code != ErrorCode::NotFound) return fail_store(t.error());
      if (!t) {
        if (old_enough(it->path())) remove_orphan(it->path(), "results_without_task");
        continue;
      }
      if (!task::is_terminal(t->state)) continue;  // queued or running: never touched
      std::error_code inner;
      for (fs::directory_iterator f(it->path(), inner), fend; !inner && f != fend;
           f.increment(inner)) {
        if (is_partial_name(f->path().filename().string()) && old_enough(f->path())) {
          remove_orphan(f->path(), "partial_file");
        }
      }
    }
    hk.orphan_cursor_ = 0;  // walked to the end: the next run starts again
    return true;
  }

  void remove_orphan(const fs::path& p, const char* kind) {
    const auto bytes = size_of(p);
    item({{"what", "orphan"}, {"path", p.string()}, {"kind", kind}, {"bytes", bytes}});
    ++r.orphans_removed;
    r.bytes_freed += bytes;
    if (o.dry_run) return;
    std::error_code ec;
    fs::remove_all(p, ec);
    if (ec) problem(p.string() + " was not removed (" + ec.message() + ")");
  }

  bool fail_store(const Error& e) {
    problem("the store: " + e.message);
    r.finished = false;
    return false;
  }
};

Result<Report> Housekeeper::run(const Options& options) {
  Run run{*this, options, {}, clock_.now(), Steady::now() + options.max_run};
  run.r.dry_run = options.dry_run;
  // Each pass stops the run on a store error: the store is unwell, the next run retries.
  if (!run.expire_tasks() || !run.end_stuck() || !run.remove_orphans()) {
    if (run.r.total_tasks_deleted() == 0 && run.r.stuck_timed_out == 0 &&
        run.r.orphans_removed == 0) {
      return fail(ErrorCode::Unavailable, "housekeeping stopped: " + run.r.problems.back(),
                  "it runs again at its next interval");
    }
  }
  return std::move(run.r);
}

}  // namespace nmcp::housekeeping
