// The hiredis adapter: hiredis types stay in this file.
#include "core/store/redis/redis_client.h"

#include <sys/time.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>

#include <hiredis/hiredis.h>

#include "core/base/crypto.h"

namespace nmcp::store::redis {

namespace {

timeval to_timeval(std::chrono::milliseconds ms) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
  return tv;
}

Reply convert(const redisReply* r) {
  Reply out;
  if (r == nullptr) return out;
  switch (r->type) {
    case REDIS_REPLY_STRING:
      out.type = Reply::Type::String;
      out.text.assign(r->str, r->len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = Reply::Type::Status;
      out.text.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ERROR:
      out.type = Reply::Type::Error;
      out.text.assign(r->str, r->len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = Reply::Type::Integer;
      out.integer = r->integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = Reply::Type::Array;
      out.elements.reserve(r->elements);
      for (std::size_t i = 0; i < r->elements; ++i) out.elements.push_back(convert(r->element[i]));
      break;
    default:
      out.type = Reply::Type::Nil;
      break;
  }
  return out;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

Error bad_url(const std::string& why) {
  return Error{ErrorCode::InvalidArgument, "--store: " + why,
               "write redis://[user:password@]host:port[/db] or unix:///path/redis.sock?db=N "
               "(the password may come from $REDIS_PASSWORD instead)"};
}

Status read_options(std::string_view query, Endpoint& e) {
  std::size_t start = 0;
  while (start < query.size()) {
    const auto amp = std::min(query.find('&', start), query.size());
    const std::string_view item = query.substr(start, amp - start);
    start = amp + 1;
    const auto eq = item.find('=');
    const std::string key(item.substr(0, eq));
    const std::string value =
        eq == std::string_view::npos ? "" : percent_decode(item.substr(eq + 1));
    if (key == "db") {
      int db = -1;
      const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), db);
      if (ec != std::errc() || end != value.data() + value.size() || db < 0 || db > 1023) {
        return fail(bad_url("db must be a number from 0 to 1023"));
      }
      e.db = db;
    } else if (key == "timeout_ms") {
      int ms = -1;
      const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), ms);
      if (ec != std::errc() || end != value.data() + value.size() || ms < 10 || ms > 600000) {
        return fail(bad_url("timeout_ms must be a number from 10 to 600000"));
      }
      e.command_timeout = std::chrono::milliseconds(ms);
    } else if (key == "prefix") {
      const bool ok = !value.empty() && value.size() <= 32 &&
                      std::all_of(value.begin(), value.end(), [](unsigned char c) {
                        return std::isalnum(c) || c == '_' || c == '-' || c == '.';
                      });
      if (!ok) return fail(bad_url("prefix must be 1-32 of [A-Za-z0-9_.-]"));
      e.prefix = value;
    } else {
      return fail(bad_url("unknown option \"" + key.substr(0, 32) +
                          "\" (db, prefix and timeout_ms are known)"));
    }
  }
  return ok();
}

}  // namespace

Result<Endpoint> parse_endpoint(const std::string& url,
                                const std::optional<std::string>& env_password) {
  Endpoint e;
  std::string_view rest;
  if (url.rfind("rediss://", 0) == 0) {
    return fail(ErrorCode::InvalidArgument,
                "--store rediss://: TLS to Redis is not supported by this build (Debian's "
                "hiredis 0.14 has no TLS)",
                "reach Redis on a private network or a local socket (unix:///path), or through "
                "a TLS tunnel (stunnel, WireGuard) with redis:// to its local end");
  }
  std::string_view query;
  auto split_query = [&](std::string_view s) {
    const auto q = s.find('?');
    if (q != std::string_view::npos) {
      query = s.substr(q + 1);
      s = s.substr(0, q);
    }
    return s;
  };
  if (url.rfind("unix://", 0) == 0) {
    rest = split_query(std::string_view(url).substr(7));
    if (rest.empty() || rest.front() != '/') {
      return fail(bad_url("unix:// needs an absolute socket path, e.g. unix:///run/redis.sock"));
    }
    e.unix_path = std::string(rest);
  } else if (url.rfind("redis://", 0) == 0) {
    rest = split_query(std::string_view(url).substr(8));
    std::string_view authority = rest;
    if (const auto slash = rest.find('/'); slash != std::string_view::npos) {
      authority = rest.substr(0, slash);
      const std::string db(rest.substr(slash + 1));
      if (!db.empty()) {
        int n = -1;
        const auto [end, ec] = std::from_chars(db.data(), db.data() + db.size(), n);
        if (ec != std::errc() || end != db.data() + db.size() || n < 0 || n > 1023) {
          return fail(bad_url("the database after / must be a number from 0 to 1023"));
        }
        e.db = n;
      }
    }
    if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
      const std::string_view userinfo = authority.substr(0, at);
      authority = authority.substr(at + 1);
      const auto colon = userinfo.find(':');
      if (colon == std::string_view::npos) {
        e.password = percent_decode(userinfo);  // redis://password@host, as redis-cli takes it
      } else {
        e.user = percent_decode(userinfo.substr(0, colon));
        e.password = percent_decode(userinfo.substr(colon + 1));
      }
    }
    std::string_view host = authority;
    if (!authority.empty() && authority.front() == '[') {
      const auto close = authority.find(']');
      if (close == std::string_view::npos) return fail(bad_url("an unclosed [IPv6] address"));
      host = authority.substr(1, close - 1);
      authority = authority.substr(close + 1);
      if (!authority.empty() && authority.front() != ':') return fail(bad_url("junk after ]"));
      if (!authority.empty()) authority.remove_prefix(1);
    } else if (const auto colon = authority.rfind(':'); colon != std::string_view::npos) {
      host = authority.substr(0, colon);
      authority = authority.substr(colon + 1);
    } else {
      authority = {};
    }
    if (host.empty()) return fail(bad_url("redis:// needs a host"));
    e.host = std::string(host);
    if (!authority.empty()) {
      int port = 0;
      const auto [end, ec] =
          std::from_chars(authority.data(), authority.data() + authority.size(), port);
      if (ec != std::errc() || end != authority.data() + authority.size() || port < 1 ||
          port > 65535) {
        return fail(bad_url("the port must be a number from 1 to 65535"));
      }
      e.port = port;
    }
  } else {
    return fail(bad_url("not a Redis URL"));
  }
  if (auto s = read_options(query, e); !s) return fail(s.error());
  if (e.password.empty() && env_password && !env_password->empty()) e.password = *env_password;
  e.redacted = e.unix_path.empty()
                   ? "redis://" +
                         (e.password.empty() ? "" : (e.user.empty() ? "" : e.user) + ":***@") +
                         e.host + ":" + std::to_string(e.port) + "/" + std::to_string(e.db)
                   : "unix://" + e.unix_path + "?db=" + std::to_string(e.db);
  return e;
}

class Connection {
 public:
  explicit Connection(redisContext* c) : c_(c) {}
  ~Connection() {
    if (c_ != nullptr) redisFree(c_);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Sends every command, then reads every reply. On a connection error the connection is
  // unusable and the caller drops it.
  Result<std::vector<Reply>> run(const std::vector<std::vector<std::string>>& commands,
                                 const std::string& where) {
    for (const auto& cmd : commands) {
      std::vector<const char*> argv;
      std::vector<std::size_t> lens;
      argv.reserve(cmd.size());
      lens.reserve(cmd.size());
      for (const auto& a : cmd) {
        argv.push_back(a.data());
        lens.push_back(a.size());
      }
      if (redisAppendCommandArgv(c_, static_cast<int>(argv.size()), argv.data(), lens.data()) !=
          REDIS_OK) {
        return fail(lost(where));
      }
    }
    std::vector<Reply> out;
    out.reserve(commands.size());
    for (std::size_t i = 0; i < commands.size(); ++i) {
      void* raw = nullptr;
      if (redisGetReply(c_, &raw) != REDIS_OK || raw == nullptr) return fail(lost(where));
      out.push_back(convert(static_cast<redisReply*>(raw)));
      freeReplyObject(raw);
    }
    return out;
  }

  bool broken() const { return c_ == nullptr || c_->err != 0; }

  Error lost(const std::string& where) const {
    const std::string why = c_ != nullptr && c_->err != 0 ? c_->errstr : "connection lost";
    return Error{
        ErrorCode::Unavailable,
        "the task store (Redis at " + where + ") is unreachable (" + why + "); retry in 1 s",
        "check that Redis runs and is reachable"};
  }

 private:
  redisContext* c_;
};

RedisPool::RedisPool(Endpoint endpoint, Options options)
    : endpoint_(std::move(endpoint)), options_(options) {}

RedisPool::~RedisPool() = default;

Result<std::unique_ptr<Connection>> RedisPool::take() {
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      return c;
    }
    const auto now = std::chrono::steady_clock::now();
    if (now < retry_after_) {
      const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(retry_after_ - now);
      return fail(ErrorCode::Unavailable,
                  "the task store (Redis at " + endpoint_.redacted + ") is unreachable; retry in " +
                      std::to_string(std::max<long long>(1, (wait.count() + 999) / 1000)) + " s",
                  "check that Redis runs and is reachable");
    }
  }
  const timeval connect = to_timeval(options_.connect_timeout);
  redisContext* raw = endpoint_.unix_path.empty()
                          ? redisConnectWithTimeout(endpoint_.host.c_str(), endpoint_.port, connect)
                          : redisConnectUnixWithTimeout(endpoint_.unix_path.c_str(), connect);
  auto c = std::make_unique<Connection>(raw);
  auto failed = [&](Error e) -> Result<std::unique_ptr<Connection>> {
    std::lock_guard lock(mu_);
    backoff_ = std::min<std::chrono::milliseconds>(
        std::chrono::milliseconds(5000),
        backoff_.count() == 0 ? std::chrono::milliseconds(100) : backoff_ * 2);
    retry_after_ = std::chrono::steady_clock::now() + backoff_;
    return fail(std::move(e));
  };
  if (raw == nullptr || raw->err != 0) return failed(c->lost(endpoint_.redacted));
  redisSetTimeout(raw, to_timeval(endpoint_.command_timeout.value_or(options_.command_timeout)));
  std::vector<std::vector<std::string>> hello;
  if (!endpoint_.password.empty()) {
    hello.push_back(endpoint_.user.empty()
                        ? std::vector<std::string>{"AUTH", endpoint_.password}
                        : std::vector<std::string>{"AUTH", endpoint_.user, endpoint_.password});
  }
  if (endpoint_.db != 0) hello.push_back({"SELECT", std::to_string(endpoint_.db)});
  if (!hello.empty()) {
    auto replies = c->run(hello, endpoint_.redacted);
    if (!replies) return failed(replies.error());
    for (const auto& r : *replies) {
      if (r.is_error()) {
        // Never echo what was sent: the reply text is Redis's own ("WRONGPASS ...").
        const bool auth = r.text.find("AUTH") != std::string::npos ||
                          r.text.find("WRONGPASS") != std::string::npos ||
                          r.text.find("NOAUTH") != std::string::npos;
        return failed(Error{
            auth ? ErrorCode::Unauthenticated : ErrorCode::Unavailable,
            "Redis at " + endpoint_.redacted + " refused the connection: " + r.text.substr(0, 120),
            auth ? "check the password (the URL or $REDIS_PASSWORD) and the user"
                 : "check the database number"});
      }
    }
  }
  {
    std::lock_guard lock(mu_);
    backoff_ = std::chrono::milliseconds(0);
  }
  return c;
}

void RedisPool::give_back(std::unique_ptr<Connection> c) {
  if (c->broken()) return;
  std::lock_guard lock(mu_);
  if (idle_.size() < options_.max_idle) idle_.push_back(std::move(c));
}

Result<std::vector<Reply>> RedisPool::run(const std::vector<std::vector<std::string>>& commands) {
  auto c = take();
  if (!c) return fail(c.error());
  {
    std::lock_guard lock(mu_);
    ++round_trips_;
  }
  auto replies = (*c)->run(commands, endpoint_.redacted);
  if (!replies) return fail(replies.error());  // the connection is dropped
  give_back(std::move(*c));
  return replies;
}

Result<Reply> RedisPool::command(const std::vector<std::string>& args) {
  auto r = run({args});
  if (!r) return fail(r.error());
  return std::move(r->front());
}

Result<std::vector<Reply>> RedisPool::pipeline(
    const std::vector<std::vector<std::string>>& commands) {
  if (commands.empty()) return std::vector<Reply>{};
  return run(commands);
}

Result<Reply> RedisPool::eval(const std::string& script, const std::vector<std::string>& keys,
                              const std::vector<std::string>& args) {
  std::string sha;
  {
    std::lock_guard lock(scripts_mu_);
    for (const auto& [text, s] : loaded_) {
      if (text.data() == script.data() || text == script) sha = s;
    }
    if (sha.empty()) {
      sha = sha1_hex(script);
      loaded_.emplace_back(script, sha);
    }
  }
  std::vector<std::string> cmd = {"EVALSHA", sha, std::to_string(keys.size())};
  cmd.insert(cmd.end(), keys.begin(), keys.end());
  cmd.insert(cmd.end(), args.begin(), args.end());
  auto r = command(cmd);
  if (!r) return r;
  if (r->is_error() && r->text.rfind("NOSCRIPT", 0) == 0) {
    // Redis restarted (or flushed its scripts): load it again and retry once.
    auto loaded = command({"SCRIPT", "LOAD", script});
    if (!loaded) return loaded;
    if (loaded->is_error()) {
      return fail(ErrorCode::Internal, "Redis refused a script: " + loaded->text.substr(0, 200));
    }
    return command(cmd);
  }
  return r;
}

std::uint64_t RedisPool::round_trips() const {
  std::lock_guard lock(mu_);
  return round_trips_;
}

}  // namespace nmcp::store::redis
