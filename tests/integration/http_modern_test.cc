// MCP 2026-07-28 over Streamable HTTP, against the real transport: a modern request needs no
// session, is answered with resultType and the server's identity, and is refused at the edge
// with the revision's codes and statuses: the protocol version header against the body
// (-32020), an unsupported version (-32022 with the list), a malformed envelope (-32602), the
// Mcp-Method and Mcp-Name headers (-32020, base64 values decoded), a removed method (404,
// -32601), a missing client capability (400, -32021). The legacy era keeps working beside it.

#include <mutex>
#include <optional>
#include <thread>
#include <tuple>
#include <vector>

#include <doctest/doctest.h>

#include "core/base/crypto.h"
#include "mcp/http/api_keys.h"
#include "tests/support/eventually.h"
#include "tests/support/http_harness.h"

using nlohmann::json;
using namespace nmcp::mcp;
using nmcp::testing::HttpHarness;
using nmcp::testing::request;

namespace {

json modern_meta(json capabilities = json::object()) {
  return {{kMetaProtocolVersion, "2026-07-28"}, {kMetaClientCapabilities, std::move(capabilities)}};
}

json modern(const json& id, const std::string& method, json params = json::object(),
            json capabilities = json::object()) {
  params["_meta"] = modern_meta(std::move(capabilities));
  return request(id, method, std::move(params));
}

// The headers a conformant modern client sends for `method` (and `name` for Mcp-Name).
httplib::Headers modern_headers(const std::string& method, const std::string& name = "") {
  httplib::Headers h = {{"Accept", "application/json, text/event-stream"},
                        {"MCP-Protocol-Version", "2026-07-28"},
                        {"Mcp-Method", method}};
  if (!name.empty()) h.emplace("Mcp-Name", name);
  return h;
}

json body_of(const httplib::Result& r) { return json::parse(r->body); }

}  // namespace

TEST_CASE("http modern: discover and a tool call without a session") {
  HttpHarness h;
  auto d = h.post(modern(1, "server/discover"), modern_headers("server/discover"));
  REQUIRE(d);
  CHECK(d->status == 200);
  CHECK(!d->has_header("Mcp-Session-Id"));
  const json result = body_of(d)["result"];
  CHECK(result["supportedVersions"] == json::array({"2026-07-28"}));
  CHECK(result["resultType"] == "complete");
  CHECK(result["cacheScope"] == "public");
  CHECK(result["ttlMs"].is_number_integer());
  CHECK(result["_meta"]["io.modelcontextprotocol/serverInfo"]["name"] == "nessus-mcp");

  auto call = h.post(modern(2, "tools/call", {{"name", "echo"}, {"arguments", {{"text", "hi"}}}}),
                     modern_headers("tools/call", "echo"));
  REQUIRE(call);
  CHECK(call->status == 200);
  CHECK(body_of(call)["result"]["structuredContent"]["text"] == "hi");
  CHECK(body_of(call)["result"]["resultType"] == "complete");

  // A session id a modern request carries is ignored, not looked up.
  auto ignored = modern_headers("tools/list");
  ignored.emplace("Mcp-Session-Id", "no-such-session");
  auto list = h.post(modern(3, "tools/list"), ignored);
  REQUIRE(list);
  CHECK(list->status == 200);
  CHECK(body_of(list)["result"]["cacheScope"] == "private");
}

TEST_CASE("http modern: the version header against the body, and unsupported versions") {
  HttpHarness h;
  // The header and the body disagree: -32020, whatever the body names.
  auto mismatch = modern_headers("tools/list");
  mismatch.erase("MCP-Protocol-Version");
  mismatch.emplace("MCP-Protocol-Version", "2025-11-25");
  auto r = h.post(modern(1, "tools/list"), mismatch);
  REQUIRE(r);
  CHECK(r->status == 400);
  CHECK(body_of(r)["error"]["code"] == -32020);
  CHECK(body_of(r)["id"] == 1);

  // No header at all on a modern request: -32020 too.
  auto missing = modern_headers("tools/list");
  missing.erase("MCP-Protocol-Version");
  r = h.post(modern(2, "tools/list"), missing);
  REQUIRE(r);
  CHECK(r->status == 400);
  CHECK(body_of(r)["error"]["code"] == -32020);

  // Both name a version this server does not speak: -32022 with the list and the echo.
  json unknown = request(
      3, "server/discover",
      {{"_meta", {{kMetaProtocolVersion, "v999.0.0"}, {kMetaClientCapabilities, json::object()}}}});
  auto headers = modern_headers("server/discover");
  headers.erase("MCP-Protocol-Version");
  headers.emplace("MCP-Protocol-Version", "v999.0.0");
  r = h.post(unknown, headers);
  REQUIRE(r);
  CHECK(r->status == 400);
  CHECK(body_of(r)["error"]["code"] == -32022);
  CHECK(body_of(r)["error"]["data"]["supported"] == json::array({"2026-07-28"}));
  CHECK(body_of(r)["error"]["data"]["requested"] == "v999.0.0");

  // A modern header on a body without the envelope: -32602, 400.
  r = h.post(request(4, "tools/list"), modern_headers("tools/list"));
  REQUIRE(r);
  CHECK(r->status == 400);
  CHECK(body_of(r)["error"]["code"] == -32602);

  // The envelope without client capabilities: -32602, 400; without clientInfo: served.
  json no_caps = request(5, "tools/list", {{"_meta", {{kMetaProtocolVersion, "2026-07-28"}}}});
  r = h.post(no_caps, modern_headers("tools/list"));
  REQUIRE(r);
  CHECK(r->status == 400);
  CHECK(body_of(r)["error"]["code"] == -32602);
}

TEST_CASE("http modern: Mcp-Method and Mcp-Name, base64 values decoded") {
  HttpHarness h;
  auto no_method = modern_headers("tools/list");
  no_method.erase("Mcp-Method");
  auto r = h.post(modern(1, "tools/list"), no_method);
  REQUIRE(r);
  CHECK(r->status == 400);
  CHECK(body_of(r)["error"]["code"] == -32020);

  r = h.post(modern(2, "tools/list"), modern_headers("tools/call"));
  REQUIRE(r);
  CHECK(r->status == 400);
  CHECK(body_of(r)["error"]["code"] == -32020);

  const json call = modern(3, "tools/call", {{"name", "echo"}, {"arguments", {{"text", "x"}}}});
  r = h.post(call, modern_headers("tools/call"));  // no Mcp-Name
  REQUIRE(r);
  CHECK(r->status == 400);
  CHECK(body_of(r)["error"]["code"] == -32020);
  r = h.post(call, modern_headers("tools/call", "slow"));
  REQUIRE(r);
  CHECK(r->status == 400);
  CHECK(body_of(r)["error"]["code"] == -32020);
  // "echo" in base64 is ZWNobw==.
  r = h.post(call, modern_headers("tools/call", "=?base64?ZWNobw==?="));
  REQUIRE(r);
  CHECK(r->status == 200);
  r = h.post(call, modern_headers("tools/call", "=?base64?not base64!?="));
  REQUIRE(r);
  CHECK(r->status == 400);
  CHECK(body_of(r)["error"]["code"] == -32020);
}

TEST_CASE("http modern: removed methods are 404, a missing capability 400") {
  HttpHarness h;
  for (const std::string method :
       {"initialize", "ping", "logging/setLevel", "resources/subscribe", "no/such/method"}) {
    CAPTURE(method);
    auto r = h.post(modern(7, method), modern_headers(method));
    REQUIRE(r);
    CHECK(r->status == 404);
    CHECK(body_of(r)["error"]["code"] == -32601);
    CHECK(body_of(r)["id"] == 7);
  }
  // A tasks method without the extension declared.
  const json get = modern(8, "tasks/get", {{"taskId", "task_00000000000000000000000000000000"}});
  auto r = h.post(get, modern_headers("tasks/get", "task_00000000000000000000000000000000"));
  REQUIRE(r);
  // The harness serves no tasks: the method is not there at all.
  CHECK(r->status == 404);
}

TEST_CASE("http modern: the legacy era on the same endpoint, and an invalid params in-band") {
  HttpHarness h;
  const std::string session = h.open_session();
  auto legacy = h.post(request(1, "ping"), HttpHarness::with_session(session));
  REQUIRE(legacy);
  CHECK(legacy->status == 200);
  CHECK(body_of(legacy)["result"] == json::object());
  // A handler's -32602 stays in-band (200), unlike the envelope's.
  auto r = h.post(modern(2, "tools/list", {{"cursor", "bogus"}}), modern_headers("tools/list"));
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(body_of(r)["error"]["code"] == -32602);
}

TEST_CASE(
    "http modern: a key's rights, the audit and the tenant's call limit as in the legacy era") {
  const std::string red = "red-" + nmcp::random_hex(16);
  const std::string blue = "blue-" + nmcp::random_hex(16);
  auto parsed = ApiKeyStore::parse("red sha256:" + nmcp::sha256_hex(red) +
                                       "\nblue sha256:" + nmcp::sha256_hex(blue) + " tools=slow\n",
                                   "keys");
  REQUIRE(parsed);
  HttpOptions o;
  o.api_keys = ApiKeys::fixed(std::move(*parsed));
  ServerOptions so;
  std::mutex mu;
  std::vector<AuthorizationDecision> decisions;
  so.on_decision = [&](const AuthorizationDecision& d) {
    std::lock_guard lock(mu);
    decisions.push_back(d);
  };
  so.call_limits.per_tenant = 1;
  HttpHarness h(o, so);
  const auto as = [](const std::string& key, httplib::Headers headers) {
    headers.emplace("Authorization", "Bearer " + key);
    return headers;
  };
  const json echo = modern(1, "tools/call", {{"name", "echo"}, {"arguments", {{"text", "x"}}}});

  // No key: refused before anything else, as in the legacy era.
  auto r = h.post(echo, modern_headers("tools/call", "echo"));
  REQUIRE(r);
  CHECK(r->status == 401);

  // blue may call slow only: echo is "unknown" to it, and the refusal is audited.
  r = h.post(echo, as(blue, modern_headers("tools/call", "echo")));
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(body_of(r)["error"]["code"] == -32602);
  {
    std::lock_guard lock(mu);
    REQUIRE(!decisions.empty());
    CHECK(decisions.back().tenant == "blue");
    CHECK(!decisions.back().allowed);
  }
  // Its tools/list shows only what it may call.
  r = h.post(modern(2, "tools/list"), as(blue, modern_headers("tools/list")));
  REQUIRE(r);
  const json tools = body_of(r)["result"]["tools"];
  REQUIRE(tools.size() == 1);
  CHECK(tools[0]["name"] == "slow");

  // One call in flight per tenant: a second modern call of red's is refused while the first
  // runs (the first is seen in flight before the second is sent).
  std::thread first([&] {
    auto slow = h.post(modern(3, "tools/call",
                              {{"name", "slow"}, {"arguments", {{"steps", 100}, {"step_ms", 50}}}}),
                       as(red, modern_headers("tools/call", "slow")));
    CHECK(slow);
  });
  REQUIRE(nmcp::testing::eventually([&] { return h.server->calls_in_flight("red") == 1; }));
  r = h.post(echo, as(red, modern_headers("tools/call", "echo")));
  REQUIRE(r);
  CHECK(body_of(r)["error"]["code"] == -32010);
  first.join();
}

TEST_CASE(
    "http modern: arguments a tool mirrors in Mcp-Param headers are checked against the body") {
  HttpHarness h;
  const auto call = [&](json args, std::vector<std::pair<std::string, std::string>> params) {
    auto headers = modern_headers("tools/call", "test_param_headers");
    for (auto& [name, value] : params) headers.emplace("Mcp-Param-" + name, value);
    return h.post(modern(1, "tools/call", {{"name", "test_param_headers"}, {"arguments", args}}),
                  headers);
  };
  // Every mirrored argument with its header: served. Integers compare as numbers, and header
  // names without case.
  auto r = call({{"region", "eu-west"}, {"priority", 3}, {"verbose", true}, {"query", "q"}},
                {{"Region", "eu-west"}, {"priority", "03"}, {"VERBOSE", "true"}});
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK_FALSE(body_of(r)["result"].value("isError", false));
  CHECK(body_of(r)["result"]["content"][0]["text"].get<std::string>().find("eu-west") !=
        std::string::npos);
  // A value plain ASCII cannot carry travels in base64: "Zürich " is WsO8cmljaCA=.
  r = call({{"region", "Z\xc3\xbcrich "}}, {{"Region", "=?base64?WsO8cmljaCA=?="}});
  REQUIRE(r);
  CHECK(r->status == 200);

  struct Refused {
    json args;
    std::vector<std::pair<std::string, std::string>> params;
    std::string why;
  };
  for (const Refused& c : std::vector<Refused>{
           {{{"region", "eu-west"}}, {}, "missing"},
           {{{"region", "eu-west"}}, {{"Region", "us-east"}}, "differ"},
           {{{"region", "eu-west"}, {"priority", 3}},
            {{"Region", "eu-west"}, {"Priority", "4"}},
            "differ"},
           {{{"region", "eu-west"}}, {{"Region", "eu-west"}, {"Verbose", "true"}}, "is not"},
           {{{"region", "Hello"}}, {{"Region", "=?base64?SGVsbG8?="}}, "decode"}}) {
    CAPTURE(c.why);
    r = call(c.args, c.params);
    REQUIRE(r);
    CHECK(r->status == 400);
    CHECK(body_of(r)["error"]["code"] == -32020);
    CHECK(body_of(r)["error"]["message"].get<std::string>().find(c.why) != std::string::npos);
  }
  // The legacy era has no such headers: the same call in a session is served as before.
  const std::string session = h.open_session();
  r = h.post(nmcp::testing::tool_call(2, "test_param_headers", {{"region", "eu-west"}}),
             HttpHarness::with_session(session));
  REQUIRE(r);
  CHECK(r->status == 200);
}

TEST_CASE("http modern: a graceful stop answers an open subscription") {
  HttpHarness h;
  json listen = modern("listen-1", "subscriptions/listen", {{"notifications", json::object()}});
  std::optional<std::string> answer;  // the stream's whole body, once it ended
  std::thread client([&] {
    auto r = h.post(listen, modern_headers("subscriptions/listen"));
    if (r) answer = r->body;
  });
  REQUIRE(nmcp::testing::eventually(
      [&] { return h.server->calls_in_flight(nmcp::kLocalTenant) == 1; }));
  h.transport->stop(std::chrono::seconds(30));
  client.join();
  REQUIRE(answer);
  const auto messages = nmcp::testing::sse_messages(*answer);
  REQUIRE(messages.size() == 2);
  CHECK(messages[0]["method"] == "notifications/subscriptions/acknowledged");
  CHECK(messages[1]["id"] == "listen-1");
  CHECK(messages[1]["result"]["resultType"] == "complete");
  CHECK(messages[1]["result"]["_meta"]["io.modelcontextprotocol/subscriptionId"] == "listen-1");
}
