// Credential profiles in the configuration: every type and auth method, several credentials in
// one profile, secret sources (${VAR}, file: with its permission rule), key checks with path and
// line, pool restrictions, describe() without secrets, and redaction by value.
#include <sys/stat.h>

#include <fstream>
#include <map>
#include <string>

#include <doctest/doctest.h>

#include "core/base/private_key.h"
#include "core/base/redact.h"
#include "core/base/secret_values.h"
#include "core/config/scanner_config.h"
#include "tests/support/sim_identity.h"
#include "tests/support/subprocess.h"

using namespace nmcp::config;
using nmcp::testing::TempDir;

namespace {

const std::string kKey(64, 'a');

const std::string& kDemoKey = nmcp::testing::kSimDemoKey;
const std::string kDemoPublic =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMB2N0EASg9fSam8h1oDNdSRrY89ZjJd/gCHmxaY5BsI demo";

EnvLookup env_of(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    const auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

std::string config_with(const std::string& credentials, const std::string& pool_extra = "") {
  return "pools:\n"
         "  lab:\n"
         "    scope:\n"
         "      allow: [10.0.0.0/8]\n" +
         pool_extra +
         "    instances:\n"
         "      - id: one\n"
         "        url: https://nessus.lab:8834/\n"
         "        auth: {mode: api_keys, access_key: " +
         kKey + ", secret_key: " + kKey + "}\n" + "credentials:\n" + credentials;
}

nmcp::Result<ScannerConfig> load(const std::string& yaml,
                                 std::map<std::string, std::string> vars = {}) {
  return parse_config(yaml, "test.yaml", env_of(std::move(vars)));
}

std::string problems(const std::string& yaml, std::map<std::string, std::string> vars = {}) {
  auto r = load(yaml, std::move(vars));
  REQUIRE_FALSE(r);
  return r.error().message;
}

std::string secret_file(const TempDir& dir, const std::string& name, const std::string& content,
                        mode_t mode) {
  const std::string path = dir.file(name, content);
  REQUIRE(::chmod(path.c_str(), mode) == 0);
  return path;
}

}  // namespace

TEST_CASE("credentials: SSH key and certificate, Windows, SNMPv3 and a mixed profile load") {
  TempDir dir;
  const std::string key = secret_file(dir, "scan_key", kDemoKey, 0600);
  const std::string pass = secret_file(dir, "win_pass", "Win-Secret-1\n", 0400);
  const auto c =
      load(config_with(
               "  keyed:\n"
               "    type: ssh\n"
               "    auth: public_key\n"
               "    username: scanuser\n"
               "    private_key: file:" +
                   key +
                   "\n"
                   "    escalation: {method: sudo, account: root, password: Esc-Secret-2}\n"
                   "  from-env:\n"
                   "    type: ssh\n"
                   "    username: scanuser\n"
                   "    private_key: ${SCAN_SSH_KEY}\n"
                   "  windows:\n"
                   "    type: windows\n"
                   "    username: scanadmin\n"
                   "    domain: LAB\n"
                   "    password: file:" +
                   pass +
                   "\n"
                   "    start_remote_registry: true\n"
                   "  hash:\n"
                   "    type: windows\n"
                   "    auth: ntlm_hash\n"
                   "    username: scanadmin\n"
                   "    ntlm_hash: B718242C44CC276CDCC0A750A4E8551E\n"
                   "  devices:\n"
                   "    type: snmpv3\n"
                   "    username: snmpuser\n"
                   "    auth_algorithm: SHA-256\n"
                   "    auth_password: Snmp-Auth-3\n"
                   "    privacy_algorithm: AES-256\n"
                   "    privacy_password: Snmp-Priv-4\n"
                   "  mixed:\n"
                   "    credentials:\n"
                   "      - {type: ssh, username: scanuser, password: Ssh-Secret-5}\n"
                   "      - {type: windows, username: 'LAB\\scanadmin', password: Win-Secret-6}\n",
               "    credential_profiles: [mixed, windows]\n"),
           {{"SCAN_SSH_KEY", kDemoKey}});
  REQUIRE_MESSAGE(c, (c ? "" : c.error().message));
  const auto& keyed = *c->credential("keyed");
  REQUIRE(keyed.ssh.size() == 1);
  CHECK(keyed.ssh[0].auth == "public_key");
  CHECK(keyed.ssh[0].private_key == kDemoKey.substr(0, kDemoKey.size() - 1));  // trailing \n
  CHECK(keyed.escalates());
  CHECK(c->credential("from-env")->ssh[0].auth == "public_key");  // implied by private_key
  const auto& win = c->credential("windows")->windows.at(0);
  CHECK(win.password == "Win-Secret-1");  // the file's line break is not part of it
  CHECK(win.start_remote_registry);
  CHECK_FALSE(win.enable_admin_shares);        // safe default
  CHECK(win.never_send_credentials_in_clear);  // safe default
  CHECK(c->credential("hash")->windows.at(0).ntlm_hash == "b718242c44cc276cdcc0a750a4e8551e");
  const auto& snmp = c->credential("devices")->snmpv3.at(0);
  CHECK(snmp.security_level == "auth_priv");
  CHECK(snmp.port == 161);
  const auto& mixed = *c->credential("mixed");
  CHECK(mixed.types() == std::vector<CredentialType>{CredentialType::Ssh, CredentialType::Windows});

  // The pool allows two profiles; the others may be used by no pool.
  CHECK(c->pools_allowing("mixed") == std::vector<std::string>{"lab"});
  CHECK(c->pools_allowing("keyed").empty());

  // Nothing secret in what describe() shows, in any form.
  const std::string shown = describe(*c).dump();
  for (const char* secret :
       {"Win-Secret-1", "Esc-Secret-2", "Snmp-Auth-3", "Snmp-Priv-4", "Ssh-Secret-5",
        "Win-Secret-6", "b718242c44cc", "OPENSSH", "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ"}) {
    CAPTURE(secret);
    CHECK(shown.find(secret) == std::string::npos);
  }
  const auto profile = describe_profile(*c, mixed);
  CHECK(profile["types"] == nlohmann::json::array({"ssh", "windows"}));
  CHECK(profile["credentials"][1]["options"]["start_remote_registry"] == false);
  CHECK(profile["pools"] == nlohmann::json::array({"lab"}));
}

TEST_CASE("credentials: every loaded secret is redacted by value wherever it appears") {
  nmcp::forget_secrets_for_tests();
  TempDir dir;
  const std::string pass = secret_file(dir, "p", "Quiet-Password-77", 0600);
  REQUIRE(load(config_with("  w:\n    type: windows\n    username: a\n    password: file:" + pass +
                           "\n  s:\n    type: ssh\n    username: b\n    private_key: ${K}\n"),
               {{"K", kDemoKey}}));
  const std::string line =
      "nessus said: bad login for Quiet-Password-77; key line "
      "QyNTUxOQAAACDAdjdBAEoPX0mpvIdaAzXUka2PPWYyXf4Ah5sWmOQbCAAAAJizx5k7s8eZ seen";
  const std::string masked = nmcp::redact_text(line);
  CHECK(masked.find("Quiet-Password-77") == std::string::npos);
  CHECK(masked.find("QyNTUxOQAAACDAdjd") == std::string::npos);
  CHECK(masked.find("nessus said: bad login for [REDACTED]") != std::string::npos);
  // Short values are not remembered: they would mask ordinary words.
  nmcp::remember_secret("root");
  CHECK(nmcp::redact_text("root cause") == "root cause");
  nmcp::forget_secrets_for_tests();
}

TEST_CASE("credentials: a secret file readable by others is refused with the path and the fix") {
  TempDir dir;
  const std::string open_file = secret_file(dir, "open", "Secret-Pass-9", 0644);
  const std::string msg = problems(config_with(
      "  w:\n    type: windows\n    username: a\n    password: file:" + open_file + "\n"));
  CHECK(msg.find("test.yaml:") != std::string::npos);
  CHECK(msg.find("credentials.w.password") != std::string::npos);
  CHECK(msg.find(open_file + " may be read by its group or others (mode 0644)") !=
        std::string::npos);
  CHECK(msg.find("chmod 600 " + open_file) != std::string::npos);
  CHECK(msg.find("Secret-Pass-9") == std::string::npos);

  CHECK(problems(config_with("  w:\n    type: windows\n    username: a\n    password: "
                             "file:relative/path\n"))
            .find("not an absolute path") != std::string::npos);
  CHECK(problems(config_with("  w:\n    type: windows\n    username: a\n    password: file:" +
                             dir.path() + "/missing\n"))
            .find("No such file") != std::string::npos);
}

TEST_CASE("credentials: key files that are missing, not keys or encrypted without a passphrase") {
  TempDir dir;
  const std::string pub = secret_file(dir, "key.pub", kDemoPublic, 0600);
  const std::string junk = secret_file(dir, "junk", "hello", 0600);
  // An OpenSSH key encrypted with ssh-keygen -N (aes256-ctr, bcrypt).
  const std::string encrypted =
      "-----BEGIN OPENSSH PRIVATE KEY-----\n"
      "b3BlbnNzaC1rZXktdjEAAAAACmFlczI1Ni1jdHIAAAAGYmNyeXB0AAAAGAAAABB5ukmk7R\n"
      "DBduLnE3POYXNtAAAAEAAAAAEAAAAzAAAAC3NzaC1lZDI1NTE5AAAAIMU3bsBb+g683RWH\n"
      "omKfZcjzsmHXD9nFgHZVZTD8N8n7AAAAkF54pPU2GV5t6FsL+sYHq6T84gpL4MbmN0MY4Z\n"
      "Da3/TGq4F4taoyam8nI+x+FsCSS9QnnCh5fAJyUmTlqu0T90m5j1mkTsUjOSgb0LqspIhu\n"
      "Gg3SqUpznDjQMP1b08rkixBh7AB3f7NByYo/WteFuzLlMQgd5csZsKI6AU0oyfFNr+pHLr\n"
      "bwc2nR+3tIa80L+g==\n"
      "-----END OPENSSH PRIVATE KEY-----\n";
  const std::string enc = secret_file(dir, "enc", encrypted, 0600);
  struct Case {
    std::string value;
    std::string expect;
  };
  for (const auto& c : {Case{"file:" + pub, "this is a public key"},
                        Case{"file:" + junk, "this is not a private key"},
                        Case{"file:" + enc, "encrypted, but no passphrase is given"},
                        Case{"file:" + dir.path() + "/nope", "cannot be read"},
                        Case{dir.path() + "/bare", "looks like a path; write file:"}}) {
    CAPTURE(c.value);
    const std::string msg =
        problems(config_with("  k:\n    type: ssh\n    username: u\n"
                             "    private_key: " +
                             c.value + "\n"));
    CHECK(msg.find(c.expect) != std::string::npos);
    CHECK(msg.find("test.yaml:") != std::string::npos);
    CHECK(msg.find("credentials.k.private_key") != std::string::npos);
  }
  // The message names the file the key came from.
  CHECK(problems(config_with("  k:\n    type: ssh\n    username: u\n    private_key: file:" + pub +
                             "\n"))
            .find("(in " + pub + ")") != std::string::npos);
  // With a passphrase the encrypted key is accepted (an OpenSSH passphrase cannot be checked).
  CHECK(load(config_with("  k:\n    type: ssh\n    username: u\n    private_key: file:" + enc +
                         "\n    private_key_passphrase: Pass-Phrase-1\n")));
}

TEST_CASE("credentials: wrong shapes are reported by path, all at once") {
  struct Case {
    std::string yaml;
    std::string expect;
  };
  for (const auto& c : std::vector<Case>{
           {"  a: {type: ssh, username: u}\n", "credentials.a: auth password needs a password"},
           {"  a: {type: ssh, auth: public_key, username: u}\n", "needs private_key"},
           {"  a: {type: ssh, auth: certificate, username: u, private_key: '" + kDemoKey + "'}\n",
            "needs certificate"},
           {"  a: {type: ssh, username: u, password: p, certificate: x}\n",
            "goes with auth public_key or certificate"},
           {"  a: {type: ssh, username: u, private_key_file: /k}\n",
            "is now written private_key: file:PATH"},
           {"  a: {type: ssh, auth: kerberos, username: u, password: p}\n",
            "credentials.a.auth: must be one of password, public_key, certificate"},
           {"  a: {type: windows, username: u}\n", "credentials.a.password: is required"},
           {"  a: {type: windows, auth: ntlm_hash, username: u, ntlm_hash: xyz}\n",
            "must be the NT hash: 32 hex digits"},
           {"  a: {type: windows, username: 'D\\u', domain: D, password: p}\n",
            "domain is given too"},
           {"  a: {type: windows, username: u, password: p, start_remote_registry: maybe}\n",
            "must be true or false"},
           {"  a: {type: snmpv3, username: u, auth_password: short, privacy_password: "
            "long-enough}\n",
            "at least 8 characters"},
           {"  a: {type: snmpv3, username: u, security_level: no_auth_no_priv, auth_password: "
            "x12345678}\n",
            "is not used at security_level no_auth_no_priv"},
           {"  a: {type: snmpv3, username: u, auth_algorithm: SHA3, auth_password: x12345678, "
            "privacy_password: x12345678}\n",
            "credentials.a.auth_algorithm: must be one of MD5"},
           {"  a: {credentials: []}\n", "must be a non-empty list of credentials"},
           {"  a: {credentials: [{type: rdp, username: u}]}\n",
            "credentials.a.credentials[0].type: must be one of ssh, windows, snmpv3"},
       }) {
    CAPTURE(c.yaml);
    const std::string msg = problems(config_with(c.yaml));
    CHECK(msg.find(c.expect) != std::string::npos);
  }
  CHECK(problems(config_with("  a: {type: ssh, username: u, password: p}\n",
                             "    credential_profiles: [a, nope]\n"))
            .find("pools.lab.credential_profiles: names no profile defined under credentials: "
                  "\"nope\"") != std::string::npos);
}

TEST_CASE("private keys: formats, encryption and passphrases are told apart") {
  auto ok = nmcp::inspect_private_key(kDemoKey, "");
  REQUIRE(ok);
  CHECK(ok->format == "openssh");
  CHECK(ok->algorithm == "ssh-ed25519");
  CHECK_FALSE(ok->encrypted);
  CHECK(nmcp::inspect_private_key(kDemoPublic, "").error().message.find("public key") !=
        std::string::npos);
  CHECK(nmcp::inspect_private_key("-----BEGIN OPENSSH PRIVATE KEY-----\n!!!\n"
                                  "-----END OPENSSH PRIVATE KEY-----",
                                  "")
            .error()
            .message.find("damaged") != std::string::npos);
  CHECK(
      nmcp::inspect_private_key("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----", "")
          .error()
          .message.find("damaged") != std::string::npos);
  CHECK(nmcp::inspect_ssh_certificate("ssh-ed25519-cert-v01@openssh.com AAAA x")
            .error()
            .message.find("damaged") != std::string::npos);
  CHECK(nmcp::inspect_ssh_certificate(kDemoPublic)
            .error()
            .message.find("not an OpenSSH user "
                          "certificate") != std::string::npos);
}

TEST_CASE("credentials: one list of escalation methods, in every check and message") {
  for (const auto m : nmcp::config::kEscalationMethods)
    CHECK(nmcp::config::is_escalation_method(m));
  CHECK_FALSE(nmcp::config::is_escalation_method("sudo2"));
  CHECK_FALSE(nmcp::config::is_escalation_method(""));
  CHECK(nmcp::config::escalation_methods_text() == "Nothing, sudo, su, su+sudo, pbrun, dzdo");
}
