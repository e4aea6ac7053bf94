// The method table and its middleware: every method the server answers passes through every
// middleware (requests and notifications alike), an admission can refuse any method before
// its handler runs, and a request's scope is filled from a legacy session or from a
// 2026-07-28 request's own _meta.

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <doctest/doctest.h>

#include "core/base/thread_pool.h"
#include "mcp/server/mcp_server.h"
#include "mcp/server/notifier.h"
#include "mcp/server/request_scope.h"
#include "mcp/testtools/test_tools.h"
#include "tests/support/recording_outbound.h"

using nlohmann::json;
using namespace nmcp::mcp;
using nmcp::testing::RecordingOutbound;

namespace {

// A server with resources and one recording middleware.
struct TableHarness {
  TableHarness() : pool("tools", 2, 16), resources(make_test_resources()) {
    REQUIRE(register_test_tools(registry));
    ServerOptions options;
    options.info = {"nessus-mcp", "Nessus MCP Server", "9.9.9", "A test server", ""};
    server = std::make_unique<McpServer>(options, registry, pool, resources.get());
    Middleware seen;
    seen.name = "recorder";
    seen.admit = [this](const MethodCall& call) -> Admission {
      std::lock_guard lock(mu);
      ++admitted[call.method()];
      if (call.method() == refuse) return tl::unexpected(RpcError{-32099, "refused by test"});
      return nullptr;
    };
    seen.around = [this](const MethodCall& call, const MethodNext& next) {
      {
        std::lock_guard lock(mu);
        ++wrapped[call.method()];
        scopes[call.method()] = call.scope.principal.tenant + "|" + call.scope.trace_id;
      }
      return next();
    };
    server->use(seen);
    session = std::make_shared<Session>("s1", Principal{"team-a", {}, {}}, McpLogLevel::Info);
  }
  ~TableHarness() { pool.shutdown(); }

  json send(const json& message) {
    auto out = std::make_shared<RecordingOutbound>();
    server->handle(session, message, out);
    REQUIRE(out->wait());
    return out->response().value_or(json());
  }
  json request(int id, const std::string& method, json params = json::object()) {
    return send({{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}});
  }
  void notify(const std::string& method, json params = json::object()) {
    send({{"jsonrpc", "2.0"}, {"method", method}, {"params", params}});
  }

  nmcp::ThreadPool pool;
  ToolRegistry registry;
  std::shared_ptr<const ResourceProvider> resources;
  std::unique_ptr<McpServer> server;
  std::shared_ptr<Session> session;
  std::mutex mu;
  std::map<std::string, int> admitted, wrapped;
  std::map<std::string, std::string> scopes;
  std::string refuse;
};

// One well-formed message for each method of the table.
void send_every_method(TableHarness& h) {
  h.request(1, "initialize",
            {{"protocolVersion", "2025-11-25"},
             {"capabilities", {{"elicitation", json::object()}}},
             {"clientInfo", {{"name", "t"}, {"version", "1"}}}});
  h.notify("notifications/initialized");
  h.request(2, "ping");
  h.request(3, "server/discover");
  h.request(4, "tools/list");
  h.request(5, "tools/call", {{"name", "echo"}, {"arguments", {{"text", "x"}}}});
  h.request(6, "logging/setLevel", {{"level", "warning"}});
  h.request(7, "resources/list");
  h.request(8, "resources/templates/list");
  h.request(9, "resources/read", {{"uri", "test://static-text"}});
  // A 2026-07-28 subscription stays open until its client cancels it.
  auto listening = std::make_shared<RecordingOutbound>();
  h.server->handle(
      h.session,
      {{"jsonrpc", "2.0"},
       {"id", 10},
       {"method", "subscriptions/listen"},
       {"params",
        {{"notifications", json::object()},
         {"_meta",
          {{kMetaProtocolVersion, "2026-07-28"}, {kMetaClientCapabilities, json::object()}}}}}},
      listening);
  h.notify("notifications/cancelled", {{"requestId", 10}});
  REQUIRE(listening->wait());
  CHECK(!listening->response());  // a cancelled request is answered with nothing
}

}  // namespace

TEST_CASE("every method of the table passes through every middleware, once per message") {
  TableHarness h;
  const auto methods = h.server->methods().methods();
  CHECK(methods.size() == 12);
  send_every_method(h);
  std::lock_guard lock(h.mu);
  for (const auto& method : methods) {
    CAPTURE(method);
    CHECK(h.admitted[method] == 1);
    CHECK(h.wrapped[method] == 1);
    CHECK(h.scopes[method].rfind("team-a|", 0) == 0);  // the scope carries the principal
    CHECK(h.scopes[method].size() == 7 + 16);          // and a trace id
  }
}

TEST_CASE("an admission refuses any method before its handler runs") {
  for (const std::string method : {"ping", "tools/list", "tools/call", "resources/read"}) {
    CAPTURE(method);
    TableHarness h;
    h.request(1, "initialize",
              {{"protocolVersion", "2025-11-25"},
               {"capabilities", json::object()},
               {"clientInfo", {{"name", "t"}, {"version", "1"}}}});
    h.refuse = method;
    const json params = method == "tools/call"
                            ? json{{"name", "echo"}, {"arguments", {{"text", "x"}}}}
                        : method == "resources/read" ? json{{"uri", "test://static-text"}}
                                                     : json::object();
    const json reply = h.request(2, method, params);
    CHECK(reply["error"]["code"] == -32099);
    std::lock_guard lock(h.mu);
    CHECK(h.wrapped[method] == 0);
  }
}

TEST_CASE("a legacy scope: the session's version, capabilities, log level and principal") {
  TableHarness h;
  h.request(1, "initialize",
            {{"protocolVersion", "2025-06-18"},
             {"capabilities", {{"elicitation", json::object()}}},
             {"clientInfo", {{"name", "t"}, {"version", "1"}}}});
  h.session->set_log_level(McpLogLevel::Error);
  jsonrpc::Message m;
  m.kind = jsonrpc::Kind::Request;
  m.id = 5;
  m.method = "tools/call";
  m.params = {{"name", "echo"}, {"_meta", {{"progressToken", "p1"}}}};
  const RequestScope scope = scope_from_session(h.session, m, "t1");
  CHECK(scope.era == Era::Legacy);
  CHECK(scope.version == ProtocolVersion::V2025_06_18);
  CHECK(scope.version_text == "2025-06-18");
  CHECK(scope.client_declares("elicitation"));
  CHECK_FALSE(scope.client_declares("sampling"));
  CHECK(scope.log_level == McpLogLevel::Error);
  CHECK(scope.principal.tenant == "team-a");
  CHECK(scope.progress_token == "p1");
  CHECK(scope.session == h.session);
  // setLevel during a call reaches a legacy scope; a modern one keeps its own.
  h.session->set_log_level(McpLogLevel::Debug);
  CHECK(scope.current_log_level() == McpLogLevel::Debug);
}

TEST_CASE("a modern scope comes from the request's _meta alone") {
  const std::string_view supported[] = {"2026-07-28"};
  jsonrpc::Message m;
  m.kind = jsonrpc::Kind::Request;
  m.id = "r1";
  m.method = "tools/call";
  const auto meta = [](json extra) {
    json fields = {{kMetaProtocolVersion, "2026-07-28"},
                   {kMetaClientCapabilities,
                    {{"extensions", {{"io.modelcontextprotocol/tasks", json::object()}}}}}};
    fields.update(extra);
    return fields;
  };
  Principal who{"team-b", {}, {}};

  m.params = {{"name", "echo"}, {"_meta", meta({{"progressToken", 7}})}};
  auto scope = scope_from_meta(who, m, supported, "t2");
  REQUIRE(scope);
  CHECK(scope->era == Era::Modern);
  CHECK(scope->version_text == "2026-07-28");
  CHECK(scope->principal.tenant == "team-b");
  CHECK(scope->client_declares_extension("io.modelcontextprotocol/tasks"));
  CHECK_FALSE(scope->client_declares("elicitation"));
  CHECK_FALSE(scope->log_level.has_value());  // no logLevel: no notifications/message at all
  CHECK_FALSE(scope->current_log_level().has_value());
  CHECK(scope->progress_token == 7);
  CHECK(scope->session == nullptr);

  m.params = {{"_meta", meta({{kMetaLogLevel, "notice"}})}};
  scope = scope_from_meta(who, m, supported, "t3");
  REQUIRE(scope);
  CHECK(scope->log_level == McpLogLevel::Notice);

  SUBCASE("refusals") {
    m.params = json::object();
    auto refused = scope_from_meta(who, m, supported, "t");
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code == -32602);
    CHECK(refused.error().message.find(kMetaProtocolVersion) != std::string::npos);

    m.params = {{"_meta", meta({{kMetaProtocolVersion, "2030-01-01"}})}};
    refused = scope_from_meta(who, m, supported, "t");
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code == kUnsupportedProtocolVersion);
    CHECK(refused.error().data["supported"] == json::array({"2026-07-28"}));
    CHECK(refused.error().data["requested"] == "2030-01-01");

    m.params = {{"_meta", {{kMetaProtocolVersion, "2026-07-28"}}}};
    refused = scope_from_meta(who, m, supported, "t");
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code == -32602);
    CHECK(refused.error().message.find(kMetaClientCapabilities) != std::string::npos);

    m.params = {{"_meta", meta({{kMetaLogLevel, "loud"}})}};
    refused = scope_from_meta(who, m, supported, "t");
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code == -32602);
  }
}

TEST_CASE("a stream notifier tags each notification with its subscription, until it ends") {
  auto out = std::make_shared<RecordingOutbound>();
  StreamNotifier notifier(out, "sub-7");
  CHECK(notifier.notify({{"jsonrpc", "2.0"},
                         {"method", "notifications/resources/updated"},
                         {"params", {{"uri", "nessus://tasks/a/status"}}}}));
  notifier.end(json{{"resultType", "complete"}});
  CHECK_FALSE(notifier.notify({{"jsonrpc", "2.0"}, {"method", "notifications/message"}}));
  REQUIRE(out->wait());
  const auto sent = out->sent();
  REQUIRE(sent.size() == 1);
  CHECK(sent[0]["params"]["uri"] == "nessus://tasks/a/status");
  CHECK(sent[0]["params"]["_meta"][kMetaSubscriptionId] == "sub-7");
  CHECK(out->response().value()["resultType"] == "complete");
}

TEST_CASE("a request scope names what of a requirement its client did not declare") {
  RequestScope scope;
  scope.client_capabilities = {{"elicitation", json::object()},
                               {"extensions", {{"example.com/other", json::object()}}}};
  const json required = {{"elicitation", json::object()},
                         {"sampling", json::object()},
                         {"extensions", {{"io.modelcontextprotocol/tasks", json::object()}}}};
  // Another extension declared does not stand for the one required.
  CHECK(scope.undeclared(required) ==
        json{{"sampling", json::object()},
             {"extensions", {{"io.modelcontextprotocol/tasks", json::object()}}}});
  scope.client_capabilities["extensions"]["io.modelcontextprotocol/tasks"] = json::object();
  scope.client_capabilities["sampling"] = json::object();
  CHECK(scope.undeclared(required).empty());
}
