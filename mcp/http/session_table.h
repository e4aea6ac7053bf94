#pragma once
// SessionTable: the live HTTP sessions by Mcp-Session-Id (Streamable HTTP) or sessionId
// (legacy SSE), bounded in number overall and per tenant (so no tenant can take every slot),
// with idle expiry, and a much shorter one for sessions whose client never completed
// initialisation. Each entry pairs the protocol Session with
// the queue feeding its server-to-client stream.
//
// Thread-safety: all methods are safe to call concurrently.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "mcp/http/message_queue.h"
#include "mcp/server/session.h"

namespace nmcp::mcp {

enum class SessionKind { Streamable, LegacySse };

struct SessionEntry {
  // The session's unsolicited messages (SessionNotifier) go to its stream's queue.
  SessionEntry(std::shared_ptr<Session> s, SessionKind k, std::size_t queue_capacity)
      : session(std::move(s)), kind(k), stream(std::make_shared<MessageQueue>(queue_capacity)) {
    session->attach_channel([queue = std::weak_ptr<MessageQueue>(stream)](const auto& message) {
      const auto q = queue.lock();
      return q != nullptr && q->push(message);
    });
  }

  const std::shared_ptr<Session> session;
  const SessionKind kind;
  const std::shared_ptr<MessageQueue> stream;
  std::atomic<bool> stream_attached{false};
};

class SessionTable {
 public:
  SessionTable(std::size_t max_sessions, std::size_t max_per_tenant)
      : max_sessions_(max_sessions), max_per_tenant_(max_per_tenant) {}

  enum class Inserted { Yes, TableFull, TenantFull };
  Inserted insert(const std::shared_ptr<SessionEntry>& entry);
  std::shared_ptr<SessionEntry> find(const std::string& id) const;
  // Removes the session and ends it: in-flight calls cancelled, its stream closed.
  bool remove(const std::string& id);
  // Ends sessions idle for longer than `idle` that have no open stream and nothing in flight,
  // and sessions older than `unready` whose client never sent notifications/initialized;
  // `now_ms` is on the sessions' monotonic clock.
  std::size_t expire_idle(std::chrono::milliseconds idle, std::chrono::milliseconds unready,
                          std::int64_t now_ms);
  // Asks every session's open-ended requests to answer now (Session::wind_down).
  void wind_down_all() const;
  void close_all();
  std::size_t size() const;

 private:
  static void end(const SessionEntry& entry);

  const std::size_t max_sessions_;
  const std::size_t max_per_tenant_;
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<SessionEntry>> entries_;  // guarded by mu_
  std::map<std::string, std::size_t> per_tenant_;                 // guarded by mu_

  void erased(const SessionEntry& e);  // with mu_ held
};

}  // namespace nmcp::mcp
