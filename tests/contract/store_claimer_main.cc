// store_claimer: one claiming process for the multi-process contract test. It opens the store
// itself (its own connections, as nessus-worker does), waits for "go" on stdin so that every
// claimer starts together, then claims until nothing is claimable, printing one line per task.
// Usage: store_claimer STORE WORKER NOW INSTANCE=LIMIT[,INSTANCE=LIMIT...]
// Output: "claimed <task id> <instance>" per task, then "done"; exit status 0, or 1 on an error
// other than a busy store (which it retries).
#include <chrono>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>

#include "core/store/open_store.h"
#include "core/store/task_store.h"

int main(int argc, char** argv) {
  using namespace nmcp;
  if (argc != 5) {
    std::cerr << "usage: store_claimer STORE WORKER NOW INSTANCE=LIMIT[,...]\n";
    return 2;
  }
  auto opened = store::open_store(argv[1]);
  if (!opened) {
    std::cerr << "store_claimer: " << opened.error().message << "\n";
    return 1;
  }
  store::ClaimRequest req;
  req.worker = argv[2];
  req.now = std::stoll(argv[3]);
  req.lease_ms = 600'000;
  req.opens_inline_credentials = true;
  std::stringstream slots(argv[4]);
  for (std::string item; std::getline(slots, item, ',');) {
    const auto eq = item.find('=');
    req.pools["default"].push_back({item.substr(0, eq), std::stoi(item.substr(eq + 1))});
  }
  std::string go;
  std::getline(std::cin, go);
  for (int busy = 0;;) {
    auto c = (*opened)->claim(req);
    if (!c) {
      if (c.error().code == ErrorCode::Unavailable && ++busy < 100) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        continue;
      }
      std::cerr << "store_claimer: " << c.error().message << "\n";
      return 1;
    }
    if (!c->has_value()) break;
    std::cout << "claimed " << (*c)->id << " " << (*c)->instance << "\n" << std::flush;
  }
  std::cout << "done\n" << std::flush;
  return 0;
}
