#pragma once
// The name a task's Nessus scan gets. It carries the task id, so a retry can find the scan an
// earlier attempt created even if that attempt died before recording its id, and housekeeping
// can check that the scan at a recorded id is still the one this task created. Task ids are
// unguessable, so the match is exact and unique (unlike matching on the caller's name). Pure.

#include <string>

#include "core/task/task.h"

namespace nmcp::worker {

inline std::string nessus_scan_name(const task::Task& t) { return t.name + " [" + t.id + "]"; }

}  // namespace nmcp::worker
