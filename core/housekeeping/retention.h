#pragma once
// The retention rule: when a finished task is due for deletion, from the configuration's
// housekeeping section. Queued and running tasks are never due. When Nessus-side clean-up is on,
// no finished task is deleted before delete_nessus_scans_after_days, so a scan's id is never
// lost before the scan is deleted; the scan goes just before its record. Pure; thread-safe.

#include <optional>

#include "core/config/scanner_config.h"
#include "core/store/store_types.h"

namespace nmcp::housekeeping {

using task::Millis;

// How long a kind of finished task is kept, counted from lifecycle::finished_time.
Millis retention_ms(store::FinishedKind kind, const config::Housekeeping& h);
// When `t` is due for deletion (nullopt: never, it has not finished).
std::optional<Millis> due_at(const task::Task& t, const config::Housekeeping& h);
bool is_due(const task::Task& t, const config::Housekeeping& h, Millis now);
// Whether deleting `t` also deletes its Nessus scan: only scans this server created and
// recorded (an imported task records none), and only when the clean-up is on.
bool deletes_nessus_scan(const task::Task& t, const config::Housekeeping& h);

}  // namespace nmcp::housekeeping
