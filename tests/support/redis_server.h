#pragma once
// A real redis-server of the test's own on a Unix socket in a temp dir (AOF on, never
// evicting), for the contract suite, the topology test and the benches. stop_responding()
// freezes the process (SIGSTOP), so commands time out as when Redis is unreachable; restart()
// kills it and starts it again on the same files, as a crash and a restart would.
// Throws std::runtime_error when the server does not come up. Not thread-safe: one thread owns
// it.

#include <signal.h>

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/eventually.h"
#include "tests/support/subprocess.h"

namespace nmcp::testing {

class RedisServer {
 public:
  // appendfsync: "always" makes every acknowledged write survive kill -9 of the server.
  explicit RedisServer(std::string appendfsync = "everysec")
      : appendfsync_(std::move(appendfsync)) {
    start();
  }
  ~RedisServer() { stop(); }
  // kill -9, then the same server again on the same files (the AOF is replayed).
  void restart() {
    stop();
    start();
  }
  // --store for this server.
  std::string spec() const { return "unix://" + socket(); }
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  std::string socket() const { return dir_.path() + "/redis.sock"; }
  void stop_responding() { server_->signal(SIGSTOP); }
  void resume() { server_->signal(SIGCONT); }
  // redis-cli against this server; its first output line.
  std::string cli(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {"/usr/bin/redis-cli", "-s", socket()};
    argv.insert(argv.end(), args.begin(), args.end());
    Subprocess p(argv);
    p.close_stdin();
    auto line = p.read_line(std::chrono::seconds(10));
    (void)p.wait(std::chrono::seconds(10));
    return line.value_or("");
  }

 private:
  void start() {
    server_ = std::make_unique<Subprocess>(std::vector<std::string>{"/usr/bin/redis-server",
                                                                    "--port",
                                                                    "0",
                                                                    "--unixsocket",
                                                                    socket(),
                                                                    "--unixsocketperm",
                                                                    "700",
                                                                    "--dir",
                                                                    dir_.path(),
                                                                    "--appendonly",
                                                                    "yes",
                                                                    "--appendfsync",
                                                                    appendfsync_,
                                                                    "--save",
                                                                    "",
                                                                    "--maxmemory-policy",
                                                                    "noeviction",
                                                                    "--daemonize",
                                                                    "no",
                                                                    "--logfile",
                                                                    dir_.path() + "/redis.log"});
    const bool up =
        eventually([this] { return cli({"PING"}) == "PONG"; }, std::chrono::seconds(20));
    if (!up) throw std::runtime_error("redis-server did not start in " + dir_.path());
  }
  void stop() {
    if (!server_) return;
    server_->signal(SIGCONT);
    server_->signal(SIGKILL);
    (void)server_->wait(std::chrono::seconds(10));
    server_.reset();
  }

  TempDir dir_;
  std::string appendfsync_;
  std::unique_ptr<Subprocess> server_;
};

}  // namespace nmcp::testing
