#include "mcp/transport/stdio_transport.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <optional>
#include <string>
#include <thread>

#include <doctest/doctest.h>

#include "core/base/thread_pool.h"
#include "mcp/server/notifier.h"
#include "mcp/testtools/fixture_tasks.h"
#include "mcp/testtools/test_tools.h"

using nlohmann::json;
using namespace nmcp::mcp;
using namespace std::chrono_literals;

namespace {

// A StdioTransport on a pair of pipes, running on its own thread.
struct StdioHarness {
  explicit StdioHarness(StdioOptions options = {}, ServerOptions server_options = {})
      : pool("tools", 4, 64) {
    REQUIRE(register_test_tools(registry));
    REQUIRE(tasks.register_tools(registry));
    server = std::make_unique<McpServer>(std::move(server_options), registry, pool);
    server->serve_tasks(tasks);
    std::array<int, 2> in{};
    std::array<int, 2> out{};
    REQUIRE(::pipe2(in.data(), O_CLOEXEC) == 0);
    REQUIRE(::pipe2(out.data(), O_CLOEXEC) == 0);
    to_server = in[1];
    from_server = out[0];
    transport = std::make_unique<StdioTransport>(*server, in[0], out[1], options);
    server_in = in[0];
    server_out = out[1];
    thread = std::thread([this] {
      transport->run();
      finished = true;
    });
  }
  ~StdioHarness() {
    transport->stop();
    if (thread.joinable()) thread.join();
    pool.shutdown();
    for (int fd : {to_server, from_server, server_in, server_out}) {
      if (fd >= 0) ::close(fd);
    }
  }

  void write(const std::string& text) {
    REQUIRE(::write(to_server, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
  }
  void send(const json& m) { write(m.dump() + "\n"); }
  void close_input() {
    ::close(to_server);
    to_server = -1;
  }

  std::optional<json> read(std::chrono::milliseconds timeout = 5000ms) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (const auto nl = buffer.find('\n'); nl != std::string::npos) {
        const std::string line = buffer.substr(0, nl);
        buffer.erase(0, nl + 1);
        return json::parse(line);
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return std::nullopt;
      pollfd p{from_server, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return std::nullopt;
      std::array<char, 4096> chunk{};
      const ssize_t n = ::read(from_server, chunk.data(), chunk.size());
      if (n <= 0) return std::nullopt;
      buffer.append(chunk.data(), static_cast<std::size_t>(n));
    }
  }

  void initialize() {
    send({{"jsonrpc", "2.0"},
          {"id", 0},
          {"method", "initialize"},
          {"params",
           {{"protocolVersion", "2025-11-25"},
            {"capabilities", json::object()},
            {"clientInfo", {{"name", "t"}, {"version", "1"}}}}}});
    REQUIRE(read().value()["id"] == 0);
    send({{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}});
  }

  json slow_call(const json& id, int steps, int step_ms) {
    return {
        {"jsonrpc", "2.0"},
        {"id", id},
        {"method", "tools/call"},
        {"params", {{"name", "slow"}, {"arguments", {{"steps", steps}, {"step_ms", step_ms}}}}}};
  }

  nmcp::ThreadPool pool;
  FixtureTasks tasks;  // greet, slow_compute, ...: the tasks a client may follow
  ToolRegistry registry;
  std::unique_ptr<McpServer> server;
  std::unique_ptr<StdioTransport> transport;
  int to_server = -1, from_server = -1, server_in = -1, server_out = -1;
  std::string buffer;
  std::thread thread;
  std::atomic<bool> finished{false};
};

}  // namespace

TEST_CASE("stdio: one compact message per line, CRLF and blank lines tolerated") {
  StdioHarness h;
  h.initialize();
  h.write("\n   \n{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}\r\n");
  const auto r = h.read();
  REQUIRE(r);
  CHECK((*r)["id"] == 1);
  CHECK((*r)["result"] == json::object());
  // A message split across writes is reassembled.
  h.write("{\"jsonrpc\":\"2.0\",");
  h.write("\"id\":2,\"method\":\"ping\"}\n");
  CHECK(h.read().value()["id"] == 2);
}

TEST_CASE("stdio: a session notifier writes on the output, only once initialized") {
  StdioHarness h;
  SessionNotifier notifier(h.transport->session());
  const json note = {{"jsonrpc", "2.0"},
                     {"method", "notifications/resources/list_changed"},
                     {"params", json::object()}};
  CHECK_FALSE(notifier.notify(note));  // before initialize nothing is sent
  h.initialize();
  CHECK(notifier.notify(note));
  const auto r = h.read();
  REQUIRE(r);
  CHECK(*r == note);
}

TEST_CASE("stdio: a slow tool call does not block ping; cancellation suppresses its response") {
  StdioHarness h;
  h.initialize();
  h.send(h.slow_call("slow-1", 1000, 60000));
  h.send({{"jsonrpc", "2.0"}, {"id", 2}, {"method", "ping"}});
  const auto pong = h.read();
  REQUIRE(pong);
  CHECK((*pong)["id"] == 2);
  h.send({{"jsonrpc", "2.0"},
          {"method", "notifications/cancelled"},
          {"params", {{"requestId", "slow-1"}}}});
  // The next thing on stdout is the answer to this ping, never a response for slow-1.
  h.send({{"jsonrpc", "2.0"}, {"id", 3}, {"method", "ping"}});
  CHECK(h.read().value()["id"] == 3);
  CHECK_FALSE(h.read(200ms).has_value());
}

TEST_CASE("stdio: an over-long line is refused and the stream recovers") {
  StdioOptions options;
  options.max_message_bytes = 1024;
  StdioHarness h(options);
  h.initialize();
  h.write("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":{\"pad\":\"" +
          std::string(5000, 'x') + "\"}}\n");
  const auto error = h.read();
  REQUIRE(error);
  CHECK((*error)["error"]["code"] == -32600);
  CHECK((*error)["id"].is_null());
  h.send({{"jsonrpc", "2.0"}, {"id", 2}, {"method", "ping"}});
  CHECK(h.read().value()["id"] == 2);
}

TEST_CASE("stdio: at end of input in-flight calls still answer, then run() returns") {
  StdioHarness h;
  h.initialize();
  h.send(h.slow_call(7, 3, 20));
  h.write(R"({"jsonrpc":"2.0","id":8,"method":"ping"})");  // last line without a newline
  h.close_input();
  std::set<int> ids;
  for (int i = 0; i < 2; ++i) {
    const auto r = h.read();
    REQUIRE(r);
    ids.insert((*r)["id"].get<int>());
  }
  CHECK(ids == std::set<int>{7, 8});
  h.thread.join();
  CHECK(h.finished);
}

TEST_CASE("stdio: stop() returns promptly even with a long call in flight") {
  StdioHarness h;
  h.initialize();
  h.send(h.slow_call(1, 1000, 60000));
  h.send({{"jsonrpc", "2.0"}, {"id", 2}, {"method", "ping"}});
  REQUIRE(h.read());  // the ping answer: the slow call is surely running by now
  const auto started = std::chrono::steady_clock::now();
  h.transport->stop();
  h.thread.join();
  h.pool.shutdown();  // returns only once the cancelled call has ended
  CHECK(std::chrono::steady_clock::now() - started < 5s);
  CHECK_FALSE(h.read(100ms).has_value());
}

TEST_CASE("stdio: at end of input an open subscription is answered, not left to the drain") {
  StdioOptions options;
  options.drain_timeout = 120s;  // far beyond the read below: only an answer can pass it
  StdioHarness h(options);
  const json meta = {{"io.modelcontextprotocol/protocolVersion", "2026-07-28"},
                     {"io.modelcontextprotocol/clientCapabilities", json::object()}};
  h.send({{"jsonrpc", "2.0"},
          {"id", "listen-1"},
          {"method", "subscriptions/listen"},
          {"params", {{"_meta", meta}, {"notifications", json::object()}}}});
  const auto ack = h.read();
  REQUIRE(ack);
  CHECK((*ack)["method"] == "notifications/subscriptions/acknowledged");
  h.close_input();
  const auto answer = h.read(30s);
  REQUIRE(answer);
  CHECK((*answer)["id"] == "listen-1");
  CHECK((*answer)["result"]["resultType"] == "complete");
  CHECK((*answer)["result"]["_meta"]["io.modelcontextprotocol/subscriptionId"] == "listen-1");
  h.thread.join();
  CHECK(h.finished);
}

TEST_CASE("stdio: a 2025-11-25 task's changes are sent as notifications/tasks/status") {
  ServerOptions server_options;
  server_options.subscription_poll = 20ms;
  StdioHarness h({}, server_options);
  h.initialize();
  h.send({{"jsonrpc", "2.0"},
          {"id", 1},
          {"method", "tools/call"},
          {"params",
           {{"name", "slow_compute"}, {"arguments", {{"seconds", 1}}}, {"task", json::object()}}}});
  const auto created = h.read();
  REQUIRE(created);
  const json task = (*created)["result"]["task"];
  REQUIRE(task["taskId"].is_string());
  CHECK(task["status"] == "working");
  // Every notification names the task; the last one says it completed, and then none follow.
  std::optional<json> note;
  for (int i = 0; i < 10; ++i) {
    note = h.read(30s);
    REQUIRE(note);
    CHECK((*note)["method"] == "notifications/tasks/status");
    CHECK((*note)["params"]["taskId"] == task["taskId"]);
    if ((*note)["params"]["status"] != "working") break;
  }
  CHECK((*note)["params"]["status"] == "completed");
  CHECK((*note)["params"].contains("lastUpdatedAt"));
  // The follower has let go of it: the next message is the answer to this ping.
  h.send({{"jsonrpc", "2.0"}, {"id", 2}, {"method", "ping"}});
  CHECK(h.read().value()["id"] == 2);
}
