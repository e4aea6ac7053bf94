// nessus-worker: the worker engine alone, for the distributed deployment (any number of them,
// on any host, sharing the task store). A composition root: command line, logging, signals.
// SIGTERM/SIGINT stop claiming and hand running scans back to the queue; SIGHUP reloads the
// scanner configuration.

#include <sys/stat.h>

#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "app/build_info.h"
#include "app/engine_flags.h"
#include "app/leader_duties.h"
#include "app/ops_metrics.h"
#include "core/audit/audit_log.h"
#include "core/base/logging.h"
#include "core/base/signal_watcher.h"
#include "core/config/config_holder.h"
#include "core/store/open_store.h"
#include "mcp/http/ops_listener.h"
#include "worker/engine/worker_engine.h"
#include "worker/engine/worker_metrics.h"

namespace {

namespace log = nmcp::log;

constexpr const char* kUsage = R"(Usage: nessus-worker [options]

Runs Nessus scans queued by nessus-mcp: claims tasks from the shared task store, drives each
scan on the least utilised healthy Nessus instance of its pool, and records every step so a
restarted worker resumes where the last one stopped.

  --config PATH              scanner configuration (default config/scanners.yaml)
  --log-level LEVEL          trace, debug, info, warn, error or off (default info)
  --log-format FORMAT        json or plain (default json); logs go to stderr
  --help                     show this text
  --version                  print the version

)";

struct Options {
  std::string config_path = "config/scanners.yaml";
  nmcp::log::Level level = nmcp::log::Level::Info;
  nmcp::log::Format format = nmcp::log::Format::Json;
  nmcp::app::EngineFlags engine;
  bool help = false;
  bool version = false;
};

int usage_error(const std::string& message) {
  std::fprintf(stderr, "nessus-worker: %s\nTry 'nessus-worker --help' for the options.\n",
               message.c_str());
  return 2;
}

// Empty on success, otherwise what is wrong.
std::string parse(const std::vector<std::string_view>& args, Options& o) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    std::optional<std::string_view> value;
    if (const auto eq = arg.find('='); arg.rfind("--", 0) == 0 && eq != std::string_view::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    }
    if (arg == "--help" || arg == "-h") {
      o.help = true;
      continue;
    }
    if (arg == "--version") {
      o.version = true;
      continue;
    }
    if (!value) {
      if (i + 1 >= args.size()) return std::string(arg) + " needs a value";
      value = args[++i];
    }
    if (arg == "--config") {
      o.config_path = std::string(*value);
    } else if (arg == "--log-level") {
      auto l = log::parse_level(*value);
      if (!l) return "--log-level must be trace, debug, info, warn, error or off";
      o.level = *l;
    } else if (arg == "--log-format") {
      auto f = log::parse_format(*value);
      if (!f) return "--log-format must be json or plain";
      o.format = *f;
    } else if (nmcp::app::is_engine_flag(arg)) {
      if (auto s = nmcp::app::apply_engine_flag(arg, *value, o.engine); !s) {
        return s.error().message;
      }
    } else {
      return "unknown option \"" + std::string(arg) + "\"";
    }
  }
  return {};
}

}  // namespace

int main(int argc, char** argv) {
  ::umask(077);  // results and the store hold the estate's vulnerabilities: owner only
  Options o;
  if (auto problem = parse({argv + 1, argv + argc}, o); !problem.empty()) {
    return usage_error(problem);
  }
  if (o.help) {
    std::fputs((std::string(kUsage) + nmcp::app::engine_flags_usage(true)).c_str(), stdout);
    return 0;
  }
  if (o.version) {
    std::printf("nessus-worker %s\n", NMCP_VERSION);
    return 0;
  }
  if (auto resolved = o.engine.resolve(); !resolved) {
    return usage_error(resolved.error().message + " (" + resolved.error().hint + ")");
  }
  nmcp::config::ConfigHolder config(o.config_path, nmcp::config::process_environment());
  if (auto loaded = config.reload(); !loaded) {
    std::fprintf(stderr, "nessus-worker: %s\n(%s)\n", loaded.error().message.c_str(),
                 loaded.error().hint.c_str());
    return 2;
  }
  std::vector<std::string> warnings;
  auto store = nmcp::app::open_task_store(o.engine, nmcp::store::IfMissing::Create, warnings);
  if (!store) {
    std::fprintf(stderr, "nessus-worker: %s\n(%s)\n", store.error().message.c_str(),
                 store.error().hint.c_str());
    return 2;
  }
  auto secrets = nmcp::app::open_secrets(o.engine, *config.current());
  if (!secrets) {
    std::fprintf(stderr, "nessus-worker: %s\n(%s)\n", secrets.error().message.c_str(),
                 secrets.error().hint.c_str());
    return 2;
  }
  log::init(o.level, o.format);
  for (const auto& w : warnings) log::warn("main", w);
  nmcp::SignalWatcher signals;
  std::mutex mu;
  std::condition_variable cv;
  bool stop = false;
  signals.on_stop([&] {
    std::lock_guard lock(mu);
    stop = true;
    cv.notify_all();
  });
  signals.on_reload([&config] {
    if (auto r = config.reload(); !r) {
      log::error("main", "configuration reload failed; keeping the running configuration",
                 {{"problems", r.error().message}});
    } else {
      log::info("main", "configuration reloaded");
    }
  });

  nmcp::metrics::Registry metrics;
  nmcp::app::describe_process(metrics, "nessus-worker", NMCP_VERSION);
  nmcp::worker::describe_worker_metrics(metrics);
  nmcp::app::add_store_gauges(metrics, **store, &config);

  // Scan window actions, and the schedules it fires when it holds the lease, are decisions for
  // the data directory's audit log, as the server's are.
  auto audit = nmcp::audit::AuditLog::open(o.engine.data_dir + "/audit.log");
  if (!audit) log::warn("main", audit.error().message, {{"hint", audit.error().hint}});
  nmcp::worker::EngineOptions e = o.engine.engine;
  e.worker_id = nmcp::worker::make_worker_id();
  if (audit) e.audit = *audit;
  e.data_dir = o.engine.data_dir;
  e.secrets = *secrets;
  e.metrics = &metrics;
  const std::string holder = "nessus-worker@" + e.worker_id;
  // Fit to take work (clock, results directory) before the first claim; refreshed, with this
  // process's presence, at every renewal interval.
  nmcp::readiness::DeploymentCheck deployment(**store,
                                              {holder, o.engine.data_dir, e.lease.count()});
  deployment.refresh();
  e.deployment = &deployment;
  nmcp::app::add_deployment_gauges(metrics, deployment);
  nmcp::worker::WorkerEngine engine(e, **store, config);
  if (auto started = engine.start(); !started) {
    log::error("main", "the worker engine failed to start: " + started.error().message);
    return 1;
  }
  nmcp::app::LeaderDuties housekeeping(
      **store, config, o.engine.data_dir, holder, audit ? *audit : nullptr, {},
      nmcp::system_clock(), &deployment,
      std::chrono::milliseconds(nmcp::store::LeaseTiming{e.lease.count()}.renew_every()));
  housekeeping.fold_estate(o.engine.resolved_store().starts_with("sqlite:"));
  housekeeping.start();
  nmcp::app::add_leader_duty_counters(metrics, housekeeping);
  nmcp::mcp::OpsListener ops_listener(
      o.engine.metrics_listen,
      nmcp::app::ops_endpoints(metrics, store->get(), &config, nmcp::system_clock(), &deployment));
  if (!o.engine.metrics_listen.empty()) {
    if (auto bound = ops_listener.start(); !bound) {
      log::error("main", bound.error().message, {{"hint", bound.error().hint}});
      housekeeping.stop();
      engine.stop();
      return 1;
    }
  }
  {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return stop; });
  }
  signals.on_stop(nullptr);
  ops_listener.stop();
  housekeeping.stop();
  engine.stop();
  log::info("main", "stopped");
  return 0;
}
