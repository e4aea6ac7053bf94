#include "core/store/migrate.h"

#include <algorithm>

#include "core/store/lifecycle.h"
#include "core/store/presence.h"

namespace nmcp::store {

namespace {

constexpr std::size_t kPage = 200;
constexpr std::size_t kNamed = 5;  // running tasks named in the refusal

Result<long long> running_count(TaskStore& s) {
  auto stats = s.queue_stats();
  if (!stats) return fail(stats.error());
  long long n = 0;
  for (const auto& q : *stats) n += q.running;
  return n;
}

Status refuse_running(TaskStore& from, long long running) {
  TaskQuery q(OwnerScope::everyone());
  q.state = task::State::Running;
  q.limit = kNamed;
  auto page = from.list(q);
  if (!page) return fail(page.error());
  std::string ids;
  for (const auto& t : page->tasks) ids += (ids.empty() ? "" : ", ") + t.id;
  return fail(ErrorCode::FailedPrecondition,
              std::to_string(running) + " task(s) are running in " + from.describe() + " (" + ids +
                  (running > static_cast<long long>(page->tasks.size()) ? ", ..." : "") +
                  "); nothing was copied",
              "let them finish (the workers on the old store drive them; admin_cli stats shows "
              "them), then stop every process using the old store and migrate again");
}

Status refuse_live(TaskStore& from, const std::vector<Presence>& live, Millis now) {
  std::string names;
  for (std::size_t i = 0; i < live.size() && i < kNamed; ++i) {
    names += (names.empty() ? "" : ", ") + live[i].id + " (seen " +
             std::to_string(std::max<Millis>(0, now - live[i].seen_at) / 1000) + " s ago)";
  }
  if (live.size() > kNamed) names += ", ...";
  return fail(ErrorCode::FailedPrecondition,
              std::to_string(live.size()) + " process(es) still use " + from.describe() + ": " +
                  names + "; nothing was copied",
              "stop every nessus-mcp and nessus-worker of the old store (a process counts as "
              "live for one lease term after its last sign of life), then migrate again");
}

}  // namespace

Status check_source_idle(TaskStore& from, Millis now) {
  auto live = live_processes(from, now);
  if (!live) return fail(live.error());
  if (!live->empty()) return refuse_live(from, *live, now);
  auto running = running_count(from);
  if (!running) return fail(running.error());
  if (*running > 0) return refuse_running(from, *running);
  return ok();
}

namespace {

// The task as the new store receives it, once it is marked in the old one.
Result<Task> marked_copy(TaskStore& from, const Task& t, const std::string& destination, Millis now,
                         long long copied) {
  auto marked = from.mark_moved(t.id, destination, now);
  if (marked) return lifecycle::unmoved_copy(*marked);
  if (marked.error().code == ErrorCode::FailedPrecondition && t.moved_to.empty()) {
    // A task that started running after the check: a worker still uses the old store. (One
    // already moved to another store says so itself.)
    return fail(ErrorCode::FailedPrecondition,
                marked.error().message + " (a worker claimed it during the migration; " +
                    std::to_string(copied) + " task(s) were copied so far)",
                "stop every process using the old store and migrate again: what was copied is "
                "not copied twice");
  }
  return fail(marked.error());
}

}  // namespace

Result<MigrationReport> migrate_tasks(TaskStore& from, TaskStore& to, Millis now) {
  if (auto s = check_source_idle(from, now); !s) return fail(s.error());
  const std::string destination = to.describe();

  MigrationReport report;
  TaskQuery q(OwnerScope::everyone());
  q.limit = kPage;
  for (;;) {
    auto page = from.list(q);
    if (!page) return fail(page.error());
    for (const auto& listed : page->tasks) {
      auto t = marked_copy(from, listed, destination, now, report.copied);
      if (!t) return fail(t.error());
      auto copied = to.copy_in(*t);
      if (!copied) {
        if (copied.error().code == ErrorCode::Conflict) {
          report.conflicting.push_back(t->id);
          continue;
        }
        return fail(copied.error());
      }
      switch (*copied) {
        case TaskAdmin::Copied::New:
          ++report.copied;
          break;
        case TaskAdmin::Copied::Already:
          ++report.already;
          break;
        case TaskAdmin::Copied::Differs:
          report.differing.push_back(t->id);
          break;
      }
    }
    if (page->next_cursor.empty()) break;
    q.cursor = page->next_cursor;
  }
  auto quarantined = from.quarantined();
  if (!quarantined) return fail(quarantined.error());
  report.quarantined_left = static_cast<long long>(quarantined->size());
  return report;
}

Status migrate_records(TaskStore& from, TaskStore& to, const std::vector<std::string>& kinds,
                       MigrationReport& report) {
  for (const auto& kind : kinds) {
    auto records = from.list_records(kind);
    if (!records) return fail(records.error());
    for (const auto& r : *records) {
      enum class Outcome { Copied, Already, Differs } outcome = Outcome::Copied;
      auto written = to.mutate_record(
          kind, r.key, [&](const std::optional<std::string>& current) -> Result<RecordEdit> {
            if (!current) {
              outcome = Outcome::Copied;
              return RecordEdit::put(r.body);
            }
            outcome = *current == r.body ? Outcome::Already : Outcome::Differs;
            return RecordEdit::keep();
          });
      if (!written) return fail(written.error());
      switch (outcome) {
        case Outcome::Copied:
          ++report.records_copied;
          break;
        case Outcome::Already:
          ++report.records_already;
          break;
        case Outcome::Differs:
          report.records_differing.push_back(kind + "/" + r.key);
          break;
      }
    }
  }
  return ok();
}

}  // namespace nmcp::store
