#include "core/readiness/results_marker.h"

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

Status write_marker(const std::string& data_dir, const std::string& marker) {
  const fs::path path = marker_path(data_dir);
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  const fs::path temp = path.string() + ".tmp";
  {
    std::ofstream out(temp, std::ios::trunc);
    out << marker << "\n";
    if (!out.flush()) {
      return fail(ErrorCode::Unavailable, "cannot write " + temp.string(),
                  "check free space and the permissions of the data directory");
    }
  }
  fs::rename(temp, path, ec);
  if (ec)
    return fail(ErrorCode::Unavailable, "cannot write " + path.string() + ": " + ec.message());
  return ok();
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
    // between the two writes leaves a directory whose marker the next start records).
    const std::string mine = *local ? **local : random_hex(16);
    if (!*local) {
      if (auto w = write_marker(data_dir, mine); !w) return fail(w.error());
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
  return write_marker(data_dir, **recorded);
}

}  // namespace nmcp::readiness
