// The SQLite storage apart from tasks: the scanner health workers publish, the leader leases of
// singletons, core's records (schedules, quotas), and the store's own health (the integrity
// check and the quarantine of records that do not read back).
#include "core/store/sqlite/sqlite_storage_internal.h"

namespace nmcp::store::sqlite_detail {

Status SqliteTaskStorage::put_scanner_status(const ScannerStatus& status) {
  std::lock_guard lock(mu_);
  auto st = db_->prepare(
      "INSERT INTO scanner_status(instance, doc, updated_at) VALUES(?, ?, ?) "
      "ON CONFLICT(instance) DO UPDATE SET doc = excluded.doc, updated_at = excluded.updated_at");
  if (!st) return fail(st.error());
  st->bind(1, status.instance).bind(2, to_json(status).dump()).bind(3, status.updated_at);
  return st->run();
}

Result<std::map<std::string, ScannerStatus>> SqliteTaskStorage::scanner_statuses() {
  std::lock_guard lock(mu_);
  auto st = db_->prepare("SELECT doc FROM scanner_status");
  if (!st) return fail(st.error());
  std::map<std::string, ScannerStatus> out;
  for (;;) {
    auto row = st->step();
    if (!row) return fail(row.error());
    if (!*row) break;
    auto s = scanner_status_from_json(json::parse(st->column_text(0), nullptr, false));
    if (s) out[s->instance] = std::move(*s);
  }
  return out;
}

Result<std::optional<Leadership>> SqliteTaskStorage::mutate_leader(const std::string& role,
                                                                   const LeaderChange& change) {
  std::lock_guard lock(mu_);
  auto tx = Transaction::begin(*db_);
  if (!tx) return fail(tx.error());
  auto current = load_leader_locked(role);
  if (!current) return fail(current.error());
  auto next = change(*current);
  if (!next) return fail(next.error());
  if (!*next) return *current;
  auto st = db_->prepare(
      "INSERT INTO leaders(role, holder, token, expires_at) VALUES(?, ?, ?, ?) "
      "ON CONFLICT(role) DO UPDATE SET holder = excluded.holder, token = excluded.token, "
      "expires_at = excluded.expires_at");
  if (!st) return fail(st.error());
  st->bind(1, role).bind(2, (*next)->holder).bind(3, (*next)->token).bind(4, (*next)->expires_at);
  if (auto s = st->run(); !s) return fail(s.error());
  if (auto s = tx->commit(); !s) return fail(s.error());
  return *next;
}

Result<std::optional<Leadership>> SqliteTaskStorage::load_leader(const std::string& role) {
  std::lock_guard lock(mu_);
  return load_leader_locked(role);
}

Result<std::optional<std::string>> SqliteTaskStorage::mutate_record(const std::string& kind,
                                                                    const std::string& key,
                                                                    const RecordChange& change) {
  std::lock_guard lock(mu_);
  auto tx = Transaction::begin(*db_);
  if (!tx) return fail(tx.error());
  auto current = load_record_locked(kind, key);
  if (!current) return fail(current.error());
  auto edit = change(*current);
  if (!edit) return fail(edit.error());
  std::optional<std::string> after = *current;
  if (edit->action == RecordEdit::Action::Keep) return after;
  auto st = edit->action == RecordEdit::Action::Put
                ? db_->prepare(
                      "INSERT INTO records(kind, key, body) VALUES(?, ?, ?) "
                      "ON CONFLICT(kind, key) DO UPDATE SET body = excluded.body")
                : db_->prepare("DELETE FROM records WHERE kind = ? AND key = ?");
  if (!st) return fail(st.error());
  st->bind(1, kind).bind(2, key);
  if (edit->action == RecordEdit::Action::Put) {
    st->bind(3, edit->body);
    after = edit->body;
  } else {
    after.reset();
  }
  if (auto s = st->run(); !s) return fail(s.error());
  if (auto s = tx->commit(); !s) return fail(s.error());
  return after;
}

Result<std::optional<std::string>> SqliteTaskStorage::load_record(const std::string& kind,
                                                                  const std::string& key) {
  std::lock_guard lock(mu_);
  return load_record_locked(kind, key);
}

Result<std::vector<Record>> SqliteTaskStorage::list_records(const std::string& kind) {
  std::lock_guard lock(mu_);
  auto st = db_->prepare("SELECT key, body FROM records WHERE kind = ? ORDER BY key");
  if (!st) return fail(st.error());
  st->bind(1, kind);
  std::vector<Record> out;
  for (;;) {
    auto row = st->step();
    if (!row) return fail(row.error());
    if (!*row) break;
    out.push_back(Record{st->column_text(0), st->column_text(1)});
  }
  return out;
}

Result<std::optional<std::string>> SqliteTaskStorage::load_record_locked(const std::string& kind,
                                                                         const std::string& key) {
  auto st = db_->prepare("SELECT body FROM records WHERE kind = ? AND key = ?");
  if (!st) return fail(st.error());
  st->bind(1, kind).bind(2, key);
  auto row = st->step();
  if (!row) return fail(row.error());
  if (!*row) return std::optional<std::string>();
  return std::optional<std::string>(st->column_text(0));
}

Result<std::optional<Leadership>> SqliteTaskStorage::load_leader_locked(const std::string& role) {
  auto st = db_->prepare("SELECT holder, token, expires_at FROM leaders WHERE role = ?");
  if (!st) return fail(st.error());
  st->bind(1, role);
  auto row = st->step();
  if (!row) return fail(row.error());
  if (!*row) return std::optional<Leadership>();
  return std::optional<Leadership>(
      Leadership{role, st->column_text(0), st->column_int(1), st->column_int(2)});
}

Result<std::vector<QuarantinedRecord>> SqliteTaskStorage::quarantined() {
  std::lock_guard lock(mu_);
  auto st = db_->prepare(
      "SELECT id, reason, quarantined_at, record FROM quarantine ORDER BY quarantined_at DESC, "
      "id");
  if (!st) return fail(st.error());
  std::vector<QuarantinedRecord> out;
  for (;;) {
    auto row = st->step();
    if (!row) return fail(row.error());
    if (!*row) break;
    out.push_back({st->column_text(0), st->column_text(1), st->column_int(2), st->column_text(3)});
  }
  return out;
}

Status SqliteTaskStorage::delete_quarantined(const std::string& id) {
  std::lock_guard lock(mu_);
  auto st = db_->prepare("DELETE FROM quarantine WHERE id = ?");
  if (!st) return fail(st.error());
  st->bind(1, id);
  if (auto s = st->run(); !s) return s;
  if (db_->changes() == 0) {
    return fail(ErrorCode::NotFound, "no quarantined record " + id,
                "admin_cli store quarantine list shows them");
  }
  return ok();
}

Result<StoreCheck> SqliteTaskStorage::check() {
  StoreCheck c;
  std::vector<Unreadable> damaged;
  {
    std::lock_guard lock(mu_);
    auto integrity = db_->prepare("PRAGMA integrity_check(20)");
    if (!integrity) return fail(integrity.error());
    for (;;) {
      auto row = integrity->step();
      if (!row) {
        c.problems.push_back(row.error().message);
        break;
      }
      if (!*row) break;
      const std::string line = integrity->column_text(0);
      if (line != "ok") c.problems.push_back(line);
    }
    auto all = db_->prepare("SELECT id, doc FROM tasks");
    if (!all) return fail(all.error());
    for (;;) {
      auto row = all->step();
      if (!row) {
        c.problems.push_back(row.error().message);
        break;
      }
      if (!*row) break;
      ++c.tasks;
      if (!parse_doc(all->column_text(1))) {
        damaged.push_back({all->column_text(0), all->column_text(1)});
      }
    }
  }
  if (!damaged.empty()) {
    std::lock_guard lock(mu_);
    auto tx = Transaction::begin(*db_);
    if (!tx) return fail(tx.error());
    for (const auto& d : damaged) {
      if (auto s = quarantine_locked(d); !s) return fail(s.error());
    }
    if (auto s = tx->commit(); !s) return fail(s.error());
    c.tasks -= static_cast<long long>(damaged.size());
  }
  auto q = quarantined();
  if (!q) return fail(q.error());
  c.quarantined = static_cast<long long>(q->size());
  c.ok = c.problems.empty();
  return c;
}

}  // namespace nmcp::store::sqlite_detail
