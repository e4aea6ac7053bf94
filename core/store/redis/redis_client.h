#pragma once
// A small Redis client over hiredis 0.14 (Debian's; RESP2, no TLS): the only hiredis user in
// the project, with hiredis types kept in redis_client.cc. It speaks what the Redis backend
// needs and nothing more: one command, a pipeline of commands, scripts by SHA with a reload on
// NOSCRIPT, connect and command timeouts, and a small pool that reconnects with backoff.
// Every failure to reach Redis is ErrorCode::Unavailable with a message that never contains
// the password.
//
// Thread-safety: a RedisPool may be used from any thread; a connection belongs to one caller
// at a time (the pool hands them out).

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/base/result.h"

namespace nmcp::store::redis {

// A reply in our own type (RESP2).
struct Reply {
  enum class Type { Nil, Status, Error, Integer, String, Array };
  Type type = Type::Nil;
  long long integer = 0;
  std::string text;  // Status, Error, String
  std::vector<Reply> elements;

  bool is_nil() const { return type == Type::Nil; }
  bool is_error() const { return type == Type::Error; }
};

// Where Redis is: redis://[user:password@]host:port[/db] or unix:///path?db=N. Options after
// '?': db=N, prefix=NAME (the key prefix, default nmcp), timeout_ms=N (a command's limit,
// default 5000). The password may come from $REDIS_PASSWORD instead of the URL.
struct Endpoint {
  std::string host;
  int port = 6379;
  std::string unix_path;
  std::string user;
  std::string password;
  int db = 0;
  std::string prefix = "nmcp";
  std::optional<std::chrono::milliseconds> command_timeout;  // ?timeout_ms=N
  // The URL with the password replaced by "***", for messages and describe().
  std::string redacted;
};
Result<Endpoint> parse_endpoint(const std::string& url,
                                const std::optional<std::string>& env_password);

class Connection;

class RedisPool {
 public:
  struct Options {
    std::chrono::milliseconds connect_timeout{2000};
    std::chrono::milliseconds command_timeout{5000};
    std::size_t max_idle = 8;
  };
  RedisPool(Endpoint endpoint, Options options);
  ~RedisPool();
  RedisPool(const RedisPool&) = delete;
  RedisPool& operator=(const RedisPool&) = delete;

  const Endpoint& endpoint() const { return endpoint_; }
  // One command. A Redis error reply is returned as a Reply of type Error (not a failure).
  Result<Reply> command(const std::vector<std::string>& args);
  // Several commands sent together (one round trip); one reply each, in order.
  Result<std::vector<Reply>> pipeline(const std::vector<std::vector<std::string>>& commands);
  // EVALSHA of `script` (loaded once, reloaded on NOSCRIPT); keys then args.
  Result<Reply> eval(const std::string& script, const std::vector<std::string>& keys,
                     const std::vector<std::string>& args);
  // Round trips sent since the pool was made (for the benchmarks).
  std::uint64_t round_trips() const;

 private:
  Result<std::unique_ptr<Connection>> take();
  void give_back(std::unique_ptr<Connection> c);
  Result<std::vector<Reply>> run(const std::vector<std::vector<std::string>>& commands);

  const Endpoint endpoint_;
  const Options options_;
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<Connection>> idle_;        // guarded by mu_
  std::chrono::steady_clock::time_point retry_after_{};  // guarded by mu_: backoff after failure
  std::chrono::milliseconds backoff_{0};                 // guarded by mu_
  std::uint64_t round_trips_ = 0;                        // guarded by mu_
  std::mutex scripts_mu_;
  std::vector<std::pair<std::string, std::string>>
      loaded_;  // script -> sha, guarded by scripts_mu_
};

}  // namespace nmcp::store::redis
