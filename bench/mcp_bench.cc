// mcp_bench: measures an MCP server from the outside, the same way for any server, so that
// nessus-mcp and a peer built on the official TypeScript SDK are compared like for like.
//
//   mcp_bench stdio-latency    [--calls N] -- CMD [ARGS...]
//   mcp_bench stdio-throughput [--calls N] [--window W] -- CMD [ARGS...]
//   mcp_bench startup          [--runs R] -- CMD [ARGS...]
//   mcp_bench http-latency     --url URL [--calls N] [--era legacy|modern]
//   mcp_bench http-throughput  --url URL [--calls N] [--connections C] [--era legacy|modern]
//
// Over HTTP, --era legacy (the default) opens a 2025-11-25 session first and sends its id with
// every call; --era modern sends MCP 2026-07-28 requests: no session, each call with its
// version and capabilities in _meta and the MCP-Protocol-Version, Mcp-Method and Mcp-Name
// headers.
//
// Every scenario calls the tool "echo" with {"text": ...} and prints one JSON line with the
// call count, wall time, calls per second and latency percentiles in microseconds.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "tests/support/subprocess.h"

using nlohmann::json;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

struct Options {
  std::string scenario;
  std::string url;
  std::size_t calls = 10000;
  std::size_t window = 64;
  std::size_t connections = 8;
  std::size_t runs = 30;
  bool modern = false;
  std::vector<std::string> command;
};

[[noreturn]] void die(const std::string& message) {
  std::cerr << "mcp_bench: " << message << "\n";
  std::exit(2);
}

Options parse(int argc, char** argv) {
  Options o;
  if (argc < 2) die("usage: mcp_bench SCENARIO [options] [-- CMD ARGS...]");
  o.scenario = argv[1];
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) die(a + " needs a value");
      return argv[++i];
    };
    if (a == "--") {
      for (++i; i < argc; ++i) o.command.emplace_back(argv[i]);
    } else if (a == "--url") {
      o.url = next();
    } else if (a == "--calls") {
      o.calls = std::stoul(next());
    } else if (a == "--window") {
      o.window = std::stoul(next());
    } else if (a == "--connections") {
      o.connections = std::stoul(next());
    } else if (a == "--runs") {
      o.runs = std::stoul(next());
    } else if (a == "--era") {
      const std::string era = next();
      if (era != "legacy" && era != "modern") die("--era is legacy or modern");
      o.modern = era == "modern";
    } else {
      die("unknown option " + a);
    }
  }
  return o;
}

json init_request() {
  return {{"jsonrpc", "2.0"},
          {"id", 0},
          {"method", "initialize"},
          {"params",
           {{"protocolVersion", "2025-11-25"},
            {"capabilities", json::object()},
            {"clientInfo", {{"name", "mcp_bench"}, {"version", "1"}}}}}};
}

std::string echo_call(std::size_t id, bool modern = false) {
  json params = {{"name", "echo"}, {"arguments", {{"text", "benchmark payload"}}}};
  if (modern) {
    params["_meta"] = {{"io.modelcontextprotocol/protocolVersion", "2026-07-28"},
                       {"io.modelcontextprotocol/clientCapabilities", json::object()}};
  }
  return json{{"jsonrpc", "2.0"}, {"id", id}, {"method", "tools/call"}, {"params", params}}.dump();
}

bool ok_result(const json& r) {
  return r.contains("result") && !r["result"].value("isError", false);
}

void report(const std::string& scenario, std::vector<double> latencies_us, double seconds,
            std::size_t errors) {
  std::sort(latencies_us.begin(), latencies_us.end());
  auto pct = [&](double p) {
    if (latencies_us.empty()) return 0.0;
    const auto idx = static_cast<std::size_t>(p * static_cast<double>(latencies_us.size() - 1));
    return latencies_us[idx];
  };
  const json out = {
      {"scenario", scenario},
      {"calls", latencies_us.size()},
      {"errors", errors},
      {"seconds", seconds},
      {"calls_per_sec", seconds > 0 ? static_cast<double>(latencies_us.size()) / seconds : 0},
      {"p50_us", pct(0.50)},
      {"p99_us", pct(0.99)},
      {"max_us", latencies_us.empty() ? 0.0 : latencies_us.back()}};
  std::cout << out.dump() << std::endl;
}

double micros(Clock::duration d) { return std::chrono::duration<double, std::micro>(d).count(); }

// Starts the server and completes the handshake.
std::unique_ptr<nmcp::testing::Subprocess> start_stdio(const Options& o) {
  if (o.command.empty()) die("stdio scenarios need -- CMD");
  auto p = std::make_unique<nmcp::testing::Subprocess>(o.command);
  p->write_line(init_request().dump());
  if (!p->read_line(30s)) die("no initialize response");
  p->write_line(R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
  return p;
}

void stdio_latency(const Options& o) {
  auto p = start_stdio(o);
  std::vector<double> lat;
  lat.reserve(o.calls);
  std::size_t errors = 0;
  const auto begin = Clock::now();
  for (std::size_t i = 1; i <= o.calls; ++i) {
    const auto t0 = Clock::now();
    p->write_line(echo_call(i));
    const auto line = p->read_line(30s);
    if (!line) die("stdio server stopped answering");
    lat.push_back(micros(Clock::now() - t0));
    if (!ok_result(json::parse(*line))) ++errors;
  }
  report("stdio-latency", std::move(lat),
         std::chrono::duration<double>(Clock::now() - begin).count(), errors);
}

// Keeps `window` calls in flight: a writer thread sends while the window has room, the reader
// matches responses to send times by id.
void stdio_throughput(const Options& o) {
  auto p = start_stdio(o);
  std::vector<Clock::time_point> sent(o.calls + 1);
  std::vector<double> lat;
  lat.reserve(o.calls);
  std::mutex mu;
  std::condition_variable cv;
  std::size_t in_flight = 0;
  std::size_t errors = 0;
  const auto begin = Clock::now();
  std::thread writer([&] {
    std::string batch;
    for (std::size_t i = 1; i <= o.calls; ++i) {
      {
        std::unique_lock lock(mu);
        cv.wait(lock, [&] { return in_flight < o.window; });
        ++in_flight;
        sent[i] = Clock::now();
      }
      p->write_line(echo_call(i));
    }
  });
  for (std::size_t n = 0; n < o.calls; ++n) {
    const auto line = p->read_line(30s);
    if (!line) die("stdio server stopped answering");
    const auto now = Clock::now();
    const json r = json::parse(*line);
    if (!ok_result(r)) ++errors;
    std::lock_guard lock(mu);
    lat.push_back(micros(now - sent[r["id"].get<std::size_t>()]));
    --in_flight;
    cv.notify_one();
  }
  writer.join();
  report("stdio-throughput", std::move(lat),
         std::chrono::duration<double>(Clock::now() - begin).count(), errors);
}

// Time from spawning the server to its initialize response, over several runs.
void startup(const Options& o) {
  if (o.command.empty()) die("startup needs -- CMD");
  std::vector<double> lat;
  const auto begin = Clock::now();
  for (std::size_t r = 0; r < o.runs; ++r) {
    const auto t0 = Clock::now();
    nmcp::testing::Subprocess p(o.command);
    p.write_line(init_request().dump());
    if (!p.read_line(30s)) die("no initialize response");
    lat.push_back(micros(Clock::now() - t0));
    p.close_stdin();
    p.wait(10s);
  }
  report("startup", std::move(lat), std::chrono::duration<double>(Clock::now() - begin).count(), 0);
}

struct HttpTarget {
  std::string host;
  int port = 0;
  std::string path;
};

HttpTarget parse_url(const std::string& url) {
  const std::string prefix = "http://";
  if (url.rfind(prefix, 0) != 0) die("--url must start with http://");
  const auto slash = url.find('/', prefix.size());
  const std::string authority = url.substr(prefix.size(), slash - prefix.size());
  const auto colon = authority.rfind(':');
  return {authority.substr(0, colon), std::stoi(authority.substr(colon + 1)),
          slash == std::string::npos ? "/" : url.substr(slash)};
}

httplib::Headers base_headers(bool modern = false) {
  if (modern) {
    return {{"Accept", "application/json, text/event-stream"},
            {"MCP-Protocol-Version", "2026-07-28"},
            {"Mcp-Method", "tools/call"},
            {"Mcp-Name", "echo"}};
  }
  return {{"Accept", "application/json, text/event-stream"},
          {"MCP-Protocol-Version", "2025-11-25"}};
}

// Parses a JSON body or the last data: line of an event stream.
json response_json(const std::string& body) {
  const auto pos = body.rfind("data: ");
  if (pos == std::string::npos) return json::parse(body, nullptr, false);
  const auto end = body.find('\n', pos);
  return json::parse(body.substr(pos + 6, end - pos - 6), nullptr, false);
}

std::string http_session(const HttpTarget& t) {
  httplib::Client c(t.host, t.port);
  auto r = c.Post(t.path.c_str(), base_headers(), init_request().dump(), "application/json");
  if (!r || r->status != 200) die("initialize over HTTP failed");
  const std::string id = r->get_header_value("Mcp-Session-Id");
  auto h = base_headers();
  if (!id.empty()) h.emplace("Mcp-Session-Id", id);
  c.Post(t.path.c_str(), h, R"({"jsonrpc":"2.0","method":"notifications/initialized"})",
         "application/json");
  return id;
}

// `connections` clients, each with its own keep-alive connection, calling back to back.
void http_run(const Options& o, std::size_t connections, const std::string& scenario) {
  const HttpTarget t = parse_url(o.url);
  const std::string session = o.modern ? std::string() : http_session(t);
  std::vector<std::vector<double>> per_thread(connections);
  std::atomic<std::size_t> next{1};
  std::atomic<std::size_t> errors{0};
  std::mutex first_error_mu;
  std::string first_error;
  const auto begin = Clock::now();
  std::vector<std::thread> threads;
  for (std::size_t c = 0; c < connections; ++c) {
    threads.emplace_back([&, c] {
      httplib::Client client(t.host, t.port);
      client.set_keep_alive(true);
      client.set_tcp_nodelay(true);
      client.set_read_timeout(30, 0);
      auto h = base_headers(o.modern);
      if (!session.empty()) h.emplace("Mcp-Session-Id", session);
      for (std::size_t id = next++; id <= o.calls; id = next++) {
        const auto t0 = Clock::now();
        auto r = client.Post(t.path.c_str(), h, echo_call(id, o.modern), "application/json");
        per_thread[c].push_back(micros(Clock::now() - t0));
        if (!r || r->status != 200 || !ok_result(response_json(r->body))) {
          if (errors++ == 0) {
            std::lock_guard lock(first_error_mu);
            first_error = r ? std::to_string(r->status) + " " + r->body.substr(0, 200)
                            : httplib::to_string(r.error());
          }
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  std::vector<double> all;
  for (auto& v : per_thread) all.insert(all.end(), v.begin(), v.end());
  report(scenario, std::move(all), std::chrono::duration<double>(Clock::now() - begin).count(),
         errors);
  if (!first_error.empty()) std::cerr << "mcp_bench: first error: " << first_error << "\n";
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  if (o.scenario == "stdio-latency") {
    stdio_latency(o);
  } else if (o.scenario == "stdio-throughput") {
    stdio_throughput(o);
  } else if (o.scenario == "startup") {
    startup(o);
  } else if (o.scenario == "http-latency") {
    http_run(o, 1, o.modern ? "http-latency-modern" : "http-latency");
  } else if (o.scenario == "http-throughput") {
    http_run(o, o.connections, o.modern ? "http-throughput-modern" : "http-throughput");
  } else {
    die("unknown scenario " + o.scenario);
  }
  return 0;
}
