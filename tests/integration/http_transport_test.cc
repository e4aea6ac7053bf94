// The HTTP transports driven over real sockets on loopback with cpp-httplib's client.

#include "mcp/http/http_transport.h"

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include <doctest/doctest.h>
#include <httplib.h>

#include "core/base/crypto.h"
#include "core/base/thread_pool.h"
#include "mcp/server/notifier.h"
#include "mcp/server/request_context.h"
#include "mcp/testtools/test_tools.h"
#include "tests/support/eventually.h"
#include "tests/support/http_harness.h"

using nlohmann::json;
using namespace nmcp::mcp;
using namespace std::chrono_literals;
using nmcp::testing::eventually;

using nmcp::testing::HttpHarness;
using nmcp::testing::init_message;
using nmcp::testing::kPostHeaders;
using nmcp::testing::request;
using nmcp::testing::sse_messages;
using nmcp::testing::tool_call;

TEST_CASE("http: initialize mints an unguessable session; requests use it") {
  HttpHarness h;
  const std::string a = h.open_session();
  const std::string b = h.open_session();
  CHECK(a != b);
  CHECK(a.find_first_not_of("0123456789abcdef") == std::string::npos);
  auto r = h.post(tool_call(1, "echo", {{"text", "hi"}}), HttpHarness::with_session(a));
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->get_header_value("Content-Type") == "application/json");
  const json body = json::parse(r->body);
  CHECK(body["id"] == 1);
  CHECK(body["result"]["structuredContent"]["text"] == "hi");
}

TEST_CASE("http: session rules: missing 400, unknown 404, re-initialize 400, DELETE ends it") {
  HttpHarness h;
  auto missing = h.post(request(1, "tools/list"));
  REQUIRE(missing);
  CHECK(missing->status == 400);
  CHECK(json::parse(missing->body)["error"]["code"] == -32000);

  auto unknown = h.post(request(1, "tools/list"), HttpHarness::with_session("deadbeef"));
  REQUIRE(unknown);
  CHECK(unknown->status == 404);
  CHECK(json::parse(unknown->body)["error"]["code"] == -32001);

  const std::string id = h.open_session();
  auto again = h.post(init_message(), HttpHarness::with_session(id));
  REQUIRE(again);
  CHECK(again->status == 400);

  auto del = h.client().Delete("/mcp", {{"Mcp-Session-Id", id}});
  REQUIRE(del);
  CHECK(del->status == 200);
  auto after = h.post(request(2, "ping"), HttpHarness::with_session(id));
  REQUIRE(after);
  CHECK(after->status == 404);
  auto del_again = h.client().Delete("/mcp", {{"Mcp-Session-Id", id}});
  REQUIRE(del_again);
  CHECK(del_again->status == 404);
  auto del_none = h.client().Delete("/mcp");
  REQUIRE(del_none);
  CHECK(del_none->status == 400);
}

TEST_CASE("http: a failed initialize creates no session") {
  HttpHarness h;
  json bad = init_message();
  bad["params"].erase("clientInfo");
  auto r = h.post(bad);
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(json::parse(r->body)["error"]["code"] == -32602);
  CHECK_FALSE(r->has_header("Mcp-Session-Id"));
}

TEST_CASE("http: content negotiation and malformed bodies") {
  HttpHarness h;
  const std::string id = h.open_session();
  auto wrong_type = h.client().Post("/mcp", HttpHarness::with_session(id),
                                    request(1, "ping").dump(), "text/plain");
  REQUIRE(wrong_type);
  CHECK(wrong_type->status == 415);

  httplib::Headers html = {{"Accept", "text/html"}, {"Mcp-Session-Id", id}};
  auto not_acceptable = h.post(request(1, "ping"), html);
  REQUIRE(not_acceptable);
  CHECK(not_acceptable->status == 406);

  auto parse =
      h.client().Post("/mcp", HttpHarness::with_session(id), "{not json", "application/json");
  REQUIRE(parse);
  CHECK(parse->status == 400);
  const json parse_body = json::parse(parse->body);
  CHECK(parse_body["error"]["code"] == -32700);
  CHECK(parse_body["id"].is_null());

  auto batch = h.post(json::array({request(1, "ping")}), HttpHarness::with_session(id));
  REQUIRE(batch);
  CHECK(batch->status == 400);
  CHECK(json::parse(batch->body)["error"]["code"] == -32600);

  // Only text/event-stream accepted: even a ping is answered as a stream.
  httplib::Headers sse_only = {{"Accept", "text/event-stream"}, {"Mcp-Session-Id", id}};
  auto streamed = h.post(request(7, "ping"), sse_only);
  REQUIRE(streamed);
  CHECK(streamed->get_header_value("Content-Type") == "text/event-stream");
  const auto messages = sse_messages(streamed->body);
  REQUIRE(messages.size() == 1);
  CHECK(messages[0]["id"] == 7);
}

TEST_CASE("http: MCP-Protocol-Version is validated") {
  HttpHarness h;
  const std::string id = h.open_session();
  auto bad = h.post(request(1, "ping"),
                    HttpHarness::with_session(id, {{"MCP-Protocol-Version", "1999-01-01"}}));
  REQUIRE(bad);
  CHECK(bad->status == 400);
  CHECK(json::parse(bad->body)["error"]["message"].get<std::string>().find("2025-11-25") !=
        std::string::npos);
  auto good = h.post(request(1, "ping"),
                     HttpHarness::with_session(id, {{"MCP-Protocol-Version", "2025-06-18"}}));
  REQUIRE(good);
  CHECK(good->status == 200);
}

TEST_CASE("http: a server/discover without the modern envelope is refused at once") {
  HttpHarness h;
  auto r = h.post(request("probe", "server/discover"),
                  {{"Accept", "application/json, text/event-stream"},
                   {"MCP-Protocol-Version", "2026-07-28"},
                   {"Mcp-Method", "server/discover"}});
  REQUIRE(r);
  // A modern header on a body without _meta: the envelope is missing (-32602, 400), which a
  // dual-era client does not mistake for a version or header error (-32020..-32022).
  CHECK(r->status == 400);
  const int code = json::parse(r->body)["error"]["code"];
  CHECK((code < -32022 || code > -32020));
  CHECK(code == -32602);
  auto plain = h.post(request("probe", "server/discover"));
  REQUIRE(plain);
  CHECK(plain->status == 400);
  CHECK(json::parse(plain->body)["error"]["code"] == -32601);
}

TEST_CASE("http: progress streams as SSE on the POST; JSON-only clients get just the result") {
  HttpHarness h;
  const std::string id = h.open_session();
  auto r = h.post(tool_call(5, "slow", {{"steps", 3}, {"step_ms", 1}}, {{"progressToken", "p"}}),
                  HttpHarness::with_session(id));
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->get_header_value("Content-Type") == "text/event-stream");
  CHECK(r->get_header_value("X-Accel-Buffering") == "no");
  const auto messages = sse_messages(r->body);
  REQUIRE(messages.size() == 4);
  for (int i = 0; i < 3; ++i)
    CHECK(messages[static_cast<std::size_t>(i)]["method"] == "notifications/progress");
  CHECK(messages[3]["id"] == 5);
  CHECK(messages[3]["result"]["structuredContent"]["completed_steps"] == 3);

  httplib::Headers json_only = {{"Accept", "application/json"}, {"Mcp-Session-Id", id}};
  auto plain = h.post(
      tool_call(6, "slow", {{"steps", 3}, {"step_ms", 1}}, {{"progressToken", "q"}}), json_only);
  REQUIRE(plain);
  CHECK(plain->get_header_value("Content-Type") == "application/json");
  CHECK(json::parse(plain->body)["id"] == 6);
}

TEST_CASE("http: progress is streamed while the call runs, not after it") {
  HttpHarness h;
  const std::string id = h.open_session();
  // A call that would run for hours reports progress every few milliseconds; the first event
  // reaching the client while it still runs proves the stream is live. Then it is cancelled.
  httplib::Request req;
  req.method = "POST";
  req.path = "/mcp";
  req.headers = HttpHarness::with_session(id);
  req.set_header("Content-Type", "application/json");
  req.body =
      tool_call("live", "slow", {{"steps", 1000}, {"step_ms", 50}}, {{"progressToken", 1}}).dump();
  std::string received;
  std::atomic<bool> cancelled{false};
  req.content_receiver = [&](const char* data, std::size_t len, std::uint64_t, std::uint64_t) {
    received.append(data, len);
    if (!cancelled && received.find("notifications/progress") != std::string::npos) {
      cancelled = true;
      auto cancel = h.post({{"jsonrpc", "2.0"},
                            {"method", "notifications/cancelled"},
                            {"params", {{"requestId", "live"}}}},
                           HttpHarness::with_session(id));
      CHECK((cancel && cancel->status == 202));
    }
    return true;
  };
  httplib::Response res;
  httplib::Error error = httplib::Error::Success;
  auto client = h.client();
  REQUIRE(client.send(req, res, error));
  CHECK(cancelled);
  CHECK(res.get_header_value("Content-Type") == "text/event-stream");
  CHECK(received.find("\"result\"") == std::string::npos);  // cancelled: no response
}

TEST_CASE("http: log messages of a call without a progress token arrive before its result") {
  HttpHarness h;
  const std::string id = h.open_session();
  auto r =
      h.post(tool_call(3, "test_tool_with_logging", json::object()), HttpHarness::with_session(id));
  REQUIRE(r);
  CHECK(r->get_header_value("Content-Type") == "text/event-stream");
  const auto messages = sse_messages(r->body);
  REQUIRE(messages.size() == 4);
  for (int i = 0; i < 3; ++i)
    CHECK(messages[static_cast<std::size_t>(i)]["method"] == "notifications/message");
  CHECK(messages[3]["id"] == 3);
}

TEST_CASE("http: concurrent calls; cancellation over a second POST; no response for it") {
  HttpHarness h;
  const std::string id = h.open_session();
  std::atomic<bool> done{false};
  std::string slow_body;
  int slow_status = 0;
  std::thread slow([&] {
    auto r = h.post(tool_call("long", "slow", {{"steps", 1000}, {"step_ms", 60000}}),
                    HttpHarness::with_session(id));
    if (r) {
      slow_status = r->status;
      slow_body = r->body;
    }
    done = true;
  });
  // While it runs, other requests are answered.
  for (int i = 0; i < 5; ++i) {
    auto ping = h.post(request(i, "ping"), HttpHarness::with_session(id));
    REQUIRE(ping);
    CHECK(json::parse(ping->body)["result"] == json::object());
  }
  // The slow POST may not have reached the server yet, and cancelling an unknown id is a no-op
  // by design, so keep cancelling until the call has ended.
  CHECK(eventually([&] {
    auto cancel = h.post({{"jsonrpc", "2.0"},
                          {"method", "notifications/cancelled"},
                          {"params", {{"requestId", "long"}, {"reason", "test"}}}},
                         HttpHarness::with_session(id));
    REQUIRE(cancel);
    CHECK(cancel->status == 202);
    return done.load();
  }));
  slow.join();
  CHECK(done);
  CHECK(slow_body.find("\"result\"") == std::string::npos);
  CHECK((slow_status == 202 || slow_status == 200));
}

TEST_CASE("http: GET opens the session stream; one per session; capped server-wide") {
  HttpOptions o;
  o.max_streams = 1;
  HttpHarness h(o);
  const std::string a = h.open_session();
  const std::string b = h.open_session();
  std::atomic<bool> opened{false};
  std::atomic<bool> release{false};
  std::thread stream([&] {
    auto c = h.client();
    c.Get("/mcp", {{"Accept", "text/event-stream"}, {"Mcp-Session-Id", a}},
          [&](const char* data, std::size_t len) {
            if (std::string(data, len).find(": stream open") != std::string::npos) opened = true;
            return !release.load();
          });
  });
  REQUIRE(eventually([&] { return opened.load(); }));
  auto second = h.client().Get("/mcp", {{"Accept", "text/event-stream"}, {"Mcp-Session-Id", a}});
  REQUIRE(second);
  CHECK(second->status == 409);
  auto capped = h.client().Get("/mcp", {{"Accept", "text/event-stream"}, {"Mcp-Session-Id", b}});
  REQUIRE(capped);
  CHECK(capped->status == 503);
  CHECK(capped->get_header_value("Retry-After") == "5");
  auto wrong_accept =
      h.client().Get("/mcp", {{"Accept", "application/json"}, {"Mcp-Session-Id", b}});
  REQUIRE(wrong_accept);
  CHECK(wrong_accept->status == 406);
  release = true;
  stream.join();
}

TEST_CASE("http: DELETE of a session ends its open stream") {
  HttpHarness h;
  const std::string id = h.open_session();
  std::atomic<bool> opened{false};
  std::thread stream([&] {
    h.client().Get("/mcp", {{"Accept", "text/event-stream"}, {"Mcp-Session-Id", id}},
                   [&](const char* data, std::size_t len) {
                     if (std::string(data, len).find(": stream open") != std::string::npos)
                       opened = true;
                     return true;
                   });
  });
  REQUIRE(eventually([&] { return opened.load(); }));
  auto del = h.client().Delete("/mcp", {{"Mcp-Session-Id", id}});
  REQUIRE(del);
  CHECK(del->status == 200);
  stream.join();  // returns because the server ended the stream
}

TEST_CASE("http: a session notifier reaches the session's GET stream, queued until it opens") {
  // A tool that keeps a notifier for the session that called it, as a subscription would.
  std::mutex mu;
  std::shared_ptr<Notifier> kept;
  HttpHarness h({}, {}, false, [&](ToolRegistry& registry) {
    ToolDefinition keep;
    keep.name = "keep_session";
    keep.title = "Keep session";
    keep.description = "Keeps a notifier for the calling session";
    keep.output_schema = {{"type", "object"}};
    REQUIRE(registry.add(keep, [&](const json&, RequestContext& ctx) {
      std::lock_guard lock(mu);
      kept = std::make_shared<SessionNotifier>(ctx.scope().session);
      return ToolResult::success(json::object());
    }));
  });
  const std::string id = h.open_session();
  auto r = h.post(tool_call(1, "keep_session", json::object()), HttpHarness::with_session(id));
  REQUIRE(r);
  REQUIRE(r->status == 200);
  std::shared_ptr<Notifier> notifier;
  {
    std::lock_guard lock(mu);
    notifier = kept;
  }
  REQUIRE(notifier);
  const json first = {{"jsonrpc", "2.0"},
                      {"method", "notifications/resources/list_changed"},
                      {"params", json::object()}};
  CHECK(notifier->notify(first));  // no stream yet: queued
  std::mutex seen_mu;
  std::string seen;
  std::atomic<bool> release{false};
  std::thread stream([&] {
    h.client().Get("/mcp", {{"Accept", "text/event-stream"}, {"Mcp-Session-Id", id}},
                   [&](const char* data, std::size_t len) {
                     std::lock_guard lock(seen_mu);
                     seen.append(data, len);
                     return !release.load();
                   });
  });
  const auto count = [&](const std::string& what) {
    std::lock_guard lock(seen_mu);
    std::size_t n = 0;
    for (auto at = seen.find(what); at != std::string::npos; at = seen.find(what, at + 1)) ++n;
    return n;
  };
  REQUIRE(eventually([&] { return count("notifications/resources/list_changed") == 1; }));
  CHECK(notifier->notify({{"jsonrpc", "2.0"},
                          {"method", "notifications/resources/updated"},
                          {"params", {{"uri", "nessus://tasks/x/status"}}}}));
  REQUIRE(eventually([&] { return count("nessus://tasks/x/status") == 1; }));
  release = true;
  auto del = h.client().Delete("/mcp", {{"Mcp-Session-Id", id}});
  REQUIRE(del);
  stream.join();
  CHECK_FALSE(notifier->notify(first));  // the session ended
}

TEST_CASE("http: Host and Origin are checked on every request; /health is exempt") {
  HttpHarness h;
  const std::string host_port = "127.0.0.1:" + std::to_string(h.port);
  auto evil = h.post(init_message(), {{"Accept", "application/json, text/event-stream"},
                                      {"Host", "evil.example.com"}});
  REQUIRE(evil);
  CHECK(evil->status == 403);
  auto evil_origin = h.post(init_message(), {{"Accept", "application/json, text/event-stream"},
                                             {"Origin", "http://evil.example.com"}});
  REQUIRE(evil_origin);
  CHECK(evil_origin->status == 403);
  auto null_origin = h.post(
      init_message(), {{"Accept", "application/json, text/event-stream"}, {"Origin", "null"}});
  REQUIRE(null_origin);
  CHECK(null_origin->status == 403);
  auto local = h.post(init_message(), {{"Accept", "application/json, text/event-stream"},
                                       {"Host", "localhost:" + std::to_string(h.port)},
                                       {"Origin", "http://localhost:" + std::to_string(h.port)}});
  REQUIRE(local);
  CHECK(local->status == 200);
  auto sse = h.client().Get("/sse", {{"Host", "evil.example.com"}});
  REQUIRE(sse);
  CHECK(sse->status == 403);
  auto health = h.client().Get("/health", {{"Host", "whatever.example"}});
  REQUIRE(health);
  CHECK(health->status == 200);
  CHECK(json::parse(health->body)["status"] == "ok");
}

TEST_CASE("http: bearer API keys, tenants and tool lists") {
  const std::string red_key = "red-" + nmcp::random_hex(16);
  const std::string blue_key = "blue-" + nmcp::random_hex(16);
  auto keys = ApiKeyStore::parse("red sha256:" + nmcp::sha256_hex(red_key) + "\nblue sha256:" +
                                     nmcp::sha256_hex(blue_key) + " tools=echo\n",
                                 "keys");
  REQUIRE(keys);
  HttpOptions o;
  o.api_keys = nmcp::mcp::ApiKeys::fixed(std::move(*keys));
  HttpHarness h(o);

  auto none = h.post(init_message());
  REQUIRE(none);
  CHECK(none->status == 401);
  CHECK(none->get_header_value("WWW-Authenticate") == R"(Bearer realm="nessus-mcp")");
  auto wrong = h.post(init_message(), {{"Accept", "application/json, text/event-stream"},
                                       {"Authorization", "Bearer nope"}});
  REQUIRE(wrong);
  CHECK(wrong->status == 401);
  CHECK(wrong->get_header_value("WWW-Authenticate").find("invalid_token") != std::string::npos);
  auto basic = h.post(init_message(), {{"Accept", "application/json, text/event-stream"},
                                       {"Authorization", "Basic " + red_key}});
  REQUIRE(basic);
  CHECK(basic->status == 401);

  const std::string red_session = h.open_session({{"Authorization", "Bearer " + red_key}});
  const std::string blue_session = h.open_session({{"Authorization", "bearer " + blue_key}});
  // Blue sees and calls only echo.
  auto blue_tools =
      h.post(request(1, "tools/list"),
             HttpHarness::with_session(blue_session, {{"Authorization", "Bearer " + blue_key}}));
  REQUIRE(blue_tools);
  const json tools = json::parse(blue_tools->body)["result"]["tools"];
  REQUIRE(tools.size() == 1);
  CHECK(tools[0]["name"] == "echo");
  auto blue_slow =
      h.post(tool_call(2, "slow", {{"steps", 1}}),
             HttpHarness::with_session(blue_session, {{"Authorization", "Bearer " + blue_key}}));
  REQUIRE(blue_slow);
  CHECK(json::parse(blue_slow->body)["error"]["code"] == -32602);
  // A session belongs to its tenant: another tenant's key cannot use it.
  auto hijack =
      h.post(request(3, "ping"),
             HttpHarness::with_session(red_session, {{"Authorization", "Bearer " + blue_key}}));
  REQUIRE(hijack);
  CHECK(hijack->status == 404);
  auto health = h.client().Get("/health");
  REQUIRE(health);
  CHECK(health->status == 200);
}

TEST_CASE("http: bodies over the limit are refused with 413, whatever the encoding") {
  HttpOptions o;
  o.max_body_bytes = 4096;
  HttpHarness h(o);
  // Over the limit but within what the server drains (twice the limit), so the client always
  // gets to read the 413; a client sending far more is cut off instead.
  const std::string big = request(1, "ping", {{"pad", std::string(6000, 'x')}}).dump();
  auto sized = h.client().Post("/mcp", kPostHeaders, big, "application/json");
  REQUIRE(sized);
  CHECK(sized->status == 413);
  CHECK(json::parse(sized->body)["error"]["message"].get<std::string>().find("4096") !=
        std::string::npos);
  std::size_t sent = 0;
  auto chunked = h.client().Post(
      "/mcp", kPostHeaders,
      [&](std::size_t, httplib::DataSink& sink) {
        if (sent < big.size()) {
          const std::size_t n = std::min<std::size_t>(1000, big.size() - sent);
          sink.write(big.data() + sent, n);
          sent += n;
        } else {
          sink.done();
        }
        return true;
      },
      "application/json");
  REQUIRE_MESSAGE(chunked, httplib::to_string(chunked.error()));
  CHECK(chunked->status == 413);
}

TEST_CASE("http: stateless mode serves each POST alone; GET and DELETE are 405") {
  HttpOptions o;
  o.stateless = true;
  HttpHarness h(o);
  auto init = h.post(init_message());
  REQUIRE(init);
  CHECK(init->status == 200);
  CHECK_FALSE(init->has_header("Mcp-Session-Id"));
  auto list = h.post(request(1, "tools/list"), {{"Accept", "application/json, text/event-stream"},
                                                {"MCP-Protocol-Version", "2025-06-18"}});
  REQUIRE(list);
  const json tools = json::parse(list->body)["result"]["tools"];
  CHECK(tools.size() == h.registry.entries().size());
  CHECK(tools[0].contains("outputSchema"));  // shaped for the header's version
  auto headerless = h.post(tool_call(2, "echo", {{"text", "x"}}));
  REQUIRE(headerless);
  // Without the header the client is taken to speak 2025-03-26: no structuredContent.
  CHECK_FALSE(json::parse(headerless->body)["result"].contains("structuredContent"));
  auto get = h.client().Get("/mcp", {{"Accept", "text/event-stream"}});
  REQUIRE(get);
  CHECK(get->status == 405);
  auto del = h.client().Delete("/mcp");
  REQUIRE(del);
  CHECK(del->status == 405);
}

TEST_CASE("http: legacy SSE sends the endpoint, answers POSTs with 202 and replies on the stream") {
  HttpHarness h;
  std::string received;
  std::mutex mu;
  std::condition_variable cv;
  std::atomic<bool> release{false};
  std::thread stream([&] {
    h.client().Get("/sse", {{"Accept", "text/event-stream"}},
                   [&](const char* data, std::size_t len) {
                     {
                       std::lock_guard lock(mu);
                       received.append(data, len);
                     }
                     cv.notify_all();
                     return !release.load();
                   });
  });
  auto wait_for = [&](const std::string& needle) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, 10s, [&] { return received.find(needle) != std::string::npos; });
  };
  REQUIRE(wait_for("event: endpoint\ndata: /messages?sessionId="));
  std::string endpoint;
  {
    std::lock_guard lock(mu);
    const auto start = received.find("/messages?sessionId=");
    endpoint = received.substr(start, received.find('\n', start) - start);
  }
  auto post = [&](const json& m) {
    return h.client().Post(endpoint.c_str(), m.dump(), "application/json");
  };
  auto init = post(init_message("2024-11-05"));
  REQUIRE(init);
  CHECK(init->status == 202);
  REQUIRE(wait_for("\"protocolVersion\":\"2024-11-05\""));
  auto call = post(tool_call(9, "echo", {{"text", "over sse"}}));
  REQUIRE(call);
  CHECK(call->status == 202);
  REQUIRE(wait_for("over sse"));
  auto bad =
      h.client().Post("/messages?sessionId=nope", request(1, "ping").dump(), "application/json");
  REQUIRE(bad);
  CHECK(bad->status == 404);
  auto garbage = h.client().Post(endpoint.c_str(), "{", "application/json");
  REQUIRE(garbage);
  CHECK(garbage->status == 400);
  release = true;
  // The client goes away; the next keep-alive fails and the session is removed.
  stream.join();
  CHECK(eventually([&] {
    auto r = post(request(1, "ping"));
    return r && r->status == 404;
  }));
}

TEST_CASE("http: other methods on /mcp are 405 and unknown paths 404") {
  HttpHarness h;
  auto put = h.client().Put("/mcp", "{}", "application/json");
  REQUIRE(put);
  CHECK(put->status == 405);
  CHECK(put->get_header_value("Allow") == "GET, POST, DELETE");
  auto missing = h.client().Get("/nope");
  REQUIRE(missing);
  CHECK(missing->status == 404);
}

TEST_CASE("http: stop() ends open streams and returns") {
  auto h = std::make_unique<HttpHarness>();
  const std::string id = h->open_session();
  std::atomic<bool> opened{false};
  std::thread stream([&] {
    h->client().Get("/mcp", {{"Accept", "text/event-stream"}, {"Mcp-Session-Id", id}},
                    [&](const char* data, std::size_t len) {
                      if (std::string(data, len).find(": stream open") != std::string::npos)
                        opened = true;
                      return true;
                    });
  });
  REQUIRE(eventually([&] { return opened.load(); }));
  h.reset();  // stop() + join; hangs here if streams kept threads busy
  stream.join();
}
