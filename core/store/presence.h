#pragma once
// Presence: which processes use a store now. Every server and worker announces itself in a
// record (kind "process", key its holder id) at every renewal interval, saying until when it
// counts as live (one lease term later); a clean stop erases it. admin_cli store migrate
// refuses while any process is live, so that none of them goes on submitting to or claiming
// from the store being retired (a process paused past its term is not seen: the migration's
// marks keep it from running what was copied, lifecycle::mark_moved). The records hold each
// process's clock offset and whether its results directory is the store's, for operators.
//
// Thread-safety: pure functions over a thread-safe RecordStore.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/store/task_store.h"

namespace nmcp::store {

inline constexpr const char* kPresenceKind = "process";

struct Presence {
  std::string id;  // the holder id (nessus-worker@host-pid-xxxx)
  std::string host;
  long long pid = 0;
  Millis seen_at = 0;                                // this process's clock when it announced
  Millis live_until = 0;                             // counts as live until then
  nlohmann::json checks = nlohmann::json::object();  // clock offset, results directory

  nlohmann::json to_json() const;
  static std::optional<Presence> from_json(const nlohmann::json& j);
};

// Writes (or refreshes) this process's record, and erases records that stopped being live a
// day ago (processes that died without a clean stop).
Status announce(RecordStore& records, const Presence& me);
// Erases this process's record (a clean stop).
Status withdraw(RecordStore& records, const std::string& id);
// The processes live at `now`, oldest announcement first.
Result<std::vector<Presence>> live_processes(RecordStore& records, Millis now);

}  // namespace nmcp::store
