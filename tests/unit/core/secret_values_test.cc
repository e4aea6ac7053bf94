// The masking model (phase 20): configured secrets kept for the process's life; a task's inline
// secrets only on the thread of the step that holds them; the caller's own text never masked.
#include "core/base/secret_values.h"

#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

#include "core/base/redact.h"

namespace {

struct Forget {
  Forget() { nmcp::forget_secrets_for_tests(); }
  ~Forget() { nmcp::forget_secrets_for_tests(); }
};

std::string stream_masked(std::string_view text, std::size_t chunk) {
  std::string out;
  nmcp::StreamMasker m([&](std::string_view piece) {
    out.append(piece);
    return true;
  });
  for (std::size_t i = 0; i < text.size(); i += chunk) REQUIRE(m.write(text.substr(i, chunk)));
  REQUIRE(m.finish());
  return out;
}

}  // namespace

TEST_CASE("secrets: the configuration's secrets are never evicted, however many come after") {
  Forget f;
  nmcp::remember_secret("Configured-Pass-01");
  // More than the 4,096 values the old process-wide list kept.
  for (int i = 0; i < 5000; ++i) nmcp::remember_secret("later-value-" + std::to_string(i) + "-x");
  CHECK(nmcp::mask_secret_values("login Configured-Pass-01 failed") == "login [REDACTED] failed");
  CHECK(nmcp::mask_secret_values("x later-value-4999-x y") == "x [REDACTED] y");
  CHECK(nmcp::mask_secret_values("nothing here") == "nothing here");
}

TEST_CASE(
    "secrets: quotes, backslashes and control characters are masked as JSON and XML write them") {
  Forget f;
  const std::string secret = "Gen\"erated\\Pass\tw<o>rd&'7";
  nmcp::remember_secret(secret);
  CHECK(nmcp::mask_secret_values("raw " + secret + ".") == "raw [REDACTED].");
  CHECK(nmcp::mask_secret_values(R"(json "Gen\"erated\\Pass\tw<o>rd&'7")") ==
        R"(json "[REDACTED]")");
  CHECK(nmcp::mask_secret_values("<o>Gen&quot;erated\\Pass\tw&lt;o&gt;rd&amp;&apos;7</o>") ==
        "<o>[REDACTED]</o>");
}

TEST_CASE(
    "secrets: a task's inline secrets mask only its own step's thread, and only while it runs") {
  Forget f;
  const std::string tenant_a_password = "Tenant-A-Inline-Pw";
  {
    nmcp::SecretScope step({tenant_a_password}, {"my scan"});
    CHECK(nmcp::mask_secret_values("nessus: bad password Tenant-A-Inline-Pw") ==
          "nessus: bad password [REDACTED]");
    CHECK(nmcp::redact_text("log Tenant-A-Inline-Pw") == "log [REDACTED]");
    // Another thread (another tenant's request, another task's step) is untouched.
    std::string elsewhere;
    std::thread([&] {
      elsewhere = nmcp::mask_secret_values("a host named Tenant-A-Inline-Pw");
    }).join();
    CHECK(elsewhere == "a host named Tenant-A-Inline-Pw");
  }
  CHECK(nmcp::mask_secret_values("after: Tenant-A-Inline-Pw") == "after: Tenant-A-Inline-Pw");
}

TEST_CASE("secrets: the caller's own text is not masked on its task's thread (no oracle)") {
  Forget f;
  nmcp::remember_secret("Deploy-Secret-1");
  nmcp::remember_secret("Deploy-Secret-2");
  // The caller guessed the first in the scan's name; Nessus echoes the name back.
  nmcp::SecretScope step({}, {"guess Deploy-Secret-1 and Wrong-Guess-3"});
  CHECK(nmcp::mask_secret_values("scan 'guess Deploy-Secret-1 and Wrong-Guess-3' failed") ==
        "scan 'guess Deploy-Secret-1 and Wrong-Guess-3' failed");
  // What the caller did not write is masked as ever.
  CHECK(nmcp::mask_secret_values("plugin saw Deploy-Secret-2") == "plugin saw [REDACTED]");
  CHECK(nmcp::contains_secret_value("plugin saw Deploy-Secret-2"));
  CHECK_FALSE(nmcp::contains_secret_value("Deploy-Secret-1"));
}

TEST_CASE("secrets: scopes nest; the inner adds to the outer and goes with it") {
  Forget f;
  nmcp::SecretScope outer({}, {"name"});
  {
    nmcp::SecretScope inner({"Inner-Secret-99"}, {"name"});
    CHECK(nmcp::mask_secret_values("Inner-Secret-99") == "[REDACTED]");
  }
  CHECK(nmcp::mask_secret_values("Inner-Secret-99") == "Inner-Secret-99");
}

TEST_CASE("secrets: an export is masked as it streams, a secret cut by any chunk boundary too") {
  Forget f;
  nmcp::remember_secret("Streamed-Secret-Value");
  nmcp::SecretScope step({"Inline-Stream-Pw"}, {"caller Known-Name-Here"});
  std::string doc = "<Report name=\"caller Known-Name-Here\">";
  for (int i = 0; i < 200; ++i) {
    doc += "<plugin_output>line " + std::to_string(i) +
           " Streamed-Secret-Value and Inline-Stream-Pw</plugin_output>";
  }
  doc += "</Report>";
  std::string expected = nmcp::mask_secret_values(doc);
  CHECK(expected.find("Streamed-Secret-Value") == std::string::npos);
  CHECK(expected.find("Inline-Stream-Pw") == std::string::npos);
  CHECK(expected.find("caller Known-Name-Here") != std::string::npos);
  for (std::size_t chunk : {1U, 3U, 7U, 20U, 21U, 64U, 4096U}) {
    CAPTURE(chunk);
    CHECK(stream_masked(doc, chunk) == expected);
  }
}

TEST_CASE("secrets: a stream masker passes text through when nothing is secret") {
  Forget f;
  CHECK(stream_masked("plain text, nothing to hide", 5) == "plain text, nothing to hide");
}

TEST_CASE("secrets: what a caller reads is redacted by shape, never by value") {
  Forget f;
  nmcp::remember_secret("Configured-Value-7");
  CHECK(nmcp::redact_shapes("name Configured-Value-7") == "name Configured-Value-7");
  CHECK(nmcp::redact_shapes("password=hunter2 rest") == "password=[REDACTED] rest");
  const auto j = nmcp::redact_for_caller({{"password", "x"}, {"name", "Configured-Value-7"}});
  CHECK(j["password"] == "[REDACTED]");
  CHECK(j["name"] == "Configured-Value-7");
  CHECK(nmcp::redact_text("Configured-Value-7") == "[REDACTED]");
}
