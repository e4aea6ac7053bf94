#pragma once
// The simulator's plugin catalogue: the findings its exports carry (network checks every host
// may show, local checks behind a login, Windows over SMB, network devices over SNMP) and the
// credential plugins of each login outcome, with the texts and scores a real Nessus writes.
// Data only; export_writer.cc writes exports from it. Thread-safe (immutable after first use).

#include <vector>

namespace nessus_sim {

struct Plugin {
  int id;
  int severity;
  const char* name;
  const char* family;
  int port;
  const char* svc;
  const char* proto;
  const char* risk;  // risk_factor (CVSSv2-based; may disagree with severity, as on 10.x)
  const char* cvss2;
  const char* cvss2_vector;
  const char* cvss3;
  const char* cvss3_vector;
  std::vector<const char*> cves;
  bool exploit;
  const char* synopsis;
  const char* description;
  const char* solution;
  const char* output;  // may contain {host} and {user}
};

// A severity-0 credential or settings plugin.
inline Plugin settings_note(int id, const char* name, int port, const char* svc, const char* proto,
                            const char* synopsis, const char* output) {
  return {id,      0,       name,    "Settings", port,  svc,      proto,    "None", nullptr,
          nullptr, nullptr, nullptr, {},         false, synopsis, synopsis, "n/a",  output};
}

const std::vector<Plugin>& network_catalogue();
const std::vector<Plugin>& local_catalogue();
const std::vector<Plugin>& windows_network_catalogue();
const std::vector<Plugin>& windows_local_catalogue();
const std::vector<Plugin>& device_network_catalogue();

// The credential and settings plugins of each login outcome.
extern const Plugin kLoginFailed;
extern const Plugin kLocalChecksFailed;
extern const Plugin kInsufficientPrivilege;
extern const Plugin kNeedsEscalation;
extern const Plugin kSmbLogin;
extern const Plugin kSmbNotAdmin;
extern const Plugin kSmbNoRegistry;
extern const Plugin kSmbPatchAssessment;
extern const Plugin kSmbValid;
extern const Plugin kSmbFailed;
extern const Plugin kSmbLocalFailed;
extern const Plugin kCiscoIos;
extern const Plugin kSnmpPatchAssessment;
extern const Plugin kSnmpValid;
extern const Plugin kSnmpInsufficient;
extern const Plugin kSnmpFailed;

}  // namespace nessus_sim
