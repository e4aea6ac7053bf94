// The HTTP front against hostile and careless clients, over real sockets on loopback: slow
// and idle connections, stream floods, pipelining, framing tricks, one tenant crowding out
// another, oversized JSON, and the routes a restricted key may take. Each case failed on the
// thread-per-connection front this replaced.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>
#include <httplib.h>

#include "core/base/crypto.h"
#include "tests/support/eventually.h"
#include "tests/support/http_harness.h"
#include "tests/support/raw_http.h"

using nlohmann::json;
using namespace nmcp::mcp;
using namespace std::chrono_literals;
using nmcp::testing::eventually;
using nmcp::testing::HttpHarness;
using nmcp::testing::init_message;
using nmcp::testing::kPostHeaders;
using nmcp::testing::RawHttp;
using nmcp::testing::request;
using nmcp::testing::tool_call;

namespace {

std::string post_text(const json& body, const std::string& extra = "") {
  const std::string text = body.dump();
  return "POST /mcp HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
         "Accept: application/json, text/event-stream\r\n" +
         extra + "Content-Length: " + std::to_string(text.size()) + "\r\n\r\n" + text;
}

std::string session_header(const std::string& id) { return "Mcp-Session-Id: " + id + "\r\n"; }

json error_of(const std::string& body) { return json::parse(body)["error"]; }

// Two tenants' keys, red unrestricted and blue limited to `blue_tools` (if given).
struct Keys {
  std::string red = "red-" + nmcp::random_hex(16);
  std::string blue = "blue-" + nmcp::random_hex(16);
  std::shared_ptr<ApiKeys> store(const std::string& blue_tools = "") const {
    auto parsed = ApiKeyStore::parse("red sha256:" + nmcp::sha256_hex(red) +
                                         "\nblue sha256:" + nmcp::sha256_hex(blue) +
                                         (blue_tools.empty() ? "" : " tools=" + blue_tools) + "\n",
                                     "keys");
    REQUIRE(parsed);
    return ApiKeys::fixed(std::move(*parsed));
  }
};

httplib::Headers bearer(const std::string& key) { return {{"Authorization", "Bearer " + key}}; }

}  // namespace

TEST_CASE("hardening: idle and trickling connections hold no thread; /health and pings answer") {
  HttpOptions o;
  o.request_threads = 2;
  o.max_request_threads = 4;
  HttpHarness h(o);
  std::vector<std::unique_ptr<RawHttp>> hostile;
  for (int i = 0; i < 300; ++i) {
    auto c = std::make_unique<RawHttp>(h.port);
    REQUIRE(c->connected());
    if (i % 2 == 0) c->send("POST /mcp HTTP/1.1\r\nHo");  // a head that never ends
    hostile.push_back(std::move(c));
  }
  auto health = h.client().Get("/health");
  REQUIRE(health);
  CHECK(health->status == 200);
  const std::string id = h.open_session();
  auto ping = h.post(request(1, "ping"), HttpHarness::with_session(id));
  REQUIRE(ping);
  CHECK(json::parse(ping->body)["result"] == json::object());
}

TEST_CASE("hardening: a request head must arrive whole within the head deadline") {
  HttpOptions o;
  o.head_timeout = 300ms;
  HttpHarness h(o);
  RawHttp slow(h.port);
  REQUIRE(slow.send("GET /health HTTP/1.1\r\nHost: local"));
  CHECK(slow.closed_within(5s));
  RawHttp idle(h.port);  // sends nothing at all
  CHECK(idle.closed_within(5s));
}

TEST_CASE("hardening: a stream flood from one tenant is capped and leaves others served") {
  Keys keys;
  HttpOptions o;
  o.api_keys = keys.store();
  o.max_sessions_per_tenant = 40;
  HttpHarness h(o);
  std::vector<std::unique_ptr<RawHttp>> streams;
  int opened = 0;
  int refused = 0;
  for (int i = 0; i < 60; ++i) {
    auto c = std::make_unique<RawHttp>(h.port);
    REQUIRE(
        c->send("GET /sse HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n"
                "Authorization: Bearer " +
                keys.red + "\r\n\r\n"));
    auto r = c->read_response(5s);  // a stream's head has no Content-Length: parsed as empty
    REQUIRE(r);
    if (r->status == 200) ++opened;
    if (r->status == 429) {
      ++refused;
      CHECK(error_of(r->body)["message"].get<std::string>().find("40 open sessions") !=
            std::string::npos);
    }
    streams.push_back(std::move(c));
  }
  CHECK(opened == 40);
  CHECK(refused == 20);
  // The other tenant still opens a session and is answered at once.
  const std::string blue = h.open_session(bearer(keys.blue));
  auto ping = h.post(request(1, "ping"), HttpHarness::with_session(blue, bearer(keys.blue)));
  REQUIRE(ping);
  CHECK(ping->status == 200);
  auto health = h.client().Get("/health");
  REQUIRE(health);
  CHECK(health->status == 200);
}

TEST_CASE("hardening: pipelined requests are all answered, in order") {
  HttpHarness h;
  const std::string id = h.open_session();
  RawHttp c(h.port);
  REQUIRE(c.send(post_text(request(1, "ping"), session_header(id)) +
                 post_text(request(2, "tools/list"), session_header(id)) +
                 "GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n" +
                 post_text(request(3, "ping"), session_header(id))));
  auto first = c.read_response();
  auto second = c.read_response();
  auto third = c.read_response();
  auto fourth = c.read_response();
  REQUIRE(first);
  REQUIRE(second);
  REQUIRE(third);
  REQUIRE(fourth);
  CHECK(json::parse(first->body)["id"] == 1);
  CHECK(json::parse(second->body)["id"] == 2);
  CHECK(json::parse(second->body)["result"].contains("tools"));
  CHECK(json::parse(third->body)["status"] == "ok");
  CHECK(json::parse(fourth->body)["id"] == 3);
}

TEST_CASE("hardening: framing errors are answered at once, before any body is read") {
  HttpHarness h;
  const std::string head =
      "POST /mcp HTTP/1.1\r\nHost: localhost\r\nContent-Type: "
      "application/json\r\nAccept: application/json\r\n";
  SUBCASE("a declared body over the limit is 413 without sending it") {
    RawHttp c(h.port);
    REQUIRE(c.send(head + "Content-Length: 209715200\r\n\r\n"));
    auto r = c.read_response(5s);
    REQUIRE(r);
    CHECK(r->status == 413);
    CHECK(error_of(r->body)["message"].get<std::string>().find("exceeds the limit") !=
          std::string::npos);
  }
  SUBCASE("a negative or 20-digit Content-Length is 400") {
    for (const char* length : {"-1", "99999999999999999999", "12abc"}) {
      CAPTURE(length);
      RawHttp c(h.port);
      REQUIRE(c.send(head + "Content-Length: " + length + "\r\n\r\n"));
      auto r = c.read_response(5s);
      REQUIRE(r);
      CHECK(r->status == 400);
      CHECK(error_of(r->body)["message"].get<std::string>().find("Content-Length") !=
            std::string::npos);
    }
  }
  SUBCASE("Content-Length with Transfer-Encoding is refused and the connection closed") {
    for (const char* order : {"cl-te", "te-cl"}) {
      CAPTURE(order);
      RawHttp c(h.port);
      const std::string cl = "Content-Length: 5\r\n";
      const std::string te = "Transfer-Encoding: chunked\r\n";
      REQUIRE(c.send(head + (std::string(order) == "cl-te" ? cl + te : te + cl) +
                     "\r\n5\r\nhello\r\n0\r\n\r\n"));
      auto r = c.read_response(5s);
      REQUIRE(r);
      CHECK(r->status == 400);
      CHECK(r->headers["connection"] == "close");
      CHECK(c.closed_within(5s));
    }
  }
  SUBCASE("a head over the header limit is 431") {
    RawHttp c(h.port);
    REQUIRE(c.send(head + "X-Big: " + std::string(64 << 10, 'a') + "\r\n\r\n"));
    auto r = c.read_response(5s);
    REQUIRE(r);
    CHECK(r->status == 431);
  }
  SUBCASE("Expect: 100-continue gets its interim answer, then the real one") {
    const std::string ping = request(1, "ping").dump();
    RawHttp c(h.port);
    REQUIRE(c.send(head + "Expect: 100-continue\r\nContent-Length: " + std::to_string(ping.size()) +
                   "\r\n\r\n"));
    auto interim = c.read_response(5s);
    REQUIRE(interim);
    CHECK(interim->status == 100);
    REQUIRE(c.send(ping));
    auto r = c.read_response(5s);
    REQUIRE(r);
    CHECK(r->status == 400);  // no session: the request was read and answered
    CHECK(error_of(r->body)["message"].get<std::string>().find("Mcp-Session-Id") !=
          std::string::npos);
  }
  SUBCASE("a transfer coding other than chunked is refused") {
    RawHttp c(h.port);
    REQUIRE(c.send(head + "Transfer-Encoding: gzip\r\n\r\n"));
    auto r = c.read_response(5s);
    REQUIRE(r);
    CHECK(r->status == 400);
  }
  SUBCASE("Host must be one printable header naming this server's port") {
    const std::string ping = request(1, "ping").dump();
    const auto with = [&](const std::string& headers) {
      return "POST /mcp HTTP/1.1\r\n" + headers +
             "Content-Type: application/json\r\nAccept: application/json\r\nContent-Length: " +
             std::to_string(ping.size()) + "\r\n\r\n" + ping;
    };
    for (const std::string& headers :
         {std::string("Host: localhost\r\nHost: evil.example\r\n"),
          std::string("Host: local\x01host\r\n"),
          std::string(
              "Host: localhost\r\nOrigin: http://localhost\r\nOrigin: http://evil.example\r\n")}) {
      RawHttp c(h.port);
      REQUIRE(c.send(with(headers)));
      auto r = c.read_response(5s);
      REQUIRE(r);
      CHECK(r->status == 400);
    }
    RawHttp other_port(h.port);
    const int wrong = h.port == 1 ? 2 : 1;
    REQUIRE(other_port.send(with("Host: localhost:" + std::to_string(wrong) + "\r\n")));
    auto r = other_port.read_response(5s);
    REQUIRE(r);
    CHECK(r->status == 403);
    RawHttp right_port(h.port);
    REQUIRE(right_port.send(with("Host: localhost:" + std::to_string(h.port) + "\r\n")));
    auto ok = right_port.read_response(5s);
    REQUIRE(ok);
    CHECK(ok->status != 403);
  }
}

TEST_CASE("hardening: sessions are capped per tenant; uninitialised ones expire quickly") {
  Keys keys;
  HttpOptions o;
  o.api_keys = keys.store();
  o.max_sessions_per_tenant = 3;
  o.unready_session_timeout = 30s;
  nmcp::ManualMonotonic clock;  // session age and the reaper's turns: no real waiting
  o.clock = &clock;
  HttpHarness h(o);
  std::vector<std::string> red;
  for (int i = 0; i < 3; ++i) red.push_back(h.open_session(bearer(keys.red)));
  httplib::Headers red_init = kPostHeaders;
  red_init.emplace("Authorization", "Bearer " + keys.red);
  auto fourth = h.post(init_message(), red_init);
  REQUIRE(fourth);
  CHECK(fourth->status == 429);
  CHECK(error_of(fourth->body)["message"].get<std::string>().find("3 open sessions") !=
        std::string::npos);
  CHECK_FALSE(h.open_session(bearer(keys.blue)).empty());  // blue is not locked out

  // A session whose client never sends notifications/initialized is gone once the unready
  // timeout has passed on the transport's clock and the reaper's turn comes; the initialised
  // ones stay.
  httplib::Headers blue_init = kPostHeaders;
  blue_init.emplace("Authorization", "Bearer " + keys.blue);
  auto half = h.post(init_message(), blue_init);
  REQUIRE(half);
  REQUIRE(half->status == 200);
  const std::string half_id = half->get_header_value("Mcp-Session-Id");
  clock.advance(29'000);
  h.transport->wake_jobs();
  auto young = h.post(request(1, "ping"), HttpHarness::with_session(half_id, bearer(keys.blue)));
  REQUIRE(young);
  CHECK(young->status == 200);  // not yet 30 s old
  clock.advance(8'000);         // past 30 s, and the reaper's next turn (every 7.5 s: 30 s / 4)
  h.transport->wake_jobs();
  CHECK(eventually([&] {
    auto r = h.post(request(1, "ping"), HttpHarness::with_session(half_id, bearer(keys.blue)));
    return r && r->status == 404;
  }));
  auto still = h.post(request(2, "ping"), HttpHarness::with_session(red[0], bearer(keys.red)));
  REQUIRE(still);
  CHECK(still->status == 200);
}

TEST_CASE("hardening: calls in flight are capped per session and per tenant") {
  Keys keys;
  HttpOptions o;
  o.api_keys = keys.store();
  ServerOptions so;
  so.call_limits.per_session = 2;
  so.call_limits.per_tenant = 3;
  HttpHarness h(o, so);
  const std::string s1 = h.open_session(bearer(keys.red));
  const std::string s2 = h.open_session(bearer(keys.red));
  std::vector<std::thread> slow;
  std::atomic<int> finished{0};
  const auto start_slow = [&](const std::string& session, const std::string& id) {
    slow.emplace_back([&, session, id] {
      auto c = h.client();
      c.set_read_timeout(120, 0);  // the client must not leave (that would cancel the call)
      c.Post("/mcp", HttpHarness::with_session(session, bearer(keys.red)),
             tool_call(id, "slow", {{"steps", 1000}, {"step_ms", 50}}).dump(), "application/json");
      ++finished;
    });
  };
  // Each slow call is known to run before the next starts (the server's own count says so).
  const auto running = [&](std::size_t n) {
    return eventually([&] { return h.server->calls_in_flight("red") == n; });
  };
  // Whatever happens below, the slow calls end (cancelled) and their threads are joined.
  struct Cleanup {
    std::function<void()> run;
    ~Cleanup() { run(); }
  } cleanup{[&] {
    for (const auto& [session, id] : {std::pair{s1, "a"}, {s1, "b"}, {s2, "c"}}) {
      h.post({{"jsonrpc", "2.0"},
              {"method", "notifications/cancelled"},
              {"params", {{"requestId", id}}}},
             HttpHarness::with_session(session, bearer(keys.red)));
    }
    for (auto& t : slow) t.join();
  }};
  start_slow(s1, "a");
  REQUIRE(running(1));
  start_slow(s1, "b");
  REQUIRE(running(2));
  // Session 1 is at its cap of 2 while the tenant (2 of 3) is not.
  auto session_cap = h.post(tool_call(10, "echo", {{"text", "x"}}),
                            HttpHarness::with_session(s1, bearer(keys.red)));
  REQUIRE(session_cap);
  CHECK(error_of(session_cap->body)["message"].get<std::string>().find(
            "this session already has 2") != std::string::npos);
  start_slow(s2, "c");
  REQUIRE(running(3));
  // Now the tenant is at its cap of 3, whichever session asks.
  auto tenant_cap = h.post(tool_call(9, "echo", {{"text", "x"}}),
                           HttpHarness::with_session(s2, bearer(keys.red)));
  REQUIRE(tenant_cap);
  CHECK(error_of(tenant_cap->body)["message"].get<std::string>().find(
            "this tenant already has 3") != std::string::npos);
  // Blue is answered at once while red is at its limit.
  const std::string blue = h.open_session(bearer(keys.blue));
  const auto before = std::chrono::steady_clock::now();
  auto echo = h.post(tool_call(1, "echo", {{"text", "hi"}}),
                     HttpHarness::with_session(blue, bearer(keys.blue)));
  REQUIRE(echo);
  CHECK(json::parse(echo->body).contains("result"));
  CHECK(std::chrono::steady_clock::now() - before < 5s);
  cleanup.run();
  cleanup.run = [] {};
  CHECK(finished == 3);
}

TEST_CASE("hardening: a client that disconnects cancels its call") {
  HttpHarness h;
  const std::string id = h.open_session();
  {
    RawHttp c(h.port);
    REQUIRE(c.send(post_text(tool_call("long", "slow", {{"steps", 1000}, {"step_ms", 60000}}),
                             session_header(id))));
    // The server's own count says when the call runs (a probe call would race it for the id).
    REQUIRE(eventually([&] { return h.server->calls_in_flight("local") == 1; }));
  }  // the client goes away
  // Its steps are a minute long: only the cancellation can end it within the deadline.
  CHECK(eventually([&] { return h.server->calls_in_flight("local") == 0; }));
  // The id is free again.
  auto again = h.post(tool_call("long", "echo", {{"text", "x"}}), HttpHarness::with_session(id));
  REQUIRE(again);
  CHECK(again->body.find("already in flight") == std::string::npos);
}

TEST_CASE("hardening: a message with too many JSON values is refused before it is built") {
  HttpHarness h;
  const std::string id = h.open_session();
  std::string many = R"({"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":[)";
  for (int i = 0; i < 200000; ++i) many += i == 0 ? "{}" : ",{}";
  many += "]}}";
  auto r = h.client().Post("/mcp", HttpHarness::with_session(id), many, "application/json");
  REQUIRE(r);
  CHECK(r->status == 400);
  CHECK(error_of(r->body)["code"] == -32700);
  CHECK(error_of(r->body)["message"].get<std::string>().find("more than 100000 JSON values") !=
        std::string::npos);
}

TEST_CASE("hardening: a key limited with tools= reads only the resources of its tools") {
  Keys keys;
  HttpOptions o;
  o.api_keys = keys.store("slow");  // blue may call slow, not echo (the fixture's resources)
  HttpHarness h(o, {}, /*with_resources=*/true);
  const std::string red = h.open_session(bearer(keys.red));
  const std::string blue = h.open_session(bearer(keys.blue));
  const auto call = [&](const std::string& session, const std::string& key, const json& msg) {
    auto r = h.post(msg, HttpHarness::with_session(session, bearer(key)));
    REQUIRE(r);
    return json::parse(r->body);
  };
  CHECK(call(red, keys.red, request(1, "resources/list"))["result"]["resources"].size() == 2);
  CHECK(call(blue, keys.blue, request(1, "resources/list"))["result"]["resources"].empty());
  CHECK(call(blue, keys.blue, request(2, "resources/templates/list"))["result"]["resourceTemplates"]
            .empty());
  const json read = request(3, "resources/read", {{"uri", "test://static-text"}});
  CHECK(call(red, keys.red, read)["result"]["contents"].size() == 1);
  const json denied = call(blue, keys.blue, read)["error"];
  CHECK(denied["code"] == -32602);
  CHECK(denied["message"].get<std::string>().find("does not include echo") != std::string::npos);
  // Refused before the read: an unknown URI of the same kind gets the same answer.
  const json unknown =
      call(blue, keys.blue, request(4, "resources/read", {{"uri", "test://template/nope/x"}}));
  CHECK(unknown["error"]["code"] == -32602);
}

TEST_CASE("hardening: protocol strictness") {
  HttpHarness h;
  const std::string id = h.open_session();
  const auto send = [&](const std::string& text) {
    auto r = h.client().Post("/mcp", HttpHarness::with_session(id), text, "application/json");
    REQUIRE(r);
    return json::parse(r->body);
  };
  const json both = send(R"({"jsonrpc":"2.0","id":1,"method":"ping","result":{}})");
  CHECK(both["error"]["code"] == -32600);
  const json notification_with_id =
      send(R"({"jsonrpc":"2.0","id":2,"method":"notifications/initialized"})");
  CHECK(notification_with_id["error"]["code"] == -32600);
  CHECK(notification_with_id["error"]["message"].get<std::string>().find("without an \"id\"") !=
        std::string::npos);
  const json huge_id = send(R"({"jsonrpc":"2.0","id":18446744073709551616,"method":"ping"})");
  CHECK(huge_id["error"]["code"] == -32600);
  CHECK(huge_id["error"]["message"].get<std::string>().find("outside the 64-bit range") !=
        std::string::npos);
}

TEST_CASE("hardening: a long resource URI is not echoed in full") {
  HttpHarness h({}, {}, /*with_resources=*/true);
  const std::string id = h.open_session();
  const std::string uri = "test://" + std::string(1 << 20, 'a');
  auto r = h.post(request(1, "resources/read", {{"uri", uri}}), HttpHarness::with_session(id));
  REQUIRE(r);
  CHECK(r->body.size() < 2000);
  CHECK(error_of(r->body)["code"] == -32002);
}

TEST_CASE("hardening: stateless mode serves no legacy SSE, and says what to use") {
  HttpOptions o;
  o.stateless = true;
  HttpHarness h(o);
  auto sse = h.client().Get("/sse", {{"Accept", "text/event-stream"}});
  REQUIRE(sse);
  CHECK(sse->status == 404);
  CHECK(error_of(sse->body)["message"].get<std::string>().find("POST /mcp") != std::string::npos);
  auto messages = h.client().Post("/messages?sessionId=x", "{}", "application/json");
  REQUIRE(messages);
  CHECK(messages->status == 404);
}

namespace {

// A legacy SSE session: the GET /sse stream read on a thread, and POSTs to its endpoint.
class LegacySession {
 public:
  LegacySession(const HttpHarness& h, const std::string& key) : h_(h), key_(key) {
    reader_ = std::thread([this] {
      h_.client().Get("/sse",
                      {{"Accept", "text/event-stream"}, {"Authorization", "Bearer " + key_}},
                      [this](const char* data, std::size_t len) {
                        {
                          std::lock_guard lock(mu_);
                          received_.append(data, len);
                        }
                        cv_.notify_all();
                        return !release_.load();
                      });
    });
    REQUIRE(wait_for("/messages?sessionId="));
    std::lock_guard lock(mu_);
    const auto start = received_.find("/messages?sessionId=");
    endpoint_ = received_.substr(start, received_.find('\n', start) - start);
  }
  ~LegacySession() {
    release_ = true;  // the next keep-alive event ends the read (the harness sends one each 50 ms)
    reader_.join();
  }
  void post(const json& m) {
    h_.client().Post(endpoint_.c_str(), {{"Authorization", "Bearer " + key_}}, m.dump(),
                     "application/json");
  }
  bool wait_for(const std::string& needle, std::size_t count = 1) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, 10s, [&] { return occurrences(needle) >= count; });
  }

 private:
  std::size_t occurrences(const std::string& needle) const {
    std::size_t n = 0;
    for (auto p = received_.find(needle); p != std::string::npos; p = received_.find(needle, p + 1))
      ++n;
    return n;
  }
  const HttpHarness& h_;
  const std::string key_;
  std::thread reader_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::string received_;
  std::string endpoint_;
  std::atomic<bool> release_{false};
};

}  // namespace

TEST_CASE("hardening: on legacy SSE one tenant's flood of calls does not make others busy") {
  Keys keys;
  HttpOptions o;
  o.api_keys = keys.store();
  ServerOptions so;
  so.call_limits.per_tenant = 3;
  HttpHarness h(o, so);
  LegacySession red(h, keys.red);
  red.post(init_message("2024-11-05"));
  REQUIRE(red.wait_for("protocolVersion"));
  for (int i = 0; i < 40; ++i) {
    red.post(tool_call(100 + i, "slow", {{"steps", 1000}, {"step_ms", 60000}}));
  }
  CHECK(red.wait_for("this tenant already has 3", 37));
  LegacySession blue(h, keys.blue);
  blue.post(init_message("2024-11-05"));
  REQUIRE(blue.wait_for("protocolVersion"));
  blue.post(tool_call(1, "echo", {{"text", "blue is served"}}));
  CHECK(blue.wait_for("blue is served"));
  for (int i = 0; i < 3; ++i) {
    red.post({{"jsonrpc", "2.0"},
              {"method", "notifications/cancelled"},
              {"params", {{"requestId", 100 + i}}}});
  }
}

TEST_CASE("hardening: over TLS a client that never says hello is cut at the head deadline") {
  const std::string dir = "/tmp/nmcp-tls-" + nmcp::random_hex(8);
  const std::string cert = dir + "/cert.pem";
  const std::string key = dir + "/key.pem";
  REQUIRE(
      std::system(("mkdir -p " + dir + " && openssl req -x509 -newkey rsa:2048 -nodes -keyout " +
                   key + " -out " + cert + " -days 1 -subj /CN=localhost >/dev/null 2>&1")
                      .c_str()) == 0);
  HttpOptions o;
  o.tls_cert_file = cert;
  o.tls_key_file = key;
  o.head_timeout = 300ms;
  {
    HttpHarness h(o);
    RawHttp silent(h.port);  // TCP only: no ClientHello ever comes
    CHECK(silent.closed_within(5s));
    httplib::SSLClient tls("127.0.0.1", h.port);
    tls.enable_server_certificate_verification(false);
    auto health = tls.Get("/health");
    REQUIRE(health);
    CHECK(health->status == 200);
  }
  std::system(("rm -rf " + dir).c_str());
}
