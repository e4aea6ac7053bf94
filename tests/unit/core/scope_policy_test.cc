#include "core/policy/scope_policy.h"

#include <doctest/doctest.h>

using namespace nmcp;
using policy::check_targets;
using policy::parse_targets;

namespace {

config::ScopePolicy lab_scope() {
  config::ScopePolicy s;
  s.allow = {*net::Cidr::parse("10.0.0.0/8"), *net::Cidr::parse("192.168.0.0/16"),
             *net::Cidr::parse("fd00::/8")};
  s.deny = {*net::Cidr::parse("10.0.0.0/24")};
  s.hostnames = {"*.lab.example", "gateway.example"};
  s.max_addresses = 300;
  return s;
}

}  // namespace

TEST_CASE("targets: every accepted form, normalised") {
  auto t = parse_targets(
      " 10.1.2.3, 192.168.1.0/24\n10.2.0.1-10.2.0.10,10.3.0.1-20 \r\nfd00::1, "
      "Web.Lab.Example.\n\n");
  REQUIRE(t);
  CHECK(t->normalized() ==
        "10.1.2.3,192.168.1.0/24,10.2.0.1-10.2.0.10,10.3.0.1-10.3.0.20,fd00::1,web.lab.example");
  CHECK(t->address_count == 1 + 256 + 10 + 20 + 1 + 1);
}

TEST_CASE("targets: malformed entries are refused with the reason") {
  struct Case {
    const char* text;
    const char* why;
  };
  for (const Case& c :
       {Case{"", "no targets"}, Case{" , ", "empty entry"},
        Case{"10.0.0.1,,10.0.0.2", "empty entry"}, Case{"10.0.0.1 10.0.0.2", "contains a space"},
        Case{"10.0.0.5/24", "host bits"}, Case{"10.0.0.0/33", "CIDR"},
        Case{"10.0.0.300", "not an IP address"}, Case{"10.1", "not an IP address"},
        Case{"10.0.0.9-10.0.0.1", "ends before it starts"},
        Case{"10.0.0.1-fd00::1", "mixes IPv4 and IPv6"}, Case{"10.0.0.1-300", "end of the range"},
        Case{"-bad.example", "not an IP address"}, Case{"a_b.example", "not an IP address"},
        Case{"$(reboot)", "not an IP address"}, Case{"10.0.0.1;rm -rf /", "contains a space"}}) {
    CAPTURE(c.text);
    auto r = parse_targets(c.text);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::InvalidArgument);
    CHECK(r.error().message.find(c.why) != std::string::npos);
    CHECK_FALSE(r.error().hint.empty());
  }
}

TEST_CASE("scope: allow, deny, hostnames and the address limit") {
  const auto scope = lab_scope();
  CHECK(check_targets("10.1.0.0/24,192.168.5.5,fd00::10", scope));
  CHECK(check_targets("app.lab.example,x.y.lab.example,gateway.example", scope));

  struct Case {
    const char* text;
    const char* why;
  };
  for (const Case& c :
       {Case{"8.8.8.8", "not inside any allowed block"},
        Case{"10.0.0.7", "denied block 10.0.0.0/24"},
        Case{"10.0.0.0/16", "denied block"},  // contains the denied /24
        Case{"9.255.255.250-10.0.1.5", "touches the denied"}, Case{"lab.example", "does not match"},
        Case{"evil.example", "does not match"}, Case{"10.1.0.0/16", "at most 300"},
        Case{"2001:db8::1", "not inside any allowed block"}}) {
    CAPTURE(c.text);
    auto r = check_targets(c.text, scope);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::PermissionDenied);
    CHECK(r.error().message.find(c.why) != std::string::npos);
  }
  config::ScopePolicy no_names = scope;
  no_names.hostnames.clear();
  auto r = check_targets("app.lab.example", no_names);
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find("allows no host names") != std::string::npos);
}

TEST_CASE("targets_overlap answers CIDR-aware list filters") {
  auto t = parse_targets("10.1.2.0/24,host.lab.example");
  REQUIRE(t);
  CHECK(policy::targets_overlap(*t, "10.1.2.77"));
  CHECK(policy::targets_overlap(*t, "10.0.0.0/8"));
  CHECK(policy::targets_overlap(*t, "HOST.lab.example"));
  CHECK_FALSE(policy::targets_overlap(*t, "10.1.3.1"));
  CHECK_FALSE(policy::targets_overlap(*t, "garbage!"));
}
