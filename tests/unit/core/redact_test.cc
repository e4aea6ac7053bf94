#include "core/base/redact.h"

#include <doctest/doctest.h>

using nlohmann::json;
using nmcp::is_secret_key;
using nmcp::redact;
using nmcp::redact_text;

TEST_CASE("redact: secret-looking keys are recognised whatever their spelling") {
  for (const char* key : {"password", "ssh_password", "Password", "secretKey", "secret_key",
                          "X-ApiKeys", "api_key", "accessKey", "token", "Authorization", "cookie",
                          "X-Cookie", "private_key", "passphrase", "sudo_passwd"}) {
    CAPTURE(key);
    CHECK(is_secret_key(key));
  }
  for (const char* key :
       {"username", "host", "credential_profile", "pool", "name", "", "task_id"}) {
    CAPTURE(key);
    CHECK_FALSE(is_secret_key(key));
  }
}

TEST_CASE("redact: JSON values under secret keys are replaced at any depth") {
  const json in = {{"user", "root"},
                   {"password", "hunter2"},
                   {"nested", {{"auth", {{"secretKey", "abc"}, {"accessKey", 42}}}}},
                   {"list", json::array({{{"token", "t"}}, "plain"})},
                   {"empty_password", nullptr}};
  const json out = redact(in);
  CHECK(out["user"] == "root");
  CHECK(out["password"] == "[REDACTED]");
  CHECK(out["nested"]["auth"]["secretKey"] == "[REDACTED]");
  CHECK(out["nested"]["auth"]["accessKey"] == "[REDACTED]");
  CHECK(out["list"][0]["token"] == "[REDACTED]");
  CHECK(out["list"][1] == "plain");
  CHECK(out["empty_password"].is_null());
  CHECK(out.dump().find("hunter2") == std::string::npos);
}

TEST_CASE("redact: credential shapes in free text are masked") {
  CHECK(redact_text("login failed password=hunter2 for root") ==
        "login failed password=[REDACTED] for root");
  CHECK(redact_text("X-ApiKeys: accessKey=AK1; secretKey=SK2") ==
        "X-ApiKeys: [REDACTED]; secretKey=[REDACTED]");
  CHECK(redact_text(R"({"password":"p w","user":"u"})") ==
        R"({"password":"[REDACTED]","user":"u"})");
  CHECK(redact_text("Authorization: Bearer abc.def") == "Authorization: Bearer [REDACTED]");
  CHECK(redact_text("sent Bearer xyz to the server") == "sent Bearer [REDACTED] to the server");
  CHECK(redact_text("nothing secret here: host=10.0.0.1") == "nothing secret here: host=10.0.0.1");
  // Strings inside JSON values are scanned too.
  CHECK(redact(json("token=abc")) == "token=[REDACTED]");
}

TEST_CASE("redact: a configuration path in a problem report keeps its words; values stay masked") {
  CHECK(redact_text("test.yaml:9:5: credentials.k.private_key: secret file /k may be read") ==
        "test.yaml:9:5: credentials.k.private_key: secret file /k may be read");
  CHECK(redact_text("password: hunter2") == "password: [REDACTED]");
  CHECK(redact_text("auth.password=hunter2") == "auth.password=[REDACTED]");
}
