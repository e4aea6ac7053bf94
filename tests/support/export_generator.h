#pragma once
// Generates .nessus v2 exports of any size with a known content: the project's own test and
// benchmark data (real exports stay in ../shared). Deterministic for a given spec. Hosts carry
// IPv4, IPv6 or only a host name; plugins have every field the index reads (scores, CVEs,
// references, exploitability, long texts with XML entities); every host has a 19506 item.
// Thread-safety: pure functions over their arguments.

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace nmcp::testing {

struct ExportSpec {
  int hosts = 8;
  int findings_per_host = 40;  // besides 19506; past `plugins`, plugins repeat on other ports
  int plugins = 120;
  std::uint64_t seed = 1;    // which plugins each host has
  bool credentialed = true;  // what 19506 says
  std::size_t output_bytes = 160;
  std::size_t description_bytes = 400;
  std::uint64_t target_bytes = 0;  // when set, hosts are added until the file is this large
  std::string scan_name = "generated scan";
};

struct GeneratedFinding {
  std::string host, host_ip, fqdn, netbios;
  int port = 0;
  std::string protocol, service;
  int plugin_id = 0;
  std::string plugin_name, family;
  int severity = 0;
  double cvss3 = -1, cvss2 = -1;  // -1: absent
  bool exploit = false;
  std::vector<std::string> cves;
  std::string output;
};

// Writes the export to `out`; returns the bytes written. `record`, when given, receives every
// finding in document order (19506 included).
std::uint64_t write_export(const ExportSpec& spec, std::FILE* out,
                           std::vector<GeneratedFinding>* record = nullptr);
std::string export_text(const ExportSpec& spec, std::vector<GeneratedFinding>* record = nullptr);
// Writes to a file; returns false on an I/O error.
bool write_export_file(const ExportSpec& spec, const std::string& path,
                       std::vector<GeneratedFinding>* record = nullptr);

}  // namespace nmcp::testing
