#pragma once
// A lease: which claim of a task a worker holds. The token is new at every claim, so a worker
// whose lease was taken over (even by itself, after an expiry) holds a stale token and every
// write it attempts is refused. Plain value; thread-safe to copy.

#include <string>

#include "core/task/task.h"

namespace nmcp::store {

struct Lease {
  std::string worker;
  std::string token;
};

// The lease a claimed task carries (what claim() returned).
inline Lease lease_of(const task::Task& t) { return {t.worker, t.lease_token}; }

}  // namespace nmcp::store
