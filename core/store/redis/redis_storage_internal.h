#pragma once
// The Redis task storage's class and the pieces its two files share: redis_task_storage.cc
// (tasks, queues, claims, listings, housekeeping reads) and redis_shared_state.cc (the
// connection's setup and checks, scanner health, leader leases, records, the integrity check
// and the quarantine). Internal to core/store. Thread-safe: calls share a connection pool.

#include <algorithm>
#include <charconv>
#include <limits>
#include <map>
#include <set>
#include <utility>

#include "core/base/crypto.h"
#include "core/base/text.h"
#include "core/store/list_cursor.h"
#include "core/store/redis/redis_client.h"
#include "core/store/redis/redis_scripts.h"
#include "core/store/redis/redis_task_storage.h"
#include "core/store/task_storage.h"

namespace nmcp::store::redis_detail {

using nlohmann::json;
using redis::RedisPool;
using redis::Reply;
using task::State;

inline constexpr int kSchemaVersion = 1;
inline constexpr int kMaxConflicts = 64;          // retries of one write before "too busy"
inline constexpr int kClaimBatch = 8;             // candidates a claim reads first, per pool
inline constexpr long long kHoldMs = 2000;        // how long a claim holds the candidates it read
inline constexpr std::size_t kListBatch = 200;    // documents read per list round trip
inline constexpr std::size_t kListBudget = 5000;  // documents one list call may read
inline constexpr int kDurationSamples = 20;
inline constexpr const char* kUnreadable = "the stored record does not read back as a task";

// Every key of a deployment: one hash-tagged prefix, so they share a cluster slot.
struct Keys {
  std::string p;  // "{nmcp}:"
  std::string task(const std::string& id) const { return p + "t:" + id; }
  std::string task_prefix() const { return p + "t:"; }
  std::string idem(const std::string& owner, const std::string& key) const {
    return p + "idem:" + sha256_hex(owner + "\n" + key);
  }
  std::string all() const { return p + "all"; }
  std::string owner(const std::string& o) const { return p + "own:" + o; }
  std::string queue(const std::string& pool) const { return p + "q:" + pool; }
  std::string delay(const std::string& pool) const { return p + "delay:" + pool; }
  std::string lease() const { return p + "lease"; }
  std::string run() const { return p + "run"; }
  std::string runpool() const { return p + "runpool"; }
  std::string dlq() const { return p + "dlq"; }
  std::string dlqpool() const { return p + "dlqpool"; }
  std::string pools() const { return p + "pools"; }
  std::string durations(const std::string& pool) const { return p + "dur:" + pool; }
  std::string scanners() const { return p + "scan"; }
  std::string quarantine() const { return p + "quar"; }
  std::string meta() const { return p + "meta"; }
  std::string leader(const std::string& role) const { return p + "leader:" + role; }
  std::string record(const std::string& kind, const std::string& key) const {
    return p + "rec:" + kind + ":" + key;
  }
  std::string record_index(const std::string& kind) const { return p + "recs:" + kind; }
  std::string hold(const std::string& id) const { return p + "hold:" + id; }
  std::string hold_prefix() const { return p + "hold:"; }
  std::string finished(FinishedKind kind) const { return p + "fin:" + to_string(kind); }
};

inline std::string num(long long v) { return std::to_string(v); }

inline std::optional<long long> to_number(const Reply& r) {
  if (r.type == Reply::Type::Integer) return r.integer;
  if (r.type != Reply::Type::String && r.type != Reply::Type::Status) return std::nullopt;
  long long v = 0;
  const auto [end, ec] = std::from_chars(r.text.data(), r.text.data() + r.text.size(), v);
  if (ec != std::errc() || end != r.text.data() + r.text.size()) return std::nullopt;
  return v;
}

inline std::optional<Task> parse_doc(const std::string& text) {
  const json j = json::parse(text, nullptr, false);
  if (j.is_discarded()) return std::nullopt;
  return task::task_from_json(j);
}

inline Error redis_error(const Reply& r, const std::string& what) {
  return Error{ErrorCode::Internal, what + ": Redis answered " + r.text.substr(0, 200), ""};
}

// One compare-and-set batch for kApply.
class Batch {
 public:
  std::size_t key(const std::string& k) {
    for (std::size_t i = 0; i < keys_.size(); ++i) {
      if (keys_[i] == k) return i + 1;
    }
    keys_.push_back(k);
    return keys_.size();
  }
  void check_value(const std::string& k, const std::string& expected) {
    checks_.insert(checks_.end(), {num(static_cast<long long>(key(k))), "v", expected});
    ++nchecks_;
  }
  void check_absent(const std::string& k) {
    checks_.insert(checks_.end(), {num(static_cast<long long>(key(k))), "x", ""});
    ++nchecks_;
  }
  void check_field_below(const std::string& k, const std::string& field, long long bound) {
    checks_.insert(checks_.end(),
                   {num(static_cast<long long>(key(k))), "l", field + '\x1f' + num(bound)});
    ++nchecks_;
  }
  void op(const std::string& cmd, const std::string& k, std::vector<std::string> args) {
    ops_.push_back(cmd);
    ops_.push_back(num(static_cast<long long>(key(k))));
    ops_.push_back(num(static_cast<long long>(args.size())));
    for (auto& a : args) ops_.push_back(std::move(a));
    ++nops_;
  }
  const std::vector<std::string>& keys() const { return keys_; }
  std::vector<std::string> argv() const {
    std::vector<std::string> out = {num(nchecks_)};
    out.insert(out.end(), checks_.begin(), checks_.end());
    out.push_back(num(nops_));
    out.insert(out.end(), ops_.begin(), ops_.end());
    return out;
  }

 private:
  std::vector<std::string> keys_;
  std::vector<std::string> checks_;
  std::vector<std::string> ops_;
  long long nchecks_ = 0;
  long long nops_ = 0;
};

// The index entries a task has: set memberships and counters derived from it.
struct Entry {
  enum Kind { Sorted, Counter, Member } kind;
  std::string key;
  std::string member;  // Sorted/Member: the member; Counter: the field
  long long score;     // Sorted: the score
  bool operator==(const Entry& o) const {
    return kind == o.kind && key == o.key && member == o.member;
  }
};

inline std::vector<Entry> entries_of(const Keys& k, const Task& t) {
  std::vector<Entry> e = {{Entry::Sorted, k.all(), t.id, t.created_at},
                          {Entry::Sorted, k.owner(t.owner), t.id, t.created_at},
                          {Entry::Member, k.pools(), t.pool, 0}};
  if (t.state == State::Queued) {
    e.push_back({Entry::Sorted, k.queue(t.pool), t.id, t.created_at});
    // In backoff: the claim passes it by its score, without reading it.
    if (t.not_before > t.updated_at) {
      e.push_back({Entry::Sorted, k.delay(t.pool), t.id, t.not_before});
    }
  }
  if (t.state == State::Running) {
    e.push_back({Entry::Sorted, k.lease(), t.id, t.lease_until});
    if (!t.instance.empty()) e.push_back({Entry::Counter, k.run(), t.instance, 1});
    e.push_back({Entry::Counter, k.runpool(), t.pool, 1});
  }
  if (t.dead_lettered) {
    e.push_back({Entry::Sorted, k.dlq(), t.id, t.created_at});
    e.push_back({Entry::Counter, k.dlqpool(), t.pool, 1});
  }
  // Housekeeping reads these oldest first, by the time retention counts from.
  if (const auto kind = lifecycle::finished_kind(t)) {
    e.push_back({Entry::Sorted, k.finished(*kind), t.id, lifecycle::finished_time(t)});
  }
  return e;
}

// The writes that take the store from `old` to `now` (either may be null: insert, delete).
inline void write_ops(const Keys& k, const Task* old, const Task* now, Batch& b) {
  const auto before = old != nullptr ? entries_of(k, *old) : std::vector<Entry>{};
  const auto after = now != nullptr ? entries_of(k, *now) : std::vector<Entry>{};
  for (const auto& e : before) {
    if (std::find(after.begin(), after.end(), e) != after.end()) continue;
    if (e.kind == Entry::Sorted) b.op("ZREM", e.key, {e.member});
    if (e.kind == Entry::Counter) b.op("HINCRBY", e.key, {e.member, "-1"});
  }
  for (const auto& e : after) {
    const auto was = std::find(before.begin(), before.end(), e);
    if (e.kind == Entry::Sorted && (was == before.end() || was->score != e.score)) {
      b.op("ZADD", e.key, {num(e.score), e.member});
    }
    if (e.kind == Entry::Counter && was == before.end()) b.op("HINCRBY", e.key, {e.member, "1"});
    if (e.kind == Entry::Member && was == before.end()) b.op("SADD", e.key, {e.member});
  }
  if (now != nullptr) {
    b.op("SET", k.task(now->id), {task::to_json(*now).dump()});
    const bool completed_now =
        now->state == State::Completed && (old == nullptr || old->state != State::Completed);
    if (completed_now && now->started_at && now->finished_at) {
      b.op("LPUSH", k.durations(now->pool), {num(*now->finished_at - *now->started_at)});
      b.op("LTRIM", k.durations(now->pool), {"0", num(kDurationSamples - 1)});
    }
  } else if (old != nullptr) {
    b.op("DEL", k.task(old->id), {});
    if (!old->idempotency_key.empty()) b.op("DEL", k.idem(old->owner, old->idempotency_key), {});
  }
}

inline Error too_busy() {
  return Error{ErrorCode::Unavailable, "the task store is too busy (conflicting writes)",
               "retry in a moment"};
}

class RedisTaskStorage final : public TaskStorage {
 public:
  RedisTaskStorage(std::unique_ptr<RedisPool> pool, const Clock& clock)
      : pool_(std::move(pool)), keys_{"{" + pool_->endpoint().prefix + "}:"}, clock_(clock) {}

  Status init(IfMissing if_missing);

  std::string describe() const override;

  std::optional<std::uint64_t> round_trips() const override { return pool_->round_trips(); }

  Status ping() override;

  Result<std::optional<Millis>> server_time() override;

  Result<std::optional<Task>> insert_unique(const Task& t) override;

  Status insert(const Task& t) override;

  Result<std::optional<std::string>> keyed_task_id(const std::string& owner,
                                                   const std::string& key) override;

  Result<std::optional<Task>> load(const std::string& id) override;

  Result<Task> mutate(const std::string& id, const std::function<Status(Task&)>& change) override;

  Result<std::optional<Task>> claim(lifecycle::ClaimPlanner& planner) override;

  Result<TaskPage> list(const TaskQuery& q) override;

  Result<std::vector<QueueStats>> queue_stats() override;

  Result<std::map<std::string, int>> running_per_instance() override;

  Result<int> queued_ahead(const Task& t) override;

  Result<std::optional<Millis>> typical_duration(const std::string& pool) override;

  Result<int> purge_dead_letters(const std::string& pool, Millis before) override;

  Result<std::vector<Task>> finished_since(FinishedKind kind, Millis since,
                                           std::size_t limit) override;
  Result<std::vector<Task>> finished_before(FinishedKind kind, Millis before,
                                            std::size_t limit) override;

  Result<std::vector<Task>> expired_running(Millis before, std::size_t limit) override;

  // One task: its own compare-and-set (the batch's fallback).
  Result<bool> remove_if(const std::string& id, const std::function<bool(const Task&)>& decide);

  // One read of every record and one compare-and-set for the whole batch; when any record
  // changed in between, one task at a time.
  Result<std::vector<std::string>> remove_many_if(
      const std::vector<std::string>& ids, const std::function<bool(const Task&)>& decide) override;

  Result<std::vector<QuarantinedRecord>> quarantined() override;

  Status delete_quarantined(const std::string& id) override;

  Result<StoreCheck> check() override;

  Status put_scanner_status(const ScannerStatus& status) override;

  Result<std::map<std::string, ScannerStatus>> scanner_statuses() override;

  // The tasks of a sorted index scored below `before`, lowest first, in two round trips. Entries
  // whose task is gone or unreadable are skipped (the next write or read of them tidies up).
  // The tasks of an index (a sorted set by time) with scores from `min` to `max` (Redis range
  // syntax: "-inf", "(123" for exclusive), lowest first.
  Result<std::vector<Task>> read_by_score(const std::string& index, const std::string& min,
                                          const std::string& max, std::size_t limit);

  Result<std::optional<Leadership>> mutate_leader(const std::string& role,
                                                  const LeaderChange& change) override;

  Result<std::optional<Leadership>> load_leader(const std::string& role) override;

  // A record is a string key; its kind's set lists the keys, so a listing reads no other key.
  Result<std::optional<std::string>> mutate_record(const std::string& kind, const std::string& key,
                                                   const RecordChange& change) override;

  Result<std::optional<std::string>> load_record(const std::string& kind,
                                                 const std::string& key) override;

  Result<std::vector<Record>> list_records(const std::string& kind) override;

  RedisPool& pool() { return *pool_; }

 private:
  struct Applied {
    bool ok = false;
    long long check = 0;  // the precondition that failed (1-based)
    std::string value;    // the key's value then
  };

  Result<Applied> apply(const Batch& b);

  // A leader record as stored: {"holder", "token", "expires_at"}.
  static Result<std::optional<Leadership>> leader_from(const std::string& role, const Reply& doc);

  static Error quarantined_error(const std::string& id);

  // Moves unreadable records aside (best effort: a failure leaves them for the next read).
  void quarantine(const std::vector<std::pair<std::string, std::string>>& records);

  // The max_concurrent_scans the request offers for the instance a task was given (a takeover
  // re-attaching to an instance no longer offered keeps its slot: no bound beyond its own).
  static long long slot_limit(const ClaimRequest& req, const Task& t);

  // Gives back the candidates a claim held without writing (best effort: holds also expire).
  void release_holds(const std::vector<std::string>& ids);

  // Index entries whose task is gone: removed where a claim found them.
  void forget_stale(const std::vector<std::string>& ids, const ClaimRequest& req);

  // Redis must keep every key (no eviction) and keep them on disk.
  Status check_server();

  std::unique_ptr<RedisPool> pool_;
  const Keys keys_;
  const Clock& clock_;
};

}  // namespace nmcp::store::redis_detail
