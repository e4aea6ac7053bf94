#include "core/findings/index_writer.h"

#include <cstdio>
#include <filesystem>

#include "core/findings/index_schema.h"
#include "core/sqlite/sqlite_db.h"

namespace nmcp::findings {

namespace {

constexpr std::size_t kBatch = 512;          // rows handed to the writing thread at once
constexpr std::size_t kBatchesInFlight = 4;  // then the parser waits for the file

std::uint64_t plugin_key(int plugin_id, std::uint64_t content_hash) {
  return content_hash ^ (static_cast<std::uint64_t>(static_cast<std::uint32_t>(plugin_id)) *
                         0x9E3779B97F4A7C15ULL);
}

}  // namespace

Result<std::unique_ptr<IndexWriter>> IndexWriter::create(const std::string& path,
                                                         std::string temp_path) {
  const std::string temp = temp_path.empty() ? path + ".part" : std::move(temp_path);
  std::error_code ec;
  std::filesystem::remove(temp, ec);  // a crashed earlier attempt
  auto db = sqlite::SqliteDb::open(temp, 5000, sqlite::OpenMode::Bulk);
  if (!db) return fail(db.error());
  std::unique_ptr<IndexWriter> w(new IndexWriter(path, temp, std::move(*db)));
  if (auto s = w->prepare(); !s) return fail(s.error());
  return w;
}

IndexWriter::IndexWriter(std::string path, std::string temp_path,
                         std::unique_ptr<sqlite::SqliteDb> db)
    : path_(std::move(path)), temp_path_(std::move(temp_path)), db_(std::move(db)) {}

IndexWriter::~IndexWriter() {
  stop_thread();
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
      "credential_account, credential_reason, critical, high, medium, low, info, properties, "
      "credential_protocols) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, "
      "?14, ?15, ?16, ?17, ?18, ?19)");
  if (!f) return fail(f.error());
  if (!p) return fail(p.error());
  if (!h) return fail(h.error());
  insert_finding_ = std::make_unique<sqlite::Statement>(std::move(*f));
  insert_plugin_ = std::make_unique<sqlite::Statement>(std::move(*p));
  insert_host_ = std::make_unique<sqlite::Statement>(std::move(*h));
  batch_.reserve(kBatch);
  thread_ = std::thread([this] { write_loop(); });
  return ok();
}

Status IndexWriter::thread_error() {
  std::lock_guard lock(mutex_);
  return error_;
}

Status IndexWriter::queue(Row row) {
  if (failed_.load(std::memory_order_relaxed)) return thread_error();
  batch_.push_back(std::move(row));
  if (batch_.size() >= kBatch) hand_off();
  return ok();
}

void IndexWriter::hand_off() {
  if (batch_.empty()) return;
  std::unique_lock lock(mutex_);
  // A bounded queue: the parser waits for the file rather than growing memory.
  changed_.wait(lock, [this] { return batches_.size() < kBatchesInFlight || !error_; });
  batches_.push_back(std::move(batch_));
  lock.unlock();
  changed_.notify_all();
  batch_ = {};
  batch_.reserve(kBatch);
}

void IndexWriter::write_loop() {
  for (;;) {
    std::vector<Row> rows;
    {
      std::unique_lock lock(mutex_);
      changed_.wait(lock, [this] { return !batches_.empty() || closing_; });
      if (batches_.empty()) return;
      rows = std::move(batches_.front());
      batches_.pop_front();
    }
    changed_.notify_all();
    Status status;
    try {
      for (const auto& row : rows) {
        if (failed_.load(std::memory_order_relaxed)) break;
        status = write(row);
        if (!status) break;
      }
    } catch (const std::exception& e) {
      status =
          fail(ErrorCode::Internal, std::string("writing the findings index failed: ") + e.what());
    }
    if (!status) {
      {
        std::lock_guard lock(mutex_);
        if (error_) error_ = status;
      }
      failed_.store(true);
      changed_.notify_all();
    }
  }
}

void IndexWriter::stop_thread() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(mutex_);
    closing_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

Status IndexWriter::write(const Row& row) {
  if (const auto* f = std::get_if<FindingRow>(&row)) {
    auto& st = *insert_finding_;
    st.reset();
    st.bind(1, f->host)
        .bind(2, f->plugin)
        .bind(3, f->finding.port)
        .bind(4, f->finding.protocol)
        .bind(5, f->finding.service)
        .bind(6, f->finding.severity)
        .bind(7, f->finding.reported_severity)
        .bind(8, f->finding.plugin_output);
    return st.run();
  }
  if (const auto* p = std::get_if<PluginRow>(&row)) {
    auto& st = *insert_plugin_;
    st.reset();
    st.bind(1, p->plugin_id).bind(2, p->name).bind(3, p->family).bind(4, p->children);
    return st.run();
  }
  const auto& h = std::get<HostRow>(row);
  auto& st = *insert_host_;
  st.reset();
  st.bind(1, h.id)
      .bind(2, h.host.name)
      .bind(3, h.host.ip)
      .bind(4, h.host.fqdn)
      .bind(5, h.host.netbios)
      .bind(6, h.host.os)
      .bind(7, h.host.mac)
      .bind(8, h.host.start)
      .bind(9, h.host.end)
      .bind(10, h.host.credential_status)
      .bind(11, h.host.credential_account)
      .bind(12, h.host.credential_reason)
      .bind(13, h.counts[4])
      .bind(14, h.counts[3])
      .bind(15, h.counts[2])
      .bind(16, h.counts[1])
      .bind(17, h.counts[0])
      .bind(18, h.properties)
      .bind(19, h.host.credential_protocols);
  return st.run();
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
  nlohmann::json children = nlohmann::json::object();
  for (const auto& [name, values] : plugin.children) children[name] = values;
  if (auto s =
          queue(PluginRow{plugin.plugin_id, plugin.name, plugin.family,
                          children.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)});
      !s) {
    return fail(s.error());
  }
  // Rows are written in order, so the variant's row id is its position.
  const std::int64_t ref = static_cast<std::int64_t>(plugins_.size()) + 1;
  plugins_.emplace(plugin_key(plugin.plugin_id, content_hash), ref);
  return ref;
}

Status IndexWriter::add_finding(std::int64_t plugin_ref, FindingRecord finding) {
  const int severity = finding.severity;
  if (auto s = queue(FindingRow{host_id_, plugin_ref, std::move(finding)}); !s) return s;
  if (severity >= 0 && severity <= 4) ++host_counts_[static_cast<std::size_t>(severity)];
  return ok();
}

Status IndexWriter::end_host(const HostRecord& host) {
  const nlohmann::json properties(host.properties);
  return queue(HostRow{host_id_, host, host_counts_,
                       properties.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)});
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

Status IndexWriter::finish(const nlohmann::json& meta, const std::function<Status()>& may_publish) {
  hand_off();
  stop_thread();  // every queued row is written, and the connection is this thread's again
  if (auto s = thread_error(); !s) return s;
  if (auto s = write_meta(meta); !s) return s;
  if (auto s = db_->exec("COMMIT"); !s) return s;
  // Statements before the connection: sqlite3 closes a connection only once they are gone.
  insert_finding_.reset();
  insert_plugin_.reset();
  insert_host_.reset();
  db_.reset();
  if (may_publish) {
    if (auto s = may_publish(); !s) return s;  // the destructor removes the file
  }
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
