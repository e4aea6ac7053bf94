#include "core/store/open_store.h"

#include <filesystem>
#include <system_error>

#include "core/store/sqlite/sqlite_task_store.h"

namespace nmcp::store {

std::string default_store_spec(const std::string& data_dir) {
  return "sqlite:" + (std::filesystem::path(data_dir) / "nessus-mcp.db").string();
}

Result<std::unique_ptr<TaskStore>> open_store(const std::string& spec, IfMissing if_missing) {
  std::string path;
  if (spec.rfind("sqlite://", 0) == 0) {
    path = spec.substr(9);
  } else if (spec.rfind("sqlite:", 0) == 0) {
    path = spec.substr(7);
  } else if (spec.rfind("redis://", 0) == 0 || spec.rfind("rediss://", 0) == 0) {
    return fail(ErrorCode::InvalidArgument,
                "the Redis store is not available in this build (" + spec.substr(0, 8) + "...)",
                "use --store sqlite:PATH");
  } else {
    return fail(ErrorCode::InvalidArgument, "unknown --store '" + spec + "'",
                "write sqlite:PATH, for example sqlite:./data/nessus-mcp.db");
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
  return open_sqlite_store(path, if_missing);
}

}  // namespace nmcp::store
