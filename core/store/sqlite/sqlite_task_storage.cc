#include "core/store/sqlite/sqlite_task_storage.h"

#include <algorithm>
#include <functional>
#include <mutex>
#include <utility>

#include "core/base/clock.h"
#include "core/base/text.h"
#include "core/sqlite/sqlite_db.h"
#include "core/store/list_cursor.h"
#include "core/store/sqlite/sqlite_storage_internal.h"
#include "core/store/sqlite/store_file.h"

namespace nmcp::store {

namespace {

// 2: the quarantine table; 3: leader leases; 4: the finished-tasks index (housekeeping);
// 5: records (schedules, quotas)
constexpr int kSchemaVersion = 5;

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
CREATE INDEX IF NOT EXISTS tasks_finished ON tasks(state, finished_at, id);
CREATE INDEX IF NOT EXISTS tasks_dead_order ON tasks(dead_lettered_at, id)
  WHERE dead_lettered_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS tasks_lease ON tasks(lease_until, id) WHERE state = 'running';
CREATE TABLE IF NOT EXISTS scanner_status(
  instance TEXT PRIMARY KEY,
  doc TEXT NOT NULL,
  updated_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS quarantine(
  id TEXT PRIMARY KEY,
  reason TEXT NOT NULL,
  quarantined_at INTEGER NOT NULL,
  record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS leaders(
  role TEXT PRIMARY KEY,
  holder TEXT NOT NULL,
  token INTEGER NOT NULL,
  expires_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS records(
  kind TEXT NOT NULL,
  key TEXT NOT NULL,
  body TEXT NOT NULL,
  PRIMARY KEY(kind, key));
)sql";

}  // namespace

namespace sqlite_detail {

std::optional<Task> parse_doc(const std::string& text) {
  const json j = json::parse(text, nullptr, false);
  if (j.is_discarded()) return std::nullopt;
  return task::task_from_json(j);
}

Error quarantined_error(const std::string& id) {
  return Error{ErrorCode::DataLoss,
               "the record of task " + id + " is damaged; it was moved to the quarantine",
               "admin_cli store quarantine show " + id + " shows it (export or delete it there)"};
}

Status SqliteTaskStorage::ping() {
  std::lock_guard lock(mu_);
  auto st = db_->prepare("SELECT COUNT(*) FROM tasks LIMIT 1");
  if (!st) return fail(st.error());
  auto row = st->step();
  if (!row) return fail(row.error());
  return ok();
}

Result<std::optional<Task>> SqliteTaskStorage::insert_unique(const Task& t) {
  std::lock_guard lock(mu_);
  auto tx = Transaction::begin(*db_);
  if (!tx) return fail(tx.error());
  if (!t.idempotency_key.empty()) {
    std::optional<Unreadable> damaged;
    {
      auto st = db_->prepare("SELECT id, doc FROM tasks WHERE owner = ? AND idempotency_key = ?");
      if (!st) return fail(st.error());
      st->bind(1, t.owner).bind(2, t.idempotency_key);
      auto row = st->step();
      if (!row) return fail(row.error());
      if (*row) {
        auto existing = parse_doc(st->column_text(1));
        if (existing) return std::optional<Task>(std::move(*existing));
        damaged = Unreadable{st->column_text(0), st->column_text(1)};
      }
    }
    // The key's old task is unreadable: it goes to the quarantine and the key is free again.
    if (damaged) {
      if (auto s = quarantine_locked(*damaged); !s) return fail(s.error());
    }
  }
  if (auto s = write(t, kInsert); !s) return fail(s.error());
  if (auto s = tx->commit(); !s) return fail(s.error());
  return std::optional<Task>();
}

Status SqliteTaskStorage::insert(const Task& t) {
  std::lock_guard lock(mu_);
  auto tx = Transaction::begin(*db_);
  if (!tx) return fail(tx.error());
  auto existing = load_locked(t.id);
  if (!existing) return fail(existing.error());
  if (*existing) return fail(ErrorCode::AlreadyExists, "task " + t.id + " already exists");
  if (auto s = write(t, kInsert); !s) return s;
  return tx->commit();
}

Result<std::optional<std::string>> SqliteTaskStorage::keyed_task_id(const std::string& owner,
                                                                    const std::string& key) {
  std::lock_guard lock(mu_);
  auto st = db_->prepare("SELECT id FROM tasks WHERE owner = ? AND idempotency_key = ?");
  if (!st) return fail(st.error());
  st->bind(1, owner).bind(2, key);
  auto row = st->step();
  if (!row) return fail(row.error());
  if (!*row) return std::optional<std::string>();
  return std::optional<std::string>(st->column_text(0));
}

Result<std::optional<Task>> SqliteTaskStorage::load(const std::string& id) {
  std::lock_guard lock(mu_);
  auto t = load_locked(id);
  if (!t && t.error().code == ErrorCode::DataLoss) {
    // Quarantined outside the read, in a write transaction of its own.
    auto tx = Transaction::begin(*db_);
    if (tx && move_damaged_locked(id) && tx->commit()) return fail(quarantined_error(id));
  }
  return t;
}

Result<Task> SqliteTaskStorage::mutate(const std::string& id,
                                       const std::function<Status(Task&)>& change) {
  std::lock_guard lock(mu_);
  auto tx = Transaction::begin(*db_);
  if (!tx) return fail(tx.error());
  auto loaded = load_locked(id);
  if (!loaded && loaded.error().code == ErrorCode::DataLoss) {
    if (move_damaged_locked(id) && tx->commit()) return fail(quarantined_error(id));
  }
  if (!loaded) return fail(loaded.error());
  if (!*loaded) return fail(lifecycle::not_found(id));
  Task t = std::move(**loaded);
  if (auto s = change(t); !s) return fail(s.error());
  if (auto s = write(t, kUpdate); !s) return fail(s.error());
  if (auto s = tx->commit(); !s) return fail(s.error());
  return t;
}

Result<std::optional<Task>> SqliteTaskStorage::claim(lifecycle::ClaimPlanner& planner) {
  const ClaimRequest& r = planner.request();
  std::lock_guard lock(mu_);
  auto tx = Transaction::begin(*db_);
  if (!tx) return fail(tx.error());
  auto running = count_running();
  if (!running) return fail(running.error());
  planner.begin(std::move(*running));

  std::vector<Task> changed;
  std::vector<Unreadable> damaged;  // never stall the queue: set aside, claim the rest
  std::optional<Task> taken;
  {  // the read ends before the writes
    auto st = db_->prepare(claim_sql(r.pools.size()));
    if (!st) return fail(st.error());
    st->bind(1, r.now);
    int index = 1;
    for (const auto& [pool, slots] : r.pools) st->bind(++index, pool);
    for (;;) {
      auto row = st->step();
      if (!row) return fail(row.error());
      if (!*row) break;
      auto t = parse_doc(st->column_text(1));
      if (!t) {
        damaged.push_back({st->column_text(0), st->column_text(1)});
        continue;
      }
      const auto verdict = planner.consider(*t);
      if (verdict == lifecycle::ClaimPlanner::Verdict::Skip) continue;
      if (verdict == lifecycle::ClaimPlanner::Verdict::Take) {
        taken = std::move(*t);
        break;
      }
      changed.push_back(std::move(*t));
    }
  }
  if (taken) changed.push_back(*taken);
  for (const auto& t : changed) {
    if (auto s = write(t, kUpdate); !s) return fail(s.error());
  }
  for (const auto& d : damaged) {
    if (auto s = quarantine_locked(d); !s) return fail(s.error());
  }
  if (!changed.empty() || !damaged.empty()) {
    if (auto s = tx->commit(); !s) return fail(s.error());
  }
  return taken;
}

Result<TaskPage> SqliteTaskStorage::list(const TaskQuery& q) {
  std::string sql = "SELECT id, doc FROM tasks WHERE 1=1";
  if (!q.owner.is_everyone()) sql += " AND owner = :owner";
  if (q.state) sql += " AND state = :state";
  if (!q.pool.empty()) sql += " AND pool = :pool";
  if (q.dead_lettered_only) sql += " AND dead_lettered_at IS NOT NULL";
  if (q.created_since) sql += " AND created_at >= :since";
  std::optional<std::pair<Millis, std::string>> after;
  if (!q.cursor.empty()) {
    auto c = decode_cursor(q.cursor);
    if (!c) return fail(c.error());
    after = *c;
    sql += " AND (created_at < :c_at OR (created_at = :c_at AND id < :c_id))";
  }
  sql += " ORDER BY created_at DESC, id DESC";
  std::lock_guard lock(mu_);
  TaskPage page;
  std::vector<Unreadable> damaged;
  {  // the read ends before any quarantine write
    auto st = db_->prepare(sql);
    if (!st) return fail(st.error());
    int i = 0;
    if (!q.owner.is_everyone()) st->bind(++i, q.owner.tenant_name());
    if (q.state) st->bind(++i, task::to_string(*q.state));
    if (!q.pool.empty()) st->bind(++i, q.pool);
    if (q.created_since) st->bind(++i, *q.created_since);
    if (after) {
      st->bind(i + 1, after->first).bind(i + 2, after->second);
    }
    const std::size_t limit = std::max<std::size_t>(1, q.limit);
    for (;;) {
      auto row = st->step();
      if (!row) return fail(row.error());
      if (!*row) break;
      auto t = parse_doc(st->column_text(1));
      if (!t) {
        damaged.push_back({st->column_text(0), st->column_text(1)});
        continue;
      }
      if (!q.name_contains.empty() && !contains_ignoring_case(t->name, q.name_contains)) {
        continue;
      }
      if (q.predicate && !q.predicate(*t)) continue;
      if (page.tasks.size() == limit) {  // one more exists: this page is not the last
        page.next_cursor = encode_cursor(page.tasks.back());
        break;
      }
      page.tasks.push_back(std::move(*t));
    }
  }
  if (!damaged.empty()) {
    // Best effort: a busy store leaves them for the next read to move.
    if (auto tx = Transaction::begin(*db_)) {
      bool all = true;
      for (const auto& d : damaged) all = all && quarantine_locked(d).has_value();
      if (all) (void)tx->commit();
    }
  }
  return page;
}

Result<std::map<std::string, int>> SqliteTaskStorage::running_per_instance() {
  std::lock_guard lock(mu_);
  return count_running();
}

Result<std::vector<QueueStats>> SqliteTaskStorage::queue_stats() {
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

Result<int> SqliteTaskStorage::queued_ahead(const Task& t) {
  std::lock_guard lock(mu_);
  auto st = db_->prepare(
      "SELECT COUNT(*) FROM tasks WHERE pool = ? AND state = 'queued' AND "
      "(created_at < ? OR (created_at = ? AND id < ?))");
  if (!st) return fail(st.error());
  st->bind(1, t.pool).bind(2, t.created_at).bind(3, t.created_at).bind(4, t.id);
  auto row = st->step();
  if (!row) return fail(row.error());
  return static_cast<int>(st->column_int(0));
}

Result<std::optional<Millis>> SqliteTaskStorage::typical_duration(const std::string& pool) {
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

Result<int> SqliteTaskStorage::purge_dead_letters(const std::string& pool, Millis before) {
  // The indexed form of lifecycle::purgeable_dead_letter.
  std::lock_guard lock(mu_);
  auto st = db_->prepare(
      "DELETE FROM tasks WHERE dead_lettered_at IS NOT NULL AND dead_lettered_at < ? AND "
      "(? = '' OR pool = ?)");
  if (!st) return fail(st.error());
  st->bind(1, before).bind(2, pool).bind(3, pool);
  if (auto s = st->run(); !s) return fail(s.error());
  return db_->changes();
}

Result<std::vector<Task>> SqliteTaskStorage::finished_before(FinishedKind kind, Millis before,
                                                             std::size_t limit) {
  return finished_at(kind, "<", before, limit);
}

Result<std::vector<Task>> SqliteTaskStorage::finished_at(FinishedKind kind, const char* compare,
                                                         Millis at, std::size_t limit) {
  // The indexed form of lifecycle::finished_kind and finished_time.
  const std::string sql =
      kind == FinishedKind::DeadLetter
          ? std::string(
                "SELECT doc FROM tasks WHERE dead_lettered_at IS NOT NULL AND "
                "dead_lettered_at ") +
                compare + " ? ORDER BY dead_lettered_at, id LIMIT ?"
          : std::string("SELECT doc FROM tasks WHERE state = ? AND finished_at ") + compare +
                " ? AND dead_lettered_at IS NULL ORDER BY finished_at, id LIMIT ?";
  std::lock_guard lock(mu_);
  auto st = db_->prepare(sql);
  if (!st) return fail(st.error());
  const auto max = static_cast<std::int64_t>(limit);
  if (kind == FinishedKind::DeadLetter) {
    st->bind(1, at).bind(2, max);
  } else {
    st->bind(1, state_of(kind)).bind(2, at).bind(3, max);
  }
  return read_docs(*st);
}

Result<std::vector<Task>> SqliteTaskStorage::finished_since(FinishedKind kind, Millis since,
                                                            std::size_t limit) {
  return finished_at(kind, ">=", since, limit);
}

Result<std::vector<Task>> SqliteTaskStorage::expired_running(Millis before, std::size_t limit) {
  std::lock_guard lock(mu_);
  auto st = db_->prepare(
      "SELECT doc FROM tasks WHERE state = 'running' AND lease_until < ? "
      "ORDER BY lease_until, id LIMIT ?");
  if (!st) return fail(st.error());
  st->bind(1, before).bind(2, static_cast<std::int64_t>(limit));
  return read_docs(*st);
}

Result<std::vector<std::string>> SqliteTaskStorage::remove_many_if(
    const std::vector<std::string>& ids, const std::function<bool(const Task&)>& decide) {
  std::lock_guard lock(mu_);
  auto tx = Transaction::begin(*db_);
  if (!tx) return fail(tx.error());
  std::vector<std::string> out;
  for (const auto& id : ids) {
    auto loaded = load_locked(id);
    if (!loaded) continue;  // unreadable: the reads that meet it quarantine it
    if (!*loaded || !decide(**loaded)) continue;
    auto del = db_->prepare("DELETE FROM tasks WHERE id = ?");
    if (!del) return fail(del.error());
    del->bind(1, id);
    if (auto s = del->run(); !s) return fail(s.error());
    out.push_back(id);
  }
  if (auto s = tx->commit(); !s) return fail(s.error());
  return out;
}

std::string SqliteTaskStorage::claim_sql(std::size_t pools) {
  std::string sql =
      "SELECT id, doc FROM tasks WHERE ((state = 'running' AND lease_until < ?1) OR "
      "(state = 'queued' AND not_before <= ?1)) AND pool IN (";
  for (std::size_t i = 0; i < pools; ++i) sql += i == 0 ? "?" : ",?";
  return sql + ") ORDER BY created_at, id LIMIT " + std::to_string(kClaimScanLimit);
}

std::string SqliteTaskStorage::state_of(FinishedKind kind) {
  switch (kind) {
    case FinishedKind::Completed:
      return std::string(task::to_string(State::Completed));
    case FinishedKind::Failed:
      return std::string(task::to_string(State::Failed));
    case FinishedKind::Cancelled:
      return std::string(task::to_string(State::Cancelled));
    case FinishedKind::TimedOut:
      return std::string(task::to_string(State::TimedOut));
    case FinishedKind::DeadLetter:
      break;
  }
  return {};
}

Result<std::vector<Task>> SqliteTaskStorage::read_docs(Statement& st) {
  std::vector<Task> out;
  for (;;) {
    auto row = st.step();
    if (!row) return fail(row.error());
    if (!*row) break;
    if (auto t = parse_doc(st.column_text(0))) out.push_back(std::move(*t));
  }
  return out;
}

Result<std::optional<Task>> SqliteTaskStorage::load_locked(const std::string& id) {
  auto st = db_->prepare("SELECT doc FROM tasks WHERE id = ?");
  if (!st) return fail(st.error());
  st->bind(1, id);
  auto row = st->step();
  if (!row) return fail(row.error());
  if (!*row) return std::optional<Task>();
  auto t = parse_doc(st->column_text(0));
  if (!t) return fail(ErrorCode::DataLoss, "the record of task " + id + " is damaged");
  return std::optional<Task>(std::move(*t));
}

Status SqliteTaskStorage::quarantine_locked(const Unreadable& d) {
  auto ins = db_->prepare(
      "INSERT OR REPLACE INTO quarantine(id, reason, quarantined_at, record) VALUES(?, ?, ?, ?)");
  if (!ins) return fail(ins.error());
  ins->bind(1, d.id).bind(2, kUnreadable).bind(3, clock_.now()).bind(4, d.record);
  if (auto s = ins->run(); !s) return s;
  auto del = db_->prepare("DELETE FROM tasks WHERE id = ?");
  if (!del) return fail(del.error());
  del->bind(1, d.id);
  return del->run();
}

bool SqliteTaskStorage::move_damaged_locked(const std::string& id) {
  Unreadable d{id, {}};
  {
    auto st = db_->prepare("SELECT doc FROM tasks WHERE id = ?");
    if (!st) return false;
    st->bind(1, id);
    auto row = st->step();
    if (!row || !*row) return false;
    d.record = st->column_text(0);
  }
  return quarantine_locked(d).has_value();
}

Result<std::map<std::string, int>> SqliteTaskStorage::count_running() {
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

Status SqliteTaskStorage::write(const Task& t, WriteKind kind) {
  auto st = db_->prepare(
      kind == kInsert
          ? "INSERT INTO tasks(id, owner, pool, state, instance, has_scan, idempotency_key, "
            "name, created_at, not_before, lease_until, started_at, finished_at, "
            "dead_lettered_at, doc) "
            "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)"
          : "UPDATE tasks SET owner = ?2, pool = ?3, state = ?4, instance = ?5, has_scan = ?6, "
            "idempotency_key = ?7, name = ?8, created_at = ?9, not_before = ?10, "
            "lease_until = ?11, started_at = ?12, finished_at = ?13, dead_lettered_at = ?14, "
            "doc = ?15 WHERE id = ?1");
  if (!st) return fail(st.error());
  st->bind(1, t.id).bind(2, t.owner).bind(3, t.pool).bind(4, task::to_string(t.state));
  st->bind(5, t.instance).bind(6, t.nessus_scan_id ? 1 : 0);
  if (t.idempotency_key.empty()) {
    st->bind_null(7);
  } else {
    st->bind(7, t.idempotency_key);
  }
  st->bind(8, t.name).bind(9, t.created_at).bind(10, t.not_before).bind(11, t.lease_until);
  auto opt = [&st](int i, const std::optional<Millis>& v) {
    if (v) {
      st->bind(i, *v);
    } else {
      st->bind_null(i);
    }
  };
  opt(12, t.started_at);
  opt(13, t.finished_at);
  opt(14, t.dead_lettered_at);
  st->bind(15, task::to_json(t).dump());
  return st->run();
}

}  // namespace sqlite_detail

Result<std::unique_ptr<TaskStorage>> open_sqlite_storage(const std::string& path,
                                                         IfMissing if_missing,
                                                         int busy_timeout_ms) {
  auto db = open_store_file(path, {kSchema, kSchemaVersion}, if_missing, busy_timeout_ms);
  if (!db) return fail(db.error());
  return std::unique_ptr<TaskStorage>(
      std::make_unique<sqlite_detail::SqliteTaskStorage>(path, std::move(*db), system_clock()));
}

}  // namespace nmcp::store
