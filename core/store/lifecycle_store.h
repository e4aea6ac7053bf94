#pragma once
// The TaskStore every backend is: lifecycle.h's rules applied inside a TaskStorage's atomic
// primitives. Nothing here knows SQL or Redis, and no backend knows a rule.
//
// Thread-safety: as the storage's (safe from many threads and processes).

#include <memory>

#include "core/store/task_storage.h"
#include "core/store/task_store.h"

namespace nmcp::store {

std::unique_ptr<TaskStore> make_lifecycle_store(std::unique_ptr<TaskStorage> storage);

}  // namespace nmcp::store
