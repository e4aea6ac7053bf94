// The estate's feed (core/estate_feed) on every task store backend: completed scans folded in
// once each, in the order their scans ran even when they finish in another, tenant by tenant;
// tasks without results passed over; a second tick folds nothing again.
#include "core/estate_feed/estate_feed.h"

#include <filesystem>

#include <doctest/doctest.h>

#include "core/findings/index_writer.h"
#include "core/findings/results_location.h"
#include "tests/contract/backends.h"

using namespace nmcp;
using testing::RedisBackend;
using testing::SqliteBackend;

#define BACKENDS SqliteBackend, RedisBackend

namespace {

constexpr task::Millis T0 = 1'700'000'000'000;

store::ClaimRequest claim_at(task::Millis now) { return testing::claim_request(now, 600'000); }

// A findings index for `task_id`: one host (web01, logged in) with these plugins on port 22.
void write_index(const std::string& data_dir, const std::string& task_id,
                 const std::vector<int>& plugins) {
  auto paths = findings::results_paths(data_dir, task_id);
  REQUIRE(paths);
  std::filesystem::create_directories(paths->dir);
  auto writer = findings::IndexWriter::create(paths->index_file);
  REQUIRE(writer);
  (*writer)->begin_host();
  for (const int plugin : plugins) {
    findings::PluginVariant v;
    v.plugin_id = plugin;
    v.name = "plugin " + std::to_string(plugin);
    v.family = "Misc.";
    auto ref = (*writer)->add_plugin(v, static_cast<std::uint64_t>(plugin));
    REQUIRE(ref);
    findings::FindingRecord f;
    f.port = 22;
    f.protocol = "tcp";
    f.severity = 3;
    REQUIRE((*writer)->add_finding(*ref, f));
  }
  findings::HostRecord host;
  host.name = "10.0.0.5";
  host.ip = "10.0.0.5";
  host.fqdn = "web01.corp";
  host.credential_status = "success";
  REQUIRE((*writer)->end_host(host));
  REQUIRE((*writer)->finish({{"scan_name", task_id}}));
}

}  // namespace

TEST_CASE_TEMPLATE("estate feed: completed scans folded once each, in the order they ran", B,
                   BACKENDS) {
  B backend;
  auto s = backend.open();
  testing::TempDir data;
  const auto submit = [&](const std::string& owner, const std::string& key, task::Millis at) {
    auto r = s->submit(testing::keyed_task(owner, key, at));
    REQUIRE(r);
    return r->task.id;
  };
  const auto claim = [&](const std::string& id, task::Millis at) {
    auto c = s->claim(claim_at(at));
    REQUIRE(c);
    REQUIRE(c->has_value());
    REQUIRE((*c)->id == id);
    return store::lease_of(**c);
  };
  // The first scan starts first and finishes last; the second finds plugin 200 gone.
  const std::string first = submit("team-a", "first", T0 + 1);
  const std::string second = submit("team-a", "second", T0 + 2);
  const std::string other = submit("team-b", "other", T0 + 3);
  const std::string bare = submit("team-a", "bare", T0 + 4);
  const auto first_lease = claim(first, T0 + 10);
  const auto second_lease = claim(second, T0 + 20);
  REQUIRE(s->finish(second, second_lease, task::State::Completed, {}, T0 + 50));
  REQUIRE(s->finish(first, first_lease, task::State::Completed, {}, T0 + 100));
  REQUIRE(s->finish(other, claim(other, T0 + 30), task::State::Completed, {}, T0 + 60));
  REQUIRE(s->finish(bare, claim(bare, T0 + 40), task::State::Completed, {}, T0 + 70));
  write_index(data.path(), first, {100, 200});
  write_index(data.path(), second, {100});
  write_index(data.path(), other, {100, 200});

  auto estate = estate::SqliteEstate::open(data.path() + "/estate.db");
  REQUIRE(estate);
  estate_feed::EstateFeed feed(*s, **estate, data.path(), 2);  // several pages
  auto tick = feed.tick();
  REQUIRE(tick);
  CHECK(tick->folded == 3);
  CHECK(tick->no_results == 1);
  CHECK(tick->failed == 0);

  // team-a: the first scan (run first, folded last) saw 200, the second did not: fixed.
  const auto a = *(*estate)->findings("team-a");
  REQUIRE(a.size() == 2);
  for (const auto& f : a) {
    CAPTURE(f.plugin_id);
    CHECK(f.state ==
          (f.plugin_id == 200 ? estate::FindingState::Fixed : estate::FindingState::Open));
  }
  // team-b's scan is its own.
  const auto b = *(*estate)->findings("team-b");
  REQUIRE(b.size() == 2);
  for (const auto& f : b) CHECK(f.state == estate::FindingState::Open);

  // Nothing new: nothing folded again.
  tick = feed.tick();
  REQUIRE(tick);
  CHECK(tick->folded == 0);
  // A scan that completes later is folded at the next tick.
  const std::string third = submit("team-a", "third", T0 + 200);
  REQUIRE(s->finish(third, claim(third, T0 + 210), task::State::Completed, {}, T0 + 300));
  write_index(data.path(), third, {100, 200});
  tick = feed.tick();
  REQUIRE(tick);
  CHECK(tick->folded == 1);
  const auto after = *(*estate)->findings("team-a");
  for (const auto& f : after) {
    if (f.plugin_id == 200) CHECK(f.state == estate::FindingState::Reopened);
  }
}
