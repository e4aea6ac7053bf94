#include "core/store/sqlite/sqlite_task_store.h"

#include <algorithm>
#include <charconv>
#include <functional>
#include <mutex>
#include <set>
#include <utility>

#include "core/base/text.h"
#include "core/sqlite/sqlite_db.h"
#include "core/store/sqlite/store_file.h"
#include "core/task/state_machine.h"

namespace nmcp::store {

namespace {

using nlohmann::json;
using sqlite::SqliteDb;
using sqlite::Statement;
using sqlite::Transaction;
using task::State;

constexpr int kBusyTimeoutMs = 10'000;
constexpr int kSchemaVersion = 1;
constexpr int kClaimScanLimit = 256;  // candidates examined per claim
constexpr int kDurationSamples = 20;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS tasks(
  id TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  pool TEXT NOT NULL,
  state TEXT NOT NULL,
  instance TEXT NOT NULL,
  has_scan INTEGER NOT NULL,
  idempotency_key TEXT,
  name TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  not_before INTEGER NOT NULL,
  lease_until INTEGER NOT NULL,
  started_at INTEGER,
  finished_at INTEGER,
  dead_lettered_at INTEGER,
  doc TEXT NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS tasks_idempotency ON tasks(owner, idempotency_key)
  WHERE idempotency_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS tasks_queue ON tasks(state, pool, created_at);
CREATE INDEX IF NOT EXISTS tasks_owner ON tasks(owner, created_at);
CREATE INDEX IF NOT EXISTS tasks_dead ON tasks(dead_lettered_at) WHERE dead_lettered_at IS NOT NULL;
CREATE TABLE IF NOT EXISTS scanner_status(
  instance TEXT PRIMARY KEY,
  doc TEXT NOT NULL,
  updated_at INTEGER NOT NULL);
)sql";

Error not_found(const std::string& id) {
  return Error{ErrorCode::NotFound, "no task " + id,
               "check the task_id; list_tasks shows your tasks"};
}

Error lease_lost(const Task& t, const std::string& worker) {
  return Error{ErrorCode::FailedPrecondition,
               "worker " + worker + " no longer holds the lease on task " + t.id + " (state " +
                   std::string(task::to_string(t.state)) +
                   (t.worker.empty() ? "" : ", held by " + t.worker) + ")",
               "stop working on this task; another worker owns it now"};
}

Status holds_lease(const Task& t, const std::string& worker) {
  if (t.state != State::Running || t.worker != worker) return fail(lease_lost(t, worker));
  return ok();
}

std::string encode_cursor(const Task& t) { return std::to_string(t.created_at) + "." + t.id; }

Result<std::pair<Millis, std::string>> decode_cursor(const std::string& cursor) {
  const auto dot = cursor.find('.');
  Millis created = 0;
  if (dot != std::string::npos) {
    const auto [end, ec] = std::from_chars(cursor.data(), cursor.data() + dot, created);
    const std::string id = cursor.substr(dot + 1);
    if (ec == std::errc() && end == cursor.data() + dot && task::is_valid_task_id(id)) {
      return std::make_pair(created, id);
    }
  }
  return fail(ErrorCode::InvalidArgument, "the cursor is not one this server issued",
              "pass next_cursor from the previous page unchanged, or omit it to start over");
}

class SqliteTaskStore final : public TaskStore {
 public:
  SqliteTaskStore(std::string path, std::unique_ptr<SqliteDb> db)
      : path_(std::move(path)), db_(std::move(db)) {}

  std::string describe() const override { return "sqlite:" + path_; }

  Status ping() override {
    std::lock_guard lock(mu_);
    auto st = db_->prepare("SELECT COUNT(*) FROM tasks LIMIT 1");
    if (!st) return fail(st.error());
    auto row = st->step();
    if (!row) return fail(row.error());
    return ok();
  }

  Result<SubmitResult> submit(Task t) override {
    std::lock_guard lock(mu_);
    auto tx = Transaction::begin(*db_);
    if (!tx) return fail(tx.error());
    if (!t.idempotency_key.empty()) {
      auto st = db_->prepare("SELECT doc FROM tasks WHERE owner = ? AND idempotency_key = ?");
      if (!st) return fail(st.error());
      st->bind(1, t.owner).bind(2, t.idempotency_key);
      auto row = st->step();
      if (!row) return fail(row.error());
      if (*row) {
        auto existing = parse_doc(st->column_text(0));
        if (!existing) return fail(existing.error());
        if (existing->request_hash != t.request_hash) {
          return fail(ErrorCode::Conflict,
                      "idempotency_key '" + t.idempotency_key +
                          "' was already used for a different request (task " + existing->id + ")",
                      "reuse a key only to retry the identical request; use a new key for a new "
                      "scan");
        }
        return SubmitResult{std::move(*existing), false};
      }
    }
    t.state = State::Queued;
    t.updated_at = t.created_at;
    if (auto s = insert(t); !s) return fail(s.error());
    if (auto s = tx->commit(); !s) return fail(s.error());
    return SubmitResult{std::move(t), true};
  }

  Result<Task> import_completed(Task t) override {
    std::lock_guard lock(mu_);
    auto tx = Transaction::begin(*db_);
    if (!tx) return fail(tx.error());
    t.state = State::Completed;
    t.step = task::Step::Index;
    t.progress = 100;
    t.updated_at = t.created_at;
    t.finished_at = t.created_at;
    if (auto s = insert(t); !s) return fail(s.error());
    if (auto s = tx->commit(); !s) return fail(s.error());
    return t;
  }

  Result<Task> get(const std::string& id) override {
    std::lock_guard lock(mu_);
    auto t = load(id);
    if (!t) return fail(t.error());
    if (!*t) return fail(not_found(id));
    return std::move(**t);
  }

  Result<TaskPage> list(const TaskQuery& q) override {
    std::string sql = "SELECT doc FROM tasks WHERE 1=1";
    if (!q.owner.empty()) sql += " AND owner = :owner";
    if (q.state) sql += " AND state = :state";
    if (!q.pool.empty()) sql += " AND pool = :pool";
    if (q.dead_lettered_only) sql += " AND dead_lettered_at IS NOT NULL";
    std::optional<std::pair<Millis, std::string>> after;
    if (!q.cursor.empty()) {
      auto c = decode_cursor(q.cursor);
      if (!c) return fail(c.error());
      after = *c;
      sql += " AND (created_at < :c_at OR (created_at = :c_at AND id < :c_id))";
    }
    sql += " ORDER BY created_at DESC, id DESC";
    std::lock_guard lock(mu_);
    auto st = db_->prepare(sql);
    if (!st) return fail(st.error());
    int i = 0;
    if (!q.owner.empty()) st->bind(++i, q.owner);
    if (q.state) st->bind(++i, task::to_string(*q.state));
    if (!q.pool.empty()) st->bind(++i, q.pool);
    if (after) {
      st->bind(i + 1, after->first).bind(i + 2, after->second);
    }
    TaskPage page;
    const std::size_t limit = std::max<std::size_t>(1, q.limit);
    for (;;) {
      auto row = st->step();
      if (!row) return fail(row.error());
      if (!*row) break;
      auto t = parse_doc(st->column_text(0));
      if (!t) return fail(t.error());
      if (!q.name_contains.empty() && !contains_ignoring_case(t->name, q.name_contains)) continue;
      if (q.predicate && !q.predicate(*t)) continue;
      if (page.tasks.size() == limit) {  // one more exists: this page is not the last
        page.next_cursor = encode_cursor(page.tasks.back());
        break;
      }
      page.tasks.push_back(std::move(*t));
    }
    return page;
  }

  Result<std::optional<Task>> claim(const ClaimRequest& r) override {
    if (r.pools.empty()) return std::optional<Task>();
    std::lock_guard lock(mu_);
    auto tx = Transaction::begin(*db_);
    if (!tx) return fail(tx.error());
    auto running = count_running();
    if (!running) return fail(running.error());
    auto picked = pick(r, *running);
    if (!picked) return fail(picked.error());
    std::optional<Task> chosen = std::move(*picked);
    if (!chosen) return std::optional<Task>();

    Task& t = *chosen;
    if (t.state == State::Queued) {
      if (auto s = task::check_transition(t, State::Running); !s) return fail(s.error());
    }
    t.state = State::Running;
    t.worker = r.worker;
    t.lease_until = r.now + r.lease_ms;
    t.attempts += 1;
    t.updated_at = r.now;
    if (!t.started_at) t.started_at = r.now;
    if (auto s = update(t); !s) return fail(s.error());
    if (auto s = tx->commit(); !s) return fail(s.error());
    return chosen;
  }

  Result<Task> renew(const std::string& id, const std::string& worker, Millis now,
                     Millis lease_until) override {
    return mutate(id, [&](Task& t) -> Status {
      if (auto s = holds_lease(t, worker); !s) return s;
      t.lease_until = lease_until;
      t.updated_at = now;
      return ok();
    });
  }

  Result<Task> record(const std::string& id, const std::string& worker, const StepUpdate& u,
                      Millis now, Millis lease_until) override {
    return mutate(id, [&](Task& t) -> Status {
      if (auto s = holds_lease(t, worker); !s) return s;
      if (u.step) t.step = *u.step;
      if (u.nessus_scan_id) t.nessus_scan_id = *u.nessus_scan_id;
      if (u.clear_export) t.export_file_id.reset();
      if (u.erase_credentials) t.sealed_credentials.clear();
      if (u.export_file_id) t.export_file_id = *u.export_file_id;
      if (u.nessus_status) t.nessus_status = *u.nessus_status;
      if (u.progress) t.progress = std::clamp(*u.progress, 0.0, 100.0);
      if (u.validation) t.validation = *u.validation;
      if (u.summary) t.summary = *u.summary;
      if (u.step_succeeded) t.failures = 0;
      t.lease_until = lease_until;
      t.updated_at = now;
      return ok();
    });
  }

  Result<Task> finish(const std::string& id, const std::string& worker, State to,
                      const task::TaskError& error, Millis now) override {
    return mutate(id, [&](Task& t) -> Status {
      if (auto s = holds_lease(t, worker); !s) return s;
      if (!task::is_terminal(to)) {
        return fail(ErrorCode::InvalidArgument, "finish() needs a terminal state");
      }
      if (auto s = task::check_transition(t, to); !s) return s;
      t.state = to;
      t.error = error;
      t.sealed_credentials.clear();
      if (to == State::Completed) {
        t.step = task::Step::Done;
        t.progress = 100;
      }
      end_lease(t);
      t.finished_at = now;
      t.updated_at = now;
      return ok();
    });
  }

  Result<Task> retry_later(const std::string& id, const std::string& worker,
                           const task::TaskError& error, const RetryDecision& d,
                           Millis now) override {
    return mutate(id, [&](Task& t) -> Status {
      if (auto s = holds_lease(t, worker); !s) return s;
      t.failures += 1;
      t.error = error;
      if (t.failures >= d.max_failures) {
        t.error.message += " (gave up after " + std::to_string(t.failures) + " attempts)";
        return park_dead(t, now);
      }
      if (auto s = task::check_transition(t, State::Queued); !s) return s;
      t.state = State::Queued;
      t.not_before = d.not_before;
      end_lease(t);
      t.updated_at = now;
      return ok();
    });
  }

  Result<Task> dead_letter(const std::string& id, const std::string& worker,
                           const task::TaskError& error, Millis now) override {
    return mutate(id, [&](Task& t) -> Status {
      if (auto s = holds_lease(t, worker); !s) return s;
      t.failures += 1;
      t.error = error;
      return park_dead(t, now);
    });
  }

  Result<Task> release(const std::string& id, const std::string& worker, Millis now) override {
    return mutate(id, [&](Task& t) -> Status {
      if (auto s = holds_lease(t, worker); !s) return s;
      if (auto s = task::check_transition(t, State::Queued); !s) return s;
      t.state = State::Queued;
      t.not_before = now;
      end_lease(t);
      t.updated_at = now;
      return ok();
    });
  }

  Result<Task> request_cancel(const std::string& id, const std::string& owner,
                              Millis now) override {
    return mutate(id, [&](Task& t) -> Status {
      if (!owner.empty() && t.owner != owner) return fail(not_found(id));
      if (task::is_terminal(t.state)) {
        return fail(
            ErrorCode::FailedPrecondition,
            "task " + id + " has already finished (" + std::string(task::to_string(t.state)) + ")",
            "nothing to cancel");
      }
      if (t.state == State::Queued && !t.nessus_scan_id) {
        if (auto s = task::check_transition(t, State::Cancelled); !s) return s;
        t.state = State::Cancelled;
        t.error = {"cancelled", "cancelled before a scanner started it", ""};
        t.sealed_credentials.clear();
        t.finished_at = now;
      } else {
        // A Nessus scan exists: the worker must stop it before the task can end.
        t.cancel_requested = true;
      }
      t.updated_at = now;
      return ok();
    });
  }

  Result<std::map<std::string, int>> running_per_instance() override {
    std::lock_guard lock(mu_);
    return count_running();
  }

  Result<std::vector<QueueStats>> queue_stats() override {
    std::lock_guard lock(mu_);
    auto st = db_->prepare(
        "SELECT pool, SUM(state = 'queued'), SUM(state = 'running'), "
        "SUM(dead_lettered_at IS NOT NULL), MIN(CASE WHEN state = 'queued' THEN created_at END) "
        "FROM tasks GROUP BY pool ORDER BY pool");
    if (!st) return fail(st.error());
    std::vector<QueueStats> out;
    for (;;) {
      auto row = st->step();
      if (!row) return fail(row.error());
      if (!*row) break;
      QueueStats q;
      q.pool = st->column_text(0);
      q.queued = static_cast<int>(st->column_int(1));
      q.running = static_cast<int>(st->column_int(2));
      q.dead_letters = static_cast<int>(st->column_int(3));
      if (!st->column_is_null(4)) q.oldest_queued_at = st->column_int(4);
      out.push_back(std::move(q));
    }
    return out;
  }

  Result<int> queue_position(const std::string& id) override {
    std::lock_guard lock(mu_);
    auto t = load(id);
    if (!t) return fail(t.error());
    if (!*t) return fail(not_found(id));
    const Task& task = **t;
    if (task.state != State::Queued) return 0;
    auto st = db_->prepare(
        "SELECT COUNT(*) FROM tasks WHERE pool = ? AND state = 'queued' AND "
        "(created_at < ? OR (created_at = ? AND id < ?))");
    if (!st) return fail(st.error());
    st->bind(1, task.pool).bind(2, task.created_at).bind(3, task.created_at).bind(4, task.id);
    auto row = st->step();
    if (!row) return fail(row.error());
    return static_cast<int>(st->column_int(0)) + 1;
  }

  Result<std::optional<Millis>> typical_duration(const std::string& pool) override {
    std::lock_guard lock(mu_);
    auto st = db_->prepare(
        "SELECT AVG(finished_at - started_at), COUNT(*) FROM (SELECT finished_at, started_at "
        "FROM tasks WHERE pool = ? AND state = 'completed' AND started_at IS NOT NULL "
        "ORDER BY finished_at DESC LIMIT " +
        std::to_string(kDurationSamples) + ")");
    if (!st) return fail(st.error());
    st->bind(1, pool);
    auto row = st->step();
    if (!row) return fail(row.error());
    if (st->column_int(1) == 0) return std::optional<Millis>();
    return std::optional<Millis>(static_cast<Millis>(st->column_double(0)));
  }

  Result<Task> retry_dead_letter(const std::string& id, Millis now) override {
    return mutate(id, [&](Task& t) -> Status {
      if (!t.dead_lettered) {
        return fail(ErrorCode::FailedPrecondition,
                    "task " + id + " is not in the dead-letter queue (state " +
                        std::string(task::to_string(t.state)) + ")",
                    "list-dlq shows the tasks that can be retried");
      }
      if (auto s = task::check_transition(t, State::Queued); !s) return s;
      t.state = State::Queued;
      t.dead_lettered = false;
      t.dead_lettered_at.reset();
      t.finished_at.reset();
      t.failures = 0;
      t.error = {};
      t.not_before = now;
      t.updated_at = now;
      return ok();
    });
  }

  Result<int> purge_dead_letters(const std::string& pool, Millis before) override {
    std::lock_guard lock(mu_);
    auto st = db_->prepare(
        "DELETE FROM tasks WHERE dead_lettered_at IS NOT NULL AND dead_lettered_at < ? AND "
        "(? = '' OR pool = ?)");
    if (!st) return fail(st.error());
    st->bind(1, before).bind(2, pool).bind(3, pool);
    if (auto s = st->run(); !s) return fail(s.error());
    return db_->changes();
  }

  Status put_scanner_status(const std::string& instance, const json& status, Millis now) override {
    std::lock_guard lock(mu_);
    auto st = db_->prepare(
        "INSERT INTO scanner_status(instance, doc, updated_at) VALUES(?, ?, ?) "
        "ON CONFLICT(instance) DO UPDATE SET doc = excluded.doc, updated_at = excluded.updated_at");
    if (!st) return fail(st.error());
    st->bind(1, instance).bind(2, status.dump()).bind(3, now);
    return st->run();
  }

  Result<std::map<std::string, json>> scanner_statuses() override {
    std::lock_guard lock(mu_);
    auto st = db_->prepare("SELECT instance, doc, updated_at FROM scanner_status");
    if (!st) return fail(st.error());
    std::map<std::string, json> out;
    for (;;) {
      auto row = st->step();
      if (!row) return fail(row.error());
      if (!*row) break;
      json doc = json::parse(st->column_text(1), nullptr, false);
      if (doc.is_discarded() || !doc.is_object()) continue;
      doc["updated_at"] = st->column_int(2);
      out[st->column_text(0)] = std::move(doc);
    }
    return out;
  }

 private:
  static void end_lease(Task& t) {
    t.worker.clear();
    t.lease_until = 0;
  }

  static Status park_dead(Task& t, Millis now) {
    if (auto s = task::check_transition(t, State::Failed); !s) return s;
    t.state = State::Failed;
    t.dead_lettered = true;
    t.sealed_credentials.clear();  // an operator retry cannot bring secrets back
    t.dead_lettered_at = now;
    t.finished_at = now;
    end_lease(t);
    t.updated_at = now;
    return ok();
  }

  // The oldest claimable task the offered instances can take (caller holds mu_ in a
  // transaction).
  Result<std::optional<Task>> pick(const ClaimRequest& r,
                                   const std::map<std::string, int>& running) {
    std::string sql =
        "SELECT doc FROM tasks WHERE ((state = 'running' AND lease_until < ?1) OR "
        "(state = 'queued' AND not_before <= ?1)) AND pool IN (";
    for (std::size_t i = 0; i < r.pools.size(); ++i) sql += i == 0 ? "?" : ",?";
    sql += ") ORDER BY created_at, id LIMIT " + std::to_string(kClaimScanLimit);
    auto st = db_->prepare(sql);
    if (!st) return fail(st.error());
    st->bind(1, r.now);
    int index = 1;
    for (const auto& [pool, slots] : r.pools) st->bind(++index, pool);

    std::set<std::string> full_pools;
    std::optional<Task> chosen;
    for (;;) {
      auto row = st->step();
      if (!row) return fail(row.error());
      if (!*row) break;
      auto t = parse_doc(st->column_text(0));
      if (!t) return fail(t.error());
      const auto& offered = r.pools.at(t->pool);
      const bool bound = t->nessus_scan_id.has_value() || t->state == State::Running;
      if (bound && !t->instance.empty()) {
        // Its scan lives on one instance: only that instance can take it back.
        const bool reachable =
            std::any_of(offered.begin(), offered.end(),
                        [&](const InstanceSlot& s) { return s.id == t->instance; });
        if (!reachable) continue;
      } else {
        if (full_pools.count(t->pool) != 0) continue;
        auto instance = least_utilised(offered, running);
        if (!instance) {
          full_pools.insert(t->pool);
          continue;
        }
        t->instance = *instance;
      }
      chosen = std::move(*t);
      break;
    }
    return chosen;
  }

  static Result<Task> parse_doc(const std::string& text) {
    const json j = json::parse(text, nullptr, false);
    auto t = j.is_discarded() ? std::nullopt : task::task_from_json(j);
    if (!t) {
      return fail(ErrorCode::Internal, "a task record in the store is corrupt",
                  "inspect the store with admin_cli; the record was left untouched");
    }
    return std::move(*t);
  }

  // Caller holds mu_.
  Result<std::optional<Task>> load(const std::string& id) {
    auto st = db_->prepare("SELECT doc FROM tasks WHERE id = ?");
    if (!st) return fail(st.error());
    st->bind(1, id);
    auto row = st->step();
    if (!row) return fail(row.error());
    if (!*row) return std::optional<Task>();
    auto t = parse_doc(st->column_text(0));
    if (!t) return fail(t.error());
    return std::optional<Task>(std::move(*t));
  }

  Result<std::map<std::string, int>> count_running() {
    auto st = db_->prepare(
        "SELECT instance, COUNT(*) FROM tasks WHERE state = 'running' AND instance != '' "
        "GROUP BY instance");
    if (!st) return fail(st.error());
    std::map<std::string, int> out;
    for (;;) {
      auto row = st->step();
      if (!row) return fail(row.error());
      if (!*row) break;
      out[st->column_text(0)] = static_cast<int>(st->column_int(1));
    }
    return out;
  }

  static void bind_columns(Statement& st, const Task& t) {
    st.bind(1, t.id).bind(2, t.owner).bind(3, t.pool).bind(4, task::to_string(t.state));
    st.bind(5, t.instance).bind(6, t.nessus_scan_id ? 1 : 0);
    if (t.idempotency_key.empty()) {
      st.bind_null(7);
    } else {
      st.bind(7, t.idempotency_key);
    }
    st.bind(8, t.name).bind(9, t.created_at).bind(10, t.not_before).bind(11, t.lease_until);
    auto opt = [&st](int i, const std::optional<Millis>& v) {
      if (v) {
        st.bind(i, *v);
      } else {
        st.bind_null(i);
      }
    };
    opt(12, t.started_at);
    opt(13, t.finished_at);
    opt(14, t.dead_lettered_at);
    st.bind(15, task::to_json(t).dump());
  }

  Status insert(const Task& t) {
    auto st = db_->prepare(
        "INSERT INTO tasks(id, owner, pool, state, instance, has_scan, idempotency_key, name, "
        "created_at, not_before, lease_until, started_at, finished_at, dead_lettered_at, doc) "
        "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)");
    if (!st) return fail(st.error());
    bind_columns(*st, t);
    return st->run();
  }

  Status update(const Task& t) {
    auto st = db_->prepare(
        "UPDATE tasks SET owner = ?2, pool = ?3, state = ?4, instance = ?5, has_scan = ?6, "
        "idempotency_key = ?7, name = ?8, created_at = ?9, not_before = ?10, lease_until = ?11, "
        "started_at = ?12, finished_at = ?13, dead_lettered_at = ?14, doc = ?15 WHERE id = ?1");
    if (!st) return fail(st.error());
    bind_columns(*st, t);
    return st->run();
  }

  Result<Task> mutate(const std::string& id, const std::function<Status(Task&)>& change) {
    std::lock_guard lock(mu_);
    auto tx = Transaction::begin(*db_);
    if (!tx) return fail(tx.error());
    auto loaded = load(id);
    if (!loaded) return fail(loaded.error());
    if (!*loaded) return fail(not_found(id));
    Task t = std::move(**loaded);
    if (auto s = change(t); !s) return fail(s.error());
    if (auto s = update(t); !s) return fail(s.error());
    if (auto s = tx->commit(); !s) return fail(s.error());
    return t;
  }

  const std::string path_;
  std::mutex mu_;
  std::unique_ptr<SqliteDb> db_;  // guarded by mu_
};

}  // namespace

Result<std::unique_ptr<TaskStore>> open_sqlite_store(const std::string& path,
                                                     IfMissing if_missing) {
  auto db = open_store_file(path, {kSchema, kSchemaVersion}, if_missing, kBusyTimeoutMs);
  if (!db) return fail(db.error());
  return std::unique_ptr<TaskStore>(std::make_unique<SqliteTaskStore>(path, std::move(*db)));
}

}  // namespace nmcp::store
