#pragma once
// Quotas for the whole deployment: each tenant's use lives in the store (one record, kind
// "quota"), so every replica and worker admits against the same numbers. An admission reads
// the record, then the tenant's queued and running tasks, then writes the record only if it is
// still what was read (else it starts again): a concurrent admission elsewhere either shows in
// the record (pending) or makes this one retry, so no limit is passed by a race. The submitter
// settles after its insert: the pending entry goes, and what was taken is given back when no
// task was created.
//
// Thread-safety: as the stores'; a ledger holds no state of its own.

#include <optional>
#include <string>

#include "core/base/result.h"
#include "core/config/scanner_config.h"
#include "core/quota/quota_usage.h"
#include "core/store/task_store.h"

namespace nmcp::quota {

class QuotaLedger {
 public:
  QuotaLedger(store::RecordStore& records, store::TaskReader& tasks)
      : records_(records), tasks_(tasks) {}

  // ResourceExhausted (Refusal::to_error) when a limit refuses; Unavailable when the store
  // does, or when other admissions kept winning the race.
  Status admit(const std::string& tenant, const config::QuotaLimits& limits, const Demand& demand,
               task::Millis now);
  // Best effort: a failure here leaves a pending entry that expires (kPendingTtlMs).
  void settle(const std::string& tenant, const config::QuotaLimits& limits, const Demand& demand,
              bool created, task::Millis now);
  Result<Remaining> remaining(const std::string& tenant, const config::QuotaLimits& limits,
                              task::Millis now);
  // A dry run: what remains, and what admit() would decide for `demand` now (the same rule,
  // quota::admit, on one read of the record), writing nothing.
  struct DryRun {
    Remaining left;
    std::optional<Refusal> refusal;
  };
  Result<DryRun> dry_run(const std::string& tenant, const config::QuotaLimits& limits,
                         const Demand& demand, task::Millis now);
  // Whether `tenant` has a task made with idempotency key `key` (a repeat is admitted free).
  Result<bool> earlier_task(const std::string& tenant, const std::string& key);

 private:
  // The tenant's queued and running task ids (only when concurrency is limited), enough of
  // them to decide.
  Result<std::set<std::string>> active(const std::string& tenant,
                                       const config::QuotaLimits& limits);
  Result<Usage> load(const std::string& tenant);

  store::RecordStore& records_;
  store::TaskReader& tasks_;
};

}  // namespace nmcp::quota
