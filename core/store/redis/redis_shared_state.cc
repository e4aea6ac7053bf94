// Redis storage apart from tasks: setting up and checking the connection and the schema, the
// scanner health workers publish, the leader leases of singletons, core's records (schedules,
// quotas), the integrity check and the quarantine of records that do not read back.
#include "core/store/redis/redis_storage_internal.h"

namespace nmcp::store::redis_detail {

Status RedisTaskStorage::init(IfMissing if_missing) {
  auto ping = pool_->command({"PING"});
  if (!ping) return fail(ping.error());
  if (ping->is_error()) {
    return fail(ErrorCode::Unauthenticated,
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

std::string RedisTaskStorage::describe() const {
  return pool_->endpoint().redacted + " (prefix " + pool_->endpoint().prefix + ")";
}

Status RedisTaskStorage::ping() {
  auto r = pool_->command({"PING"});
  if (!r) return fail(r.error());
  return ok();
}

Result<std::optional<Millis>> RedisTaskStorage::server_time() {
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

Result<std::vector<QuarantinedRecord>> RedisTaskStorage::quarantined() {
  auto r = pool_->command({"HGETALL", keys_.quarantine()});
  if (!r) return fail(r.error());
  std::vector<QuarantinedRecord> out;
  for (std::size_t i = 0; i + 1 < r->elements.size(); i += 2) {
    const json j = json::parse(r->elements[i + 1].text, nullptr, false);
    if (!j.is_object()) continue;
    out.push_back({r->elements[i].text, j.value("reason", ""), j.value("quarantined_at", Millis{0}),
                   j.value("record", "")});
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return std::tie(b.quarantined_at, a.id) < std::tie(a.quarantined_at, b.id);
  });
  return out;
}

Status RedisTaskStorage::delete_quarantined(const std::string& id) {
  auto r = pool_->command({"HDEL", keys_.quarantine(), id});
  if (!r) return fail(r.error());
  if (to_number(*r).value_or(0) == 0) {
    return fail(ErrorCode::NotFound, "no quarantined record " + id,
                "admin_cli store quarantine list shows them");
  }
  return ok();
}

Result<StoreCheck> RedisTaskStorage::check() {
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

Status RedisTaskStorage::put_scanner_status(const ScannerStatus& status) {
  auto r = pool_->command({"HSET", keys_.scanners(), status.instance, to_json(status).dump()});
  if (!r) return fail(r.error());
  return ok();
}

Result<std::map<std::string, ScannerStatus>> RedisTaskStorage::scanner_statuses() {
  auto r = pool_->command({"HGETALL", keys_.scanners()});
  if (!r) return fail(r.error());
  std::map<std::string, ScannerStatus> out;
  for (std::size_t i = 0; i + 1 < r->elements.size(); i += 2) {
    auto s = scanner_status_from_json(json::parse(r->elements[i + 1].text, nullptr, false));
    if (s) out[s->instance] = std::move(*s);
  }
  return out;
}

Result<std::optional<Leadership>> RedisTaskStorage::mutate_leader(const std::string& role,
                                                                  const LeaderChange& change) {
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

Result<std::optional<Leadership>> RedisTaskStorage::load_leader(const std::string& role) {
  auto doc = pool_->command({"GET", keys_.leader(role)});
  if (!doc) return fail(doc.error());
  return leader_from(role, *doc);
}

Result<std::optional<std::string>> RedisTaskStorage::mutate_record(const std::string& kind,
                                                                   const std::string& key,
                                                                   const RecordChange& change) {
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

Result<std::optional<std::string>> RedisTaskStorage::load_record(const std::string& kind,
                                                                 const std::string& key) {
  auto doc = pool_->command({"GET", keys_.record(kind, key)});
  if (!doc) return fail(doc.error());
  if (doc->is_nil()) return std::optional<std::string>();
  return std::optional<std::string>(doc->text);
}

Result<std::vector<Record>> RedisTaskStorage::list_records(const std::string& kind) {
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

Result<std::optional<Leadership>> RedisTaskStorage::leader_from(const std::string& role,
                                                                const Reply& doc) {
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

Error RedisTaskStorage::quarantined_error(const std::string& id) {
  return Error{ErrorCode::DataLoss,
               "the record of task " + id + " is damaged; it was moved to the quarantine",
               "admin_cli store quarantine show " + id + " shows it (export or delete it there)"};
}

void RedisTaskStorage::quarantine(const std::vector<std::pair<std::string, std::string>>& records) {
  std::vector<std::vector<std::string>> cmds;
  for (const auto& [id, record] : records) {
    const json q = {{"reason", kUnreadable}, {"quarantined_at", clock_.now()}, {"record", record}};
    cmds.push_back(
        {"HSET", keys_.quarantine(), id, q.dump(-1, ' ', false, json::error_handler_t::replace)});
    cmds.push_back({"DEL", keys_.task(id)});
    cmds.push_back({"ZREM", keys_.all(), id});
  }
  (void)pool_->pipeline(cmds);
}

Status RedisTaskStorage::check_server() {
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

}  // namespace nmcp::store::redis_detail
