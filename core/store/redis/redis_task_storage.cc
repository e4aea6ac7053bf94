#include "core/store/redis/redis_task_storage.h"

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

namespace nmcp::store {

namespace {

using nlohmann::json;
using redis::RedisPool;
using redis::Reply;
using task::State;

constexpr int kSchemaVersion = 1;
constexpr int kMaxConflicts = 64;          // retries of one write before "too busy"
constexpr int kClaimBatch = 8;             // candidates a claim reads first, per pool
constexpr long long kHoldMs = 2000;        // how long a claim holds the candidates it read
constexpr std::size_t kListBatch = 200;    // documents read per list round trip
constexpr std::size_t kListBudget = 5000;  // documents one list call may read
constexpr int kDurationSamples = 20;
constexpr const char* kUnreadable = "the stored record does not read back as a task";

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

std::string num(long long v) { return std::to_string(v); }

std::optional<long long> to_number(const Reply& r) {
  if (r.type == Reply::Type::Integer) return r.integer;
  if (r.type != Reply::Type::String && r.type != Reply::Type::Status) return std::nullopt;
  long long v = 0;
  const auto [end, ec] = std::from_chars(r.text.data(), r.text.data() + r.text.size(), v);
  if (ec != std::errc() || end != r.text.data() + r.text.size()) return std::nullopt;
  return v;
}

std::optional<Task> parse_doc(const std::string& text) {
  const json j = json::parse(text, nullptr, false);
  if (j.is_discarded()) return std::nullopt;
  return task::task_from_json(j);
}

Error redis_error(const Reply& r, const std::string& what) {
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

std::vector<Entry> entries_of(const Keys& k, const Task& t) {
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
void write_ops(const Keys& k, const Task* old, const Task* now, Batch& b) {
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

Error too_busy() {
  return Error{ErrorCode::Unavailable, "the task store is too busy (conflicting writes)",
               "retry in a moment"};
}

class RedisTaskStorage final : public TaskStorage {
 public:
  RedisTaskStorage(std::unique_ptr<RedisPool> pool, const Clock& clock)
      : pool_(std::move(pool)), keys_{"{" + pool_->endpoint().prefix + "}:"}, clock_(clock) {}

  Status init(IfMissing if_missing) {
    auto ping = pool_->command({"PING"});
    if (!ping) return fail(ping.error());
    if (ping->is_error()) {
      return fail(
          ErrorCode::Unauthenticated,
          "Redis at " + pool_->endpoint().redacted + " refused: " + ping->text.substr(0, 120),
          "give the password in the URL or $REDIS_PASSWORD");
    }
    if (auto s = check_server(); !s) return s;
    auto version = pool_->command({"HGET", keys_.meta(), "schema"});
    if (!version) return fail(version.error());
    if (version->is_nil() && if_missing == IfMissing::Refuse) {
      return fail(ErrorCode::NotFound, "there is no task store in " + describe(),
                  "nothing has run with this store yet; check the URL, the database number and "
                  "the prefix the servers use");
    }
    if (version->is_nil()) {
      auto set = pool_->command({"HSETNX", keys_.meta(), "schema", num(kSchemaVersion)});
      if (!set) return fail(set.error());
    } else if (to_number(*version).value_or(0) > kSchemaVersion) {
      return fail(ErrorCode::FailedPrecondition,
                  "the task store " + describe() + " was written by a newer nessus-mcp (schema " +
                      version->text + ")",
                  "upgrade this binary, or use another prefix (?prefix=NAME)");
    }
    return ok();
  }

  std::string describe() const override {
    return pool_->endpoint().redacted + " (prefix " + pool_->endpoint().prefix + ")";
  }

  std::optional<std::uint64_t> round_trips() const override { return pool_->round_trips(); }

  Status ping() override {
    auto r = pool_->command({"PING"});
    if (!r) return fail(r.error());
    return ok();
  }

  Result<std::optional<Millis>> server_time() override {
    auto r = pool_->command({"TIME"});
    if (!r) return fail(r.error());
    if (r->type != Reply::Type::Array || r->elements.size() != 2) {
      return fail(ErrorCode::DataLoss, "Redis answered TIME with something unexpected");
    }
    const auto seconds = to_number(r->elements[0]);
    const auto micros = to_number(r->elements[1]);
    if (!seconds || !micros) {
      return fail(ErrorCode::DataLoss, "Redis answered TIME with something unexpected");
    }
    return std::optional<Millis>(*seconds * 1000 + *micros / 1000);
  }

  Result<std::optional<Task>> insert_unique(const Task& t) override {
    for (int attempt = 0; attempt < kMaxConflicts; ++attempt) {
      Batch b;
      const bool keyed = !t.idempotency_key.empty();
      if (keyed) b.check_absent(keys_.idem(t.owner, t.idempotency_key));
      b.check_absent(keys_.task(t.id));
      if (keyed) b.op("SET", keys_.idem(t.owner, t.idempotency_key), {t.id});
      write_ops(keys_, nullptr, &t, b);
      auto r = apply(b);
      if (!r) return fail(r.error());
      if (r->ok) return std::optional<Task>();
      if (!keyed || r->check != 1) {
        return fail(ErrorCode::AlreadyExists, "task " + t.id + " already exists");
      }
      // The key was used: that task, unless its record is gone (then the key is free again).
      auto existing = load(r->value);
      if (!existing) return fail(existing.error());
      if (*existing) return existing;
      auto freed = pool_->command({"DEL", keys_.idem(t.owner, t.idempotency_key)});
      if (!freed) return fail(freed.error());
    }
    return fail(too_busy());
  }

  Status insert(const Task& t) override {
    Batch b;
    b.check_absent(keys_.task(t.id));
    if (!t.idempotency_key.empty()) b.op("SET", keys_.idem(t.owner, t.idempotency_key), {t.id});
    write_ops(keys_, nullptr, &t, b);
    auto r = apply(b);
    if (!r) return fail(r.error());
    if (!r->ok) return fail(ErrorCode::AlreadyExists, "task " + t.id + " already exists");
    return ok();
  }

  Result<std::optional<std::string>> keyed_task_id(const std::string& owner,
                                                   const std::string& key) override {
    auto id = pool_->command({"GET", keys_.idem(owner, key)});
    if (!id) return fail(id.error());
    if (id->is_nil()) return std::optional<std::string>();
    return std::optional<std::string>(id->text);
  }

  Result<std::optional<Task>> load(const std::string& id) override {
    auto doc = pool_->command({"GET", keys_.task(id)});
    if (!doc) return fail(doc.error());
    if (doc->is_nil()) return std::optional<Task>();
    auto t = parse_doc(doc->text);
    if (!t) {
      quarantine({{id, doc->text}});
      return fail(quarantined_error(id));
    }
    return std::optional<Task>(std::move(*t));
  }

  Result<Task> mutate(const std::string& id, const std::function<Status(Task&)>& change) override {
    for (int attempt = 0; attempt < kMaxConflicts; ++attempt) {
      auto doc = pool_->command({"GET", keys_.task(id)});
      if (!doc) return fail(doc.error());
      if (doc->is_nil()) return fail(lifecycle::not_found(id));
      auto old = parse_doc(doc->text);
      if (!old) {
        quarantine({{id, doc->text}});
        return fail(quarantined_error(id));
      }
      Task t = *old;
      if (auto s = change(t); !s) return fail(s.error());
      Batch b;
      b.check_value(keys_.task(id), doc->text);
      write_ops(keys_, &*old, &t, b);
      auto r = apply(b);
      if (!r) return fail(r.error());
      if (r->ok) return t;
    }
    return fail(too_busy());
  }

  Result<std::optional<Task>> claim(lifecycle::ClaimPlanner& planner) override {
    const ClaimRequest& req = planner.request();
    std::vector<std::string> keys = {keys_.run(), keys_.lease()};
    for (const auto& [pool, slots] : req.pools) {
      keys.push_back(keys_.queue(pool));
      keys.push_back(keys_.delay(pool));
    }
    const std::string hold_token = random_hex(8);
    // Most claims take the first candidate they read: read a few, and read deeper only when the
    // planner passed over every one of a full batch.
    int limit = kClaimBatch;
    for (int attempt = 0; attempt < kMaxConflicts; ++attempt) {
      auto read = pool_->eval(redis::kClaimRead, keys,
                              {num(req.now), num(limit), keys_.task_prefix(), keys_.hold_prefix(),
                               num(kHoldMs), hold_token});
      if (!read) return fail(read.error());
      if (read->is_error() || read->elements.size() != 3) {
        return fail(redis_error(*read, "claiming"));
      }
      std::map<std::string, int> running;
      const auto& flat = read->elements[0].elements;
      for (std::size_t i = 0; i + 1 < flat.size(); i += 2) {
        const auto n = to_number(flat[i + 1]).value_or(0);
        if (n > 0) running[flat[i].text] = static_cast<int>(n);
      }
      struct Candidate {
        Task task;
        std::string raw;
      };
      std::vector<Candidate> candidates;
      std::vector<std::pair<std::string, std::string>> damaged;
      std::vector<std::string> stale;
      std::vector<std::string> held;
      std::set<std::string> seen;
      const auto& ids = read->elements[1].elements;
      const auto& docs = read->elements[2].elements;
      for (std::size_t i = 0; i < ids.size() && i < docs.size(); ++i) {
        const std::string& id = ids[i].text;
        held.push_back(id);
        if (!seen.insert(id).second) continue;
        if (docs[i].is_nil()) {
          stale.push_back(id);
          continue;
        }
        auto t = parse_doc(docs[i].text);
        if (!t) {
          damaged.emplace_back(id, docs[i].text);
          continue;
        }
        candidates.push_back(Candidate{std::move(*t), docs[i].text});
      }
      if (!damaged.empty()) quarantine(damaged);
      if (!stale.empty()) forget_stale(stale, req);
      std::sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
        return std::tie(a.task.created_at, a.task.id) < std::tie(b.task.created_at, b.task.id);
      });
      planner.begin(running);
      Batch b;
      std::optional<Task> taken;
      bool changed = false;
      for (auto& c : candidates) {
        Task before = c.task;
        const auto verdict = planner.consider(c.task);
        if (verdict == lifecycle::ClaimPlanner::Verdict::Skip) continue;
        b.check_value(keys_.task(c.task.id), c.raw);
        write_ops(keys_, &before, &c.task, b);
        changed = true;
        if (verdict == lifecycle::ClaimPlanner::Verdict::Take) {
          // The slot it fills must still be free when the write lands: the instance's running
          // count is still below the limit the planner judged it on (claims of other tasks for
          // the same instance may land in between, as long as they leave room).
          // A takeover keeps the slot its task already counts in.
          const bool same_slot =
              before.state == State::Running && before.instance == c.task.instance;
          if (!same_slot)
            b.check_field_below(keys_.run(), c.task.instance, slot_limit(req, c.task));
          taken = c.task;
          break;
        }
      }
      if (!changed) {
        release_holds(held);
        const bool deeper = static_cast<int>(ids.size()) >= limit && limit < kClaimScanLimit;
        if (!deeper) return std::optional<Task>();
        limit = kClaimScanLimit;
        continue;
      }
      for (const auto& id : held) b.op("DEL", keys_.hold(id), {});
      auto r = apply(b);
      if (!r) return fail(r.error());
      if (r->ok) return taken;
      release_holds(held);
    }
    return fail(too_busy());
  }

  Result<TaskPage> list(const TaskQuery& q) override {
    std::optional<std::pair<Millis, std::string>> after;
    if (!q.cursor.empty()) {
      auto c = decode_cursor(q.cursor);
      if (!c) return fail(c.error());
      after = *c;
    }
    const std::string index = q.dead_lettered_only    ? keys_.dlq()
                              : q.owner.is_everyone() ? keys_.all()
                                                      : keys_.owner(q.owner.tenant_name());
    const std::string max = after ? num(after->first) : "+inf";
    const std::string min = q.created_since ? num(*q.created_since) : "-inf";
    const std::size_t limit = std::max<std::size_t>(1, q.limit);
    TaskPage page;
    std::size_t read = 0;
    std::size_t offset = 0;
    std::optional<std::pair<Millis, std::string>> last_seen;
    std::vector<std::pair<std::string, std::string>> damaged;
    while (read < kListBudget) {
      auto batch = pool_->command({"ZREVRANGEBYSCORE", index, max, min, "WITHSCORES", "LIMIT",
                                   num(static_cast<long long>(offset)),
                                   num(static_cast<long long>(kListBatch))});
      if (!batch) return fail(batch.error());
      const auto& items = batch->elements;
      if (items.empty()) break;
      offset += items.size() / 2;
      std::vector<std::string> get = {"MGET"};
      std::vector<std::string> ids;
      for (std::size_t i = 0; i + 1 < items.size(); i += 2) {
        const std::string& id = items[i].text;
        const auto score = to_number(items[i + 1]).value_or(0);
        if (after && score == after->first && id >= after->second) continue;  // seen already
        last_seen = std::make_pair(score, id);
        ids.push_back(id);
        get.push_back(keys_.task(id));
      }
      if (ids.empty()) continue;
      auto docs = pool_->command(get);
      if (!docs) return fail(docs.error());
      for (std::size_t i = 0; i < ids.size() && i < docs->elements.size(); ++i) {
        ++read;
        const Reply& doc = docs->elements[i];
        if (doc.is_nil()) continue;  // deleted since; the index entry goes with the next write
        auto t = parse_doc(doc.text);
        if (!t) {
          damaged.emplace_back(ids[i], doc.text);
          continue;
        }
        if (!q.owner.admits(t->owner)) continue;
        if (q.state && t->state != *q.state) continue;
        if (!q.pool.empty() && t->pool != q.pool) continue;
        if (q.dead_lettered_only && !t->dead_lettered) continue;
        if (!q.name_contains.empty() && !contains_ignoring_case(t->name, q.name_contains)) {
          continue;
        }
        if (q.predicate && !q.predicate(*t)) continue;
        if (page.tasks.size() == limit) {
          page.next_cursor = encode_cursor(page.tasks.back());
          if (!damaged.empty()) quarantine(damaged);
          return page;
        }
        page.tasks.push_back(std::move(*t));
      }
      if (items.size() / 2 < kListBatch) break;
    }
    // The budget ran out before the page filled: say where to go on (a short, even empty, page
    // with a cursor is still not the last).
    if (read >= kListBudget && last_seen) {
      page.next_cursor = encode_cursor(last_seen->first, last_seen->second);
    }
    if (!damaged.empty()) quarantine(damaged);
    return page;
  }

  Result<std::vector<QueueStats>> queue_stats() override {
    auto pools = pool_->command({"SMEMBERS", keys_.pools()});
    if (!pools) return fail(pools.error());
    std::vector<std::string> names;
    for (const auto& p : pools->elements) names.push_back(p.text);
    std::sort(names.begin(), names.end());
    std::vector<std::vector<std::string>> cmds;
    for (const auto& p : names) {
      cmds.push_back({"ZCARD", keys_.queue(p)});
      cmds.push_back({"HGET", keys_.runpool(), p});
      cmds.push_back({"HGET", keys_.dlqpool(), p});
      cmds.push_back({"ZRANGE", keys_.queue(p), "0", "0", "WITHSCORES"});
    }
    auto replies = pool_->pipeline(cmds);
    if (!replies) return fail(replies.error());
    std::vector<QueueStats> out;
    for (std::size_t i = 0; i < names.size(); ++i) {
      const auto* r = &(*replies)[i * 4];
      QueueStats s;
      s.pool = names[i];
      s.queued = static_cast<int>(to_number(r[0]).value_or(0));
      s.running = static_cast<int>(std::max<long long>(0, to_number(r[1]).value_or(0)));
      s.dead_letters = static_cast<int>(std::max<long long>(0, to_number(r[2]).value_or(0)));
      if (r[3].elements.size() == 2) s.oldest_queued_at = to_number(r[3].elements[1]);
      out.push_back(std::move(s));
    }
    return out;
  }

  Result<std::map<std::string, int>> running_per_instance() override {
    auto r = pool_->command({"HGETALL", keys_.run()});
    if (!r) return fail(r.error());
    std::map<std::string, int> out;
    for (std::size_t i = 0; i + 1 < r->elements.size(); i += 2) {
      const auto n = to_number(r->elements[i + 1]).value_or(0);
      if (n > 0) out[r->elements[i].text] = static_cast<int>(n);
    }
    return out;
  }

  Result<int> queued_ahead(const Task& t) override {
    auto r = pool_->command({"ZRANK", keys_.queue(t.pool), t.id});
    if (!r) return fail(r.error());
    return static_cast<int>(to_number(*r).value_or(0));
  }

  Result<std::optional<Millis>> typical_duration(const std::string& pool) override {
    auto r = pool_->command({"LRANGE", keys_.durations(pool), "0", num(kDurationSamples - 1)});
    if (!r) return fail(r.error());
    if (r->elements.empty()) return std::optional<Millis>();
    long long sum = 0;
    for (const auto& e : r->elements) sum += to_number(e).value_or(0);
    return std::optional<Millis>(sum / static_cast<long long>(r->elements.size()));
  }

  Result<int> purge_dead_letters(const std::string& pool, Millis before) override {
    int deleted = 0;
    std::size_t offset = 0;
    for (;;) {
      auto ids = pool_->command({"ZRANGE", keys_.dlq(), num(static_cast<long long>(offset)),
                                 num(static_cast<long long>(offset + kListBatch - 1))});
      if (!ids) return fail(ids.error());
      if (ids->elements.empty()) break;
      std::size_t kept = 0;
      for (const auto& e : ids->elements) {
        bool removed = false;
        for (int attempt = 0; attempt < kMaxConflicts; ++attempt) {
          auto doc = pool_->command({"GET", keys_.task(e.text)});
          if (!doc) return fail(doc.error());
          auto t = doc->is_nil() ? std::nullopt : parse_doc(doc->text);
          if (!t || !lifecycle::purgeable_dead_letter(*t, pool, before)) break;
          Batch b;
          b.check_value(keys_.task(t->id), doc->text);
          write_ops(keys_, &*t, nullptr, b);
          auto r = apply(b);
          if (!r) return fail(r.error());
          if (r->ok) {
            removed = true;
            ++deleted;
            break;
          }
        }
        if (!removed) ++kept;
      }
      offset += kept;
      if (ids->elements.size() < kListBatch) break;
    }
    return deleted;
  }

  Result<std::vector<Task>> finished_before(FinishedKind kind, Millis before,
                                            std::size_t limit) override {
    return read_by_score(keys_.finished(kind), before, limit);
  }

  Result<std::vector<Task>> expired_running(Millis before, std::size_t limit) override {
    return read_by_score(keys_.lease(), before, limit);
  }

  // One task: its own compare-and-set (the batch's fallback).
  Result<bool> remove_if(const std::string& id, const std::function<bool(const Task&)>& decide) {
    for (int attempt = 0; attempt < kMaxConflicts; ++attempt) {
      auto doc = pool_->command({"GET", keys_.task(id)});
      if (!doc) return fail(doc.error());
      if (doc->is_nil()) return false;
      auto t = parse_doc(doc->text);
      if (!t) {
        quarantine({{id, doc->text}});
        return fail(quarantined_error(id));
      }
      if (!decide(*t)) return false;
      Batch b;
      b.check_value(keys_.task(id), doc->text);
      write_ops(keys_, &*t, nullptr, b);
      auto r = apply(b);
      if (!r) return fail(r.error());
      if (r->ok) return true;
    }
    return fail(too_busy());
  }

  // One read of every record and one compare-and-set for the whole batch; when any record
  // changed in between, one task at a time.
  Result<std::vector<std::string>> remove_many_if(
      const std::vector<std::string>& ids,
      const std::function<bool(const Task&)>& decide) override {
    std::vector<std::string> chosen;
    if (ids.empty()) return chosen;
    std::vector<std::string> get = {"MGET"};
    for (const auto& id : ids) get.push_back(keys_.task(id));
    auto docs = pool_->command(get);
    if (!docs) return fail(docs.error());
    Batch b;
    for (std::size_t i = 0; i < ids.size() && i < docs->elements.size(); ++i) {
      const Reply& doc = docs->elements[i];
      if (doc.is_nil()) continue;
      auto t = parse_doc(doc.text);
      if (!t || !decide(*t)) continue;  // unreadable: the reads that meet it quarantine it
      b.check_value(keys_.task(ids[i]), doc.text);
      write_ops(keys_, &*t, nullptr, b);
      chosen.push_back(ids[i]);
    }
    if (chosen.empty()) return chosen;
    auto r = apply(b);
    if (!r) return fail(r.error());
    if (r->ok) return chosen;
    chosen.clear();
    for (const auto& id : ids) {
      auto one = remove_if(id, decide);
      if (!one && one.error().code == ErrorCode::DataLoss) continue;  // quarantined: passed over
      if (!one) return fail(one.error());
      if (*one) chosen.push_back(id);
    }
    return chosen;
  }

  Result<std::vector<QuarantinedRecord>> quarantined() override {
    auto r = pool_->command({"HGETALL", keys_.quarantine()});
    if (!r) return fail(r.error());
    std::vector<QuarantinedRecord> out;
    for (std::size_t i = 0; i + 1 < r->elements.size(); i += 2) {
      const json j = json::parse(r->elements[i + 1].text, nullptr, false);
      if (!j.is_object()) continue;
      out.push_back({r->elements[i].text, j.value("reason", ""),
                     j.value("quarantined_at", Millis{0}), j.value("record", "")});
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
      return std::tie(b.quarantined_at, a.id) < std::tie(a.quarantined_at, b.id);
    });
    return out;
  }

  Status delete_quarantined(const std::string& id) override {
    auto r = pool_->command({"HDEL", keys_.quarantine(), id});
    if (!r) return fail(r.error());
    if (to_number(*r).value_or(0) == 0) {
      return fail(ErrorCode::NotFound, "no quarantined record " + id,
                  "admin_cli store quarantine list shows them");
    }
    return ok();
  }

  Result<StoreCheck> check() override {
    StoreCheck c;
    auto info = pool_->command({"INFO", "persistence"});
    if (!info) return fail(info.error());
    for (const char* bad : {"rdb_last_bgsave_status:err", "aof_last_write_status:err"}) {
      if (info->text.find(bad) != std::string::npos) {
        c.problems.push_back(std::string("Redis reports ") + bad +
                             ": its last write to disk failed (check its disk and log)");
      }
    }
    std::size_t offset = 0;
    std::vector<std::pair<std::string, std::string>> damaged;
    for (;;) {
      auto ids = pool_->command({"ZRANGE", keys_.all(), num(static_cast<long long>(offset)),
                                 num(static_cast<long long>(offset + kListBatch - 1))});
      if (!ids) return fail(ids.error());
      if (ids->elements.empty()) break;
      std::vector<std::string> get = {"MGET"};
      for (const auto& e : ids->elements) get.push_back(keys_.task(e.text));
      auto docs = pool_->command(get);
      if (!docs) return fail(docs.error());
      for (std::size_t i = 0; i < ids->elements.size() && i < docs->elements.size(); ++i) {
        if (docs->elements[i].is_nil()) continue;
        if (parse_doc(docs->elements[i].text)) {
          ++c.tasks;
        } else {
          damaged.emplace_back(ids->elements[i].text, docs->elements[i].text);
        }
      }
      offset += ids->elements.size();
    }
    if (!damaged.empty()) quarantine(damaged);
    auto q = quarantined();
    if (!q) return fail(q.error());
    c.quarantined = static_cast<long long>(q->size());
    c.ok = c.problems.empty();
    return c;
  }

  Status put_scanner_status(const ScannerStatus& status) override {
    auto r = pool_->command({"HSET", keys_.scanners(), status.instance, to_json(status).dump()});
    if (!r) return fail(r.error());
    return ok();
  }

  Result<std::map<std::string, ScannerStatus>> scanner_statuses() override {
    auto r = pool_->command({"HGETALL", keys_.scanners()});
    if (!r) return fail(r.error());
    std::map<std::string, ScannerStatus> out;
    for (std::size_t i = 0; i + 1 < r->elements.size(); i += 2) {
      auto s = scanner_status_from_json(json::parse(r->elements[i + 1].text, nullptr, false));
      if (s) out[s->instance] = std::move(*s);
    }
    return out;
  }

  // The tasks of a sorted index scored below `before`, lowest first, in two round trips. Entries
  // whose task is gone or unreadable are skipped (the next write or read of them tidies up).
  Result<std::vector<Task>> read_by_score(const std::string& index, Millis before,
                                          std::size_t limit) {
    auto ids = pool_->command({"ZRANGEBYSCORE", index, "-inf", "(" + num(before), "LIMIT", "0",
                               num(static_cast<long long>(limit))});
    if (!ids) return fail(ids.error());
    std::vector<Task> out;
    if (ids->elements.empty()) return out;
    std::vector<std::string> get = {"MGET"};
    for (const auto& e : ids->elements) get.push_back(keys_.task(e.text));
    auto docs = pool_->command(get);
    if (!docs) return fail(docs.error());
    for (const auto& d : docs->elements) {
      if (d.is_nil()) continue;
      if (auto t = parse_doc(d.text)) out.push_back(std::move(*t));
    }
    return out;
  }

  Result<std::optional<Leadership>> mutate_leader(const std::string& role,
                                                  const LeaderChange& change) override {
    const std::string key = keys_.leader(role);
    for (int attempt = 0; attempt < kMaxConflicts; ++attempt) {
      auto doc = pool_->command({"GET", key});
      if (!doc) return fail(doc.error());
      auto current = leader_from(role, *doc);
      if (!current) return fail(current.error());
      auto next = change(*current);
      if (!next) return fail(next.error());
      if (!*next) return *current;
      Batch b;
      if (doc->is_nil()) {
        b.check_absent(key);
      } else {
        b.check_value(key, doc->text);
      }
      const json j = {{"holder", (*next)->holder},
                      {"token", (*next)->token},
                      {"expires_at", (*next)->expires_at}};
      b.op("SET", key, {j.dump()});
      auto r = apply(b);
      if (!r) return fail(r.error());
      if (r->ok) return *next;
    }
    return fail(too_busy());
  }

  Result<std::optional<Leadership>> load_leader(const std::string& role) override {
    auto doc = pool_->command({"GET", keys_.leader(role)});
    if (!doc) return fail(doc.error());
    return leader_from(role, *doc);
  }

  // A record is a string key; its kind's set lists the keys, so a listing reads no other key.
  Result<std::optional<std::string>> mutate_record(const std::string& kind, const std::string& key,
                                                   const RecordChange& change) override {
    const std::string k = keys_.record(kind, key);
    for (int attempt = 0; attempt < kMaxConflicts; ++attempt) {
      auto doc = pool_->command({"GET", k});
      if (!doc) return fail(doc.error());
      std::optional<std::string> current;
      if (!doc->is_nil()) current = doc->text;
      auto edit = change(current);
      if (!edit) return fail(edit.error());
      if (edit->action == RecordEdit::Action::Keep) return current;
      Batch b;
      if (current) {
        b.check_value(k, *current);
      } else {
        b.check_absent(k);
      }
      std::optional<std::string> after;
      if (edit->action == RecordEdit::Action::Put) {
        b.op("SET", k, {edit->body});
        b.op("SADD", keys_.record_index(kind), {key});
        after = edit->body;
      } else {
        b.op("DEL", k, {});
        b.op("SREM", keys_.record_index(kind), {key});
      }
      auto r = apply(b);
      if (!r) return fail(r.error());
      if (r->ok) return after;
    }
    return fail(too_busy());
  }

  Result<std::optional<std::string>> load_record(const std::string& kind,
                                                 const std::string& key) override {
    auto doc = pool_->command({"GET", keys_.record(kind, key)});
    if (!doc) return fail(doc.error());
    if (doc->is_nil()) return std::optional<std::string>();
    return std::optional<std::string>(doc->text);
  }

  Result<std::vector<Record>> list_records(const std::string& kind) override {
    auto members = pool_->command({"SMEMBERS", keys_.record_index(kind)});
    if (!members) return fail(members.error());
    std::vector<std::string> names;
    for (const auto& m : members->elements) names.push_back(m.text);
    std::sort(names.begin(), names.end());
    std::vector<Record> out;
    constexpr std::size_t kChunk = 200;
    for (std::size_t i = 0; i < names.size(); i += kChunk) {
      std::vector<std::string> cmd = {"MGET"};
      const std::size_t end = std::min(names.size(), i + kChunk);
      for (std::size_t j = i; j < end; ++j) cmd.push_back(keys_.record(kind, names[j]));
      auto docs = pool_->command(cmd);
      if (!docs) return fail(docs.error());
      for (std::size_t j = i; j < end && j - i < docs->elements.size(); ++j) {
        // A key deleted between the two reads is simply gone.
        if (!docs->elements[j - i].is_nil()) out.push_back({names[j], docs->elements[j - i].text});
      }
    }
    return out;
  }

  RedisPool& pool() { return *pool_; }

 private:
  struct Applied {
    bool ok = false;
    long long check = 0;  // the precondition that failed (1-based)
    std::string value;    // the key's value then
  };

  Result<Applied> apply(const Batch& b) {
    auto r = pool_->eval(redis::kApply, b.keys(), b.argv());
    if (!r) return fail(r.error());
    if (r->is_error()) {
      if (r->text.find("OOM") != std::string::npos) {
        return fail(ErrorCode::ResourceExhausted,
                    "Redis is out of memory and refuses writes: " + r->text.substr(0, 160),
                    "give Redis more memory (maxmemory); it must never evict this store's keys");
      }
      return fail(redis_error(*r, "writing a task"));
    }
    Applied a;
    if (!r->elements.empty() && r->elements[0].text == "ok") {
      a.ok = true;
      return a;
    }
    if (r->elements.size() >= 2) a.check = to_number(r->elements[1]).value_or(0);
    if (r->elements.size() >= 3 && !r->elements[2].is_nil()) a.value = r->elements[2].text;
    return a;
  }

  // A leader record as stored: {"holder", "token", "expires_at"}.
  static Result<std::optional<Leadership>> leader_from(const std::string& role, const Reply& doc) {
    if (doc.is_nil()) return std::optional<Leadership>();
    const json j = json::parse(doc.text, nullptr, false);
    if (j.is_object() && j.value("holder", json()).is_string() &&
        j.value("token", json()).is_number_integer() &&
        j.value("expires_at", json()).is_number_integer()) {
      return std::optional<Leadership>(Leadership{role, j["holder"].get<std::string>(),
                                                  j["token"].get<std::int64_t>(),
                                                  j["expires_at"].get<std::int64_t>()});
    }
    return fail(
        ErrorCode::DataLoss, "the leader record of " + role + " is damaged",
        "delete the key so the role can be led again: redis-cli DEL '<prefix>leader:" + role + "'");
  }

  static Error quarantined_error(const std::string& id) {
    return Error{ErrorCode::DataLoss,
                 "the record of task " + id + " is damaged; it was moved to the quarantine",
                 "admin_cli store quarantine show " + id + " shows it (export or delete it there)"};
  }

  // Moves unreadable records aside (best effort: a failure leaves them for the next read).
  void quarantine(const std::vector<std::pair<std::string, std::string>>& records) {
    std::vector<std::vector<std::string>> cmds;
    for (const auto& [id, record] : records) {
      const json q = {
          {"reason", kUnreadable}, {"quarantined_at", clock_.now()}, {"record", record}};
      cmds.push_back(
          {"HSET", keys_.quarantine(), id, q.dump(-1, ' ', false, json::error_handler_t::replace)});
      cmds.push_back({"DEL", keys_.task(id)});
      cmds.push_back({"ZREM", keys_.all(), id});
    }
    (void)pool_->pipeline(cmds);
  }

  // The max_concurrent_scans the request offers for the instance a task was given (a takeover
  // re-attaching to an instance no longer offered keeps its slot: no bound beyond its own).
  static long long slot_limit(const ClaimRequest& req, const Task& t) {
    const auto pool = req.pools.find(t.pool);
    if (pool != req.pools.end()) {
      for (const auto& slot : pool->second) {
        if (slot.id == t.instance) return slot.limit;
      }
    }
    return std::numeric_limits<long long>::max();
  }

  // Gives back the candidates a claim held without writing (best effort: holds also expire).
  void release_holds(const std::vector<std::string>& ids) {
    if (ids.empty()) return;
    std::vector<std::string> del = {"DEL"};
    for (const auto& id : ids) del.push_back(keys_.hold(id));
    (void)pool_->command(del);
  }

  // Index entries whose task is gone: removed where a claim found them.
  void forget_stale(const std::vector<std::string>& ids, const ClaimRequest& req) {
    std::vector<std::vector<std::string>> cmds;
    for (const auto& id : ids) {
      cmds.push_back({"ZREM", keys_.lease(), id});
      for (const auto& [pool, slots] : req.pools) cmds.push_back({"ZREM", keys_.queue(pool), id});
    }
    (void)pool_->pipeline(cmds);
  }

  // Redis must keep every key (no eviction) and keep them on disk.
  Status check_server() {
    auto policy = pool_->command({"CONFIG", "GET", "maxmemory-policy"});
    if (!policy) return fail(policy.error());
    if (policy->is_error() || policy->elements.size() < 2) return ok();  // CONFIG disabled
    const std::string value = policy->elements[1].text;
    if (value != "noeviction") {
      return fail(ErrorCode::FailedPrecondition,
                  "Redis at " + pool_->endpoint().redacted + " may evict keys (maxmemory-policy " +
                      value + "): evicted task records would be lost scans",
                  "set maxmemory-policy noeviction (redis.conf, or CONFIG SET maxmemory-policy "
                  "noeviction) and size maxmemory for the store");
    }
    auto aof = pool_->command({"CONFIG", "GET", "appendonly"});
    auto save = pool_->command({"CONFIG", "GET", "save"});
    if (!aof || !save) return fail(!aof ? aof.error() : save.error());
    const bool aof_on = aof->elements.size() >= 2 && aof->elements[1].text == "yes";
    const bool rdb_on = save->elements.size() >= 2 && !trim_space(save->elements[1].text).empty();
    if (!aof_on && !rdb_on) {
      return fail(ErrorCode::FailedPrecondition,
                  "Redis at " + pool_->endpoint().redacted +
                      " keeps nothing on disk (appendonly no, no save points): a restart would "
                      "lose every task",
                  "set appendonly yes (and appendfsync everysec or always) in redis.conf");
    }
    return ok();
  }

  std::unique_ptr<RedisPool> pool_;
  const Keys keys_;
  const Clock& clock_;
};

}  // namespace

Result<std::unique_ptr<TaskStorage>> open_redis_storage(
    const std::string& url, const std::optional<std::string>& env_password, IfMissing if_missing,
    const Clock& clock) {
  auto endpoint = redis::parse_endpoint(url, env_password);
  if (!endpoint) return fail(endpoint.error());
  auto storage = std::make_unique<RedisTaskStorage>(
      std::make_unique<RedisPool>(std::move(*endpoint), RedisPool::Options{}), clock);
  if (auto s = storage->init(if_missing); !s) return fail(s.error());
  return std::unique_ptr<TaskStorage>(std::move(storage));
}

}  // namespace nmcp::store
