#include "core/store/open_store.h"

#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <string_view>
#include <system_error>

#include "core/store/lifecycle_store.h"
#include "core/store/redis/redis_task_storage.h"
#include "core/store/sqlite/sqlite_task_storage.h"

namespace nmcp::store {

namespace {
constexpr int kDefaultBusyTimeoutMs = 10'000;
}  // namespace

std::string default_store_spec(const std::string& data_dir) {
  return "sqlite:" + (std::filesystem::path(data_dir) / "nessus-mcp.db").string();
}

Result<std::unique_ptr<TaskStore>> open_store(const std::string& spec, IfMissing if_missing) {
  std::string path;
  if (spec.rfind("sqlite://", 0) == 0) {
    path = spec.substr(9);
  } else if (spec.rfind("sqlite:", 0) == 0) {
    path = spec.substr(7);
  } else if (spec.rfind("redis://", 0) == 0 || spec.rfind("rediss://", 0) == 0 ||
             spec.rfind("unix://", 0) == 0) {
    // The password may come from the environment, so it is never on a command line.
    const char* env = std::getenv("REDIS_PASSWORD");
    auto storage = open_redis_storage(
        spec, env != nullptr ? std::optional<std::string>(env) : std::nullopt, if_missing);
    if (!storage) return fail(storage.error());
    return make_lifecycle_store(std::move(*storage));
  } else {
    return fail(ErrorCode::InvalidArgument, "unknown --store '" + spec.substr(0, 40) + "'",
                "write sqlite:PATH (one machine) or redis://host:6379 (distributed)");
  }
  // sqlite:PATH?busy_timeout_ms=N: how long a write waits for another process's (default 10 s).
  int busy_timeout_ms = kDefaultBusyTimeoutMs;
  if (const auto q = path.find('?'); q != std::string::npos) {
    const std::string query = path.substr(q + 1);
    path.resize(q);
    constexpr std::string_view kBusy = "busy_timeout_ms=";
    long long v = -1;
    if (query.rfind(kBusy, 0) == 0) {
      const char* begin = query.data() + kBusy.size();
      const auto [end, ec] = std::from_chars(begin, query.data() + query.size(), v);
      if (ec != std::errc() || end != query.data() + query.size()) v = -1;
    }
    if (v < 0 || v > 600'000) {
      return fail(ErrorCode::InvalidArgument, "unknown --store option '" + query + "'",
                  "the only option is busy_timeout_ms=N (0 to 600000)");
    }
    busy_timeout_ms = static_cast<int>(v);
  }
  if (path.empty()) {
    return fail(ErrorCode::InvalidArgument, "--store sqlite: needs a file path",
                "write sqlite:PATH, for example sqlite:./data/nessus-mcp.db");
  }
  const std::filesystem::path file(path);
  if (if_missing == IfMissing::Create && file.has_parent_path()) {
    std::error_code ec;
    const auto dir = file.parent_path();
    if (!std::filesystem::exists(dir, ec)) {
      std::filesystem::create_directories(dir, ec);
      if (!ec) std::filesystem::permissions(dir, std::filesystem::perms::owner_all, ec);
    }
    if (ec) {
      return fail(ErrorCode::Unavailable,
                  "cannot create the directory of the task store " + path + ": " + ec.message(),
                  "choose a writable --data-dir or --store path");
    }
  }
  auto storage = open_sqlite_storage(path, if_missing, busy_timeout_ms);
  if (!storage) return fail(storage.error());
  return make_lifecycle_store(std::move(*storage));
}

}  // namespace nmcp::store
