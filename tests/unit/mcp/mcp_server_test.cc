#include "mcp/server/mcp_server.h"

#include <chrono>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

#include "core/base/secret_values.h"
#include "core/base/thread_pool.h"
#include "mcp/testtools/test_tools.h"
#include "tests/support/recording_outbound.h"

using nlohmann::json;
using namespace nmcp::mcp;
using nmcp::testing::RecordingOutbound;

namespace {

struct Harness {
  explicit Harness(std::size_t page_size = 100, std::size_t threads = 4, std::size_t backlog = 64,
                   Principal principal = {})
      : pool("tools", threads, backlog) {
    REQUIRE(register_test_tools(registry));
    ServerOptions options;
    options.info = {"nessus-mcp", "Nessus MCP Server", "9.9.9", "A test server", "Poll it."};
    options.tools_page_size = page_size;
    options.on_decision = [this](const AuthorizationDecision& d) {
      std::lock_guard lock(decisions_mu);
      decisions.push_back(d);
    };
    server = std::make_unique<McpServer>(options, registry, pool);
    session = std::make_shared<Session>("s1", std::move(principal), McpLogLevel::Info);
  }
  // Queued calls run before the server they use goes away.
  ~Harness() { pool.shutdown(); }

  std::shared_ptr<RecordingOutbound> send(const json& message) {
    auto out = std::make_shared<RecordingOutbound>();
    server->handle(session, message, out);
    return out;
  }

  // Sends and waits for the exchange to end; returns the response (null when none).
  json exchange(const json& message) {
    auto out = send(message);
    REQUIRE(out->wait());
    return out->response().value_or(json());
  }

  json initialize(const std::string& version = "2025-11-25") {
    return exchange({{"jsonrpc", "2.0"},
                     {"id", 0},
                     {"method", "initialize"},
                     {"params",
                      {{"protocolVersion", version},
                       {"capabilities", json::object()},
                       {"clientInfo", {{"name", "test"}, {"version", "1"}}}}}});
  }

  json request(const json& id, const std::string& method, json params = nullptr) {
    json m = {{"jsonrpc", "2.0"}, {"id", id}, {"method", method}};
    if (!params.is_null()) m["params"] = std::move(params);
    return exchange(m);
  }

  json call(const json& id, const std::string& tool, json args = json::object(),
            json meta = nullptr) {
    json params = {{"name", tool}, {"arguments", std::move(args)}};
    if (!meta.is_null()) params["_meta"] = std::move(meta);
    return request(id, "tools/call", std::move(params));
  }

  std::mutex decisions_mu;
  std::vector<AuthorizationDecision> decisions;  // what the audit log would get
  ToolRegistry registry;
  nmcp::ThreadPool pool;
  std::unique_ptr<McpServer> server;
  std::shared_ptr<Session> session;
};

int error_code(const json& response) { return response["error"]["code"].get<int>(); }

}  // namespace

TEST_CASE("initialize: negotiates the version and describes the server") {
  Harness h;
  const json r = h.initialize("2025-11-25")["result"];
  CHECK(r["protocolVersion"] == "2025-11-25");
  CHECK(r["serverInfo"] == json{{"name", "nessus-mcp"},
                                {"title", "Nessus MCP Server"},
                                {"version", "9.9.9"},
                                {"description", "A test server"}});
  CHECK(r["capabilities"] ==
        json{{"tools", {{"listChanged", false}}}, {"logging", json::object()}});
  CHECK(r["instructions"] == "Poll it.");
  CHECK(h.session->initialized());
}

TEST_CASE("initialize: every supported version is echoed; unknown ones get the latest") {
  for (const char* v : {"2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"}) {
    Harness h;
    CHECK(h.initialize(v)["result"]["protocolVersion"] == v);
  }
  Harness h;
  CHECK(h.initialize("1999-01-01")["result"]["protocolVersion"] == "2025-11-25");
  Harness old;
  const json info = old.initialize("2024-11-05")["result"]["serverInfo"];
  CHECK_FALSE(info.contains("title"));
  CHECK_FALSE(info.contains("description"));
}

TEST_CASE("initialize: malformed params are -32602; a second initialize is -32600") {
  Harness h;
  CHECK(error_code(h.request(1, "initialize", {{"capabilities", json::object()}})) == -32602);
  CHECK(error_code(h.request(
            1, "initialize",
            {{"protocolVersion", "2025-11-25"}, {"capabilities", json::object()}})) == -32602);
  CHECK(error_code(h.request(1, "initialize",
                             {{"protocolVersion", "2025-11-25"},
                              {"capabilities", json::object()},
                              {"clientInfo", {{"name", 3}, {"version", "1"}}}})) == -32602);
  CHECK(error_code(h.request(1, "initialize", json::array())) == -32602);
  CHECK_FALSE(h.session->initialized());
  h.initialize();
  CHECK(error_code(h.initialize()) == -32600);
}

TEST_CASE("lifecycle: before initialize only ping works, and every request is answered") {
  Harness h;
  CHECK(h.request(1, "ping")["result"] == json::object());
  const json early = h.request(2, "tools/list");
  CHECK(error_code(early) == -32600);
  CHECK(early["id"] == 2);
  CHECK(error_code(h.request("d", "server/discover")) == -32601);
  h.initialize();
  CHECK(error_code(h.request("d", "server/discover")) == -32601);
  CHECK(error_code(h.request(3, "resources/list")) == -32601);
  CHECK(error_code(h.request(4, "no/such/method")) == -32601);
  CHECK(h.request(5, "ping", json::object())["result"] == json::object());
  CHECK(error_code(h.request(6, "ping", json::array({1}))) == -32602);
}

TEST_CASE("notifications and client responses never get an answer") {
  Harness h;
  h.initialize();
  for (const json& m : {json{{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}},
                        json{{"jsonrpc", "2.0"}, {"method", "notifications/unknown"}},
                        json{{"jsonrpc", "2.0"}, {"method", "tools/list"}},  // no id
                        json{{"jsonrpc", "2.0"}, {"id", 9}, {"result", json::object()}},
                        json{{"jsonrpc", "2.0"}, {"id", 9}, {"error", {{"code", 1}}}}}) {
    CAPTURE(m.dump());
    auto out = h.send(m);
    REQUIRE(out->wait());
    CHECK_FALSE(out->response().has_value());
    CHECK(out->sent().empty());
  }
}

TEST_CASE("tools/list: stable order, cursor pages, and per-principal filtering") {
  Harness h(3);
  h.initialize();
  std::vector<std::string> names;
  json cursor;
  int pages = 0;
  do {
    const json r =
        h.request(pages, "tools/list",
                  cursor.is_null() ? json::object() : json{{"cursor", cursor}})["result"];
    for (const auto& t : r["tools"]) names.push_back(t["name"]);
    CHECK(r["tools"].size() <= 3);
    cursor = r.value("nextCursor", json());
    ++pages;
  } while (!cursor.is_null() && pages < 100);
  REQUIRE(names.size() == h.registry.entries().size());
  for (std::size_t i = 0; i < names.size(); ++i)
    CHECK(names[i] == h.registry.entries()[i].definition.name);
  CHECK(error_code(h.request(1, "tools/list", {{"cursor", "bogus"}})) == -32602);
  CHECK(error_code(h.request(1, "tools/list", {{"cursor", 5}})) == -32602);

  Harness limited(100, 2, 8, Principal{"team-a", std::set<std::string>{"echo", "add"}, {}});
  limited.initialize();
  const json tools = limited.request(1, "tools/list")["result"]["tools"];
  REQUIRE(tools.size() == 2);
  CHECK(tools[0]["name"] == "echo");
  CHECK(error_code(limited.call(2, "slow")) == -32602);
}

TEST_CASE("tools/list: entries are shaped for the negotiated version") {
  Harness modern;
  modern.initialize("2025-06-18");
  const json echo = modern.request(1, "tools/list")["result"]["tools"][0];
  CHECK(echo["title"] == "Echo");
  CHECK(echo["outputSchema"]["type"] == "object");
  CHECK(echo["annotations"]["readOnlyHint"] == true);

  Harness old;
  old.initialize("2024-11-05");
  const json legacy = old.request(1, "tools/list")["result"]["tools"][0];
  CHECK_FALSE(legacy.contains("title"));
  CHECK_FALSE(legacy.contains("outputSchema"));
  CHECK_FALSE(legacy.contains("annotations"));

  Harness mid;
  mid.initialize("2025-03-26");
  const json annotated = mid.request(1, "tools/list")["result"]["tools"][0];
  CHECK(annotated["annotations"]["title"] == "Echo");
  CHECK_FALSE(annotated.contains("outputSchema"));
}

TEST_CASE("tools/call: success carries structuredContent and a text copy") {
  Harness h;
  h.initialize();
  const json r = h.call("c1", "add", {{"a", 2}, {"b", 3.5}});
  CHECK(r["id"] == "c1");
  CHECK(r["result"]["structuredContent"] == json{{"sum", 5.5}});
  CHECK(json::parse(r["result"]["content"][0]["text"].get<std::string>()) == json{{"sum", 5.5}});
  CHECK_FALSE(r["result"].contains("isError"));

  Harness old;
  old.initialize("2025-03-26");
  CHECK_FALSE(old.call(1, "add", {{"a", 1}, {"b", 1}})["result"].contains("structuredContent"));
}

TEST_CASE("tools/call: protocol errors vs tool errors") {
  Harness h;
  h.initialize();
  CHECK(error_code(h.call(1, "nope")) == -32602);
  CHECK(error_code(h.request(2, "tools/call", {{"arguments", json::object()}})) == -32602);
  CHECK(error_code(h.request(3, "tools/call", {{"name", "echo"}, {"arguments", json::array()}})) ==
        -32602);

  const json invalid = h.call(4, "validate", {{"target", "UPPER"}, {"port", 70000}, {"extra", 1}});
  CHECK(invalid["result"]["isError"] == true);
  const std::string text = invalid["result"]["content"][0]["text"];
  CHECK(text.find("arguments.port: must be <= 65535; got 70000") != std::string::npos);
  CHECK(text.find("arguments.target: must match the pattern") != std::string::npos);
  CHECK(text.find("arguments.extra: is not a known property") != std::string::npos);
  CHECK_FALSE(invalid["result"].contains("structuredContent"));

  const json domain = h.call(5, "fail", {{"mode", "error"}});
  CHECK(domain["result"]["isError"] == true);

  const json thrown = h.call(6, "fail", {{"mode", "throw"}});
  CHECK(thrown["result"]["isError"] == true);
  const std::string thrown_text = thrown["result"]["content"][0]["text"];
  CHECK(thrown_text.find("internal error (trace id ") != std::string::npos);
  CHECK(thrown_text.find("deliberate") == std::string::npos);  // details stay in the log

  const json bad_output = h.call(7, "fail", {{"mode", "bad_output"}});
  CHECK(bad_output["result"]["isError"] == true);

  // Missing arguments count as {} and are validated like any others.
  const json missing = h.request(8, "tools/call", {{"name", "echo"}});
  CHECK(missing["result"]["isError"] == true);
  // The server is still healthy after all that.
  CHECK(h.request(9, "ping")["result"] == json::object());
}

TEST_CASE("progress: only with a token, strictly increasing, before the response") {
  Harness h;
  h.initialize();
  auto out = h.send({{"jsonrpc", "2.0"},
                     {"id", 1},
                     {"method", "tools/call"},
                     {"params",
                      {{"name", "slow"},
                       {"arguments", {{"steps", 4}, {"step_ms", 1}}},
                       {"_meta", {{"progressToken", "tok"}}}}}});
  REQUIRE(out->wait());
  const auto sent = out->sent();
  REQUIRE(sent.size() == 4);
  double last = -1;
  for (const auto& n : sent) {
    CHECK(n["method"] == "notifications/progress");
    CHECK(n["params"]["progressToken"] == "tok");
    CHECK(n["params"]["total"] == 4);
    CHECK(n["params"]["message"].is_string());
    CHECK(n["params"]["progress"].get<double>() > last);
    last = n["params"]["progress"].get<double>();
  }
  CHECK(out->response().value()["result"]["structuredContent"]["completed_steps"] == 4);

  auto quiet =
      h.send({{"jsonrpc", "2.0"},
              {"id", 2},
              {"method", "tools/call"},
              {"params", {{"name", "slow"}, {"arguments", {{"steps", 2}, {"step_ms", 1}}}}}});
  REQUIRE(quiet->wait());
  CHECK(quiet->sent().empty());
}

TEST_CASE("progress: 2024-11-05 clients get no message field") {
  Harness h;
  h.initialize("2024-11-05");
  auto out = h.send({{"jsonrpc", "2.0"},
                     {"id", 1},
                     {"method", "tools/call"},
                     {"params",
                      {{"name", "slow"},
                       {"arguments", {{"steps", 1}, {"step_ms", 1}}},
                       {"_meta", {{"progressToken", 7}}}}}});
  REQUIRE(out->wait());
  REQUIRE(out->sent().size() == 1);
  CHECK_FALSE(out->sent()[0]["params"].contains("message"));
  CHECK(out->sent()[0]["params"]["progressToken"] == 7);
}

TEST_CASE("logging/setLevel filters notifications/message; secrets arrive redacted") {
  Harness h;
  h.initialize();
  CHECK(error_code(h.request(1, "logging/setLevel", {{"level", "loud"}})) == -32602);
  CHECK(
      h.request(1, "logging/setLevel", {{"level", "loud"}})["error"]["data"]["supported"].size() ==
      8);
  CHECK(h.request(2, "logging/setLevel", {{"level", "error"}})["result"] == json::object());
  auto out = h.send({{"jsonrpc", "2.0"},
                     {"id", 3},
                     {"method", "tools/call"},
                     {"params", {{"name", "log"}, {"arguments", json::object()}}}});
  REQUIRE(out->wait());
  const auto sent = out->sent();
  REQUIRE(sent.size() == 4);  // error, critical, alert, emergency
  CHECK(sent[0]["params"]["level"] == "error");
  for (const auto& n : sent) {
    CHECK(n["method"] == "notifications/message");
    CHECK(n["params"]["data"]["password"] == "[REDACTED]");
    CHECK(n.dump().find("hunter2") == std::string::npos);
  }
}

TEST_CASE("cancellation: the handler stops, no response is sent, unknown ids are ignored") {
  Harness h;
  h.initialize();
  auto out = h.send({{"jsonrpc", "2.0"},
                     {"id", "long"},
                     {"method", "tools/call"},
                     {"params",
                      {{"name", "slow"},
                       {"arguments", {{"steps", 1000}, {"step_ms", 60000}}},
                       {"_meta", {{"progressToken", 1}}}}}});
  // A slow call does not block other requests.
  CHECK(h.request(1, "ping")["result"] == json::object());
  CHECK(h.session->in_flight() == 1);
  // A duplicate id while in flight is refused.
  CHECK(error_code(h.call("long", "echo", {{"text", "x"}})) == -32600);
  // Cancelling an unknown id does nothing.
  auto ignored = h.send({{"jsonrpc", "2.0"},
                         {"method", "notifications/cancelled"},
                         {"params", {{"requestId", "other"}}}});
  REQUIRE(ignored->wait());
  CHECK(out->completions() == 0);
  auto cancel = h.send({{"jsonrpc", "2.0"},
                        {"method", "notifications/cancelled"},
                        {"params", {{"requestId", "long"}, {"reason", "user pressed stop"}}}});
  REQUIRE(cancel->wait());
  CHECK_FALSE(cancel->response().has_value());
  REQUIRE(out->wait());
  CHECK_FALSE(out->response().has_value());
  CHECK(out->completions() == 1);
  CHECK(h.session->in_flight() == 0);
}

TEST_CASE("session close cancels what is in flight") {
  Harness h;
  h.initialize();
  auto out =
      h.send({{"jsonrpc", "2.0"},
              {"id", 1},
              {"method", "tools/call"},
              {"params", {{"name", "slow"}, {"arguments", {{"steps", 10}, {"step_ms", 60000}}}}}});
  h.session->close();
  REQUIRE(out->wait());
  CHECK_FALSE(out->response().has_value());
  CHECK(error_code(h.call(2, "echo", {{"text", "late"}})) == -32600);
}

TEST_CASE("a full executor answers busy instead of queueing without bound") {
  Harness h(100, 1, 1);  // one thread, a backlog of one
  h.initialize();
  auto slow = [&](int id) {
    return h.send(
        {{"jsonrpc", "2.0"},
         {"id", id},
         {"method", "tools/call"},
         {"params", {{"name", "slow"}, {"arguments", {{"steps", 1}, {"step_ms", 60000}}}}}});
  };
  // Whether or not the thread has picked up the first call yet, the thread plus the backlog
  // hold at most two calls, so one of the next two must be refused at once.
  auto first = slow(1);
  auto second = slow(2);
  auto third = slow(3);
  int busy = 0;
  for (auto* out : {&second, &third}) {
    if ((*out)->wait(std::chrono::milliseconds(0)) && (*out)->response()) {
      CHECK(error_code(*(*out)->response()) == -32010);
      ++busy;
    }
  }
  CHECK(busy >= 1);
  h.session->close();
  REQUIRE(first->wait());
}

TEST_CASE("tools/call: the caller's own text comes back as given, even when it equals a secret") {
  // Masking a caller's words would tell them which of their guesses is a secret (phase 20):
  // secrets are masked where text comes in from elsewhere, never in a result's own words.
  nmcp::remember_secret("Planted-Secret-Value-42");
  nmcp::remember_secret("Gen\"erated\\Pass\tword-7");
  Harness h;
  h.initialize();
  for (const std::string guess : {"Planted-Secret-Value-42", "Not-A-Secret-Value-43",
                                  "Gen\"erated\\Pass\tword-7", "Gen\"erated\\Pass\tword-8"}) {
    CAPTURE(guess);
    const json r = h.call(1, "echo", {{"text", "is it " + guess + "?"}});
    CHECK(r["result"]["structuredContent"]["text"] == "is it " + guess + "?");
    CHECK(r.dump().find("[REDACTED]") == std::string::npos);
  }
  nmcp::forget_secrets_for_tests();
}

TEST_CASE("tools/call: each authorisation decision is reported once; allowed reads are not") {
  Harness h(100, 2, 8, Principal{"team-a", std::set<std::string>{"echo", "fail"}, {}});
  h.initialize();
  CHECK(error_code(h.call(1, "add", {{"a", 1}, {"b", 2}})) == -32602);  // not in tools=
  h.call(2, "echo", {{"text", "x"}});                      // allowed, read-only: decides nothing
  h.call(3, "fail", {{"mode", "error"}});                  // allowed, not read-only: reported
  CHECK(error_code(h.call(4, "no_such_tool")) == -32602);  // unknown: not a decision
  std::lock_guard lock(h.decisions_mu);
  REQUIRE(h.decisions.size() == 2);
  CHECK(h.decisions[0].tool == "add");
  CHECK_FALSE(h.decisions[0].allowed);
  CHECK(h.decisions[0].tenant == "team-a");
  CHECK(h.decisions[0].rule == "the API key's tools= list does not include add");
  CHECK(h.decisions[1].tool == "fail");
  CHECK(h.decisions[1].allowed);
}

TEST_CASE("role=read-only: only read-only tools are listed and callable, whatever tools= says") {
  Principal reader{"auditors", std::set<std::string>{"echo", "fail"}, {}};
  reader.read_only = true;
  Harness h(100, 2, 8, reader);
  h.initialize();
  std::set<std::string> listed;
  const json tools = h.request(1, "tools/list", json::object());
  CAPTURE(tools.dump());
  for (const auto& t : tools["result"]["tools"]) listed.insert(t["name"]);
  CHECK(listed.count("echo") == 1);
  CHECK(listed.count("fail") == 0);  // it changes state: not read-only
  CHECK(listed.size() == 1);
  CHECK(h.call(2, "echo", {{"text", "x"}})["result"]["isError"] == nullptr);
  CHECK(error_code(h.call(3, "fail", {{"mode", "error"}})) == -32602);
  std::lock_guard lock(h.decisions_mu);
  REQUIRE(h.decisions.size() == 1);
  CHECK(h.decisions[0].rule == "the API key is read-only and fail is not");
  CHECK_FALSE(h.decisions[0].allowed);
}
