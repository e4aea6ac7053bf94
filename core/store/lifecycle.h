#pragma once
// The task lifecycle: every rule about what an operation may do to a task, in which state and
// under which lease, written once as plain functions of a task and the current time. Every
// store backend applies these inside its own atomic read-modify-write and adds no rule of its
// own; the state machine (core/task/state_machine.h) is checked by every state change here.
//
// Leases. A claim hands a task to a worker under a lease: the worker's id, a token new to this
// claim, and an expiry the holder keeps pushing forward for as long as it works on the task.
//   - Only the current holder (same worker and same token) may renew, record, finish, retry,
//     dead-letter or release. An attempt whose lease was taken over cannot write, even from the
//     same worker.
//   - The holder may renew a lease that expired while nobody took it over (it was cut off from
//     the store, not replaced), so a worker keeps the scans it drives through a store outage.
//   - A claim never hands a task to the worker that holds it, even after expiry: that worker is
//     still working on it (a long step), or will hand it back.
//   - Taking over an expired lease counts a failed attempt: the holder crashed, was killed or
//     lost the store mid-step. A task whose step keeps killing its worker (a poison export that
//     exhausts memory) reaches the dead-letter queue after max_failures instead of looping.
//
// Failures. `failures` counts consecutive failed attempts; a recorded step that succeeded
// resets it. Retries back off exponentially with full jitter. Inline credentials are erased
// as soon as the Nessus scan exists and whenever a task ends or is dead-lettered, so an
// operator's retry can never bring a secret back.
//
// Pure functions over values; thread-safe.

#include <map>
#include <set>
#include <string>

#include "core/base/result.h"
#include "core/store/lease.h"
#include "core/store/owner.h"
#include "core/store/store_types.h"
#include "core/task/task.h"

namespace nmcp::store::lifecycle {

using task::State;
using task::TaskError;

Error not_found(const std::string& id);
Error lease_lost(const Task& t, const Lease& lease);
// ok when `lease` is the task's current lease.
Status check_holder(const Task& t, const Lease& lease);

// --- Submit and import -------------------------------------------------------------------
// A new task as a submit stores it: queued, due at once.
void prepare_submit(Task& t);
// A submit met an existing task with the same owner and idempotency key: ok to return the
// existing task, Conflict when the requests differ.
Status reuse_existing(const Task& existing, const Task& incoming);
// A scan finished elsewhere, stored completed and never queued.
void prepare_import(Task& t);
// Whether a task may be copied to another store as it is (admin_cli store migrate): every
// state but running, whose worker is still writing to the old store (FailedPrecondition).
Status check_movable(const Task& t);
// A migration marks each unfinished task it copies in the old store before copying it, so that
// no worker of the old store can ever run it (a paused one that wakes up later included): it is
// never due again there, and cancel and retry refuse it. Marking a task already moved to the
// same store changes nothing; a running task is refused (check_movable).
Status mark_moved(Task& t, const std::string& destination, Millis now);
// What the new store receives for a task marked in the old one: the task as it stood, due at
// the time it was marked.
Task unmoved_copy(const Task& marked);

// --- Claim ---------------------------------------------------------------------------------
// Queued and due, or running with an expired lease.
bool claimable(const Task& t, Millis now);

// Decides, candidate by candidate, what one claim does. A backend, inside one atomic step,
// counts the running tasks per instance, calls begin() with them, then feeds consider() the
// claimable tasks of the request's pools oldest first, writing back each task it changed:
//   Take  the task is now the claimer's (running, new lease, instance chosen): write it, stop
//   Bury  its lease expired once too often: dead-lettered here; write it and go on
//   Skip  not for this claimer (another instance's scan, pool full, its own task, inline
//         credentials it cannot open): go on. A scan past the scan timeout is taken even when
//         its instance is not offered, so that it ends timed_out rather than waiting forever.
// begin() may be called again when an optimistic backend retries the whole step.
class ClaimPlanner {
 public:
  enum class Verdict { Skip, Take, Bury };

  ClaimPlanner(ClaimRequest request, std::string token);
  void begin(std::map<std::string, int> running_per_instance);
  Verdict consider(Task& t);
  const ClaimRequest& request() const { return request_; }

 private:
  void take(Task& t, const std::string& instance);

  const ClaimRequest request_;
  const std::string token_;
  std::map<std::string, int> running_;
  std::set<std::string> full_pools_;
};

// --- What a lease holder does --------------------------------------------------------------
Status renew(Task& t, const Lease& lease, Millis now, Millis lease_until);
Status record(Task& t, const Lease& lease, const StepUpdate& update, Millis now,
              Millis lease_until);
Status finish(Task& t, const Lease& lease, State to, const TaskError& error, Millis now);
Status retry_later(Task& t, const Lease& lease, const TaskError& error,
                   const RetryDecision& decision, Millis now);
Status dead_letter(Task& t, const Lease& lease, const TaskError& error, Millis now);
Status release(Task& t, const Lease& lease, Millis now);
// The scanner asked to come back later (429): queued again until `until`, the lease given up,
// the step kept, and no failure counted, so a busy scanner never dead-letters a task.
Status back_off(Task& t, const Lease& lease, Millis until, Millis now);

// --- What callers and operators do ---------------------------------------------------------
// An API key's pools= (nullopt: every pool): what it may submit to and act on. PermissionDenied
// naming only the pools it may use; `doing` says what was refused ("submit scans to").
Status check_key_pool(const std::optional<std::set<std::string>>& key_pools,
                      const std::string& pool, const std::string& doing);
// `key_pools`: a key limited to some pools cancels only its tenant's tasks in those.
Status request_cancel(Task& t, const OwnerScope& scope, Millis now,
                      const std::optional<std::set<std::string>>& key_pools = std::nullopt);
Status retry_dead_letter(Task& t, Millis now);
// A finished task's export indexed again (admin_cli task reindex): its summary and credential
// outcome become what the new index says. Only a finished task that was not moved away;
// its state, times and error stay.
Status replace_results(Task& t, const nlohmann::json& summary, const nlohmann::json& validation,
                       Millis now);
// Whether purge_dead_letters(pool, before) deletes `t` (pool empty: every pool).
bool purgeable_dead_letter(const Task& t, const std::string& pool, Millis before);

// Housekeeping. The kind of a finished task (nullopt: queued or running, never deleted), and
// the time its retention counts from.
std::optional<FinishedKind> finished_kind(const Task& t);
Millis finished_time(const Task& t);
// Whether the task's scan has run longer than `scan_timeout_ms` (0: no limit), counted from when
// it started on Nessus: a scan that never started is never overdue (time in the queue is not the
// scan's). The one rule for the worker, the claim planner and housekeeping.
bool overdue(const Task& t, Millis now, Millis scan_timeout_ms);
// A running task whose lease expired before `lease_expired_before` and whose scan is overdue ->
// timed_out, its lease cleared. FailedPrecondition otherwise.
Status time_out_stuck(Task& t, Millis now, Millis lease_expired_before, Millis scan_timeout_ms);

// Exponential backoff with full jitter: a uniform delay in [base/2, min(cap, base*2^failures)].
Millis backoff_delay(int failures, Millis base, Millis cap, double unit_random);

}  // namespace nmcp::store::lifecycle
