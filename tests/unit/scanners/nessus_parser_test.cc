#include "scanners/results/nessus_parser.h"

#include <doctest/doctest.h>

#include "scanners/results/scan_validation.h"

using namespace nmcp::scanners;

namespace {

struct Collect : ReportVisitor {
  ReportInfo info;
  std::vector<ReportHost> hosts;
  std::vector<ReportItem> items;
  int ends = 0;
  void on_report(const ReportInfo& i) override { info = i; }
  void on_host(const ReportHost& h) override { hosts.push_back(h); }
  void on_item(const ReportHost&, const ReportItem& i) override { items.push_back(i); }
  void on_host_end(const ReportHost&) override { ++ends; }
};

std::string report(const std::string& hosts) {
  return R"(<?xml version="1.0" ?>
<NessusClientData_v2><Policy><policyName>Advanced Scan</policyName></Policy>
<Report name="weekly &amp; more" xmlns:cm="http://www.nessus.org/cm">)" +
         hosts + "</Report></NessusClientData_v2>";
}

std::string host(const std::string& name, const std::string& tags, const std::string& items) {
  return "<ReportHost name=\"" + name + "\"><HostProperties>" + tags + "</HostProperties>" + items +
         "</ReportHost>";
}

std::string item(int id, int severity, const std::string& children = "", int port = 0) {
  return "<ReportItem port=\"" + std::to_string(port) +
         "\" svc_name=\"general\" protocol=\"tcp\" severity=\"" + std::to_string(severity) +
         "\" pluginID=\"" + std::to_string(id) + "\" pluginName=\"P" + std::to_string(id) +
         "\" pluginFamily=\"General\">" + children + "</ReportItem>";
}

std::string scan_info(const std::string& line) {
  return item(19506, 0,
              "<plugin_output>Information about this scan : \n\nNessus version : 10.7.1\n" + line +
                  "\n</plugin_output>");
}

}  // namespace

TEST_CASE("parser: hosts, properties, every attribute and repeated children") {
  Collect c;
  const std::string doc = report(host("10.0.0.5",
                                      "<tag name=\"host-ip\">10.0.0.5</tag><tag "
                                      "name=\"operating-system\">Linux &quot;x&quot;</tag>",
                                      item(1, 4,
                                           "<cve>CVE-1</cve><cve>CVE-2</cve><xref>CWE:79</"
                                           "xref><plugin_output>a&#xd;\nb</plugin_output>",
                                           443)));
  auto r = parse_nessus_text(doc, c);
  REQUIRE(r);
  CHECK(r->hosts == 1);
  CHECK(r->items == 1);
  CHECK(c.info.scan_name == "weekly & more");
  CHECK(c.info.policy_name == "Advanced Scan");
  REQUIRE(c.hosts.size() == 1);
  CHECK(c.hosts[0].property("operating-system") == "Linux \"x\"");
  REQUIRE(c.items.size() == 1);
  const auto& i = c.items[0];
  CHECK(i.plugin_id == 1);
  CHECK(i.severity == 4);
  CHECK(i.port == 443);
  CHECK(i.attribute("pluginFamily") == "General");
  CHECK(i.all("cve") == std::vector<std::string>{"CVE-1", "CVE-2"});
  CHECK(i.first("plugin_output") == "a\nb");
  CHECK(c.ends == 1);
}

TEST_CASE("parser: small reads give the same result as one buffer") {
  const std::string doc = report(host("h", "", item(1, 1) + item(2, 2)));
  Collect c;
  std::size_t off = 0;
  auto r = parse_nessus(
      [&](char* buf, std::size_t) -> long {
        if (off == doc.size()) return 0;
        buf[0] = doc[off++];
        return 1;
      },
      c);
  REQUIRE(r);
  CHECK(c.items.size() == 2);
}

TEST_CASE("parser: hostile and broken input is refused with a clear error") {
  struct Case {
    std::string text;
    const char* why;
  };
  const std::string bomb =
      "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 "
      "\"&lol;&lol;&lol;&lol;\">]><NessusClientData_v2>&lol2;</NessusClientData_v2>";
  const std::string xxe =
      "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>"
      "<NessusClientData_v2>&e;</NessusClientData_v2>";
  std::string deep = "<NessusClientData_v2>";
  for (int i = 0; i < 100; ++i) deep += "<a>";
  const std::string full = report(host("h", "", item(1, 1)));
  for (const Case& c :
       {Case{bomb, "DOCTYPE"}, Case{xxe, "DOCTYPE"},
        Case{"<NessusClientData><Report/></NessusClientData>", "legacy v1"},
        Case{host("h", "", item(1, 1)), "not a complete .nessus v2"},
        Case{full.substr(0, full.size() / 2), "truncated"},
        Case{"<NessusClientData_v2><Report name=\"\xff\xfe\"/></NessusClientData_v2>", "not UTF-8"},
        Case{"<NessusClientData_v2><a></b></NessusClientData_v2>", "well-formed"},
        Case{deep, "deeper than"}, Case{"", "empty"}, Case{"not xml at all", "well-formed"}}) {
    CAPTURE(c.text.substr(0, 60));
    Collect sink;
    auto r = parse_nessus_text(c.text, sink);
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find(c.why) != std::string::npos);
    CHECK_FALSE(r.error().hint.empty());
  }
  Collect sink;
  ParseLimits small;
  small.max_text_bytes = 10;
  auto r = parse_nessus_text(
      report(host("h", "",
                  item(1, 1, "<plugin_output>" + std::string(100, 'x') + "</plugin_output>"))),
      sink, small);
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find("text node") != std::string::npos);
}

TEST_CASE("validation: per-host credential outcomes and the scan verdict") {
  const std::string doc =
      report(host("ok", "<tag name=\"Credentialed_Scan\">true</tag>",
                  scan_info("Credentialed checks : yes, as 'scanuser' via ssh") + item(5, 3)) +
             host("tagless", "", scan_info("Credentialed checks : yes, as 'root' via ssh")) +
             host("partial", "",
                  scan_info("Credentialed checks : yes, as 'u' via ssh") + item(110385, 0)) +
             host("refused", "",
                  scan_info("Credentialed checks : no") +
                      item(104410, 0,
                           "<plugin_output>\nNessus was unable to log into the following host "
                           "for which credentials have been provided :\n\n  Protocol        : "
                           "SSH\n  Port            : 22\n  Failure details :\n    - User : "
                           "root\n    - Plugin      : ssh_get_info2.nasl\n      Plugin ID   : "
                           "97993\n      Message     : \nCredentialed checks of Unix systems "
                           "require that the 'password' method be allowed.\nAuthentication "
                           "failed for user 'root'.\n</plugin_output>",
                           22)) +
             host("silent", "", item(7, 2)));
  ScanValidator v(true);
  std::vector<HostCredential> h;
  v.observe([&h](const HostCredential& c) { h.push_back(c); });
  REQUIRE(parse_nessus_text(doc, v));
  REQUIRE(h.size() == 5);
  CHECK(v.host_count() == 5);
  CHECK(h[0].status == CredentialStatus::Success);
  CHECK(h[0].account == "scanuser");
  CHECK(h[0].protocol == "ssh");
  CHECK(h[1].status == CredentialStatus::Success);
  CHECK(h[1].account == "root");
  CHECK(h[2].status == CredentialStatus::Partial);
  CHECK(h[3].status == CredentialStatus::Failed);
  // The reason is the plugin's message, not its first (cut-off) line.
  CHECK(h[3].reason ==
        "SSH login as 'root' on port 22 failed: Authentication failed for user "
        "'root'.");
  CHECK(h[4].status == CredentialStatus::Unknown);
  CHECK(v.verdict().ok);
  auto s = v.summary();
  CHECK(s["hosts"] == 5);
  CHECK(s["severity"]["high"] == 1);
  CHECK(s["severity"]["medium"] == 1);
  CHECK(s["credentialed_hosts"] == 3);
  CHECK(s["top_plugins"][0]["plugin_id"] == 5);
  CHECK(v.validation()["credentials"] == "partial");
}

TEST_CASE("validation: an authenticated scan where every login failed is a failure") {
  const std::string doc = report(host("a", "<tag name=\"Credentialed_Scan\">false</tag>",
                                      scan_info("Credentialed checks : no") + item(21745, 0)));
  ScanValidator v(true);
  REQUIRE(parse_nessus_text(doc, v));
  const auto verdict = v.verdict();
  CHECK_FALSE(verdict.ok);
  CHECK(verdict.message.find("did not work on any host") != std::string::npos);
  CHECK(verdict.hint.find("credential profile") != std::string::npos);
  CHECK(v.validation()["credentials"] == "failed");

  ScanValidator untrusted(false);
  REQUIRE(parse_nessus_text(doc, untrusted));
  CHECK(untrusted.verdict().ok);
  CHECK(untrusted.last_host().status == CredentialStatus::NotApplicable);
  // 19506 at severity 3 (an old feed) is never counted as a finding.
  ScanValidator old_feed(false);
  REQUIRE(parse_nessus_text(report(host("a", "", item(19506, 3))), old_feed));
  CHECK(old_feed.severities().high == 0);
}

TEST_CASE("validation: a finding counts with one effective severity, 19506 and out-of-range too") {
  // The summary counts what the index stores (scanners::effective_severity, one rule for both).
  ScanValidator v(false);
  REQUIRE(parse_nessus_text(report(host("a", "", item(19506, 3) + item(11, 7) + item(12, -1))), v));
  CHECK(v.severities().high == 0);
  CHECK(v.severities().critical == 1);  // 7 counts as critical, as the index stores it
  ReportItem scan_information;
  scan_information.plugin_id = 19506;
  scan_information.severity = 3;
  CHECK(effective_severity(scan_information) == 0);
  ReportItem odd;
  odd.plugin_id = 11;
  odd.severity = 7;
  CHECK(effective_severity(odd) == 4);
  odd.severity = -1;
  CHECK(effective_severity(odd) == 0);
}

TEST_CASE("validation: Windows and SNMP forms of the credential plugins, per protocol") {
  const auto out = [](const std::string& text) {
    return "<plugin_output>" + text + "</plugin_output>";
  };
  const std::string smb_login = item(10394, 0,
                                     out("\n- The SMB tests will be done as "
                                         "'LAB\\labuser'/******\n"),
                                     445);
  const std::string doc = report(
      host("w-ok", "<tag name=\"Credentialed_Scan\">true</tag>",
           scan_info("Credentialed checks : yes, as 'LAB\\scanadmin' via SMB")) +
      // The patch-management form whose closing parenthesis is missing.
      host("w-paren", "", scan_info("Credentialed checks : yes (as 'LAB\\scanadmin' via SMB")) +
      host("w-notadmin", "",
           scan_info("Credentialed checks : no") + smb_login +
               item(24786, 0,
                    out("\nIt was not possible to connect to '\\\\WIN1\\ADMIN$' with the "
                        "supplied credentials.\n"))) +
      host("w-registry", "", scan_info("Credentialed checks : no") + smb_login + item(26917, 0)) +
      // A NULL session is no login with the supplied account.
      host("w-null", "",
           scan_info("Credentialed checks : no") +
               item(10394, 0, out("- NULL sessions are enabled on the remote host\n"), 445) +
               item(21745, 0,
                    out("\nOS Security Patch Assessment failed because :\n\n  - Authentication "
                        "failed for user 'LAB\\scanadmin' via SMB on port 445.\n\nThe following "
                        "service errors were logged :\n\n  - Plugin : smb_login.nasl\n    "
                        "Plugin ID : 10394\n    Protocol : SMB\n    Message : Failed to "
                        "authenticate.\n"))) +
      host("w-patch", "",
           item(117887, 0,
                out("\nOS Security Patch Assessment is available.\n\nAccount  : "
                    "LAB\\scanadmin\nProtocol : SMB\n"))) +
      host("n-ok", "", scan_info("Credentialed checks : yes, via SNMP")) +
      host("n-refused", "",
           scan_info("Credentialed checks : no") +
               item(104410, 0,
                    out("\nNessus was unable to log into the following host for which "
                        "credentials have been provided :\n\n  Protocol        : SNMP\n  Port "
                        "           : 161\n  Failure details :\n    - User : snmpuser\n      "
                        "Message     : \nSNMPv3 authentication failed.\n"),
                    161)));
  ScanValidator v(
      {CredentialsSupplied::Yes, {CredentialProtocol::Windows, CredentialProtocol::Snmpv3}});
  std::map<std::string, HostCredential> h;
  v.observe([&h](const HostCredential& c) { h[c.host] = c; });
  REQUIRE(parse_nessus_text(doc, v));
  auto windows = [&](const std::string& name) { return h.at(name).protocols.at(0); };
  CHECK(h.at("w-ok").status == CredentialStatus::Success);
  CHECK(h.at("w-ok").account == "LAB\\scanadmin");
  CHECK(windows("w-ok").status == CredentialStatus::Success);
  CHECK(h.at("w-ok").protocols.at(1).status == CredentialStatus::NotApplicable);  // snmpv3
  CHECK(h.at("w-paren").status == CredentialStatus::Success);
  CHECK(h.at("w-paren").protocol == "SMB");
  CHECK(h.at("w-notadmin").status == CredentialStatus::Partial);
  CHECK(h.at("w-notadmin").reason.find("administrator rights") != std::string::npos);
  CHECK(h.at("w-notadmin").account == "LAB\\labuser");
  CHECK(h.at("w-registry").status == CredentialStatus::Partial);
  CHECK(h.at("w-registry").reason.find("remote registry") != std::string::npos);
  CHECK(h.at("w-null").status == CredentialStatus::Failed);
  CHECK(h.at("w-null").reason.find("SMB login") != std::string::npos);
  CHECK(h.at("w-patch").status == CredentialStatus::Success);
  CHECK(h.at("n-ok").status == CredentialStatus::Success);
  CHECK(h.at("n-ok").protocols.at(1).status == CredentialStatus::Success);
  CHECK(h.at("n-refused").status == CredentialStatus::Failed);
  CHECK(h.at("n-refused").reason.find("SNMP login as 'snmpuser' on port 161 failed") !=
        std::string::npos);
  const auto val = v.validation();
  CHECK(val["by_protocol"]["windows"]["success"] == 3);
  CHECK(val["by_protocol"]["windows"]["partial"] == 2);
  CHECK(val["by_protocol"]["windows"]["failed"] == 1);
  CHECK(val["by_protocol"]["snmpv3"]["success"] == 1);
  CHECK(val["by_protocol"]["snmpv3"]["failed"] == 1);
  CHECK(val["credentials"] == "partial");

  // Every Windows login failed: the verdict's hint is about Windows.
  ScanValidator failed({CredentialsSupplied::Yes, {CredentialProtocol::Windows}});
  REQUIRE(parse_nessus_text(report(host("w-null", "",
                                        scan_info("Credentialed checks : no") +
                                            item(104410, 0,
                                                 out("\n  Protocol        : SMB\n  Port   "
                                                     "         : 445\n    - User : LAB\\x\n  "
                                                     "    Message     : \nFailed to "
                                                     "authenticate.\n"),
                                                 445))),
                            failed));
  CHECK_FALSE(failed.verdict().ok);
  CHECK(failed.verdict().hint.find("locked out") != std::string::npos);
  CHECK(failed.verdict().hint.find("TCP 445") != std::string::npos);
}
