#pragma once
// Whether this process's results directory is the one the other processes of its store use.
// Results are files (<data_dir>/results/<task_id>/), so every process of a store must see the
// same directory: a worker on another one completes scans nobody can read. The store names the
// directory by a random marker in a record (kind "deployment", key "results_dir"); the
// directory holds the same marker in results/.store-marker. The first process writes its
// directory's marker and then the record; a process that finds the record naming another
// marker, or its directory without one, is not on the shared directory.
//
// Thread-safety: pure functions over a thread-safe store and the file system.

#include <string>

#include "core/store/task_store.h"

namespace nmcp::readiness {

inline constexpr const char* kResultsMarkerFile = ".store-marker";

struct ResultsBinding {
  bool shared = false;
  std::string reason;  // why not (empty when shared)
  std::string hint;
};

// Reads (and on a store without one, creates) the binding of `data_dir`'s results directory.
// Unavailable when the store or the directory cannot be read.
Result<ResultsBinding> bind_results_dir(store::TaskStore& store, const std::string& data_dir);
// An operator's answer to a mismatch: `data_dir` is the right directory after all (the shared
// volume was replaced, or results were moved): it takes the store's marker.
Status adopt_results_dir(store::TaskStore& store, const std::string& data_dir);

}  // namespace nmcp::readiness
