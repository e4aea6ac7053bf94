// The submit dry run: per-target verdicts with their rules, the address limit, key pools.
#include "core/scans/check_targets.h"

#include <doctest/doctest.h>

using namespace nmcp;

namespace {

config::ScannerConfig lab() {
  config::ScannerConfig c;
  config::PoolConfig p;
  p.name = "lab";
  p.scope.allow = {*net::Cidr::parse("10.0.0.0/8")};
  p.scope.deny = {*net::Cidr::parse("10.66.0.0/16")};
  p.scope.hostnames = {"*.lab.example"};
  p.scope.max_addresses = 300;
  c.pools.push_back(p);
  c.defaults.pool = "lab";
  return c;
}

}  // namespace

TEST_CASE("dry run: each target with the rule that decided; accepted only when all pass") {
  const auto config = lab();
  auto r = scans::check_targets_dry_run(config, "", "10.1.0.1, 10.66.0.5, app.lab.example, 8.8.8.8",
                                        std::nullopt);
  REQUIRE(r);
  CHECK(r->pool == "lab");
  CHECK_FALSE(r->accepted);
  REQUIRE(r->targets.size() == 4);
  CHECK(r->targets[0].allowed);
  CHECK(r->targets[0].rule == "is inside the allowed block 10.0.0.0/8");
  CHECK_FALSE(r->targets[1].allowed);
  CHECK(r->targets[1].rule == "touches the denied block 10.66.0.0/16");
  CHECK(r->targets[2].allowed);
  CHECK(r->targets[2].rule == "matches the allowed host name \"*.lab.example\"");
  CHECK(r->targets[3].rule == "is not inside any allowed block");
  CHECK(r->refusal.find("targets out of scope") != std::string::npos);
  CHECK(r->address_count == 4);

  auto ok = scans::check_targets_dry_run(config, "lab", "10.1.0.0/24", std::nullopt);
  REQUIRE(ok);
  CHECK(ok->accepted);
  CHECK(ok->to_json()["targets"][0]["addresses"] == 256);

  auto big = scans::check_targets_dry_run(config, "lab", "10.1.0.0/23", std::nullopt);
  CHECK_FALSE(big->accepted);
  CHECK(big->refusal.find("at most 300") != std::string::npos);

  auto key = scans::check_targets_dry_run(config, "lab", "10.1.0.1", std::set<std::string>{"dmz"});
  CHECK_FALSE(key->accepted);
  CHECK(key->refusal == "this API key may not submit scans to pool 'lab'");

  auto unreadable = scans::check_targets_dry_run(config, "lab", "10.1.0.300", std::nullopt);
  CHECK_FALSE(unreadable->accepted);
  CHECK(unreadable->targets.empty());
  CHECK_FALSE(unreadable->refusal.empty());

  CHECK(scans::check_targets_dry_run(config, "nope", "10.1.0.1", std::nullopt).error().code ==
        ErrorCode::NotFound);
}
