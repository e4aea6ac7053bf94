#include "mcp/http/api_keys.h"

#include <doctest/doctest.h>

#include "core/base/crypto.h"

using nmcp::mcp::ApiKeyStore;

namespace {
std::string line(const std::string& tenant, const std::string& key, const std::string& extra = "") {
  return tenant + " sha256:" + nmcp::sha256_hex(key) + (extra.empty() ? "" : " " + extra) + "\n";
}
}  // namespace

TEST_CASE("ApiKeyStore: keys map to tenants and tool lists; only digests are stored") {
  const std::string text = "# team keys\n\n" + line("red", "red-key-123") +
                           line("blue", "blue-key-456", "tools=echo,add") + "   # trailing\n";
  auto store = ApiKeyStore::parse(text, "keys.txt");
  REQUIRE(store);
  CHECK(store->size() == 2);
  const auto red = store->authenticate("red-key-123");
  REQUIRE(red);
  CHECK(red->tenant == "red");
  CHECK_FALSE(red->allowed_tools);
  const auto blue = store->authenticate("blue-key-456");
  REQUIRE(blue);
  CHECK(blue->may_use("echo"));
  CHECK_FALSE(blue->may_use("slow"));
  CHECK_FALSE(store->authenticate("red-key-12"));
  CHECK_FALSE(store->authenticate(""));
}

TEST_CASE("ApiKeyStore: every malformed line is refused with its line number, never echoing it") {
  const std::string digest = "sha256:" + nmcp::sha256_hex("k");
  struct Case {
    std::string text;
    std::string expect;
  };
  for (const auto& c :
       {Case{"", "lists no API key"}, Case{"# only comments\n", "lists no API key"},
        Case{"team\n", "line 1: missing the sha256:HEX digest"},
        Case{"team my-plain-secret-key\n", "line 1: the second field must be sha256:"},
        Case{"team sha256:abc\n", "line 1: the second field must be sha256:"},
        Case{"bad/tenant " + digest + "\n", "line 1: tenant"},
        Case{"a " + digest + "\nb " + digest + "\n", "line 2: this key digest is listed twice"},
        Case{"a " + digest + " roles=x\n", "line 1: unknown field"},
        Case{"a " + digest + " tools=a tools=b\n", "line 1: tools= is given twice"},
        Case{"a " + digest + " tools=\n", "line 1: tools= lists nothing"}}) {
    CAPTURE(c.text);
    auto store = ApiKeyStore::parse(c.text, "keys.txt");
    REQUIRE_FALSE(store);
    CHECK(store.error().message.find(c.expect) != std::string::npos);
    CHECK(store.error().message.find("my-plain-secret-key") == std::string::npos);
  }
  CHECK_FALSE(ApiKeyStore::load_file("/nonexistent/keys.txt"));
}

TEST_CASE("ApiKeyStore: a created key authenticates through its line, with its tools and pools") {
  const auto k = ApiKeyStore::create("team-a", {"list_tasks", "get_scan_status"}, {"dmz"});
  CHECK(k.key.rfind("nmcp_", 0) == 0);
  CHECK(k.line.find(k.key) == std::string::npos);  // the file holds the digest only
  auto store = ApiKeyStore::parse(k.line + "\n", "keys.txt");
  REQUIRE(store);
  auto p = store->authenticate(k.key);
  REQUIRE(p);
  CHECK(p->tenant == "team-a");
  CHECK(p->may_use("list_tasks"));
  CHECK_FALSE(p->may_use("run_untrusted_scan"));
  REQUIRE(p->allowed_pools);
  CHECK(*p->allowed_pools == std::set<std::string>{"dmz"});
  CHECK(ApiKeyStore::create("x", {}, {}).key != ApiKeyStore::create("x", {}, {}).key);
}

TEST_CASE("ApiKeyStore: role=read-only, and a role that is not one") {
  const auto k = ApiKeyStore::create("auditor", {}, {}, true);
  CHECK(k.line.find(" role=read-only") != std::string::npos);
  auto store = ApiKeyStore::parse(k.line + "\n" + line("ops", "another-key", "role=full"), "k");
  REQUIRE(store);
  CHECK(store->authenticate(k.key)->read_only);
  CHECK_FALSE(store->authenticate("another-key")->read_only);
  for (const char* extra : {"role=admin", "role=read-only role=full"}) {
    CAPTURE(extra);
    auto bad = ApiKeyStore::parse(line("t", "k1", extra), "keys.txt");
    REQUIRE_FALSE(bad);
    CHECK(bad.error().message.find("keys.txt line 1: role=") != std::string::npos);
  }
}
