// The estate's rules (core/estate): when an absence proves a fix, a finding's state over time
// from its observations in any order, and the same host across scans.
#include <algorithm>
#include <random>

#include <doctest/doctest.h>

#include "core/estate/asset_identity.h"
#include "core/estate/coverage.h"
#include "core/estate/finding_history.h"

using namespace nmcp::estate;

namespace {

Observation seen(const char* scan, std::int64_t t) { return {scan, t, Sighting::Seen, {}}; }
Observation absent(const char* scan, std::int64_t t) { return {scan, t, Sighting::Absent, {}}; }
Observation unchecked(const char* scan, std::int64_t t, const char* why = "no login") {
  return {scan, t, Sighting::NotRechecked, why};
}

std::vector<FindingState> states(const FindingHistory& h) {
  std::vector<FindingState> out;
  for (const auto& c : h.changes) out.push_back(c.state);
  return out;
}

}  // namespace

TEST_CASE("estate: an absence is a fix only where the scan looked, the way that finds it") {
  const AbsenceFacts full{true, true, true, false, false};
  CHECK(judge_absence(full).sighting == Sighting::Absent);
  AbsenceFacts f = full;
  f.host_covered = false;
  CHECK(judge_absence(f).sighting == Sighting::NotRechecked);
  CHECK(judge_absence(f).reason.find("cover the host") != std::string::npos);
  f = full;
  f.port_covered = false;
  CHECK(judge_absence(f).reason.find("port") != std::string::npos);
  f = full;
  f.family_ran = false;
  CHECK(judge_absence(f).reason.find("family") != std::string::npos);
  // A local check: fixed only by a scan that logged in to the host.
  f = full;
  f.needs_login = true;
  CHECK(judge_absence(f).sighting == Sighting::NotRechecked);
  CHECK(judge_absence(f).reason.find("local check") != std::string::npos);
  f.logged_in = true;
  CHECK(judge_absence(f).sighting == Sighting::Absent);
}

TEST_CASE("estate: OPEN, FIXED, REOPENED with the scan that decided each change") {
  const auto h = derive_history({seen("s1", 100), seen("s2", 200), absent("s3", 300),
                                 absent("s4", 400), seen("s5", 500), absent("s6", 600)});
  REQUIRE(h);
  CHECK(h->state == FindingState::Fixed);
  CHECK(states(*h) == std::vector<FindingState>{FindingState::Open, FindingState::Fixed,
                                                FindingState::Reopened, FindingState::Fixed});
  CHECK(h->changes[1].scan_id == "s3");
  CHECK(h->changes[2].scan_id == "s5");
  CHECK(h->first_seen == 100);
  CHECK(h->last_seen == 500);
  CHECK(h->fixed_at == 600);
  CHECK(h->reopened == 1);
  CHECK(h->last_scan_id == "s6");

  // Reopened stays reopened while seen, until fixed again.
  const auto again = derive_history({seen("s1", 1), absent("s2", 2), seen("s3", 3), seen("s4", 4)});
  REQUIRE(again);
  CHECK(again->state == FindingState::Reopened);
  CHECK(again->fixed_at == 2);  // the latest fix is kept
}

TEST_CASE("estate: a scan that could not re-check a finding changes nothing but says so") {
  auto h = derive_history({seen("s1", 100), unchecked("s2", 200, "no login"),
                           unchecked("s3", 300, "port not scanned")});
  REQUIRE(h);
  CHECK(h->state == FindingState::Open);
  CHECK(h->last_seen == 100);
  CHECK(h->not_rechecked_since == 200);
  CHECK(h->not_rechecked_reason == "port not scanned");
  // A later scan that does re-check it settles it either way.
  h = derive_history({seen("s1", 100), unchecked("s2", 200), absent("s3", 300)});
  REQUIRE(h);
  CHECK(h->state == FindingState::Fixed);
  CHECK_FALSE(h->not_rechecked_since);
  h = derive_history({seen("s1", 100), unchecked("s2", 200), seen("s3", 300)});
  REQUIRE(h);
  CHECK_FALSE(h->not_rechecked_since);
  // Observations before the first sighting are not part of its life.
  h = derive_history({absent("s0", 50), unchecked("s0b", 60), seen("s1", 100)});
  REQUIRE(h);
  CHECK(h->changes.size() == 1);
  CHECK(h->first_seen == 100);
  CHECK_FALSE(derive_history({absent("s1", 1), unchecked("s2", 2)}));
}

TEST_CASE("estate: folding is idempotent and independent of the order scans arrive in") {
  std::vector<Observation> timeline;
  std::mt19937 rng(7);
  for (int i = 0; i < 40; ++i) {
    const std::string id = "s" + std::to_string(i);
    const auto roll = rng() % 3;
    const Sighting s = roll == 0   ? Sighting::Seen
                       : roll == 1 ? Sighting::Absent
                                   : Sighting::NotRechecked;
    timeline.push_back({id, 1000 + i * 10, s, "why " + id});
  }
  timeline.push_back(seen("s-first", 999));
  const auto in_order = derive_history(timeline);
  REQUIRE(in_order);
  for (int round = 0; round < 20; ++round) {
    auto shuffled = timeline;
    std::shuffle(shuffled.begin(), shuffled.end(), rng);
    // Some scans folded twice (a crash between the fold and its bookkeeping).
    shuffled.push_back(shuffled[rng() % shuffled.size()]);
    shuffled.push_back(shuffled[rng() % shuffled.size()]);
    const auto h = derive_history(shuffled);
    REQUIRE(h);
    CHECK(h->state == in_order->state);
    CHECK(states(*h) == states(*in_order));
    CHECK(h->last_seen == in_order->last_seen);
    CHECK(h->fixed_at == in_order->fixed_at);
    CHECK(h->not_rechecked_since == in_order->not_rechecked_since);
  }
  // One scan saying two things (a host listed twice): seen wins.
  const auto twice = derive_history({seen("s1", 1), absent("s2", 2), seen("s2", 2)});
  REQUIRE(twice);
  CHECK(twice->state == FindingState::Open);
}

TEST_CASE("estate: identifiers in canonical forms; those that identify nothing dropped") {
  const auto h = normalise_host(
      {"AB-12", "00:00:00:00:00:00\n00-1A-2B-3C-4D-5E", "Web01.Corp.", "web01", "10.0.0.5"});
  CHECK(h.agent_id == "ab-12");
  CHECK(h.mac == "00:1a:2b:3c:4d:5e");
  CHECK(h.fqdn == "web01.corp");
  CHECK(h.netbios == "WEB01");
  CHECK(h.address == "10.0.0.5");
  CHECK(normalise_host({"", "01:00:5e:00:00:01", "localhost", "10.0.0.1", "nonsense"}).mac.empty());
  const auto dropped = normalise_host({"", "ff:ff:ff:ff:ff:ff", "10.0.0.9", "10.0.0.9", "x"});
  CHECK(dropped.mac.empty());
  CHECK(dropped.fqdn.empty());  // a "name" that is only an address
  CHECK(dropped.netbios.empty());
  CHECK(dropped.address.empty());  // not an address
}

TEST_CASE("estate: the same host across scans, strongest identifier first") {
  const KnownAsset web{1, {"", "00:1a:2b:3c:4d:5e", "web01.corp", "WEB01", "10.0.0.5"}};
  const KnownAsset db{2, {"", "00:1a:2b:3c:4d:99", "db01.corp", "DB01", "10.0.0.6"}};
  const KnownAsset laptop{3, {"agent-7", "", "", "", "10.0.0.50"}};
  const std::vector<KnownAsset> all{web, db, laptop};

  // The same MAC with a new address (DHCP): the same asset.
  auto m = match_asset({"", "00:1a:2b:3c:4d:5e", "", "", "10.0.0.77"}, all);
  CHECK(m.kind == AssetMatch::Kind::Existing);
  CHECK(m.asset == 1);
  CHECK(m.links[0].by == Identifier::Mac);

  // web01's old address now answers with another MAC: another machine, a new asset.
  m = match_asset({"", "00:aa:bb:cc:dd:ee", "", "", "10.0.0.5"}, all);
  CHECK(m.kind == AssetMatch::Kind::New);
  // ... and with another DNS name, no MAC known: a new asset too.
  m = match_asset({"", "", "printer.corp", "", "10.0.0.5"}, all);
  CHECK(m.kind == AssetMatch::Kind::New);
  // The address alone, nothing contradicting: the same asset.
  m = match_asset({"", "", "", "", "10.0.0.5"}, all);
  CHECK(m.kind == AssetMatch::Kind::Existing);
  CHECK(m.links[0].by == Identifier::Address);

  // The agent id decides whatever else changed.
  m = match_asset({"agent-7", "", "", "", "10.9.9.9"}, all);
  CHECK(m.kind == AssetMatch::Kind::Existing);
  CHECK(m.asset == 3);
  CHECK(m.links[0].by == Identifier::AgentId);
  // The agent's machine turns out to carry web01's MAC: one machine seen two ways, merged.
  m = match_asset({"agent-7", "00:1a:2b:3c:4d:5e", "", "", "10.9.9.9"}, all);
  CHECK(m.kind == AssetMatch::Kind::Merge);
  CHECK(m.asset == 1);
  CHECK(m.merged == std::vector<std::int64_t>{3});
  CHECK(m.links[0].by == Identifier::AgentId);
  // Another agent with an agent's MAC is another machine (a cloned VM).
  const std::vector<KnownAsset> vm{{9, {"agent-7", "00:1a:2b:3c:4d:70", "", "", ""}}};
  CHECK(match_asset({"agent-9", "00:1a:2b:3c:4d:70", "", "", ""}, vm).kind ==
        AssetMatch::Kind::New);

  // A host that links to two assets that are different machines (their MACs differ): the
  // stronger link wins and the other is reported, never merged.
  const KnownAsset named{7, {"", "00:00:00:00:00:07", "shared.corp", "", ""}};
  const KnownAsset addressed{8, {"", "00:00:00:00:00:08", "", "", "10.0.2.2"}};
  const std::vector<KnownAsset> pair{named, addressed};
  m = match_asset({"", "", "shared.corp", "", "10.0.2.2"}, pair);
  CHECK(m.kind == AssetMatch::Kind::Existing);
  CHECK(m.asset == 7);
  REQUIRE(m.conflicting.size() == 1);
  CHECK(m.conflicting[0].asset == 8);
  CHECK(m.conflicting[0].by == Identifier::Address);

  // A DNS name known on one asset and an address on another, nothing contradicting: one
  // machine seen two ways, merged into the older asset, visibly.
  const KnownAsset by_name{4, {"", "", "files.corp", "", ""}};
  const KnownAsset by_address{5, {"", "", "", "", "10.0.1.1"}};
  const std::vector<KnownAsset> two{by_address, by_name};
  m = match_asset({"", "", "files.corp", "", "10.0.1.1"}, two);
  CHECK(m.kind == AssetMatch::Kind::Merge);
  CHECK(m.asset == 4);
  CHECK(m.merged == std::vector<std::int64_t>{5});
  CHECK(m.links[0].by == Identifier::Fqdn);
  CHECK(m.links[1].by == Identifier::Address);

  // Nothing shared: new.
  CHECK(match_asset({"", "", "new.corp", "", "10.3.3.3"}, all).kind == AssetMatch::Kind::New);
}
