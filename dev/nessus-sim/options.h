#pragma once
// Command line of nessus-sim. The defaults are the simulator's fixed, documented identity
// (README.md): API keys, the web-UI login, the X-API-Token and the SSH credentials it accepts.

#include <string>
#include <vector>

#include "dev/nessus-sim/faults.h"

namespace nessus_sim {

struct Options {
  std::string host = "127.0.0.1";
  int port = 8834;
  std::string edition = "manager";  // manager | professional | essentials
  double speed = 1.0;               // scan time runs this many times faster than real time
  int scan_seconds = 120;           // how long a scan takes at speed 1
  std::string cert_path, key_path;  // PEM files; empty: generate from cert_seed
  std::string cert_seed = "default";
  std::string access_key = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90";
  std::string secret_key = "0f9e8d7c6b5a49382716f5e4d3c2b1a00f9e8d7c6b5a49382716f5e4d3c2b1a0";
  std::string username = "admin";
  std::string password = "nessus-sim-admin";
  std::string api_token = "7A3F5C2E-9B1D-4E8F-A6C4-2D5B8E1F3A90";
  std::string ssh_user = "scanuser";
  std::string ssh_password = "scan-pass-123";
  std::string ssh_escalation_password = "root-pass-123";
  // Public keys the Linux hosts accept for ssh_user (authorized_keys lines) and the user CA
  // they trust for certificates. The defaults are the published demo key pair and CA
  // (README.md); --ssh-authorized-key FILE and --ssh-user-ca FILE replace them.
  std::vector<std::string> ssh_authorized_keys = {
      "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMB2N0EASg9fSam8h1oDNdSRrY89ZjJd/gCHmxaY5BsI "
      "nessus-sim demo key"};
  std::string ssh_user_ca =
      "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOQlsDkl2AsdhmnoU/zdPtRIa0neIbcEgfIyGfS1jRl6 "
      "nessus-sim demo user CA";
  // Windows accounts on the Windows hosts: an administrator and a standard user, in one domain.
  std::string windows_domain = "LAB";
  std::string windows_admin_user = "scanadmin";
  std::string windows_admin_password = "win-admin-123";
  std::string windows_admin_ntlm_hash = "b718242c44cc276cdcc0a750a4e8551e";  // of the password
  std::string windows_user = "labuser";
  std::string windows_user_password = "win-user-123";
  // The SNMPv3 user of the network devices (security level auth_priv).
  std::string snmp_user = "snmpuser";
  std::string snmp_auth_algorithm = "SHA1";
  std::string snmp_auth_password = "snmp-auth-123";
  std::string snmp_privacy_algorithm = "AES";
  std::string snmp_privacy_password = "snmp-priv-123";
  // Which hosts are which: Windows servers and network devices by address; every other host
  // is a Linux server. Windows hosts in registry_stopped have the Remote Registry service
  // stopped (local checks need start_remote_registry).
  std::string windows_hosts = "10.50.0.0/16";
  std::string network_hosts = "10.60.0.0/16";
  std::string registry_stopped_hosts = "10.50.9.0/24";
  int findings_per_host = 12;  // scale exports up (hundreds of MB for benchmarks)
  // The network changes between scans, as real ones do: each rescan of the same targets finds
  // one vulnerability fixed and one new per Linux host (recurring scans have something to show).
  bool network_drift = false;
  std::string exports_dir;  // serve real .nessus files from here instead of generating
  std::string write_cert;   // also write the certificate (PEM) here, for CA-file setups
  // How long an idle kept-alive connection stays open, and how many requests it may carry. A
  // real Nessus keeps idle connections for minutes: a client paused for longer than its lease
  // still finds its connection open when it wakes, so the tests must see that too.
  int keep_alive_seconds = 300;
  int keep_alive_requests = 10000;
  Faults faults;
  bool help = false;
  bool version = false;
};

// Parses argv; on a bad command line returns false with `error` set.
bool parse_options(int argc, char** argv, Options& out, std::string& error);
std::string usage();

}  // namespace nessus_sim
