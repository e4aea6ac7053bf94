#include "app/data_dir.h"

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

namespace nmcp::app {

namespace {

constexpr const char* kAppDir = "nessus-mcp";

std::optional<std::string> non_empty(const EnvGetter& env, const std::string& name) {
  auto v = env(name);
  if (!v || v->empty()) return std::nullopt;
  return v;
}

// HOME, else the password database entry of the real user.
std::optional<std::string> home_dir(const EnvGetter& env) {
  if (auto h = non_empty(env, "HOME")) return h;
  std::vector<char> buffer(16384);
  passwd pw{};
  passwd* found = nullptr;
  if (::getpwuid_r(::getuid(), &pw, buffer.data(), buffer.size(), &found) == 0 &&
      found != nullptr && found->pw_dir != nullptr && found->pw_dir[0] != '\0') {
    return std::string(found->pw_dir);
  }
  return std::nullopt;
}

}  // namespace

EnvGetter process_env() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
}

Result<std::string> default_data_dir(const EnvGetter& env) {
  if (auto d = non_empty(env, "NMCP_DATA_DIR")) return *d;
  namespace fs = std::filesystem;
#ifdef __APPLE__
  if (auto home = home_dir(env)) {
    return (fs::path(*home) / "Library" / "Application Support" / kAppDir).string();
  }
#else
  // XDG: a relative XDG_DATA_HOME is invalid and must be ignored.
  if (auto xdg = non_empty(env, "XDG_DATA_HOME"); xdg && xdg->front() == '/') {
    return (fs::path(*xdg) / kAppDir).string();
  }
  if (auto home = home_dir(env)) {
    return (fs::path(*home) / ".local" / "share" / kAppDir).string();
  }
#endif
  return fail(ErrorCode::FailedPrecondition,
              "cannot find a data directory: HOME is not set and this user has no home directory",
              "pass --data-dir DIR (or set NMCP_DATA_DIR) to a directory this user can write");
}

Result<std::vector<std::string>> prepare_private_dir(const std::string& dir) {
  namespace fs = std::filesystem;
  std::vector<std::string> warnings;
  std::error_code ec;
  const fs::path path(dir);
  if (!fs::exists(path, ec)) {
    std::string why;
    if (path.has_parent_path()) fs::create_directories(path.parent_path(), ec);
    if (ec) {
      why = ec.message();
    } else if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
      why = std::strerror(errno);
    }
    if (!why.empty()) {
      return fail(ErrorCode::PermissionDenied,
                  "cannot create the data directory " + dir + ": " + why,
                  "pass --data-dir DIR (or set NMCP_DATA_DIR) to a directory this user can "
                  "write");
    }
    // mkdir honours the umask, which may be tighter; never looser than 0700.
    (void)::chmod(dir.c_str(), 0700);
    return warnings;
  }
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) {
    return fail(ErrorCode::PermissionDenied,
                "cannot read the data directory " + dir + ": " + std::strerror(errno),
                "check its permissions, or pass another --data-dir");
  }
  if (!S_ISDIR(st.st_mode)) {
    return fail(ErrorCode::InvalidArgument, "the data directory " + dir + " is not a directory",
                "pass --data-dir DIR naming a directory");
  }
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%03o", static_cast<unsigned>(st.st_mode & 0777));
    warnings.push_back("the data directory " + dir + " is readable by other users (mode " + mode +
                       "); it holds scan results: chmod 700 " + dir);
  }
  return warnings;
}

}  // namespace nmcp::app
