#include "app/engine_flags.h"

#include <array>
#include <charconv>
#include <cstdlib>
#include <filesystem>

#include "core/store/open_store.h"
#include "mcp/http/ops_listener.h"

namespace nmcp::app {

std::optional<long long> parse_whole_number(std::string_view text) {
  long long value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

namespace {

struct NumberFlag {
  std::string_view name;
  long long min, max;
  void (*assign)(worker::EngineOptions&, long long);
};

using std::chrono::milliseconds;

constexpr std::array<NumberFlag, 9> kNumbers{{
    {"--worker-threads", 1, 256,
     [](worker::EngineOptions& e, long long n) { e.threads = static_cast<std::size_t>(n); }},
    {"--max-active", 1, 100000,
     [](worker::EngineOptions& e, long long n) { e.max_active = static_cast<std::size_t>(n); }},
    {"--poll-interval-ms", 10, 3600000,
     [](worker::EngineOptions& e, long long n) { e.poll_interval = milliseconds(n); }},
    {"--lease-ms", 100, 3600000,
     [](worker::EngineOptions& e, long long n) { e.lease = milliseconds(n); }},
    {"--claim-interval-ms", 10, 600000,
     [](worker::EngineOptions& e, long long n) { e.claim_interval = milliseconds(n); }},
    {"--probe-interval-ms", 10, 3600000,
     [](worker::EngineOptions& e, long long n) { e.probe_interval = milliseconds(n); }},
    {"--export-poll-ms", 10, 600000,
     [](worker::EngineOptions& e, long long n) { e.export_poll = milliseconds(n); }},
    {"--backoff-base-ms", 1, 3600000,
     [](worker::EngineOptions& e, long long n) { e.backoff_base = milliseconds(n); }},
    {"--max-failures", 1, 100,
     [](worker::EngineOptions& e, long long n) { e.max_failures = static_cast<int>(n); }},
}};

Status bad(std::string message) { return fail(ErrorCode::InvalidArgument, std::move(message)); }

}  // namespace

std::string EngineFlags::resolved_store() const {
  return store_spec.empty() ? store::default_store_spec(data_dir) : store_spec;
}

Status EngineFlags::resolve(const EnvGetter& env) {
  if (!data_dir_given) {
    auto dir = default_data_dir(env);
    if (!dir) return fail(dir.error());
    data_dir = *dir;
  }
  engine.data_dir = data_dir;
  return ok();
}

Result<std::unique_ptr<store::TaskStore>> open_task_store(const EngineFlags& flags,
                                                          store::IfMissing if_missing,
                                                          std::vector<std::string>& warnings) {
  if (if_missing == store::IfMissing::Create) {
    auto found = prepare_private_dir(flags.data_dir);
    if (!found) return fail(found.error());
    warnings.insert(warnings.end(), found->begin(), found->end());
  }
  return store::open_store(flags.resolved_store(), if_missing);
}

bool is_engine_flag(std::string_view flag) {
  if (flag == "--store" || flag == "--data-dir" || flag == "--pools" ||
      flag == "--metrics-listen") {
    return true;
  }
  for (const auto& n : kNumbers) {
    if (n.name == flag) return true;
  }
  return false;
}

Status apply_engine_flag(std::string_view flag, std::string_view value, EngineFlags& f) {
  if (flag == "--store") {
    if (value.empty()) return bad("--store needs a value such as sqlite:./data/nessus-mcp.db");
    f.store_spec = std::string(value);
    return ok();
  }
  if (flag == "--data-dir") {
    if (value.empty()) return bad("--data-dir needs a directory");
    f.data_dir = std::string(value);
    f.engine.data_dir = f.data_dir;
    f.data_dir_given = true;
    return ok();
  }
  if (flag == "--metrics-listen") {
    if (value.empty()) return bad("--metrics-listen needs an address, e.g. 127.0.0.1:9464");
    if (auto parsed = mcp::OpsListener::parse_address(std::string(value)); !parsed) {
      return bad(parsed.error().message + " (" + parsed.error().hint + ")");
    }
    f.metrics_listen = std::string(value);
    return ok();
  }
  if (flag == "--pools") {
    f.engine.pools.clear();
    std::size_t start = 0;
    while (start <= value.size()) {
      const auto comma = std::min(value.find(',', start), value.size());
      const std::string_view name = value.substr(start, comma - start);
      if (name.empty()) return bad("--pools: empty pool name in \"" + std::string(value) + "\"");
      f.engine.pools.emplace_back(name);
      start = comma + 1;
    }
    return ok();
  }
  for (const auto& n : kNumbers) {
    if (n.name != flag) continue;
    const auto v = parse_whole_number(value);
    if (!v || *v < n.min || *v > n.max) {
      return bad(std::string(flag) + " must be a whole number from " + std::to_string(n.min) +
                 " to " + std::to_string(n.max) + ", got \"" + std::string(value) + "\"");
    }
    n.assign(f.engine, *v);
    return ok();
  }
  return bad("unknown option \"" + std::string(flag) + "\"");
}

Result<std::shared_ptr<const SecretBox>> open_secrets(const EngineFlags& flags,
                                                      const config::ScannerConfig& config) {
  if (!config.defaults.allow_inline_credentials) return std::shared_ptr<const SecretBox>();
  if (auto dir = prepare_private_dir(flags.data_dir); !dir) return fail(dir.error());
  return SecretBox::open((std::filesystem::path(flags.data_dir) / "secret.key").string());
}

std::string engine_flags_usage(bool worker_binary) {
  std::string s =
      "Tasks and workers:\n"
      "  --data-dir DIR             where the task store and scan results live (default\n"
      "                             $NMCP_DATA_DIR, else $XDG_DATA_HOME/nessus-mcp or\n"
      "                             ~/.local/share/nessus-mcp; created 0700)\n"
      "  --store SPEC               task store: sqlite:PATH (default sqlite:DIR/nessus-mcp.db;\n"
      "                             ?busy_timeout_ms=N waits N ms for a busy file), or Redis\n"
      "                             for processes on several machines:\n"
      "                             redis://[user@]host:port[/db] or unix:///path.sock?db=N\n"
      "                             (password from $REDIS_PASSWORD; ?prefix=NAME,\n"
      "                             ?timeout_ms=N). With Redis, --data-dir must be a directory\n"
      "                             every process shares: results are files there\n";
  if (!worker_binary) {
    s += "  --no-worker                do not run scans in this process (another process runs\n"
         "                             nessus-worker on the same store)\n";
  }
  s += "  --pools a,b                pools whose scans this process runs (default: all)\n"
       "  --metrics-listen ADDR      serve /health, /ready and /metrics on ADDR (host:port, or a\n"
       "                             port alone for loopback; default off; nessus-mcp --http\n"
       "                             serves them on its own port)\n"
       "\n"
       "Advanced (tuning; the defaults suit production, tests and demos shorten them):\n";
  // The numbers are EngineOptions' own defaults: one home each.
  const worker::EngineOptions d;
  const auto ms = [](std::chrono::milliseconds v) { return std::to_string(v.count()); };
  s += "  --worker-threads N         threads driving scans (default " + std::to_string(d.threads) +
       "); scans wait between\n"
       "                             steps without holding a thread\n"
       "  --max-active N             scans this process drives at once (default " +
       std::to_string(d.max_active) +
       ")\n"
       "  --poll-interval-ms N       how often a running scan is polled (default: the\n"
       "                             configuration's poll_interval_seconds)\n"
       "  --lease-ms N               how long a claimed task stays this worker's without a\n"
       "                             renewal (default " +
       ms(d.lease) +
       "; renewed every third of it)\n"
       "  --claim-interval-ms N      how often idle workers look for work (default " +
       ms(d.claim_interval) +
       ")\n"
       "  --probe-interval-ms N      how often scanners are health-checked (default " +
       ms(d.probe_interval) +
       ")\n"
       "  --export-poll-ms N         how often an export being prepared is checked (default\n"
       "                             " +
       ms(d.export_poll) +
       ")\n"
       "  --backoff-base-ms N        first retry delay after a transient failure (default\n"
       "                             " +
       ms(d.backoff_base) + "; doubles, with jitter, up to " +
       std::to_string(std::chrono::duration_cast<std::chrono::minutes>(d.backoff_cap).count()) +
       " minutes)\n"
       "  --max-failures N           failures in a row before a task is dead-lettered\n"
       "                             (default " +
       std::to_string(d.max_failures) + ")\n";
  return s;
}

}  // namespace nmcp::app
