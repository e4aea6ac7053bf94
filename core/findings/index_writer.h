#pragma once
// Writes a scan's findings index, once: an SQLite file with the hosts, the distinct plugin
// variants and one row per finding, plus the scan's metadata (names, summary, validation). The
// file is built under a temporary name and renamed into place by finish(), so a reader never
// sees half an index and a crash leaves nothing that looks finished.
//
// Findings stream in as the export is parsed: memory holds one host's counters and a hash per
// plugin variant, never the findings. Not thread-safe: one writer per index, on one thread.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

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
  static Result<std::unique_ptr<IndexWriter>> create(const std::string& path);
  ~IndexWriter();
  IndexWriter(const IndexWriter&) = delete;
  IndexWriter& operator=(const IndexWriter&) = delete;

  // A new host; findings added until end_host() belong to it.
  void begin_host();
  // The plugin variant already stored under this id and content hash, if any.
  std::optional<std::int64_t> find_plugin(int plugin_id, std::uint64_t content_hash) const;
  Result<std::int64_t> add_plugin(const PluginVariant& plugin, std::uint64_t content_hash);
  Status add_finding(std::int64_t plugin_ref, const FindingRecord& finding);
  Status end_host(const HostRecord& host);
  // Writes `meta` (an object of JSON values: scan_name, summary, validation, ...), then
  // publishes the file. Nothing may be added afterwards.
  Status finish(const nlohmann::json& meta);

  std::int64_t findings() const { return findings_; }

 private:
  IndexWriter(std::string path, std::unique_ptr<sqlite::SqliteDb> db);
  Status prepare();
  Status write_meta(const nlohmann::json& meta);

  std::string path_;
  std::string temp_path_;
  std::unique_ptr<sqlite::SqliteDb> db_;
  std::unique_ptr<sqlite::Statement> insert_finding_;
  std::unique_ptr<sqlite::Statement> insert_plugin_;
  std::unique_ptr<sqlite::Statement> insert_host_;
  std::unordered_map<std::uint64_t, std::int64_t> plugins_;  // mix(plugin_id, hash) -> ref
  std::int64_t host_id_ = 0;
  std::int64_t findings_ = 0;
  std::int64_t host_counts_[5] = {0, 0, 0, 0, 0};
  bool finished_ = false;
  Status error_;  // the first write error; everything after it fails the same way
};

}  // namespace nmcp::findings
