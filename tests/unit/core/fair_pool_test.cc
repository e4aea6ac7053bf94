#include "core/base/fair_pool.h"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "tests/support/eventually.h"

using nmcp::FairPool;
using nmcp::testing::eventually;

namespace {

// Holds every job that enters until open() is called.
class Gate {
 public:
  void wait() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return open_; });
  }
  void open() {
    {
      std::lock_guard lock(mu_);
      open_ = true;
    }
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

}  // namespace

TEST_CASE("FairPool: lanes take turns, so a long backlog does not delay another lane") {
  FairPool pool("test", 1, 1, 100, 1000);
  Gate gate;
  std::mutex mu;
  std::vector<std::string> order;
  REQUIRE(pool.try_submit("block", [&] { gate.wait(); }) == FairPool::Submitted::Yes);
  const auto job = [&](std::string name) {
    return [&, name] {
      std::lock_guard lock(mu);
      order.push_back(name);
    };
  };
  for (int i = 0; i < 5; ++i)
    REQUIRE(pool.try_submit("red", job("red")) == FairPool::Submitted::Yes);
  REQUIRE(pool.try_submit("blue", job("blue")) == FairPool::Submitted::Yes);
  gate.open();
  CHECK(eventually([&] {
    std::lock_guard lock(mu);
    return order.size() == 6;
  }));
  // Red was first in line, then blue: blue waited for one red job, not five.
  CHECK(order[0] == "red");
  CHECK(order[1] == "blue");
}

TEST_CASE("FairPool: each lane's backlog and the total are bounded") {
  FairPool pool("test", 1, 1, 2, 3);
  Gate gate;
  REQUIRE(pool.try_submit("a", [&] { gate.wait(); }) == FairPool::Submitted::Yes);
  CHECK(eventually([&] { return pool.queued() == 0; }));
  CHECK(pool.try_submit("a", [] {}) == FairPool::Submitted::Yes);
  CHECK(pool.try_submit("a", [] {}) == FairPool::Submitted::Yes);
  CHECK(pool.try_submit("a", [] {}) == FairPool::Submitted::LaneFull);
  CHECK(pool.try_submit("b", [] {}) == FairPool::Submitted::Yes);
  CHECK(pool.try_submit("c", [] {}) == FairPool::Submitted::PoolFull);
  gate.open();
  pool.shutdown();
  CHECK(pool.try_submit("a", [] {}) == FairPool::Submitted::Stopping);
}

TEST_CASE("FairPool: grows while every thread is blocked, up to its maximum, then shrinks") {
  FairPool pool("test", 1, 3, 100, 1000, std::chrono::milliseconds(50));
  Gate gate;
  std::atomic<int> started{0};
  for (int i = 0; i < 5; ++i) {
    REQUIRE(pool.try_submit("lane" + std::to_string(i), [&] {
      ++started;
      gate.wait();
    }) == FairPool::Submitted::Yes);
  }
  CHECK(eventually([&] { return started == 3; }));
  CHECK(pool.threads() == 3);
  gate.open();
  CHECK(eventually([&] { return started == 5; }));
  CHECK(eventually([&] { return pool.threads() == 1; }));
}
