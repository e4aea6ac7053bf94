#include "app/cli_options.h"

#include <doctest/doctest.h>

#include "core/config/scanner_config.h"
#include "core/store/store_types.h"
#include "mcp/http/ops_listener.h"
#include "scanners/results/export_indexer.h"

using nmcp::app::CliOptions;
using nmcp::app::parse_cli;

namespace {
nmcp::Result<CliOptions> parse(std::initializer_list<std::string_view> args) {
  return parse_cli(std::vector<std::string_view>(args));
}
std::string error_of(std::initializer_list<std::string_view> args) {
  auto r = parse(args);
  REQUIRE_FALSE(r);
  return r.error().message;
}
}  // namespace

TEST_CASE("cli: defaults are stdio, config/scanners.yaml, info, json") {
  auto o = parse({});
  REQUIRE(o);
  CHECK(o->mode == CliOptions::Mode::Stdio);
  CHECK(o->config_path == "config/scanners.yaml");
  CHECK(o->log_level == nmcp::log::Level::Info);
  CHECK(o->log_format == nmcp::log::Format::Json);
  CHECK(parse({"--stdio"})->mode == CliOptions::Mode::Stdio);
}

TEST_CASE("cli: --http takes an optional address") {
  auto d = parse({"--http"});
  REQUIRE(d);
  CHECK(d->mode == CliOptions::Mode::Http);
  CHECK(d->http_host == "127.0.0.1");
  CHECK(d->http_port == 8765);
  auto a = parse({"--http", "0.0.0.0:9000", "--log-level", "debug"});
  REQUIRE(a);
  CHECK(a->http_host == "0.0.0.0");
  CHECK(a->http_port == 9000);
  CHECK(a->log_level == nmcp::log::Level::Debug);
  CHECK(parse({"--http=[::1]:0"})->http_host == "::1");
  CHECK(parse({"--http", ":1234"})->http_port == 1234);
  CHECK(parse({"--http", ":1234"})->http_host == "127.0.0.1");
  auto s = parse({"--http", "--stateless", "--allowed-host", "a", "--allowed-host=b",
                  "--max-body-bytes", "2048", "--api-keys-file", "k.txt"});
  REQUIRE(s);
  CHECK(s->stateless);
  CHECK(s->allowed_hosts == std::vector<std::string>{"a", "b"});
  CHECK(s->max_body_bytes == 2048);
  CHECK(s->api_keys_file == "k.txt");
}

TEST_CASE("cli: bad command lines name the problem") {
  CHECK(error_of({"--frobnicate"}) == "unknown option \"--frobnicate\"");
  CHECK(error_of({"extra"}) == "unknown option \"extra\"");
  CHECK(error_of({"--http", "host:99999"}).find("port must be a number from 0 to 65535") !=
        std::string::npos);
  CHECK(error_of({"--http", "::1:80"}).find("brackets") != std::string::npos);
  CHECK(error_of({"--http", "ho$t:80"}).find("not a host name") != std::string::npos);
  CHECK(error_of({"--log-level", "loud"}).find("--log-level must be") != std::string::npos);
  CHECK(error_of({"--log-format"}) == "--log-format needs a value");
  CHECK(error_of({"--config", "--stdio"}) == "--config needs a value");
  CHECK(error_of({"--tool-threads", "0"}).find("from 1 to 1024") != std::string::npos);
  CHECK(error_of({"--tool-threads", "x"}).find("got \"x\"") != std::string::npos);
  CHECK(error_of({"--stdio", "--http"}) == "choose one of --stdio and --http");
  CHECK(error_of({"--stateless"}).find("apply to --http only") != std::string::npos);
  CHECK(error_of({"--stdio=yes"}) == "--stdio takes no value");
}

TEST_CASE("cli: --help lists every flag, the tuning ones in an advanced section") {
  const std::string help = nmcp::app::usage();
  const auto advanced = help.find("Advanced");
  REQUIRE(advanced != std::string::npos);
  for (const char* flag : {"--http", "--stdio", "--data-dir", "--store", "--no-worker"}) {
    CAPTURE(flag);
    CHECK(help.find(flag) < advanced);
  }
  for (const char* flag :
       {"--poll-interval-ms", "--lease-ms", "--claim-interval-ms", "--probe-interval-ms",
        "--export-poll-ms", "--backoff-base-ms", "--max-failures", "--max-active",
        "--worker-threads", "--sse-keepalive-ms", "--tools-page-size", "--test-tools"}) {
    CAPTURE(flag);
    const auto at = help.find(flag);
    CHECK(at != std::string::npos);
    CHECK(at > advanced);
  }
  CHECK(parse({"--test-tools"})->test_tools);
}

TEST_CASE("defaults live once: the flags, --help and the stores say what the options say") {
  const nmcp::mcp::HttpOptions http;
  const nmcp::worker::EngineOptions engine;
  const auto cli = parse({});
  REQUIRE(cli);
  CHECK(cli->max_body_bytes == http.max_body_bytes);
  CHECK(cli->max_streams == http.max_streams);
  CHECK(cli->max_connections == http.max_connections);
  CHECK(cli->max_sessions_per_tenant == http.max_sessions_per_tenant);
  CHECK(cli->http_threads == http.request_threads);
  CHECK(cli->session_idle_timeout == http.session_idle_timeout);
  CHECK(cli->sse_keepalive == http.keepalive_interval);
  CHECK(cli->max_calls_per_session == nmcp::mcp::CallLimits{}.per_session);
  CHECK(cli->max_calls_per_tenant == nmcp::mcp::CallLimits{}.per_tenant);
  CHECK(cli->tools_page_size == nmcp::mcp::ServerOptions{}.tools_page_size);
  CHECK(cli->engine.engine.lease == engine.lease);
  CHECK(cli->engine.engine.max_failures == engine.max_failures);
  // The store's own defaults agree with the worker's.
  CHECK(nmcp::store::ClaimRequest{}.lease_ms == engine.lease.count());
  CHECK(nmcp::store::ClaimRequest{}.max_failures == engine.max_failures);
  CHECK(nmcp::store::RetryDecision{}.max_failures == engine.max_failures);
  CHECK(nmcp::config::Defaults{}.max_export_hosts ==
        nmcp::scanners::ExportExpectations{}.max_hosts);
  // --help prints those values, not numbers of its own.
  const std::string help = nmcp::app::usage();
  for (const std::string& said :
       {"(default " + std::to_string(http.max_body_bytes) + ")",
        "(default " + std::to_string(http.max_streams) + ")",
        "(default " + std::to_string(http.max_connections) + ";",
        "(default " + std::to_string(http.max_sessions_per_tenant) + ")",
        "(default " + std::to_string(http.session_idle_timeout.count()) + ")",
        "(default " + std::to_string(engine.lease.count()) + ";",
        "(default " + std::to_string(engine.max_failures) + ")",
        "(default " + std::to_string(engine.claim_interval.count()) + ")",
        "(default " + std::to_string(engine.probe_interval.count()) + ")",
        "(default " + std::to_string(http.keepalive_interval.count()) + ")"}) {
    CAPTURE(said);
    CHECK(help.find(said) != std::string::npos);
  }
  CHECK(help.find('{') == std::string::npos);  // no placeholder left unfilled
}

TEST_CASE("cli: --metrics-listen takes host:port or a port alone, and refuses anything else") {
  CHECK(parse({"--metrics-listen", "9464"})->engine.metrics_listen == "9464");
  CHECK(parse({"--metrics-listen=0.0.0.0:9464"})->engine.metrics_listen == "0.0.0.0:9464");
  CHECK(parse({})->engine.metrics_listen.empty());
  for (const char* bad : {"nope:xx", "70000", "host:", ":-1"}) {
    auto r = parse({"--metrics-listen", bad});
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("is not an address") != std::string::npos);
  }
  auto addr = nmcp::mcp::OpsListener::parse_address("9464");
  REQUIRE(addr);
  CHECK(addr->first == "127.0.0.1");  // loopback unless told otherwise
  CHECK(addr->second == 9464);
  CHECK(nmcp::mcp::OpsListener::parse_address("[::1]:9")->first == "::1");
}

TEST_CASE("cli: the fairness limits take counts and refuse nonsense") {
  auto o = parse({"--http", "--max-sessions-per-tenant", "10", "--max-calls-per-tenant", "5",
                  "--max-calls-per-session", "2", "--max-connections", "5000"});
  REQUIRE(o);
  CHECK(o->max_sessions_per_tenant == 10);
  CHECK(o->max_calls_per_tenant == 5);
  CHECK(o->max_calls_per_session == 2);
  CHECK(o->max_connections == 5000);
  CHECK(parse({})->max_calls_per_tenant == 64);
  for (const char* flag : {"--max-sessions-per-tenant", "--max-calls-per-tenant",
                           "--max-calls-per-session", "--max-connections"}) {
    CAPTURE(flag);
    CHECK(error_of({"--http", flag, "0"}).find(flag) != std::string::npos);
    CHECK(error_of({"--http", flag, "many"}).find(flag) != std::string::npos);
  }
}
