#pragma once
// SessionTable: the live HTTP sessions by Mcp-Session-Id (Streamable HTTP) or sessionId
// (legacy SSE), bounded in number, with idle expiry. Each entry pairs the protocol Session with
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
  SessionEntry(std::shared_ptr<Session> s, SessionKind k, std::size_t queue_capacity)
      : session(std::move(s)), kind(k), stream(std::make_shared<MessageQueue>(queue_capacity)) {}

  const std::shared_ptr<Session> session;
  const SessionKind kind;
  const std::shared_ptr<MessageQueue> stream;
  std::atomic<bool> stream_attached{false};
};

class SessionTable {
 public:
  explicit SessionTable(std::size_t max_sessions) : max_sessions_(max_sessions) {}

  // False when the table is full.
  bool insert(const std::shared_ptr<SessionEntry>& entry);
  std::shared_ptr<SessionEntry> find(const std::string& id) const;
  // Removes the session and ends it: in-flight calls cancelled, its stream closed.
  bool remove(const std::string& id);
  // Ends sessions idle for longer than `idle` that have no open stream and nothing in flight.
  std::size_t expire_idle(std::chrono::steady_clock::duration idle);
  void close_all();
  std::size_t size() const;

 private:
  static void end(const SessionEntry& entry);

  const std::size_t max_sessions_;
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<SessionEntry>> entries_;  // guarded by mu_
};

}  // namespace nmcp::mcp
