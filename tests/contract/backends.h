#pragma once
// The backends the TaskStore contract runs against. Each fixture makes a fresh store in a temp
// dir, opens further connections to it as other processes would, and can make the store busy
// (Unavailable) for the error-contract cases. A backend joins the suite by adding its fixture
// to BACKENDS.

#include <signal.h>

#include <filesystem>
#include <memory>
#include <string>

#include <doctest/doctest.h>

#include "core/config/scanner_config.h"
#include "core/store/open_store.h"
#include "tests/support/eventually.h"
#include "tests/support/redis_server.h"
#include "tests/support/subprocess.h"

namespace nmcp::testing {

// A queued task of `owner` with an idempotency key, as a submit would store it.
inline task::Task keyed_task(const std::string& owner, const std::string& key,
                             task::Millis created) {
  task::Task t;
  t.id = task::new_task_id();
  t.owner = owner;
  t.pool = "default";
  t.targets = "10.0.0.1";
  t.name = "scan " + key;
  t.created_at = created;
  t.not_before = created;
  t.request_hash = "h-" + key;
  t.idempotency_key = key;
  return t;
}

// A claim by worker w1 at `now` of pool default (one instance, room for 100 scans).
inline store::ClaimRequest claim_request(task::Millis now, task::Millis lease_ms = 60'000) {
  store::ClaimRequest r;
  r.worker = "w1";
  r.now = now;
  r.lease_ms = lease_ms;
  r.opens_inline_credentials = true;
  r.pools["default"] = {{"a", 100}};
  return r;
}

// A fresh SQLite store; busy() holds its write lock from another process (the sqlite3 shell).
struct SqliteBackend {
  static constexpr const char* kName = "sqlite";
  TempDir dir;
  std::string path = dir.path() + "/store/tasks.db";
  std::string spec = "sqlite:" + path + "?busy_timeout_ms=200";

  std::unique_ptr<store::TaskStore> open() {
    auto s = store::open_store(spec);
    REQUIRE(s);
    return std::move(*s);
  }

  // While alive, every write to the store fails with Unavailable.
  struct Busy {
    explicit Busy(const std::string& path) : shell({"/usr/bin/sqlite3", path}) {
      shell.write_line(".timeout 0");
      shell.write_line("BEGIN IMMEDIATE;");
      shell.write_line("SELECT 'locked';");
      REQUIRE(shell.read_line(std::chrono::seconds(10)) == "locked");
    }
    Subprocess shell;
  };
  std::unique_ptr<Busy> busy() {
    (void)open();  // the file exists before the shell opens it
    return std::make_unique<Busy>(path);
  }

  // Overwrites the stored record of `id` with text that is not a task, as a disk or an editor
  // would, from outside the store.
  static constexpr const char* kCorruptRecord = "{\"id\": \"half a recor";
  void corrupt(const std::string& id) {
    Subprocess shell({"/usr/bin/sqlite3", path});
    shell.write_line(".timeout 5000");
    shell.write_line("UPDATE tasks SET doc = '" + std::string(kCorruptRecord) + "' WHERE id = '" +
                     id + "';");
    shell.write_line("SELECT changes();");
    REQUIRE(shell.read_line(std::chrono::seconds(10)) == "1");
    shell.close_stdin();
    REQUIRE(shell.wait(std::chrono::seconds(10)) == 0);
  }
};

// A fresh Redis store; open() is another connection pool to it, as another process would have.
struct RedisBackend {
  static constexpr const char* kName = "redis";
  RedisServer server;
  std::string spec = "unix://" + server.socket() + "?timeout_ms=300";

  std::unique_ptr<store::TaskStore> open() {
    auto s = store::open_store(spec);
    REQUIRE(s);
    return std::move(*s);
  }

  struct Busy {
    explicit Busy(RedisServer& s) : server(s) { server.stop_responding(); }
    ~Busy() { server.resume(); }
    RedisServer& server;
  };
  std::unique_ptr<Busy> busy() {
    (void)open();
    return std::make_unique<Busy>(server);
  }

  static constexpr const char* kCorruptRecord = "{\"id\": \"half a recor";
  void corrupt(const std::string& id) {
    REQUIRE(server.cli({"SET", "{nmcp}:t:" + id, kCorruptRecord}) == "OK");
  }
};

// A scanners.yaml with one pool ("default", scope 10.0.0.0/8) and one unreachable instance, in
// `dir`: enough configuration for the jobs that read a ConfigHolder (housekeeping, schedules).
inline std::string minimal_scanner_config(TempDir& dir) {
  return dir.file("scanners.yaml",
                  "pools:\n  default:\n    scope: {allow: [10.0.0.0/8]}\n"
                  "    instances:\n      - id: a\n        url: https://127.0.0.1:1\n"
                  "        auth: {mode: api_keys, access_key: " +
                      std::string(64, 'a') + ", secret_key: " + std::string(64, 'b') +
                      "}\n"
                      "        tls: {insecure: true}\n");
}

// One pool "lab" over 10.0.0.0/8 (at most 1024 addresses a scan) as the default, template
// "basic": what the submit use case needs, without scanners.
inline config::ScannerConfig lab_config() {
  config::ScannerConfig c;
  config::PoolConfig p;
  p.name = "lab";
  p.scope.allow = {*net::Cidr::parse("10.0.0.0/8")};
  p.scope.max_addresses = 1024;
  c.pools.push_back(p);
  c.defaults.pool = "lab";
  c.defaults.template_name = "basic";
  return c;
}

}  // namespace nmcp::testing
