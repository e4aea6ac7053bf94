// Redis task storage: tasks, queues, claims, listings and housekeeping reads. The class and its
// shared pieces are redis_storage_internal.h; redis_shared_state.cc has the rest of the store.
#include "core/store/redis/redis_storage_internal.h"

namespace nmcp::store {
namespace redis_detail {

Result<std::optional<Task>> RedisTaskStorage::insert_unique(const Task& t) {
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

Status RedisTaskStorage::insert(const Task& t) {
  Batch b;
  b.check_absent(keys_.task(t.id));
  if (!t.idempotency_key.empty()) b.op("SET", keys_.idem(t.owner, t.idempotency_key), {t.id});
  write_ops(keys_, nullptr, &t, b);
  auto r = apply(b);
  if (!r) return fail(r.error());
  if (!r->ok) return fail(ErrorCode::AlreadyExists, "task " + t.id + " already exists");
  return ok();
}

Result<std::optional<std::string>> RedisTaskStorage::keyed_task_id(const std::string& owner,
                                                                   const std::string& key) {
  auto id = pool_->command({"GET", keys_.idem(owner, key)});
  if (!id) return fail(id.error());
  if (id->is_nil()) return std::optional<std::string>();
  return std::optional<std::string>(id->text);
}

Result<std::optional<Task>> RedisTaskStorage::load(const std::string& id) {
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

Result<Task> RedisTaskStorage::mutate(const std::string& id,
                                      const std::function<Status(Task&)>& change) {
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

Result<std::optional<Task>> RedisTaskStorage::claim(lifecycle::ClaimPlanner& planner) {
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
        const bool same_slot = before.state == State::Running && before.instance == c.task.instance;
        if (!same_slot) b.check_field_below(keys_.run(), c.task.instance, slot_limit(req, c.task));
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

Result<TaskPage> RedisTaskStorage::list(const TaskQuery& q) {
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

Result<std::vector<QueueStats>> RedisTaskStorage::queue_stats() {
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

Result<std::map<std::string, int>> RedisTaskStorage::running_per_instance() {
  auto r = pool_->command({"HGETALL", keys_.run()});
  if (!r) return fail(r.error());
  std::map<std::string, int> out;
  for (std::size_t i = 0; i + 1 < r->elements.size(); i += 2) {
    const auto n = to_number(r->elements[i + 1]).value_or(0);
    if (n > 0) out[r->elements[i].text] = static_cast<int>(n);
  }
  return out;
}

Result<int> RedisTaskStorage::queued_ahead(const Task& t) {
  auto r = pool_->command({"ZRANK", keys_.queue(t.pool), t.id});
  if (!r) return fail(r.error());
  return static_cast<int>(to_number(*r).value_or(0));
}

Result<std::optional<Millis>> RedisTaskStorage::typical_duration(const std::string& pool) {
  auto r = pool_->command({"LRANGE", keys_.durations(pool), "0", num(kDurationSamples - 1)});
  if (!r) return fail(r.error());
  if (r->elements.empty()) return std::optional<Millis>();
  long long sum = 0;
  for (const auto& e : r->elements) sum += to_number(e).value_or(0);
  return std::optional<Millis>(sum / static_cast<long long>(r->elements.size()));
}

Result<int> RedisTaskStorage::purge_dead_letters(const std::string& pool, Millis before) {
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

Result<std::vector<Task>> RedisTaskStorage::finished_before(FinishedKind kind, Millis before,
                                                            std::size_t limit) {
  return read_by_score(keys_.finished(kind), "-inf", "(" + num(before), limit);
}

Result<std::vector<Task>> RedisTaskStorage::finished_since(FinishedKind kind, Millis since,
                                                           std::size_t limit) {
  return read_by_score(keys_.finished(kind), num(since), "+inf", limit);
}

Result<std::vector<Task>> RedisTaskStorage::expired_running(Millis before, std::size_t limit) {
  return read_by_score(keys_.lease(), "-inf", "(" + num(before), limit);
}

Result<bool> RedisTaskStorage::remove_if(const std::string& id,
                                         const std::function<bool(const Task&)>& decide) {
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

Result<std::vector<std::string>> RedisTaskStorage::remove_many_if(
    const std::vector<std::string>& ids, const std::function<bool(const Task&)>& decide) {
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

Result<std::vector<Task>> RedisTaskStorage::read_by_score(const std::string& index,
                                                          const std::string& min,
                                                          const std::string& max,
                                                          std::size_t limit) {
  auto ids = pool_->command(
      {"ZRANGEBYSCORE", index, min, max, "LIMIT", "0", num(static_cast<long long>(limit))});
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

Result<RedisTaskStorage::Applied> RedisTaskStorage::apply(const Batch& b) {
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

long long RedisTaskStorage::slot_limit(const ClaimRequest& req, const Task& t) {
  const auto pool = req.pools.find(t.pool);
  if (pool != req.pools.end()) {
    for (const auto& slot : pool->second) {
      if (slot.id == t.instance) return slot.limit;
    }
  }
  return std::numeric_limits<long long>::max();
}

void RedisTaskStorage::release_holds(const std::vector<std::string>& ids) {
  if (ids.empty()) return;
  std::vector<std::string> del = {"DEL"};
  for (const auto& id : ids) del.push_back(keys_.hold(id));
  (void)pool_->command(del);
}

void RedisTaskStorage::forget_stale(const std::vector<std::string>& ids, const ClaimRequest& req) {
  std::vector<std::vector<std::string>> cmds;
  for (const auto& id : ids) {
    cmds.push_back({"ZREM", keys_.lease(), id});
    for (const auto& [pool, slots] : req.pools) cmds.push_back({"ZREM", keys_.queue(pool), id});
  }
  (void)pool_->pipeline(cmds);
}

}  // namespace redis_detail

Result<std::unique_ptr<TaskStorage>> open_redis_storage(
    const std::string& url, const std::optional<std::string>& env_password, IfMissing if_missing,
    const Clock& clock) {
  auto endpoint = redis::parse_endpoint(url, env_password);
  if (!endpoint) return fail(endpoint.error());
  auto storage = std::make_unique<redis_detail::RedisTaskStorage>(
      std::make_unique<redis::RedisPool>(std::move(*endpoint), redis::RedisPool::Options{}), clock);
  if (auto s = storage->init(if_missing); !s) return fail(s.error());
  return std::unique_ptr<TaskStorage>(std::move(storage));
}

}  // namespace nmcp::store
