#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <iostream>

#include "app/admin/admin.h"
#include "app/worker_export_indexer.h"
#include "core/base/time_text.h"

namespace nmcp::admin {

std::optional<std::string> Args::value(const std::string& name) const {
  const auto it = options.find(name);
  if (it == options.end() || it->second.empty()) return std::nullopt;
  return it->second.back();
}

std::vector<std::string> Args::list(const std::string& name) const {
  std::vector<std::string> out;
  const auto it = options.find(name);
  if (it == options.end()) return out;
  for (const auto& v : it->second) {
    std::size_t start = 0;
    while (start <= v.size()) {
      const auto comma = std::min(v.find(',', start), v.size());
      if (comma > start) out.push_back(v.substr(start, comma - start));
      start = comma + 1;
    }
  }
  return out;
}

void Output::result(const json& j, const std::function<void()>& human) const {
  if (json_) {
    std::cout << j.dump(2) << "\n";
  } else {
    human();
  }
  std::cout.flush();
}

int Output::error(const Error& e, int code) const {
  if (json_) {
    json err = {{"code", std::string(to_string(e.code))}, {"message", e.message}};
    if (!e.hint.empty()) err["hint"] = e.hint;
    std::cout << json{{"error", err}}.dump(2) << "\n";
  } else {
    std::fprintf(stderr, "admin_cli: %s\n", e.message.c_str());
    if (!e.hint.empty()) std::fprintf(stderr, "  hint: %s\n", e.hint.c_str());
  }
  return code;
}

void Output::table(const std::vector<std::string>& header,
                   const std::vector<std::vector<std::string>>& rows,
                   const std::string& empty) const {
  if (rows.empty()) {
    std::printf("%s\n", empty.c_str());
    return;
  }
  std::vector<std::size_t> width(header.size());
  for (std::size_t i = 0; i < header.size(); ++i) width[i] = header[i].size();
  for (const auto& r : rows) {
    for (std::size_t i = 0; i < r.size() && i < width.size(); ++i) {
      width[i] = std::max(width[i], r[i].size());
    }
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::string out;
    for (std::size_t i = 0; i < cells.size(); ++i) {
      out += cells[i];
      if (i + 1 < cells.size()) out += std::string(width[i] - cells[i].size() + 2, ' ');
    }
    std::printf("%s\n", out.c_str());
  };
  line(header);
  for (const auto& r : rows) line(r);
}

Result<store::TaskStore*> Context::store(bool create) {
  if (!store_) {
    std::vector<std::string> warnings;
    auto opened = app::open_task_store(
        engine, create ? store::IfMissing::Create : store::IfMissing::Refuse, warnings);
    if (!opened) return nmcp::fail(opened.error());
    for (const auto& w : warnings) std::fprintf(stderr, "admin_cli: warning: %s\n", w.c_str());
    store_ = std::move(*opened);
  }
  return store_.get();
}

Result<service::Services> Context::services_without_store() {
  service::Services wired;
  wired.clock = &clock;
  wired.data_dir = engine.data_dir;
  // A command that needs the configuration says so (ScanService::configuration); the others
  // show what they can without it.
  (void)config();
  wired.config = config_holder_.get();
  return wired;
}

Result<service::Services> Context::services(bool create_store) {
  auto s = store(create_store);
  if (!s) return nmcp::fail(s.error());
  auto wired = services_without_store();
  if (!wired) return wired;
  wired->tasks = *s;
  wired->submitter = *s;
  wired->scanner_health = *s;
  wired->admin = *s;
  wired->store = *s;
  wired->records = *s;
  if (!indexer_) indexer_ = std::make_unique<app::WorkerExportIndexer>(engine.data_dir);
  wired->indexer = indexer_.get();
  return wired;
}

std::string Context::config_path() const {
  if (auto v = args.value("--config")) return *v;
  if (const char* env = std::getenv("NMCP_CONFIG"); env != nullptr && *env != '\0') return env;
  return "config/scanners.yaml";
}

Result<std::shared_ptr<const config::ScannerConfig>> Context::config() {
  // Read once per command: the services and the command see the same configuration.
  if (!config_holder_) {
    config_holder_ =
        std::make_unique<config::ConfigHolder>(config_path(), config::process_environment());
    if (auto loaded = config_holder_->reload(); !loaded) config_error_ = loaded.error();
  }
  if (auto c = config_holder_->current()) return c;
  return nmcp::fail(config_error_.value_or(
      Error{ErrorCode::FailedPrecondition, "no scanner configuration is loaded", ""}));
}

std::string iso_time(Millis t) {
  const std::time_t secs = static_cast<std::time_t>(t / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string human_time(Millis t, Millis now) {
  if (t == 0) return "-";
  const long long s = (now - t) / 1000;
  const long long a = s < 0 ? -s : s;
  std::string rel;
  if (a < 120) {
    rel = std::to_string(a) + "s";
  } else if (a < 7200) {
    rel = std::to_string(a / 60) + "m";
  } else if (a < 172800) {
    rel = std::to_string(a / 3600) + "h";
  } else {
    rel = std::to_string(a / 86400) + "d";
  }
  return iso_time(t) + " (" + (s < 0 ? "in " + rel : rel + " ago") + ")";
}

json time_json(std::optional<Millis> t) {
  return t && *t != 0 ? json(task::format_time(*t)) : json(nullptr);
}

Result<Millis> parse_duration(std::string_view text, const std::string& option) {
  auto d = parse_duration_ms(text);
  if (!d)
    return nmcp::fail(ErrorCode::InvalidArgument, option + " " + d.error().message, d.error().hint);
  return *d;
}

Result<Millis> parse_since(std::string_view text, const std::string& option, Millis now) {
  auto t = parse_since_ms(text, now);
  if (!t)
    return nmcp::fail(ErrorCode::InvalidArgument, option + " " + t.error().message, t.error().hint);
  return *t;
}

json task_json(const service::TaskStatus& v, bool internal) {
  json j = v.to_json();
  if (internal) {
    const task::Task& t = v.task;
    j["internal"] = {{"worker", t.worker},
                     {"lease_until", time_json(t.lease_until)},
                     {"not_before", time_json(t.not_before)},
                     {"idempotency_key", t.idempotency_key},
                     {"request_hash", t.request_hash},
                     {"escalation_override", t.escalation_override},
                     // Only whether they are there: the sealed text is never shown.
                     {"has_sealed_credentials", !t.sealed_credentials.empty()}};
  }
  return j;
}

std::string operator_words(Action a) {
  switch (a) {
    case Action::ListTasks:
      return "admin_cli task list shows the tasks";
    case Action::AwaitTask:
      return "admin_cli task show ID shows when it has finished";
    case Action::ListPools:
      return "admin_cli stats shows the pools with tasks; the configuration lists the others";
    case Action::ReindexTask:
      return "admin_cli task reindex ID rebuilds it from the export";
    case Action::FreePlace:
      return "retry when one of them ends (admin_cli task list shows them; admin_cli task "
             "cancel ID frees a place)";
    case Action::ListSchedules:
      return "admin_cli schedule list shows them";
    case Action::ReadHosts:
    case Action::ReadResults:
    case Action::ScanAuthenticated:
    case Action::UseProfileInstead:
    case Action::NameProfile:
    case Action::None:
      break;
  }
  return {};
}

Result<std::string> task_id_operand(const Context& c, std::size_t index) {
  if (index >= c.args.operands.size()) {
    return nmcp::fail(ErrorCode::InvalidArgument, "a task id is missing", "");
  }
  const std::string& id = c.args.operands[index];
  if (!task::is_valid_task_id(id)) {
    return nmcp::fail(ErrorCode::InvalidArgument, "'" + id.substr(0, 64) + "' is not a task id",
                      "task ids look like task_ followed by 32 hex digits (admin_cli task list)");
  }
  return id;
}

}  // namespace nmcp::admin
