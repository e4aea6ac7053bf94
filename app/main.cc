// nessus-mcp: the MCP server binary. A composition root only: parse the command line, set up
// logging and signals, build the tool registry and the server, run the chosen transport.

#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "app/build_info.h"
#include "app/cli_options.h"
#include "app/key_publisher.h"
#include "app/leader_duties.h"
#include "app/ops_metrics.h"
#include "core/base/logging.h"
#include "core/base/signal_watcher.h"
#include "core/base/thread_pool.h"
#include "core/config/config_holder.h"
#include "core/store/open_store.h"
#include "mcp/http/api_keys.h"
#include "mcp/http/http_transport.h"
#include "mcp/http/ops_listener.h"
#include "mcp/http/origin_policy.h"
#include "mcp/server/mcp_server.h"
#include "mcp/server/tool_registry.h"
#include "mcp/testtools/fixture_tasks.h"
#include "mcp/testtools/test_tools.h"
#include "mcp/tools/results_resources.h"
#include "mcp/tools/results_tools.h"
#include "mcp/tools/scan_task_source.h"
#include "mcp/tools/scan_tools.h"
#include "mcp/tools/schedule_tools.h"
#include "mcp/transport/stdio_transport.h"
#include "worker/engine/worker_engine.h"
#include "worker/engine/worker_metrics.h"

namespace {

using nmcp::app::CliOptions;
namespace log = nmcp::log;

constexpr const char* kInstructions =
    "Nessus vulnerability scanning. Scans take minutes to hours, so tools never wait for a "
    "scan: start one with run_untrusted_scan (network only) or run_authenticated_scan (SSH, "
    "with a credential profile name from list_scanners; secrets never pass through you), keep "
    "the task_id it returns, and poll get_scan_status (it suggests when to poll again; "
    "wait_seconds lets one call wait up to 25 s). A completed task carries a results summary "
    "(hosts, findings per severity, top plugins) and, for authenticated scans, whether the "
    "login worked on each host. Then read findings with get_scan_results: filter first (e.g. "
    "severity_min high, a host or CIDR, a CVE), pick a small profile, and follow next_cursor; "
    "pages stay within max_tokens and get_finding returns any cut text in full. "
    "list_scan_hosts, get_host_vulnerabilities and compare_scans give per-host views and what "
    "changed between two scans. Targets must lie inside the pool's scope (list_pools); an "
    "out-of-scope target is refused with the reason.";

void log_config(const nmcp::config::ScannerConfig& c) {
  std::size_t instances = 0;
  for (const auto& pool : c.pools) {
    instances += pool.instances.size();
    for (const auto& i : pool.instances) {
      if (i.tls.insecure) {
        log::warn("main", "TLS verification is off for a Nessus instance (insecure: true)",
                  {{"pool", pool.name}, {"instance", i.id}, {"url", i.url}});
      }
    }
  }
  log::info("main", "scanner configuration loaded",
            {{"source", c.source}, {"pools", c.pools.size()}, {"instances", instances}});
}

// SIGHUP: new API keys take effect without a restart; a bad file keeps the keys in use.
void reload_keys(const std::shared_ptr<nmcp::mcp::ApiKeys>& keys) {
  if (!keys) return;
  if (auto r = keys->reload(); !r) {
    log::error("main", "API keys reload failed; keeping the keys in use",
               {{"problem", r.error().message}});
  } else {
    log::info("main", "API keys reloaded",
              {{"file", keys->path()}, {"keys", keys->current()->size()}});
  }
}

int usage_error(const std::string& message) {
  std::fprintf(stderr, "nessus-mcp: %s\nTry 'nessus-mcp --help' for the options.\n",
               message.c_str());
  return 2;
}

bool is_loopback_host(const std::string& host) {
  return nmcp::mcp::OriginPolicy::is_loopback_name(host) || host.rfind("127.", 0) == 0;
}

nmcp::mcp::ServerOptions server_options(const CliOptions& o) {
  nmcp::mcp::ServerOptions s;
  s.info.name = "nessus-mcp";
  s.info.title = "Nessus MCP Server";
  s.info.version = NMCP_VERSION;
  s.info.description =
      "Runs Tenable Nessus vulnerability scans within an allowed scope and returns paged, "
      "filterable findings.";
  s.info.instructions = kInstructions;
  s.tools_page_size = o.tools_page_size;
  s.call_limits.per_session = o.max_calls_per_session;
  s.call_limits.per_tenant = o.max_calls_per_tenant;
  return s;
}

int serve_http(nmcp::mcp::McpServer& server, const CliOptions& o,
               std::shared_ptr<nmcp::mcp::ApiKeys> keys, nmcp::SignalWatcher& signals,
               nmcp::mcp::OpsEndpoints ops, nmcp::metrics::Registry& metrics) {
  nmcp::mcp::HttpOptions h;
  h.ops = std::move(ops);
  h.host = o.http_host;
  h.port = o.http_port;
  h.stateless = o.stateless;
  h.legacy_sse = o.legacy_sse;
  h.allowed_hosts = o.allowed_hosts;
  h.allowed_origins = o.allowed_origins;
  h.api_keys = std::move(keys);
  h.max_body_bytes = o.max_body_bytes;
  h.max_streams = o.max_streams;
  h.max_connections = o.max_connections;
  h.max_sessions_per_tenant = o.max_sessions_per_tenant;
  h.request_threads = o.http_threads;
  h.session_idle_timeout = o.session_idle_timeout;
  h.keepalive_interval = o.sse_keepalive;
  h.tls_cert_file = o.tls_cert_file;
  h.tls_key_file = o.tls_key_file;
  nmcp::mcp::HttpTransport transport(server, h);
  // Read at each scrape while the transport exists; emptied before it goes away.
  auto figures = std::make_shared<nmcp::app::HttpFiguresSource>();
  figures->set([&transport] {
    const auto s = transport.stats();
    return nmcp::app::HttpFigures{s.connections, s.streams, s.sessions};
  });
  nmcp::app::add_http_gauges(metrics, figures);
  struct Unhook {
    std::shared_ptr<nmcp::app::HttpFiguresSource> source;
    ~Unhook() { source->set(nullptr); }
  } unhook{figures};
  // Registered before anything can announce the server, so no signal is ever missed. Calls
  // already running get the grace period to finish and be answered.
  signals.on_stop([&transport, grace = o.shutdown_grace] { transport.stop(grace); });
  auto port = transport.bind();
  if (!port) {
    signals.on_stop(nullptr);
    log::error("main", port.error().message, {{"hint", port.error().hint}});
    return 1;
  }
  if (nmcp::mcp::OriginPolicy::is_wildcard_address(o.http_host) && o.allowed_hosts.empty()) {
    log::warn("main",
              "listening on all interfaces but only loopback Host names are accepted; add "
              "--allowed-host for the names clients use");
  }
  const std::string where =
      (o.http_host.find(':') != std::string::npos ? "[" + o.http_host + "]" : o.http_host) + ":" +
      std::to_string(*port);
  log::info("main", "listening on " + where,
            {{"host", o.http_host},
             {"port", *port},
             {"stateless", o.stateless},
             {"legacy_sse", o.legacy_sse},
             {"auth", h.api_keys ? "api-keys" : "none"},
             {"tls", !h.tls_cert_file.empty()}});
  transport.serve();
  signals.on_stop(nullptr);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  ::umask(077);  // results and the store hold the estate's vulnerabilities: owner only
  const std::vector<std::string_view> args(argv + 1, argv + argc);
  auto parsed = nmcp::app::parse_cli(args);
  if (!parsed) return usage_error(parsed.error().message);
  CliOptions& o = *parsed;
  if (o.help) {
    std::fputs(nmcp::app::usage().c_str(), stdout);
    return 0;
  }
  if (o.version) {
    std::printf("nessus-mcp %s\n", NMCP_VERSION);
    return 0;
  }
  if (auto resolved = o.engine.resolve(); !resolved) {
    return usage_error(resolved.error().message + " (" + resolved.error().hint + ")");
  }
  // The scanner configuration: required when named, optional at its default place.
  std::unique_ptr<nmcp::config::ConfigHolder> config;
  if (o.config_given || ::access(o.config_path.c_str(), F_OK) == 0) {
    config = std::make_unique<nmcp::config::ConfigHolder>(o.config_path,
                                                          nmcp::config::process_environment());
    if (auto loaded = config->reload(); !loaded) {
      std::fprintf(stderr, "nessus-mcp: %s\n(%s)\n", loaded.error().message.c_str(),
                   loaded.error().hint.c_str());
      return 2;
    }
  }

  std::shared_ptr<nmcp::mcp::ApiKeys> keys;
  if (!o.api_keys_file.empty()) {
    auto loaded = nmcp::mcp::ApiKeys::from_file(o.api_keys_file);
    if (!loaded) return usage_error(loaded.error().message + " (" + loaded.error().hint + ")");
    keys = std::move(*loaded);
  }
  if (o.mode == CliOptions::Mode::Http && !is_loopback_host(o.http_host) && !keys) {
    return usage_error("refusing to listen on " + o.http_host +
                       " without --api-keys-file: anyone who can reach the port could start "
                       "scans. Add --api-keys-file, or listen on 127.0.0.1.");
  }

  log::init(o.log_level, o.log_format);
  nmcp::SignalWatcher signals;
  // SIGHUP: the configuration and the keys, then whatever else `after` does (publishing the
  // keys' rights once the store is open).
  auto reload_all = [&config, &keys](const std::function<void()>& after) {
    if (config) {
      if (auto reloaded = config->reload(); !reloaded) {
        log::error("main", "configuration reload failed; keeping the running configuration",
                   {{"problems", reloaded.error().message}});
      } else {
        log::info("main", "configuration reloaded");
        log_config(*config->current());
      }
    }
    reload_keys(keys);
    if (after) after();
  };
  // The reload handler is in place before the log line that announces the configuration, so
  // a SIGHUP sent by anyone who has seen that line is never missed.
  signals.on_reload([reload_all] { reload_all({}); });
  if (config) {
    log_config(*config->current());
  } else {
    log::warn("main", "no scanner configuration (" + o.config_path + " does not exist)");
  }

  std::vector<std::string> warnings;
  auto store = nmcp::app::open_task_store(o.engine, nmcp::store::IfMissing::Create, warnings);
  for (const auto& w : warnings) log::warn("main", w);
  if (!store) {
    log::error("main", store.error().message, {{"hint", store.error().hint}});
    std::fprintf(stderr, "nessus-mcp: %s\n(%s)\n", store.error().message.c_str(),
                 store.error().hint.c_str());
    return 2;
  }
  log::info("main", "task store open", {{"store", (*store)->describe()}});
  // Schedules fire with their key's rights as this server loads them: published now and after
  // each reload. The handler that uses the store is taken back before the store closes.
  (void)nmcp::app::publish_key_rights(keys, **store);
  signals.on_reload([reload_all, &keys, &store] {
    reload_all([&] { (void)nmcp::app::publish_key_rights(keys, **store); });
  });
  struct ReloadWithoutStore {
    nmcp::SignalWatcher& signals;
    std::function<void()> plain;
    ~ReloadWithoutStore() { signals.on_reload(std::move(plain)); }
  } reload_without_store{signals, [reload_all] { reload_all({}); }};

  std::shared_ptr<const nmcp::SecretBox> secrets;
  if (config) {
    auto opened = nmcp::app::open_secrets(o.engine, *config->current());
    if (!opened) {
      std::fprintf(stderr, "nessus-mcp: %s\n(%s)\n", opened.error().message.c_str(),
                   opened.error().hint.c_str());
      return 2;
    }
    secrets = *opened;
  }

  // Metrics: what this process does (its tool calls, its scans if it runs them) and the
  // store-derived gauges.
  nmcp::metrics::Registry metrics;
  nmcp::app::describe_process(metrics, "nessus-mcp", NMCP_VERSION);
  nmcp::worker::describe_worker_metrics(metrics);
  nmcp::app::add_store_gauges(metrics, **store, config.get());

  // The audit log of rule decisions: submits, tool refusals, scan windows.
  std::shared_ptr<nmcp::audit::AuditLog> audit_log;
  {
    const std::string path = o.audit_log.empty() ? o.engine.data_dir + "/audit.log" : o.audit_log;
    auto audit = nmcp::audit::AuditLog::open(path);
    if (!audit) {
      log::error("main", audit.error().message, {{"hint", audit.error().hint}});
      return 1;
    }
    audit_log = *audit;
  }

  // Fit to take work (clock, results directory) before the embedded worker's first claim;
  // refreshed, with this process's presence, at every renewal interval by the leader duties.
  const std::string process_id = nmcp::worker::make_worker_id();
  const std::string holder = "nessus-mcp@" + process_id;
  nmcp::readiness::DeploymentCheck deployment(
      **store, {holder, o.engine.data_dir, o.engine.engine.lease.count()});
  deployment.refresh();
  nmcp::app::add_deployment_gauges(metrics, deployment);

  // The embedded worker: scans run in this process unless another one runs them.
  std::unique_ptr<nmcp::worker::WorkerEngine> engine;
  if (config && !o.no_worker) {
    nmcp::worker::EngineOptions e = o.engine.engine;
    e.metrics = &metrics;
    e.worker_id = process_id;
    e.deployment = &deployment;
    e.data_dir = o.engine.data_dir;
    e.secrets = secrets;
    e.audit = audit_log;
    engine = std::make_unique<nmcp::worker::WorkerEngine>(e, **store, *config);
    if (auto started = engine->start(); !started) {
      log::error("main", "the worker engine failed to start: " + started.error().message);
      return 1;
    }
  } else if (!o.no_worker) {
    log::warn("main", "no worker runs: scans stay queued until a scanner configuration exists");
  }

  // Housekeeping and schedule firing: whichever process holds each lease runs it.
  std::unique_ptr<nmcp::app::LeaderDuties> housekeeping;
  if (config) {
    housekeeping = std::make_unique<nmcp::app::LeaderDuties>(
        **store, *config, o.engine.data_dir, holder, audit_log, nullptr, nmcp::system_clock(),
        &deployment,
        std::chrono::milliseconds(
            nmcp::store::LeaseTiming{o.engine.engine.lease.count()}.renew_every()));
    housekeeping->fold_estate(o.engine.resolved_store().starts_with("sqlite:"));
    housekeeping->start();
    nmcp::app::add_leader_duty_counters(metrics, *housekeeping);
  }

  nmcp::mcp::ToolRegistry registry;
  nmcp::service::Services deps;
  deps.tasks = store->get();
  deps.submitter = store->get();
  deps.scanner_health = store->get();
  deps.records = store->get();
  deps.config = config.get();
  deps.secrets = secrets;
  deps.data_dir = o.engine.data_dir;
  deps.indexes = std::make_shared<nmcp::findings::IndexCache>(8);
  deps.audit = audit_log;
  if (engine) deps.on_submit = [&engine] { engine->wake(); };
  for (auto add : {&nmcp::mcp::register_scan_tools, &nmcp::mcp::register_scanner_tools,
                   &nmcp::mcp::register_results_tools, &nmcp::mcp::register_schedule_tools}) {
    if (auto s = add(registry, deps); !s) {
      log::error("main", "tools failed to register: " + s.error().message);
      return 1;
    }
  }
  std::unique_ptr<nmcp::mcp::FixtureTasks> fixture_tasks;  // --test-tools: the tasks fixtures
  if (o.test_tools) {
    if (auto s = nmcp::mcp::register_test_tools(registry); !s) {
      log::error("main", "test tools failed to register: " + s.error().message);
      return 1;
    }
    fixture_tasks = std::make_unique<nmcp::mcp::FixtureTasks>();
    if (auto s = fixture_tasks->register_tools(registry); !s) {
      log::error("main", "test tools failed to register: " + s.error().message);
      return 1;
    }
    log::warn("main", "test tools are enabled (--test-tools); do not use this in production");
  }
  nmcp::mcp::ResourceProviders resources;
  resources.add(nmcp::mcp::make_results_resources(deps));
  if (o.test_tools) resources.add(nmcp::mcp::make_test_resources());
  nmcp::ThreadPool executor("tools", o.tool_threads, 1024);
  auto options = server_options(o);
  options.on_decision = [audit = deps.audit](const nmcp::mcp::AuthorizationDecision& d) {
    nmcp::audit::AuditEvent e;
    e.time_ms = nmcp::system_clock().now();
    e.tenant = d.tenant;
    e.tool = d.tool;
    e.decision = d.allowed ? "allow" : "deny";
    e.rule = d.rule;
    e.trace_id = d.trace_id;
    audit->record(e);
  };
  nmcp::mcp::McpServer server(options, registry, executor, &resources);
  const nmcp::mcp::ScanTaskSource scan_tasks(deps);
  nmcp::mcp::TaskSources task_sources;
  task_sources.add(scan_tasks);
  if (fixture_tasks) task_sources.add(*fixture_tasks);
  server.serve_tasks(task_sources);
  server.use(nmcp::app::count_calls(metrics));
  const auto ops = nmcp::app::ops_endpoints(metrics, store->get(), config.get(),
                                            nmcp::system_clock(), &deployment);
  nmcp::mcp::OpsListener ops_listener(o.engine.metrics_listen, ops);
  if (!o.engine.metrics_listen.empty()) {
    if (auto bound = ops_listener.start(); !bound) {
      log::error("main", bound.error().message, {{"hint", bound.error().hint}});
      return 1;
    }
  }

  int rc = 0;
  if (o.mode == CliOptions::Mode::Stdio) {
    nmcp::mcp::StdioTransport transport(server, STDIN_FILENO, STDOUT_FILENO, {});
    signals.on_stop([&transport] { transport.stop(); });
    transport.run();
    signals.on_stop(nullptr);
  } else {
    rc = serve_http(server, o, keys, signals, ops, metrics);
  }
  executor.shutdown();
  ops_listener.stop();
  if (housekeeping) housekeeping->stop();
  if (engine) engine->stop();
  deployment.withdraw();
  log::info("main", "stopped");
  return rc;
}
