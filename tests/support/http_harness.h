#pragma once
// A Streamable HTTP / legacy SSE transport on loopback with the test tools, and the message
// builders the HTTP tests share. Port 0; serve() on a thread of its own; stop() in the
// destructor.

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>
#include <httplib.h>

#include "core/base/thread_pool.h"
#include "mcp/http/http_transport.h"
#include "mcp/testtools/test_tools.h"

namespace nmcp::testing {

using nlohmann::json;
using namespace nmcp::mcp;
using namespace std::chrono_literals;

inline const httplib::Headers kPostHeaders = {{"Accept", "application/json, text/event-stream"}};

inline json init_message(const std::string& version = "2025-11-25") {
  return {{"jsonrpc", "2.0"},
          {"id", 0},
          {"method", "initialize"},
          {"params",
           {{"protocolVersion", version},
            {"capabilities", json::object()},
            {"clientInfo", {{"name", "http-test"}, {"version", "1"}}}}}};
}

inline json request(const json& id, const std::string& method, json params = json::object()) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", std::move(params)}};
}

inline json tool_call(const json& id, const std::string& name, json args, json meta = nullptr) {
  json params = {{"name", name}, {"arguments", std::move(args)}};
  if (!meta.is_null()) params["_meta"] = std::move(meta);
  return request(id, "tools/call", std::move(params));
}

// The JSON-RPC messages in an event-stream body.
inline std::vector<json> sse_messages(const std::string& body) {
  std::vector<json> out;
  std::size_t pos = 0;
  while ((pos = body.find("data: ", pos)) != std::string::npos) {
    const auto end = body.find('\n', pos);
    out.push_back(json::parse(body.substr(pos + 6, end - pos - 6)));
    pos = end;
  }
  return out;
}

struct HttpHarness {
  // `more_tools` adds a test's own tools before anything is served (the registry is read-only
  // once the server runs).
  explicit HttpHarness(HttpOptions options = {}, ServerOptions so = {}, bool with_resources = false,
                       const std::function<void(ToolRegistry&)>& more_tools = {})
      : pool("tools", 4, 64) {
    REQUIRE(register_test_tools(registry));
    if (more_tools) more_tools(registry);
    so.info = {"nessus-mcp", "Nessus MCP Server", "0.0.0", "test", "instructions"};
    if (with_resources) resources = make_test_resources();
    server = std::make_unique<McpServer>(so, registry, pool, resources.get());
    options.host = "127.0.0.1";
    options.port = 0;
    if (options.keepalive_interval == std::chrono::milliseconds(15000)) {
      options.keepalive_interval = 50ms;
    }
    transport = std::make_unique<HttpTransport>(*server, options);
    auto bound = transport->bind();
    REQUIRE(bound);
    port = *bound;
    thread = std::thread([this] { transport->serve(); });
  }
  ~HttpHarness() {
    transport->stop();
    thread.join();
    pool.shutdown();
  }

  httplib::Client client() const {
    httplib::Client c("127.0.0.1", port);
    c.set_read_timeout(10, 0);
    return c;
  }

  httplib::Result post(const json& body, httplib::Headers headers = kPostHeaders,
                       const std::string& path = "/mcp") const {
    return client().Post(path.c_str(), headers, body.dump(), "application/json");
  }

  // Starts a session; returns its id.
  std::string open_session(httplib::Headers extra = {}) const {
    httplib::Headers h = kPostHeaders;
    h.insert(extra.begin(), extra.end());
    auto r = post(init_message(), h);
    REQUIRE(r);
    REQUIRE(r->status == 200);
    const std::string id = r->get_header_value("Mcp-Session-Id");
    REQUIRE(id.size() == 32);
    h.emplace("Mcp-Session-Id", id);
    auto note = post({{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}}, h);
    REQUIRE(note);
    CHECK(note->status == 202);
    CHECK(note->body.empty());
    return id;
  }

  static httplib::Headers with_session(const std::string& id, httplib::Headers extra = {}) {
    httplib::Headers h = kPostHeaders;
    h.emplace("Mcp-Session-Id", id);
    h.insert(extra.begin(), extra.end());
    return h;
  }

  nmcp::ThreadPool pool;
  ToolRegistry registry;
  std::shared_ptr<const ResourceProvider> resources;
  std::unique_ptr<McpServer> server;
  std::unique_ptr<HttpTransport> transport;
  int port = 0;
  std::thread thread;
};

}  // namespace nmcp::testing
