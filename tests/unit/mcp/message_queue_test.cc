#include "mcp/http/message_queue.h"

#include <thread>

#include <doctest/doctest.h>

using nlohmann::json;
using namespace nmcp::mcp;
using std::chrono::milliseconds;

TEST_CASE("MessageQueue: FIFO, bounded (oldest dropped), drained before Closed") {
  MessageQueue q(2);
  CHECK(q.push(1));
  CHECK(q.push(2));
  CHECK(q.push(3));  // drops 1
  CHECK(q.dropped() == 1);
  json m;
  CHECK(q.pop(m, milliseconds(0)) == MessageQueue::Wait::Message);
  CHECK(m == 2);
  q.close();
  CHECK_FALSE(q.push(4));
  CHECK(q.pop(m, milliseconds(0)) == MessageQueue::Wait::Message);
  CHECK(m == 3);
  CHECK(q.pop(m, milliseconds(0)) == MessageQueue::Wait::Closed);
  MessageQueue empty(1);
  CHECK(empty.pop(m, milliseconds(1)) == MessageQueue::Wait::Timeout);
}

TEST_CASE("MessageQueue: close wakes a waiting reader") {
  MessageQueue q(4);
  std::thread closer([&] { q.close(); });
  json m;
  CHECK(q.pop(m, milliseconds(10000)) == MessageQueue::Wait::Closed);
  closer.join();
}

TEST_CASE("BufferedReply: keeps notifications then the response, once") {
  BufferedReply r(true);
  CHECK_FALSE(r.completed());
  r.send({{"n", 1}});
  r.send({{"n", 2}});
  r.complete(json{{"id", 1}});
  r.send({{"n", 3}});                 // after completion: dropped
  r.complete(json{{"id", "again"}});  // second completion: ignored
  CHECK(r.completed());
  REQUIRE(r.notifications().size() == 2);
  CHECK(r.notifications()[1]["n"] == 2);
  CHECK(r.response().value()["id"] == 1);

  BufferedReply quiet(false);
  quiet.send({{"n", 1}});
  quiet.complete(std::nullopt);
  CHECK(quiet.notifications().empty());
  CHECK_FALSE(quiet.response().has_value());
}
