// http_storm_bench: how the MCP HTTP front holds up under a connection storm. While idle,
// trickling (slow-header), streaming and pipelining clients hold the server, it measures how
// fast /health (a new connection each time) and a ping from a tenant that takes no part in the
// storm are answered, and reads the server's RSS and thread count from /proc.
//
//   http_storm_bench --port P --pid PID --key TENANT=KEY... --quiet-key KEY
//                    [--idle N] [--trickle N] [--streams N] [--pipelined N] [--samples N]
//                    [--timeout-ms MS] [--storm-seconds S]
//
// Streams (GET /sse) are spread over the --key tenants; the --quiet-key tenant only pings. The
// storm is sampled for at least --storm-seconds (15), past the server's 10 s head deadline, so
// the trickling clients are cut and reconnect while it is measured.
// Prints one JSON line; a sample that gets no answer within --timeout-ms counts as a timeout.

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/raw_http.h"

using nlohmann::json;
using nmcp::testing::RawHttp;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

struct Options {
  int port = 0;
  int pid = 0;
  std::vector<std::pair<std::string, std::string>> keys;  // tenant, key
  std::string quiet_key;
  int idle = 5000;
  int trickle = 5000;
  int streams = 1000;
  int pipelined = 4;
  int samples = 200;
  std::chrono::milliseconds timeout{5000};
  // The storm phase samples for at least this long, so slow clients meet the head deadline.
  std::chrono::seconds storm_seconds{15};
};

std::string post(const json& body, const std::string& key, const std::string& session) {
  const std::string text = body.dump();
  std::string h =
      "POST /mcp HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
      "Accept: application/json, text/event-stream\r\n";
  if (!key.empty()) h += "Authorization: Bearer " + key + "\r\n";
  if (!session.empty()) h += "Mcp-Session-Id: " + session + "\r\n";
  return h + "Content-Length: " + std::to_string(text.size()) + "\r\n\r\n" + text;
}

json ping(int id) { return {{"jsonrpc", "2.0"}, {"id", id}, {"method", "ping"}}; }

// Opens an initialised session on `c`; "" on failure.
std::string open_session(RawHttp& c, const std::string& key) {
  const json init = {{"jsonrpc", "2.0"},
                     {"id", 0},
                     {"method", "initialize"},
                     {"params",
                      {{"protocolVersion", "2025-11-25"},
                       {"capabilities", json::object()},
                       {"clientInfo", {{"name", "storm"}, {"version", "1"}}}}}};
  if (!c.send(post(init, key, ""))) return "";
  auto r = c.read_response(10s);
  if (!r || r->status != 200) return "";
  const std::string id = r->headers["mcp-session-id"];
  c.send(post({{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}}, key, id));
  if (!c.read_response(10s)) return "";
  return id;
}

struct Latency {
  std::vector<double> ms;
  int timeouts = 0;
  json summary() const {
    std::vector<double> s = ms;
    std::sort(s.begin(), s.end());
    const auto at = [&](double q) {
      return s.empty() ? -1.0
                       : s[std::min(s.size() - 1,
                                    static_cast<std::size_t>(q * static_cast<double>(s.size())))];
    };
    return {{"answered", s.size()},
            {"timeouts", timeouts},
            {"p50_ms", at(0.5)},
            {"p99_ms", at(0.99)},
            {"max_ms", s.empty() ? -1.0 : s.back()}};
  }
};

double since_ms(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

json process_figures(int pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  json out = json::object();
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) out["rss_mb"] = std::stol(line.substr(6)) / 1024;
    if (line.rfind("Threads:", 0) == 0) out["threads"] = std::stol(line.substr(8));
  }
  return out;
}

// Measures /health on new connections and pings on the quiet tenant's kept-alive session.
json measure(const Options& o, const std::string& label, std::chrono::seconds at_least) {
  Latency health;
  Latency quiet;
  RawHttp q(o.port);
  const std::string session = open_session(q, o.quiet_key);
  const auto until = Clock::now() + at_least;
  for (int i = 0; i < o.samples || Clock::now() < until; ++i) {
    {
      const auto t = Clock::now();
      RawHttp c(o.port, o.timeout);
      auto r = c.connected() && c.send("GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n")
                   ? c.read_response(o.timeout)
                   : std::nullopt;
      if (r && r->status == 200)
        health.ms.push_back(since_ms(t));
      else
        ++health.timeouts;
    }
    if (!session.empty()) {
      const auto t = Clock::now();
      auto r = q.send(post(ping(i + 1), o.quiet_key, session)) ? q.read_response(o.timeout)
                                                               : std::nullopt;
      if (r && r->status == 200)
        quiet.ms.push_back(since_ms(t));
      else
        ++quiet.timeouts;
    } else {
      ++quiet.timeouts;
    }
    // A storm that freezes the server would make every sample wait the full timeout.
    if (health.timeouts >= 5 && quiet.timeouts >= 5 && health.ms.empty()) break;
  }
  json out = {
      {"phase", label}, {"health", health.summary()}, {"quiet_tenant_ping", quiet.summary()}};
  out.update(process_figures(o.pid));
  return out;
}

int parse(int argc, char** argv, Options& o) {
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    const std::string v = argv[i + 1];
    if (a == "--port")
      o.port = std::stoi(v);
    else if (a == "--pid")
      o.pid = std::stoi(v);
    else if (a == "--key")
      o.keys.emplace_back(v.substr(0, v.find('=')), v.substr(v.find('=') + 1));
    else if (a == "--quiet-key")
      o.quiet_key = v;
    else if (a == "--idle")
      o.idle = std::stoi(v);
    else if (a == "--trickle")
      o.trickle = std::stoi(v);
    else if (a == "--streams")
      o.streams = std::stoi(v);
    else if (a == "--pipelined")
      o.pipelined = std::stoi(v);
    else if (a == "--samples")
      o.samples = std::stoi(v);
    else if (a == "--timeout-ms")
      o.timeout = std::chrono::milliseconds(std::stoi(v));
    else {
      std::cerr << "unknown option " << a << "\n";
      return 2;
    }
  }
  if (o.port == 0 || o.pid == 0 || o.keys.empty() || o.quiet_key.empty()) {
    std::cerr << "usage: http_storm_bench --port P --pid PID --key TENANT=KEY... --quiet-key KEY\n";
    return 2;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (const int rc = parse(argc, argv, o); rc != 0) return rc;
  rlimit rl{};
  getrlimit(RLIMIT_NOFILE, &rl);
  rl.rlim_cur = rl.rlim_max;
  setrlimit(RLIMIT_NOFILE, &rl);

  json report = {{"bench", "http_storm"},
                 {"idle", o.idle},
                 {"trickle", o.trickle},
                 {"streams", o.streams},
                 {"pipelined_clients", o.pipelined}};
  report["quiet"] = measure(o, "quiet", std::chrono::seconds(0));

  std::atomic<bool> stop{false};
  std::vector<std::unique_ptr<RawHttp>> idle;
  for (int i = 0; i < o.idle; ++i) idle.push_back(std::make_unique<RawHttp>(o.port));

  // Trickling clients send one header byte every two seconds and reconnect when dropped.
  std::mutex trickle_mu;
  std::vector<std::unique_ptr<RawHttp>> trickle;
  for (int i = 0; i < o.trickle; ++i) {
    auto c = std::make_unique<RawHttp>(o.port);
    c->send("POST /mcp HTTP/1.1\r\nX-Slow: ");
    trickle.push_back(std::move(c));
  }
  std::atomic<long> trickle_dropped{0};
  std::thread trickler([&] {
    while (!stop) {
      for (auto& c : trickle) {
        if (stop) break;
        if (!c->send("a")) {
          ++trickle_dropped;
          c = std::make_unique<RawHttp>(o.port);
          c->send("POST /mcp HTTP/1.1\r\nX-Slow: ");
        }
      }
      for (int i = 0; i < 20 && !stop; ++i) std::this_thread::sleep_for(100ms);
    }
  });

  // Event streams, spread over the storm tenants.
  std::vector<std::unique_ptr<RawHttp>> streams;
  int streams_open = 0;
  int streams_refused = 0;
  int streams_unanswered = 0;  // in a row: a frozen server is not asked a thousand times
  for (int i = 0; i < o.streams && streams_unanswered < 5; ++i) {
    const auto& [tenant, key] = o.keys[static_cast<std::size_t>(i) % o.keys.size()];
    auto c = std::make_unique<RawHttp>(o.port);
    c->send(
        "GET /sse HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n"
        "Authorization: Bearer " +
        key + "\r\n\r\n");
    auto r = c->read_response(o.timeout);
    if (r && r->status == 200)
      ++streams_open;
    else
      ++streams_refused;
    streams.push_back(std::move(c));
  }

  // Pipelining clients: 16 pings per round, answers checked in order.
  std::atomic<long> pipelined_rounds{0};
  std::atomic<long> pipelined_errors{0};
  std::vector<std::thread> pipeliners;
  for (int p = 0; p < o.pipelined; ++p) {
    pipeliners.emplace_back([&, p] {
      const auto& key = o.keys[static_cast<std::size_t>(p) % o.keys.size()].second;
      RawHttp c(o.port);
      const std::string session = open_session(c, key);
      if (session.empty()) {
        ++pipelined_errors;
        return;
      }
      int next = 1;
      while (!stop) {
        std::string batch;
        for (int k = 0; k < 16; ++k) batch += post(ping(next + k), key, session);
        if (!c.send(batch)) {
          ++pipelined_errors;
          return;
        }
        for (int k = 0; k < 16; ++k) {
          auto r = c.read_response(o.timeout);
          if (!r || json::parse(r->body).value("id", -1) != next + k) {
            ++pipelined_errors;
            return;
          }
        }
        next += 16;
        ++pipelined_rounds;
      }
    });
  }

  report["storm"] = measure(o, "storm", o.storm_seconds);
  report["streams_open"] = streams_open;
  report["streams_refused"] = streams_refused;
  report["trickle_dropped_by_server"] = trickle_dropped.load();
  stop = true;
  trickler.join();
  for (auto& t : pipeliners) t.join();
  report["pipelined_rounds"] = pipelined_rounds.load();
  report["pipelined_errors"] = pipelined_errors.load();
  std::cout << report.dump() << std::endl;
  return 0;
}
