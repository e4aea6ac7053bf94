#include "core/store/lifecycle_store.h"

#include <utility>

#include "core/base/crypto.h"

namespace nmcp::store {

namespace {

namespace lc = lifecycle;

class LifecycleStore final : public TaskStore {
 public:
  explicit LifecycleStore(std::unique_ptr<TaskStorage> storage) : s_(std::move(storage)) {}

  std::string describe() const override { return s_->describe(); }
  Status ping() override { return s_->ping(); }
  std::optional<std::uint64_t> round_trips() const override { return s_->round_trips(); }
  Result<std::optional<Millis>> server_time() override { return s_->server_time(); }

  Result<SubmitResult> submit(Task t) override {
    lc::prepare_submit(t);
    auto existing = s_->insert_unique(t);
    if (!existing) return fail(existing.error());
    if (!*existing) return SubmitResult{std::move(t), true};
    if (auto s = lc::reuse_existing(**existing, t); !s) return fail(s.error());
    return SubmitResult{std::move(**existing), false};
  }

  Result<SubmitResult> import_completed(Task t) override {
    lc::prepare_import(t);
    if (t.idempotency_key.empty()) {
      if (auto s = s_->insert(t); !s) return fail(s.error());
      return SubmitResult{std::move(t), true};
    }
    auto existing = s_->insert_unique(t);
    if (!existing) return fail(existing.error());
    if (!*existing) return SubmitResult{std::move(t), true};
    return SubmitResult{std::move(**existing), false};
  }

  Result<Copied> copy_in(const Task& t) override {
    if (auto m = lc::check_movable(t); !m) return fail(m.error());
    auto existing = s_->load(t.id);
    if (!existing) return fail(existing.error());
    if (*existing)
      return task::to_json(**existing) == task::to_json(t) ? Copied::Already : Copied::Differs;
    if (t.idempotency_key.empty()) {
      if (auto s = s_->insert(t); !s) return fail(s.error());
      return Copied::New;
    }
    auto other = s_->insert_unique(t);
    if (!other) return fail(other.error());
    if (!*other) return Copied::New;
    if ((*other)->id == t.id) return Copied::Already;  // copied in between
    return fail(ErrorCode::Conflict,
                "task " + t.id + ": its owner's idempotency key already names task " +
                    (*other)->id + " in this store",
                "the two stores were both used with the same keys; this task is not copied");
  }

  Result<std::vector<QuarantinedRecord>> quarantined() override { return s_->quarantined(); }
  Status delete_quarantined(const std::string& id) override { return s_->delete_quarantined(id); }
  Result<StoreCheck> check() override { return s_->check(); }

  Result<Task> get(const std::string& id, const OwnerScope& scope) override {
    auto t = s_->load(id);
    if (!t) return fail(t.error());
    if (!*t || !scope.admits((*t)->owner)) return fail(lc::not_found(id));
    return std::move(**t);
  }

  Result<TaskPage> list(const TaskQuery& q) override { return s_->list(q); }

  Result<std::optional<Task>> find_keyed(const std::string& owner,
                                         const std::string& key) override {
    auto id = s_->keyed_task_id(owner, key);
    if (!id) return fail(id.error());
    if (!*id) return std::optional<Task>();
    auto t = s_->load(**id);
    if (!t) return fail(t.error());
    if (!*t || (*t)->owner != owner) return std::optional<Task>();
    return t;
  }

  Result<std::optional<Task>> claim(const ClaimRequest& r) override {
    if (r.pools.empty()) return std::optional<Task>();
    lc::ClaimPlanner planner(r, random_hex(16));
    return s_->claim(planner);
  }

  Result<Task> renew(const std::string& id, const Lease& lease, Millis now,
                     Millis lease_until) override {
    return s_->mutate(id, [&](Task& t) { return lc::renew(t, lease, now, lease_until); });
  }

  Result<Task> record(const std::string& id, const Lease& lease, const StepUpdate& u, Millis now,
                      Millis lease_until) override {
    return s_->mutate(id, [&](Task& t) { return lc::record(t, lease, u, now, lease_until); });
  }

  Result<Task> finish(const std::string& id, const Lease& lease, task::State to,
                      const task::TaskError& error, Millis now) override {
    return s_->mutate(id, [&](Task& t) { return lc::finish(t, lease, to, error, now); });
  }

  Result<Task> retry_later(const std::string& id, const Lease& lease, const task::TaskError& error,
                           const RetryDecision& d, Millis now) override {
    return s_->mutate(id, [&](Task& t) { return lc::retry_later(t, lease, error, d, now); });
  }

  Result<Task> dead_letter(const std::string& id, const Lease& lease, const task::TaskError& error,
                           Millis now) override {
    return s_->mutate(id, [&](Task& t) { return lc::dead_letter(t, lease, error, now); });
  }

  Result<Task> release(const std::string& id, const Lease& lease, Millis now) override {
    return s_->mutate(id, [&](Task& t) { return lc::release(t, lease, now); });
  }

  Result<Task> back_off(const std::string& id, const Lease& lease, Millis until,
                        Millis now) override {
    return s_->mutate(id, [&](Task& t) { return lc::back_off(t, lease, until, now); });
  }

  Result<Task> request_cancel(const std::string& id, const OwnerScope& scope, Millis now,
                              const std::optional<std::set<std::string>>& key_pools) override {
    auto r = s_->mutate(id, [&](Task& t) { return lc::request_cancel(t, scope, now, key_pools); });
    // Another tenant's task is reported exactly like a missing one.
    if (!r && r.error().code == ErrorCode::NotFound) return fail(lc::not_found(id));
    return r;
  }

  Result<std::map<std::string, int>> running_per_instance() override {
    return s_->running_per_instance();
  }

  Result<std::vector<QueueStats>> queue_stats() override { return s_->queue_stats(); }

  Result<int> queue_position(const std::string& id) override {
    auto t = s_->load(id);
    if (!t) return fail(t.error());
    if (!*t) return fail(lc::not_found(id));
    if ((*t)->state != task::State::Queued) return 0;
    auto ahead = s_->queued_ahead(**t);
    if (!ahead) return fail(ahead.error());
    return *ahead + 1;
  }

  Result<std::optional<Millis>> typical_duration(const std::string& pool) override {
    return s_->typical_duration(pool);
  }

  Result<Task> mark_moved(const std::string& id, const std::string& destination,
                          Millis now) override {
    return s_->mutate(id, [&](Task& t) { return lc::mark_moved(t, destination, now); });
  }

  Result<Task> replace_results(const std::string& id, const nlohmann::json& summary,
                               const nlohmann::json& validation, Millis now) override {
    return s_->mutate(id,
                      [&](Task& t) { return lc::replace_results(t, summary, validation, now); });
  }

  Result<Task> retry_dead_letter(const std::string& id, Millis now) override {
    return s_->mutate(id, [&](Task& t) { return lc::retry_dead_letter(t, now); });
  }

  Result<int> purge_dead_letters(const std::string& pool, Millis before) override {
    return s_->purge_dead_letters(pool, before);
  }

  Result<std::vector<Task>> finished_before(FinishedKind kind, Millis before,
                                            std::size_t limit) override {
    return s_->finished_before(kind, before, limit);
  }

  Result<std::vector<Task>> finished_since(FinishedKind kind, Millis since,
                                           std::size_t limit) override {
    return s_->finished_since(kind, since, limit);
  }

  Result<std::vector<std::string>> delete_finished(
      const std::vector<std::string>& ids,
      const std::function<bool(const Task&)>& still_due) override {
    return s_->remove_many_if(ids,
                              [&](const Task& t) { return lc::finished_kind(t) && still_due(t); });
  }

  Result<std::vector<Task>> expired_running(Millis before, std::size_t limit) override {
    return s_->expired_running(before, limit);
  }

  Result<Task> time_out_stuck(const std::string& id, Millis now, Millis lease_expired_before,
                              Millis scan_timeout_ms) override {
    return s_->mutate(id, [&](Task& t) {
      return lc::time_out_stuck(t, now, lease_expired_before, scan_timeout_ms);
    });
  }

  Status put_scanner_status(const ScannerStatus& status) override {
    return s_->put_scanner_status(status);
  }

  Result<std::optional<Leadership>> try_lead(const std::string& role, const std::string& holder,
                                             Millis now, Millis ttl_ms) override {
    if (auto v = leadership::validate_name("role", role); !v) return fail(v.error());
    if (auto v = leadership::validate_name("holder", holder); !v) return fail(v.error());
    if (auto v = leadership::validate_ttl(ttl_ms); !v) return fail(v.error());
    auto after = s_->mutate_leader(
        role, [&](const std::optional<Leadership>& current) -> Result<std::optional<Leadership>> {
          return leadership::lead(current, role, holder, now, ttl_ms);
        });
    if (!after) return fail(after.error());
    if (*after && (*after)->holder == holder && (*after)->held_at(now)) return *after;
    return std::optional<Leadership>();
  }

  Result<Leadership> renew_lead(const Leadership& mine, Millis now, Millis ttl_ms) override {
    if (auto v = leadership::validate_ttl(ttl_ms); !v) return fail(v.error());
    auto after = s_->mutate_leader(
        mine.role,
        [&](const std::optional<Leadership>& current) -> Result<std::optional<Leadership>> {
          auto renewed = leadership::renew(current, mine, now, ttl_ms);
          if (!renewed) return fail(renewed.error());
          return std::optional<Leadership>(std::move(*renewed));
        });
    if (!after) return fail(after.error());
    return **after;
  }

  Status resign(const Leadership& mine, Millis now) override {
    auto after = s_->mutate_leader(
        mine.role,
        [&](const std::optional<Leadership>& current) -> Result<std::optional<Leadership>> {
          return leadership::resign(current, mine, now);
        });
    if (!after) return fail(after.error());
    return ok();
  }

  Result<std::optional<Leadership>> leader(const std::string& role) override {
    if (auto v = leadership::validate_name("role", role); !v) return fail(v.error());
    return s_->load_leader(role);
  }

  Result<std::map<std::string, ScannerStatus>> scanner_statuses() override {
    return s_->scanner_statuses();
  }

  Result<std::optional<std::string>> load_record(const std::string& kind,
                                                 const std::string& key) override {
    if (auto v = check_names(kind, key); !v) return fail(v.error());
    return s_->load_record(kind, key);
  }

  Result<std::vector<Record>> list_records(const std::string& kind) override {
    if (auto v = records::validate_kind(kind); !v) return fail(v.error());
    return s_->list_records(kind);
  }

  Result<std::optional<std::string>> mutate_record(const std::string& kind, const std::string& key,
                                                   const RecordChange& change) override {
    if (auto v = check_names(kind, key); !v) return fail(v.error());
    return s_->mutate_record(kind, key,
                             [&](const std::optional<std::string>& current) -> Result<RecordEdit> {
                               auto edit = change(current);
                               if (!edit) return edit;
                               if (edit->action == RecordEdit::Action::Put) {
                                 if (auto v = records::validate_body(edit->body); !v) {
                                   return fail(v.error());
                                 }
                               }
                               return edit;
                             });
  }

 private:
  static Status check_names(const std::string& kind, const std::string& key) {
    if (auto v = records::validate_kind(kind); !v) return v;
    return records::validate_key(key);
  }

  std::unique_ptr<TaskStorage> s_;
};

}  // namespace

std::unique_ptr<TaskStore> make_lifecycle_store(std::unique_ptr<TaskStorage> storage) {
  return std::make_unique<LifecycleStore>(std::move(storage));
}

}  // namespace nmcp::store
