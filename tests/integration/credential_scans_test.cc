// Every credential type through the real client (key uploads included) against a real
// nessus-sim over TLS, and the exports it produces read back by the real validator: per host
// and per protocol, success, partial with the missing right, failed with the reason.
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "scanners/nessus/nessus_client.h"
#include "scanners/results/nessus_parser.h"
#include "scanners/results/scan_validation.h"
#include "tests/support/eventually.h"
#include "tests/support/nessus_sim.h"
#include "tests/support/open_gate.h"
#include "tests/support/subprocess.h"

using namespace nmcp::scanners;
using nmcp::testing::eventually;
using nmcp::testing::SimProcess;
namespace config = nmcp::config;
namespace t = nmcp::testing;

namespace {

std::unique_ptr<NessusClient> client_for(const config::InstanceConfig& instance) {
  auto c = NessusClient::create(instance);
  REQUIRE_MESSAGE(c, (c ? "" : c.error().message));
  return std::move(*c);
}

// An ed25519 key made for one test: its PEM (PKCS#8, encrypted when a passphrase is given)
// and its authorized_keys line.
struct TestKey {
  std::string pem;
  std::string authorized;
};

std::string wire(const std::string& s) {
  std::string out(4, '\0');
  for (int i = 0; i < 4; ++i)
    out[static_cast<std::size_t>(i)] = static_cast<char>((s.size() >> (24 - 8 * i)) & 0xffU);
  return out + s;
}

TestKey make_key(const std::string& passphrase = "") {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  REQUIRE(key != nullptr);
  BIO* bio = BIO_new(BIO_s_mem());
  if (passphrase.empty()) {
    PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  } else {
    PEM_write_bio_PKCS8PrivateKey(bio, key, EVP_aes_256_cbc(), passphrase.data(),
                                  static_cast<int>(passphrase.size()), nullptr, nullptr);
  }
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  TestKey k;
  k.pem.assign(data, static_cast<std::size_t>(n));
  BIO_free(bio);
  unsigned char pk[32];
  std::size_t len = sizeof pk;
  EVP_PKEY_get_raw_public_key(key, pk, &len);
  EVP_PKEY_free(key);
  const std::string blob = wire("ssh-ed25519") + wire(std::string(reinterpret_cast<char*>(pk), 32));
  std::string b64(4 * ((blob.size() + 2) / 3) + 1, '\0');
  const int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(b64.data()),
                                      reinterpret_cast<const unsigned char*>(blob.data()),
                                      static_cast<int>(blob.size()));
  b64.resize(static_cast<std::size_t>(written));
  k.authorized = "ssh-ed25519 " + b64 + " test key";
  return k;
}

config::CredentialProfile ssh_key(const std::string& pem, const std::string& passphrase = "",
                                  const std::string& certificate = "") {
  config::SshCredential c;
  c.auth = certificate.empty() ? "public_key" : "certificate";
  c.username = t::kSimSshUser;
  c.private_key = pem;
  c.private_key_passphrase = passphrase;
  c.certificate = certificate;
  config::CredentialProfile p;
  p.name = "key";
  p.ssh.push_back(c);
  return p;
}

config::WindowsCredential windows(const std::string& user, const std::string& password) {
  config::WindowsCredential w;
  w.username = user;
  w.domain = t::kSimWindowsDomain;
  w.password = password;
  return w;
}

config::Snmpv3Credential snmp(const std::string& auth_password) {
  config::Snmpv3Credential s;
  s.username = t::kSimSnmpUser;
  s.auth_password = auth_password;
  s.privacy_password = t::kSimSnmpPrivacyPassword;
  return s;
}

struct Outcome {
  std::map<std::string, HostCredential> hosts;
  nlohmann::json validation;
  ScanVerdict verdict;
};

// Runs the scan to its end and reads its export as the worker does.
Outcome scan(NessusClient& c, const std::string& targets, const config::CredentialProfile& p) {
  CreateScanRequest r;
  r.name = "credentials";
  r.targets = targets;
  r.credentials = p;
  auto created = c.create_scan(r, nmcp::testing::open_gate());
  REQUIRE_MESSAGE(created, (created ? "" : created.error().message));
  REQUIRE(c.launch_scan(created->id, nmcp::testing::open_gate()));
  REQUIRE(eventually([&] {
    auto d = c.scan_details(created->id);
    return d && d->status == "completed";
  }));
  auto handle = c.request_export(created->id, nmcp::testing::open_gate());
  REQUIRE(handle);
  REQUIRE(eventually([&] {
    return c.export_status(created->id, handle->file).value_or(ExportState::Loading) ==
           ExportState::Ready;
  }));
  std::string xml;
  REQUIRE(c.download_export(created->id, handle->file, [&](std::string_view piece) {
    xml.append(piece);
    return true;
  }));
  std::vector<CredentialProtocol> protocols;
  for (const auto type : p.types()) protocols.push_back(*protocol_named(config::to_string(type)));
  ScanValidator validator({CredentialsSupplied::Yes, protocols});
  Outcome out;
  validator.observe([&](const HostCredential& h) { out.hosts[h.host] = h; });
  REQUIRE(parse_nessus_text(xml, validator));
  out.validation = validator.validation();
  out.verdict = validator.verdict();
  return out;
}

const ProtocolOutcome& protocol(const HostCredential& h, CredentialProtocol p) {
  for (const auto& o : h.protocols) {
    if (o.protocol == p) return o;
  }
  FAIL("no outcome for " << to_string(p) << " on " << h.host);
  static ProtocolOutcome none;
  return none;
}

}  // namespace

TEST_CASE(
    "credentials: an SSH key is uploaded and logs in; a key the hosts do not authorize fails") {
  SimProcess sim;
  auto c = client_for(sim.api_keys_instance());
  auto ok = scan(*c, "10.0.0.1", ssh_key(t::kSimDemoKey));
  CHECK(ok.hosts.at("10.0.0.1").status == CredentialStatus::Success);
  CHECK(ok.hosts.at("10.0.0.1").account == t::kSimSshUser);
  CHECK(ok.verdict.ok);
  const auto stats = sim.stats();
  CHECK(stats["requests"].value("POST /file/upload", 0) == 1);

  auto wrong = scan(*c, "10.0.0.2", ssh_key(make_key().pem));
  const auto& h = wrong.hosts.at("10.0.0.2");
  CHECK(h.status == CredentialStatus::Failed);
  CHECK(h.reason.find("SSH login as 'scanuser' on port 22 failed") != std::string::npos);
  CHECK(h.reason.find("not authorized") != std::string::npos);
  CHECK_FALSE(wrong.verdict.ok);
  CHECK(wrong.verdict.hint.find("password or key") != std::string::npos);
}

TEST_CASE(
    "credentials: an encrypted key needs its passphrase; a certificate from the trusted CA logs "
    "in") {
  t::TempDir dir;
  const TestKey key = make_key("key-pass-123");
  { std::ofstream(dir.path() + "/authorized") << key.authorized << "\n"; }
  SimProcess sim({"--ssh-authorized-key", dir.path() + "/authorized"});
  auto c = client_for(sim.api_keys_instance());
  CHECK(scan(*c, "10.0.0.3", ssh_key(key.pem, "key-pass-123")).hosts.at("10.0.0.3").status ==
        CredentialStatus::Success);
  const auto bad = scan(*c, "10.0.0.4", ssh_key(key.pem, "not-the-passphrase"));
  CHECK(bad.hosts.at("10.0.0.4").status == CredentialStatus::Failed);
  CHECK(bad.hosts.at("10.0.0.4").reason.find("passphrase") != std::string::npos);
  // The demo key is no longer authorized here, but its certificate from the trusted CA is.
  CHECK(scan(*c, "10.0.0.5", ssh_key(t::kSimDemoKey)).hosts.at("10.0.0.5").status ==
        CredentialStatus::Failed);
  CHECK(scan(*c, "10.0.0.6", ssh_key(t::kSimDemoKey, "", t::kSimDemoCertificate))
            .hosts.at("10.0.0.6")
            .status == CredentialStatus::Success);
  // A certificate that does not belong to the key is refused.
  const auto mismatch =
      scan(*c, "10.0.0.7", ssh_key(key.pem, "key-pass-123", t::kSimDemoCertificate));
  CHECK(mismatch.hosts.at("10.0.0.7").status == CredentialStatus::Failed);
  CHECK(mismatch.hosts.at("10.0.0.7").reason.find("does not match") != std::string::npos);
}

TEST_CASE("credentials: Windows administrator, standard user, wrong password, stopped registry") {
  SimProcess sim;
  auto c = client_for(sim.api_keys_instance());
  auto profile = [](config::WindowsCredential w) {
    config::CredentialProfile p;
    p.name = "win";
    p.windows.push_back(std::move(w));
    return p;
  };
  // 10.50.0.8 prints "yes (as 'LAB\scanadmin' via SMB" (no closing parenthesis), 10.50.0.1 the
  // usual form: both are successes.
  const auto admin = scan(*c, "10.50.0.1,10.50.0.8",
                          profile(windows(t::kSimWindowsAdmin, t::kSimWindowsAdminPassword)));
  for (const auto& entry : admin.hosts) {
    const std::string host = entry.first;
    const HostCredential& h = entry.second;
    CAPTURE(host);
    CHECK(h.status == CredentialStatus::Success);
    CHECK(h.account == "LAB\\scanadmin");
    CHECK(protocol(h, CredentialProtocol::Windows).status == CredentialStatus::Success);
  }
  CHECK(admin.validation["by_protocol"]["windows"]["success"] == 2);

  const auto user =
      scan(*c, "10.50.0.2", profile(windows(t::kSimWindowsUser, t::kSimWindowsUserPassword)));
  const auto& partial = user.hosts.at("10.50.0.2");
  CHECK(partial.status == CredentialStatus::Partial);
  CHECK(partial.reason.find("administrator rights") != std::string::npos);
  CHECK(user.verdict.ok);  // a partial login is a login
  CHECK(user.validation["credentials"] == "partial");

  const auto wrong = scan(*c, "10.50.0.3", profile(windows(t::kSimWindowsAdmin, "wrong-pass")));
  const auto& failed = wrong.hosts.at("10.50.0.3");
  CHECK(failed.status == CredentialStatus::Failed);
  CHECK(failed.reason.find("SMB login as 'LAB\\scanadmin' on port 445 failed") !=
        std::string::npos);
  CHECK_FALSE(wrong.verdict.ok);
  for (const char* cause : {"locked", "administrator", "Remote Registry", "signing", "445"}) {
    CAPTURE(cause);
    CHECK(wrong.verdict.hint.find(cause) != std::string::npos);
  }

  // The Remote Registry service is stopped on 10.50.9.0/24: partial, unless the profile lets
  // Nessus start it.
  const auto stopped =
      scan(*c, "10.50.9.4", profile(windows(t::kSimWindowsAdmin, t::kSimWindowsAdminPassword)));
  CHECK(stopped.hosts.at("10.50.9.4").status == CredentialStatus::Partial);
  CHECK(stopped.hosts.at("10.50.9.4").reason.find("start_remote_registry") != std::string::npos);
  auto start = windows(t::kSimWindowsAdmin, t::kSimWindowsAdminPassword);
  start.start_remote_registry = true;
  CHECK(scan(*c, "10.50.9.4", profile(start)).hosts.at("10.50.9.4").status ==
        CredentialStatus::Success);

  auto hash = windows(t::kSimWindowsAdmin, "");
  hash.auth = "ntlm_hash";
  hash.ntlm_hash = t::kSimWindowsAdminNtlmHash;
  CHECK(scan(*c, "10.50.0.5", profile(hash)).hosts.at("10.50.0.5").status ==
        CredentialStatus::Success);
}

TEST_CASE("credentials: SNMPv3 on a network device: right, too narrow, wrong") {
  SimProcess sim;
  auto c = client_for(sim.api_keys_instance());
  auto profile = [](config::Snmpv3Credential s) {
    config::CredentialProfile p;
    p.name = "snmp";
    p.snmpv3.push_back(std::move(s));
    return p;
  };
  const auto ok = scan(*c, "10.60.0.1", profile(snmp(t::kSimSnmpAuthPassword)));
  CHECK(ok.hosts.at("10.60.0.1").status == CredentialStatus::Success);
  CHECK(ok.validation["by_protocol"]["snmpv3"]["success"] == 1);
  // authNoPriv: the device lets the user in, but its view leaves out what local checks read.
  auto auth_only = snmp(t::kSimSnmpAuthPassword);
  auth_only.security_level = "auth_no_priv";
  auth_only.privacy_password.clear();
  const auto partial = scan(*c, "10.60.0.2", profile(auth_only));
  CHECK(partial.hosts.at("10.60.0.2").status == CredentialStatus::Partial);
  CHECK(partial.hosts.at("10.60.0.2").reason.find("MIB views") != std::string::npos);
  const auto bad = scan(*c, "10.60.0.1", profile(snmp("wrong-auth-pass")));
  CHECK(bad.hosts.at("10.60.0.1").status == CredentialStatus::Failed);
  CHECK(bad.hosts.at("10.60.0.1").reason.find("SNMP login") != std::string::npos);
  CHECK(bad.verdict.hint.find("UDP 161") != std::string::npos);
}

TEST_CASE("credentials: one SSH + Windows profile over a mixed subnet, per host and protocol") {
  SimProcess sim({"--windows-hosts", "10.70.0.128/25"});
  auto c = client_for(sim.api_keys_instance());
  config::CredentialProfile p;
  p.name = "mixed";
  config::SshCredential s;
  s.username = t::kSimSshUser;
  s.password = t::kSimSshPassword;
  p.ssh.push_back(s);
  p.windows.push_back(windows(t::kSimWindowsAdmin, t::kSimWindowsAdminPassword));
  const auto out = scan(*c, "10.70.0.10-12,10.70.0.130-131", p);
  REQUIRE(out.hosts.size() == 5);
  for (const char* linux_host : {"10.70.0.10", "10.70.0.11", "10.70.0.12"}) {
    const auto& h = out.hosts.at(linux_host);
    CAPTURE(linux_host);
    CHECK(h.status == CredentialStatus::Success);
    CHECK(protocol(h, CredentialProtocol::Ssh).status == CredentialStatus::Success);
    CHECK(protocol(h, CredentialProtocol::Windows).status == CredentialStatus::NotApplicable);
  }
  for (const char* windows_host : {"10.70.0.130", "10.70.0.131"}) {
    const auto& h = out.hosts.at(windows_host);
    CAPTURE(windows_host);
    CHECK(h.status == CredentialStatus::Success);
    CHECK(protocol(h, CredentialProtocol::Windows).status == CredentialStatus::Success);
    CHECK(protocol(h, CredentialProtocol::Ssh).status == CredentialStatus::NotApplicable);
  }
  CHECK(out.validation["by_protocol"]["ssh"]["success"] == 3);
  CHECK(out.validation["by_protocol"]["ssh"]["not_applicable"] == 2);
  CHECK(out.validation["by_protocol"]["windows"]["success"] == 2);
  CHECK(out.validation["by_protocol"]["windows"]["not_applicable"] == 3);
}
