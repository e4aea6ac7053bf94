#include "core/readiness/results_marker.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "core/base/crypto.h"

namespace nmcp::readiness {

namespace fs = std::filesystem;

namespace {

constexpr const char* kKind = "deployment";
constexpr const char* kKey = "results_dir";

fs::path marker_path(const std::string& data_dir) {
  return fs::path(data_dir) / "results" / kResultsMarkerFile;
}

Result<std::optional<std::string>> read_marker(const std::string& data_dir) {
  const fs::path path = marker_path(data_dir);
  std::error_code ec;
  if (!fs::exists(path, ec)) return std::optional<std::string>();
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  if (!in && !in.eof()) {
    return fail(ErrorCode::Unavailable, "cannot read " + path.string(),
                "check the permissions of the data directory");
  }
  std::string marker = text.str();
  while (!marker.empty() && (marker.back() == '\n' || marker.back() == ' ')) marker.pop_back();
  return std::optional<std::string>(marker);
}

// Writes `marker` as the directory's, whole (a temporary file of this writer's own, then a
// link or a rename). `exclusive`: only if the directory has none yet; a process that loses that
// race to another starting on the same directory takes the winner's. Returns the directory's
// marker afterwards.
Result<std::string> write_marker(const std::string& data_dir, const std::string& marker,
                                 bool exclusive) {
  const fs::path path = marker_path(data_dir);
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  const fs::path temp = path.string() + "." + random_hex(8) + ".tmp";
  {
    std::ofstream out(temp, std::ios::trunc);
    out << marker << "\n";
    if (!out.flush()) {
      fs::remove(temp, ec);
      return fail(ErrorCode::Unavailable, "cannot write " + temp.string(),
                  "check free space and the permissions of the data directory");
    }
  }
  int failed = 0;
  if (exclusive) {
    failed = ::link(temp.c_str(), path.c_str()) == 0 ? 0 : errno;
    fs::remove(temp, ec);
  } else {
    fs::rename(temp, path, ec);
    failed = ec ? ec.value() : 0;
  }
  if (failed == EEXIST && exclusive) {
    auto theirs = read_marker(data_dir);
    if (!theirs) return fail(theirs.error());
    if (*theirs) return **theirs;
  }
  if (failed != 0) {
    fs::remove(temp, ec);
    return fail(ErrorCode::Unavailable,
                "cannot write " + path.string() + ": " + std::strerror(failed),
                "check the permissions of the data directory");
  }
  return marker;
}

Result<std::optional<std::string>> store_marker(store::TaskStore& store) {
  auto body = store.load_record(kKind, kKey);
  if (!body) return fail(body.error());
  return *body;
}

}  // namespace

Result<ResultsBinding> bind_results_dir(store::TaskStore& store, const std::string& data_dir) {
  auto recorded = store_marker(store);
  if (!recorded) return fail(recorded.error());
  auto local = read_marker(data_dir);
  if (!local) return fail(local.error());
  const std::string results = (fs::path(data_dir) / "results").string();
  if (!*recorded) {
    // A store no process has named a directory for: this one's (marked first, so that a crash
    // between the two writes leaves a directory whose marker the next start records; processes
    // starting together on one directory all end up with the first one's marker).
    std::string mine;
    if (*local) {
      mine = **local;
    } else {
      auto written = write_marker(data_dir, random_hex(16), true);
      if (!written) return fail(written.error());
      mine = *written;
    }
    auto put = store.mutate_record(
        kKind, kKey, [&](const std::optional<std::string>& current) -> Result<store::RecordEdit> {
          if (current) return store::RecordEdit::keep();
          return store::RecordEdit::put(mine);
        });
    if (!put) return fail(put.error());
    recorded = *put;
    local = std::optional<std::string>(mine);
  }
  ResultsBinding b;
  if (*local && **local == **recorded) {
    b.shared = true;
    return b;
  }
  b.reason = !*local
                 ? "the results directory " + results +
                       " is not the one the other processes "
                       "of " +
                       store.describe() + " use (it has no " + kResultsMarkerFile + ")"
                 : "the results directory " + results +
                       " belongs to another store or "
                       "deployment (its " +
                       kResultsMarkerFile + " differs from the one " + store.describe() + " names)";
  b.hint =
      "give this process the data directory every process of the store shares (--data-dir "
      "on the shared volume); if this directory is the right one (the volume was replaced), "
      "run admin_cli store adopt-results --data-dir " +
      data_dir;
  return b;
}

Status adopt_results_dir(store::TaskStore& store, const std::string& data_dir) {
  auto recorded = store_marker(store);
  if (!recorded) return fail(recorded.error());
  if (!*recorded) {
    auto bound = bind_results_dir(store, data_dir);
    if (!bound) return fail(bound.error());
    return ok();
  }
  auto written = write_marker(data_dir, **recorded, false);
  if (!written) return fail(written.error());
  return ok();
}

}  // namespace nmcp::readiness
