#pragma once
// Session: the protocol state of one client connection: whether initialize happened and with
// which protocol version, the client's logging threshold, who the client is (the principal an
// API key maps to; "local" on stdio) and which requests are in flight, so that
// notifications/cancelled and the end of the session can reach them. A session is bound to the
// key that opened it; its rights are that key's as of its latest request (refresh_principal),
// and each request runs with a copy taken when it starts (RequestContext).
//
// Thread-safety: all methods are safe to call concurrently.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "core/base/monotonic_clock.h"
#include "core/base/tenant.h"
#include "mcp/protocol/log_level.h"
#include "mcp/protocol/version.h"

namespace nmcp::mcp {

class RequestContext;

// Who is on the other end. Tools may restrict what a principal sees and calls.
struct Principal {
  std::string tenant = kLocalTenant;
  // Tools this principal may list and call; nullopt means all.
  std::optional<std::set<std::string>> allowed_tools;
  // Pools its scans may go to; nullopt means all.
  std::optional<std::set<std::string>> allowed_pools;
  // role=read-only: only tools annotated read-only (and resources); it can start, cancel or
  // change nothing, whatever tools= says.
  bool read_only = false;
  // Which API key it presented: the key's SHA-256 digest (as in the keys file; never the key).
  // Empty on stdio and without keys.
  std::string key_id = {};

  bool may_use(const std::string& tool) const {
    return !allowed_tools || allowed_tools->count(tool) > 0;
  }
  // The same key of the same tenant (what a session is bound to).
  bool same_key(const Principal& other) const {
    return tenant == other.tenant && key_id == other.key_id;
  }
};

class Session {
 public:
  // `clock` times activity and age (idle expiry); it must outlive the session.
  Session(std::string id, Principal principal, McpLogLevel default_log_level,
          const MonotonicClock& clock = steady_ms());

  // A session that behaves as already initialized (stateless HTTP: every request stands alone).
  static std::shared_ptr<Session> preinitialized(Principal principal, ProtocolVersion version,
                                                 McpLogLevel default_log_level);

  const std::string& id() const { return id_; }
  // The rights of the session's key as of its latest request (a copy).
  Principal principal() const;
  // A request of this session presented its key again: the rights it has now (a SIGHUP reload
  // may have narrowed them) apply from this request on. The caller checked same_key().
  void refresh_principal(Principal now);

  bool initialized() const;
  // The negotiated version, or the latest before initialization.
  ProtocolVersion protocol_version() const;
  // False when the session was already initialized.
  bool initialize(ProtocolVersion version, nlohmann::json client_info,
                  nlohmann::json client_capabilities = nlohmann::json::object());
  nlohmann::json client_info() const;
  // What the client declared in initialize ({} before).
  nlohmann::json client_capabilities() const;

  McpLogLevel log_level() const;
  void set_log_level(McpLogLevel level);

  enum class Added { Yes, DuplicateId, Closed, Full };
  // Registers an in-flight request under its id key, unless the key is already in flight, the
  // session is closed, or `max_in_flight` requests are already in flight.
  Added add_request(const std::string& key, std::shared_ptr<RequestContext> request,
                    std::size_t max_in_flight = SIZE_MAX);
  void remove_request(const std::string& key);
  void cancel_request(const std::string& key);
  std::size_t in_flight() const;
  // Waits until nothing is in flight; false if `timeout` passed first.
  bool wait_idle(std::chrono::milliseconds timeout) const;

  // Where this session's unsolicited messages go (server-initiated notifications): the
  // transport attaches it when the session is created. A channel returns false when it could
  // not take a message. Never called with the session's lock held.
  using Channel = std::function<bool(const nlohmann::json& message)>;
  void attach_channel(Channel channel);
  // Sends `message` on the channel; false before initialize, after close(), or without one.
  bool push(const nlohmann::json& message) const;

  // Asks what is in flight with no end of its own to answer now (RequestContext::ask_to_end),
  // and every request added from now on: the graceful start of a close, so that subscriptions
  // are answered rather than cut off.
  void wind_down();
  // Cancels everything in flight; later add_request() calls fail.
  void close();
  bool closed() const;

  void touch();
  // On the session's monotonic clock, in milliseconds.
  std::int64_t last_active_ms() const;

  // The client sent notifications/initialized: initialisation is complete. Sessions that never
  // get there are expired much sooner than idle ones (they cost a slot and do nothing).
  void mark_ready();
  bool ready() const;
  std::int64_t created_ms() const { return created_ms_; }

 private:
  const std::string id_;
  const MonotonicClock& clock_;
  const std::int64_t created_ms_;

  mutable std::mutex mu_;
  Principal principal_;  // guarded by mu_
  mutable std::condition_variable idle_cv_;
  bool initialized_ = false;                                         // guarded by mu_
  bool closed_ = false;                                              // guarded by mu_
  bool winding_down_ = false;                                        // guarded by mu_
  bool ready_ = false;                                               // guarded by mu_
  ProtocolVersion version_ = kLatestVersion;                         // guarded by mu_
  nlohmann::json client_info_;                                       // guarded by mu_
  nlohmann::json client_capabilities_ = nlohmann::json::object();    // guarded by mu_
  McpLogLevel log_level_;                                            // guarded by mu_
  std::map<std::string, std::shared_ptr<RequestContext>> requests_;  // guarded by mu_
  std::int64_t last_active_ms_;                                      // guarded by mu_
  std::shared_ptr<const Channel> channel_;                           // guarded by mu_
};

}  // namespace nmcp::mcp
