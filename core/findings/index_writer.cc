#include "core/findings/index_writer.h"

#include <cstdio>
#include <filesystem>

#include "core/findings/index_schema.h"
#include "core/sqlite/sqlite_db.h"

namespace nmcp::findings {

namespace {

std::uint64_t plugin_key(int plugin_id, std::uint64_t content_hash) {
  return content_hash ^ (static_cast<std::uint64_t>(static_cast<std::uint32_t>(plugin_id)) *
                         0x9E3779B97F4A7C15ULL);
}

}  // namespace

Result<std::unique_ptr<IndexWriter>> IndexWriter::create(const std::string& path) {
  const std::string temp = path + ".part";
  std::error_code ec;
  std::filesystem::remove(temp, ec);  // a crashed earlier attempt
  auto db = sqlite::SqliteDb::open(temp, 5000, sqlite::OpenMode::Bulk);
  if (!db) return fail(db.error());
  std::unique_ptr<IndexWriter> w(new IndexWriter(path, std::move(*db)));
  if (auto s = w->prepare(); !s) return fail(s.error());
  return w;
}

IndexWriter::IndexWriter(std::string path, std::unique_ptr<sqlite::SqliteDb> db)
    : path_(std::move(path)), temp_path_(path_ + ".part"), db_(std::move(db)) {}

IndexWriter::~IndexWriter() {
  insert_finding_.reset();
  insert_plugin_.reset();
  insert_host_.reset();
  db_.reset();
  if (!finished_) {
    std::error_code ec;
    std::filesystem::remove(temp_path_, ec);
  }
}

Status IndexWriter::prepare() {
  if (auto s = db_->exec(schema::kCreate); !s) return s;
  if (auto s = db_->exec("BEGIN"); !s) return s;
  auto f = db_->prepare(
      "INSERT INTO findings (host, plugin, port, protocol, service, severity, reported_severity, "
      "output) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
  auto p = db_->prepare(
      "INSERT INTO plugins (plugin_id, name, family, children) VALUES (?1, ?2, ?3, ?4)");
  auto h = db_->prepare(
      "INSERT INTO hosts (id, name, ip, fqdn, netbios, os, mac, start, end, credential_status, "
      "credential_account, credential_reason, critical, high, medium, low, info, properties) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)");
  if (!f) return fail(f.error());
  if (!p) return fail(p.error());
  if (!h) return fail(h.error());
  insert_finding_ = std::make_unique<sqlite::Statement>(std::move(*f));
  insert_plugin_ = std::make_unique<sqlite::Statement>(std::move(*p));
  insert_host_ = std::make_unique<sqlite::Statement>(std::move(*h));
  return ok();
}

void IndexWriter::begin_host() {
  ++host_id_;
  for (auto& c : host_counts_) c = 0;
}

std::optional<std::int64_t> IndexWriter::find_plugin(int plugin_id,
                                                     std::uint64_t content_hash) const {
  const auto it = plugins_.find(plugin_key(plugin_id, content_hash));
  if (it == plugins_.end()) return std::nullopt;
  return it->second;
}

Result<std::int64_t> IndexWriter::add_plugin(const PluginVariant& plugin,
                                             std::uint64_t content_hash) {
  if (!error_) return fail(error_.error());
  nlohmann::json children = nlohmann::json::object();
  for (const auto& [name, values] : plugin.children) children[name] = values;
  auto& st = *insert_plugin_;
  st.reset();
  st.bind(1, plugin.plugin_id)
      .bind(2, plugin.name)
      .bind(3, plugin.family)
      .bind(4, children.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  if (auto s = st.run(); !s) {
    error_ = s;
    return fail(s.error());
  }
  const std::int64_t ref = static_cast<std::int64_t>(plugins_.size()) + 1;
  plugins_.emplace(plugin_key(plugin.plugin_id, content_hash), ref);
  return ref;
}

Status IndexWriter::add_finding(std::int64_t plugin_ref, const FindingRecord& finding) {
  if (!error_) return error_;
  auto& st = *insert_finding_;
  st.reset();
  st.bind(1, host_id_)
      .bind(2, plugin_ref)
      .bind(3, finding.port)
      .bind(4, finding.protocol)
      .bind(5, finding.service)
      .bind(6, finding.severity)
      .bind(7, finding.reported_severity)
      .bind(8, finding.plugin_output);
  if (auto s = st.run(); !s) {
    error_ = s;
    return s;
  }
  ++findings_;
  if (finding.severity >= 0 && finding.severity <= 4) ++host_counts_[finding.severity];
  return ok();
}

Status IndexWriter::end_host(const HostRecord& host) {
  if (!error_) return error_;
  nlohmann::json properties(host.properties);
  auto& st = *insert_host_;
  st.reset();
  st.bind(1, host_id_)
      .bind(2, host.name)
      .bind(3, host.ip)
      .bind(4, host.fqdn)
      .bind(5, host.netbios)
      .bind(6, host.os)
      .bind(7, host.mac)
      .bind(8, host.start)
      .bind(9, host.end)
      .bind(10, host.credential_status)
      .bind(11, host.credential_account)
      .bind(12, host.credential_reason)
      .bind(13, host_counts_[4])
      .bind(14, host_counts_[3])
      .bind(15, host_counts_[2])
      .bind(16, host_counts_[1])
      .bind(17, host_counts_[0])
      .bind(18, properties.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  if (auto s = st.run(); !s) error_ = s;
  return error_;
}

Status IndexWriter::write_meta(const nlohmann::json& meta) {
  auto st = db_->prepare("INSERT INTO meta (key, value) VALUES (?1, ?2)");
  if (!st) return fail(st.error());
  auto put = [&](const std::string& key, const std::string& value) -> Status {
    st->reset();
    st->bind(1, key).bind(2, value);
    return st->run();
  };
  if (auto s = put("schema_version", std::to_string(schema::kVersion)); !s) return s;
  for (const auto& [key, value] : meta.items()) {
    if (auto s = put(key, value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
        !s) {
      return s;
    }
  }
  return ok();
}

Status IndexWriter::finish(const nlohmann::json& meta) {
  if (!error_) return error_;
  if (auto s = write_meta(meta); !s) return s;
  if (auto s = db_->exec("COMMIT"); !s) return s;
  // Statements before the connection: sqlite3 closes a connection only once they are gone.
  insert_finding_.reset();
  insert_plugin_.reset();
  insert_host_.reset();
  db_.reset();
  std::error_code ec;
  std::filesystem::rename(temp_path_, path_, ec);
  if (ec) {
    return fail(ErrorCode::Unavailable,
                "cannot publish the findings index " + path_ + ": " + ec.message(),
                "check free space and permissions in the data directory");
  }
  finished_ = true;
  return ok();
}

}  // namespace nmcp::findings
