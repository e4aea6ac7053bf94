#pragma once
// The embedded TaskStore backend: one SQLite file in WAL mode. Each operation is one
// BEGIN IMMEDIATE transaction that loads the task, checks the state machine, and writes it
// back, so concurrent threads and processes (nessus-mcp, nessus-worker, admin_cli on the same
// file) never interleave a read-check-write. Tasks are stored as JSON documents with the
// fields queries need copied into indexed columns.
//
// Thread-safety: all methods may be called concurrently (one connection behind a mutex);
// other processes coordinate through SQLite's file locks and a busy timeout.

#include <memory>
#include <string>

#include "core/base/result.h"
#include "core/store/open_store.h"
#include "core/store/task_store.h"

namespace nmcp::store {

Result<std::unique_ptr<TaskStore>> open_sqlite_store(const std::string& path,
                                                     IfMissing if_missing = IfMissing::Create);

}  // namespace nmcp::store
