#pragma once
// eventually(): polls a condition until it holds or a generous deadline passes. For waiting on
// something another thread or process makes true (a stream opened, a session expired), never
// for waiting "long enough" on luck.

#include <chrono>
#include <functional>
#include <thread>

namespace nmcp::testing {

inline bool eventually(const std::function<bool()>& condition,
                       std::chrono::milliseconds deadline = std::chrono::milliseconds(10000)) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

}  // namespace nmcp::testing
