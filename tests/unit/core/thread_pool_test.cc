#include "core/base/thread_pool.h"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <stdexcept>

#include <doctest/doctest.h>

TEST_CASE("ThreadPool: runs every accepted job and drains on shutdown") {
  std::atomic<int> ran{0};
  {
    nmcp::ThreadPool pool("test", 3, 1000);
    for (int i = 0; i < 500; ++i) REQUIRE(pool.try_submit([&] { ++ran; }));
    pool.shutdown();
  }
  CHECK(ran == 500);
}

TEST_CASE("ThreadPool: a full backlog refuses work instead of growing") {
  nmcp::ThreadPool pool("test", 1, 2);
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  bool started = false;
  REQUIRE(pool.try_submit([&] {
    std::unique_lock lock(mu);
    started = true;
    cv.notify_all();
    cv.wait(lock, [&] { return release; });
  }));
  {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return started; });  // the only thread is now busy
  }
  CHECK(pool.try_submit([] {}));
  CHECK(pool.try_submit([] {}));
  CHECK_FALSE(pool.try_submit([] {}));  // backlog of 2 is full
  {
    std::lock_guard lock(mu);
    release = true;
  }
  cv.notify_all();
  pool.shutdown();
  CHECK_FALSE(pool.try_submit([] {}));  // no work after shutdown
}

TEST_CASE("ThreadPool: a throwing job does not kill its thread") {
  std::atomic<int> ran{0};
  nmcp::ThreadPool pool("test", 1, 10);
  REQUIRE(pool.try_submit([] { throw std::runtime_error("boom"); }));
  REQUIRE(pool.try_submit([&] { ++ran; }));
  pool.shutdown();
  CHECK(ran == 1);
}
