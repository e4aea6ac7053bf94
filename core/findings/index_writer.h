#pragma once
// Writes a scan's findings index, once: an SQLite file with the hosts, the distinct plugin
// variants and one row per finding, plus the scan's metadata (names, summary, validation). The
// file is built under a temporary name and renamed into place by finish(), so a reader never
// sees half an index and a crash leaves nothing that looks finished.
//
// Findings stream in as the export is parsed: memory holds one host's counters, a hash per
// plugin variant and a few batches of rows on their way to the file, never all the findings.
// The SQLite writes run on a thread of the writer's own, so they overlap the parsing that
// feeds them; errors come back on a later call or from finish().
//
// Thread-safety: the public methods are for one thread (the parser's).

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/base/result.h"
#include "core/findings/finding.h"

namespace nmcp::sqlite {
class SqliteDb;
class Statement;
}  // namespace nmcp::sqlite

namespace nmcp::findings {

class IndexWriter {
 public:
  // Builds the index under `temp_path` (default: path + ".part"; a worker passes one unique
  // to its attempt, so concurrent attempts never write the same file).
  static Result<std::unique_ptr<IndexWriter>> create(const std::string& path,
                                                     std::string temp_path = {});
  ~IndexWriter();
  IndexWriter(const IndexWriter&) = delete;
  IndexWriter& operator=(const IndexWriter&) = delete;

  // A new host; findings added until end_host() belong to it.
  void begin_host();
  // The plugin variant already stored under this id and content hash, if any.
  std::optional<std::int64_t> find_plugin(int plugin_id, std::uint64_t content_hash) const;
  Result<std::int64_t> add_plugin(const PluginVariant& plugin, std::uint64_t content_hash);
  Status add_finding(std::int64_t plugin_ref, FindingRecord finding);
  Status end_host(const HostRecord& host);
  // Writes `meta` (an object of JSON values: scan_name, summary, validation, ...), then
  // publishes the file by rename, unless `may_publish` (when set) refuses at that moment: its
  // error is returned and the file is removed. Nothing may be added afterwards.
  Status finish(const nlohmann::json& meta, const std::function<Status()>& may_publish = {});

 private:
  struct FindingRow {
    std::int64_t host, plugin;
    FindingRecord finding;
  };
  struct PluginRow {
    int plugin_id;
    std::string name, family, children;  // children as JSON
  };
  struct HostRow {
    std::int64_t id;
    HostRecord host;
    std::array<std::int64_t, 5> counts;  // by severity
    std::string properties;              // JSON
  };
  using Row = std::variant<FindingRow, PluginRow, HostRow>;

  IndexWriter(std::string path, std::string temp_path, std::unique_ptr<sqlite::SqliteDb> db);
  Status prepare();
  Status write_meta(const nlohmann::json& meta);
  // Parser side: queue a row; hand full batches to the writing thread.
  Status queue(Row row);
  void hand_off();
  Status thread_error();
  // Writing thread.
  void write_loop();
  Status write(const Row& row);
  void stop_thread();

  std::string path_;
  std::string temp_path_;
  std::unique_ptr<sqlite::SqliteDb> db_;
  std::unique_ptr<sqlite::Statement> insert_finding_;
  std::unique_ptr<sqlite::Statement> insert_plugin_;
  std::unique_ptr<sqlite::Statement> insert_host_;
  std::unordered_map<std::uint64_t, std::int64_t> plugins_;  // mix(plugin_id, hash) -> ref
  std::int64_t host_id_ = 0;
  std::array<std::int64_t, 5> host_counts_{};
  bool finished_ = false;

  std::vector<Row> batch_;  // parser side, not yet handed off
  std::mutex mutex_;        // guards batches_, closing_, error_
  std::condition_variable changed_;
  std::deque<std::vector<Row>> batches_;
  bool closing_ = false;
  Status error_;  // the first write error; everything after it fails the same way
  std::atomic<bool> failed_{false};
  std::thread thread_;
};

}  // namespace nmcp::findings
