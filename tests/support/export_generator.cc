#include "tests/support/export_generator.h"

#include <algorithm>
#include <cstdlib>
#include <memory>

#include "core/base/text.h"

namespace nmcp::testing {

namespace {

const char* const kFamilies[] = {"General",
                                 "Web Servers",
                                 "Ubuntu Local Security Checks",
                                 "Misc.",
                                 "Service detection",
                                 "Databases",
                                 "Windows",
                                 "SNMP"};
const char* const kWords[] = {"remote",     "buffer",   "overflow", "injection",
                              "disclosure", "bypass",   "denial",   "service",
                              "escalation", "outdated", "weak",     "cipher"};

struct PluginSpec {
  int id = 0;
  std::string name, family;
  int severity = 0;
  double cvss3 = -1, cvss2 = -1;
  bool exploit = false;
  std::vector<std::string> cves;
  int port = 0;
  std::string protocol, service;
};

std::string one_decimal(double v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::uint64_t next(std::uint64_t& state) {
  state ^= state << 13U;
  state ^= state >> 7U;
  state ^= state << 17U;
  return state;
}

PluginSpec plugin(int k) {
  PluginSpec p;
  p.id = 10000 + k * 7;
  p.family = kFamilies[k % 8];
  p.name =
      "Generated plugin " + std::to_string(k) + ": " + kWords[k % 12] + " " + kWords[(k / 12) % 12];
  const int sev_pattern[] = {0, 0, 1, 2, 2, 3, 0, 4, 2, 3};
  p.severity = sev_pattern[k % 10];
  if (p.severity > 0 && k % 4 != 1) p.cvss3 = std::min(10.0, p.severity * 2.3 + (k % 10) / 10.0);
  if (p.severity > 0 && k % 5 != 2) p.cvss2 = std::min(10.0, p.severity * 2.1 + (k % 7) / 10.0);
  p.exploit = p.severity >= 2 && k % 3 == 0;
  if (k % 2 == 0 && p.severity > 0) {
    for (int c = 0; c <= k % 3; ++c) {
      p.cves.push_back("CVE-20" + std::to_string(10 + k % 14) + "-" +
                       std::to_string(1000 + k * 3 + c));
    }
  }
  struct Service {
    int port;
    const char* protocol;
    const char* name;
  };
  static constexpr Service kServices[] = {{0, "tcp", "general"}, {22, "tcp", "ssh"},
                                          {80, "tcp", "www"},    {443, "tcp", "www"},
                                          {161, "udp", "snmp"},  {3306, "tcp", "mysql"}};
  const Service& svc = kServices[k % 6];
  p.port = svc.port;
  p.protocol = svc.protocol;
  p.service = svc.name;
  return p;
}

std::string filler(std::size_t bytes, int salt) {
  std::string out;
  int w = salt;
  while (out.size() < bytes) {
    out += kWords[static_cast<unsigned>(w++) % 12];
    out += (w % 9 == 0) ? ".\n" : " ";
  }
  out.resize(bytes);
  return out;
}

class Sink {
 public:
  explicit Sink(std::FILE* f) : f_(f) {}
  void put(const std::string& s) {
    if (std::fwrite(s.data(), 1, s.size(), f_) != s.size()) ok_ = false;
    bytes_ += s.size();
  }
  std::uint64_t bytes() const { return bytes_; }
  bool ok() const { return ok_; }

 private:
  std::FILE* f_;
  std::uint64_t bytes_ = 0;
  bool ok_ = true;
};

void child(std::string& out, const char* name, const std::string& value) {
  out += "<";
  out += name;
  out += ">";
  out += xml_escape(value);
  out += "</";
  out += name;
  out += ">\n";
}

}  // namespace

std::uint64_t write_export(const ExportSpec& spec, std::FILE* f,
                           std::vector<GeneratedFinding>* record) {
  Sink sink(f);
  std::vector<PluginSpec> plugins;
  for (int k = 0; k < spec.plugins; ++k) plugins.push_back(plugin(k));
  const std::string description = filler(spec.description_bytes, 3);
  sink.put(
      "<?xml version=\"1.0\" ?>\n<NessusClientData_v2>\n<Policy><policyName>Generated "
      "policy</policyName><Preferences><ServerPreferences><preference><name>TARGET</name>"
      "<value>10.0.0.0/16</value></preference></ServerPreferences></Preferences></Policy>\n"
      "<Report name=\"" +
      xml_escape(spec.scan_name) + "\" xmlns:cm=\"http://www.nessus.org/cm\">\n");
  std::uint64_t state = spec.seed * 0x9E3779B97F4A7C15ULL + 1;
  // Past `plugins` findings a host repeats plugins on further ports (one plugin seen on many
  // services), so a host can carry any number of findings with a bounded plugin set.
  const int per_host = spec.findings_per_host;
  for (int h = 0; spec.target_bytes > 0 ? sink.bytes() < spec.target_bytes : h < spec.hosts; ++h) {
    GeneratedFinding host;
    if (h % 7 == 6) {
      host.host = "web-" + std::to_string(h) + ".corp.example";  // named by host name only
      host.fqdn = host.host;
    } else if (h % 5 == 4) {
      host.host_ip = "fd00::" + std::to_string(h + 1);
      host.host = host.host_ip;
      host.fqdn = "v6-" + std::to_string(h) + ".example.test";
    } else {
      host.host_ip = "10." + std::to_string((h / 65536) % 256) + "." +
                     std::to_string((h / 256) % 256) + "." + std::to_string(h % 256 + 0);
      host.host = host.host_ip;
      host.fqdn = "host-" + std::to_string(h) + ".example.test";
    }
    host.netbios = "HOST" + std::to_string(h);
    std::string block = "<ReportHost name=\"" + xml_escape(host.host) + "\"><HostProperties>\n";
    if (!host.host_ip.empty()) block += "<tag name=\"host-ip\">" + host.host_ip + "</tag>\n";
    block += "<tag name=\"host-fqdn\">" + host.fqdn + "</tag>\n<tag name=\"netbios-name\">" +
             host.netbios + "</tag>\n<tag name=\"operating-system\">Linux Kernel 5." +
             std::to_string(h % 20) +
             "</tag>\n<tag name=\"HOST_START\">Fri Nov  7 13:25:52 2025</tag>\n" +
             "<tag name=\"Credentialed_Scan\">" + (spec.credentialed ? "true" : "false") +
             "</tag>\n</HostProperties>\n";
    const std::string info_output =
        std::string(
            "Information about this scan : \n\nNessus version : 10.8.3\nCredentialed checks : ") +
        (spec.credentialed ? "yes, as 'scanuser' via ssh" : "no") + "\n";
    block +=
        "<ReportItem port=\"0\" svc_name=\"general\" protocol=\"tcp\" severity=\"0\" "
        "pluginID=\"19506\" pluginName=\"Nessus Scan Information\" pluginFamily=\"Settings\">\n";
    child(block, "description", "This plugin displays information about the Nessus scan.");
    child(block, "risk_factor", "None");
    child(block, "plugin_output", info_output);
    block += "</ReportItem>\n";
    if (record != nullptr) {
      GeneratedFinding g = host;
      g.port = 0;
      g.protocol = "tcp";
      g.service = "general";
      g.plugin_id = 19506;
      g.plugin_name = "Nessus Scan Information";
      g.family = "Settings";
      g.output = info_output;
      record->push_back(g);
    }
    const auto start = static_cast<int>(next(state) % static_cast<std::uint64_t>(spec.plugins));
    const int stride = spec.plugins % 7 == 0 ? 11 : 7;
    for (int j = 0; j < per_host; ++j) {
      const PluginSpec& p = plugins[static_cast<std::size_t>((start + j * stride) % spec.plugins)];
      const int port = p.port + j / spec.plugins;
      const std::string output =
          "Host " + host.host + " reports " + p.name + "\n" + filler(spec.output_bytes, h + j);
      block += "<ReportItem port=\"" + std::to_string(port) + "\" svc_name=\"" + p.service +
               "\" protocol=\"" + p.protocol + "\" severity=\"" + std::to_string(p.severity) +
               "\" pluginID=\"" + std::to_string(p.id) + "\" pluginName=\"" + xml_escape(p.name) +
               "\" pluginFamily=\"" + xml_escape(p.family) + "\">\n";
      child(block, "synopsis", "The remote host is affected by " + p.name + " & more.");
      child(block, "description", description);
      child(block, "solution", "Upgrade to the latest version <per vendor advisory>.");
      child(block, "risk_factor", p.severity == 0 ? "None" : p.severity == 4 ? "Critical" : "High");
      child(block, "plugin_type", "remote");
      child(block, "plugin_publication_date", "2024/01/0" + std::to_string(1 + p.id % 9));
      child(block, "see_also",
            "https://example.test/advisory/" + std::to_string(p.id) + "\nhttps://example.test/kb/" +
                std::to_string(p.id));
      if (p.cvss3 >= 0) {
        child(block, "cvss3_base_score", one_decimal(p.cvss3));
        child(block, "cvss3_vector", "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H");
      }
      if (p.cvss2 >= 0) child(block, "cvss_base_score", one_decimal(p.cvss2));
      for (const auto& cve : p.cves) child(block, "cve", cve);
      if (!p.cves.empty()) child(block, "xref", "IAVA:2024-A-" + std::to_string(p.id));
      if (p.severity > 0) child(block, "exploit_available", p.exploit ? "true" : "false");
      child(block, "plugin_output", output);
      block += "</ReportItem>\n";
      if (block.size() > (1U << 20U)) {  // a host of millions of findings streams out too
        sink.put(block);
        block.clear();
      }
      if (record != nullptr) {
        GeneratedFinding g = host;
        g.port = port;
        g.protocol = p.protocol;
        g.service = p.service;
        g.plugin_id = p.id;
        g.plugin_name = p.name;
        g.family = p.family;
        g.severity = p.severity;
        g.cvss3 = p.cvss3 >= 0 ? std::stod(one_decimal(p.cvss3)) : -1;
        g.cvss2 = p.cvss2 >= 0 ? std::stod(one_decimal(p.cvss2)) : -1;
        g.exploit = p.exploit;
        g.cves = p.cves;
        g.output = output;
        record->push_back(g);
      }
    }
    block += "</ReportHost>\n";
    sink.put(block);
  }
  sink.put("</Report>\n</NessusClientData_v2>\n");
  return sink.ok() ? sink.bytes() : 0;
}

std::string export_text(const ExportSpec& spec, std::vector<GeneratedFinding>* record) {
  char* data = nullptr;
  std::size_t size = 0;
  std::FILE* f = open_memstream(&data, &size);
  write_export(spec, f, record);
  std::fclose(f);
  std::string out(data, size);
  std::free(data);
  return out;
}

bool write_export_file(const ExportSpec& spec, const std::string& path,
                       std::vector<GeneratedFinding>* record) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "wb"), &std::fclose);
  if (!f) return false;
  const auto bytes = write_export(spec, f.get(), record);
  return bytes > 0 && std::fflush(f.get()) == 0;
}

}  // namespace nmcp::testing
