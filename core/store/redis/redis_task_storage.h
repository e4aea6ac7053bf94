#pragma once
// The distributed store backend: Redis, storage and atomicity only (the rules are lifecycle.h's,
// applied by LifecycleStore). Every write is one compare-and-set script run (kApply): the
// documents it read must be unchanged, and then it writes the task and its index entries
// together; a conflict re-reads and retries. A claim reads its candidates in one script run
// (kClaimRead), lets the planner decide, and writes with the same compare-and-set, checking
// the running count of the instance it fills. Every key carries one hash-tagged prefix
// ({nmcp} by default), so a deployment's keys share one slot and the scripts run on Redis
// Cluster too. The key layout is in phases/09-distributed-mode.md.
//
// At open it refuses a Redis that may evict keys (maxmemory-policy other than noeviction) or
// keeps nothing on disk (neither AOF nor RDB snapshots), saying what to change.
//
// Thread-safety: all methods may be called concurrently; other processes coordinate through
// the scripts' atomicity.

#include <memory>
#include <optional>
#include <string>

#include "core/base/clock.h"
#include "core/base/result.h"
#include "core/store/open_store.h"
#include "core/store/task_storage.h"

namespace nmcp::store {

// `url`: redis://..., unix://... (redis_client.h); `env_password`: $REDIS_PASSWORD.
// Refuse: a Redis holding no store of this prefix is NotFound (read-only admin commands).
Result<std::unique_ptr<TaskStorage>> open_redis_storage(
    const std::string& url, const std::optional<std::string>& env_password,
    IfMissing if_missing = IfMissing::Create, const Clock& clock = system_clock());

}  // namespace nmcp::store
