// The catalogue's Windows hosts (SMB) and network devices (SNMP), with the credential plugins of
// each login outcome on them.
#include "dev/nessus-sim/plugin_catalogue.h"

namespace nessus_sim {

// Windows hosts: what SMB shows, then the credential plugins of each outcome.
const std::vector<Plugin>& windows_network_catalogue() {
  static const std::vector<Plugin> k = {
      {11011,
       0,
       "Microsoft Windows SMB Service Detection",
       "Windows",
       445,
       "cifs",
       "tcp",
       "None",
       nullptr,
       nullptr,
       nullptr,
       nullptr,
       {},
       false,
       "A file / print sharing service is listening on the remote host.",
       "The remote service understands the CIFS (Common Internet File System) or Server Message "
       "Block (SMB) protocol.",
       "n/a",
       "\nA CIFS server is running on this port.\n"},
      {57608,
       2,
       "SMB Signing not required",
       "Misc.",
       445,
       "cifs",
       "tcp",
       "Medium",
       "5.0",
       "CVSS2#AV:N/AC:L/Au:N/C:N/I:P/A:N",
       "5.3",
       "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:L/A:N",
       {},
       false,
       "Signing is not required on the remote SMB server.",
       "Signing is not required on the remote SMB server. An unauthenticated, remote attacker can "
       "exploit this to conduct man-in-the-middle attacks against the SMB server.",
       "Enforce message signing in the host's configuration.",
       nullptr},
      {10150,
       0,
       "Windows NetBIOS / SMB Remote Host Information Disclosure",
       "Windows",
       137,
       "netbios-ns",
       "udp",
       "None",
       nullptr,
       nullptr,
       nullptr,
       nullptr,
       {},
       false,
       "It was possible to obtain the network name of the remote host.",
       "The remote host is listening on UDP port 137 and replies to NetBIOS nbtscan requests.",
       "n/a",
       "\nThe following 2 NetBIOS names have been gathered :\n\n WIN-{hash}  = Computer name\n"
       " LAB         = Workgroup / Domain name\n"},
  };
  return k;
}

const std::vector<Plugin>& windows_local_catalogue() {
  static const std::vector<Plugin> k = {
      {187901,
       3,
       "KB5034127: Windows Server 2019 Security Update (January 2024)",
       "Windows : Microsoft Bulletins",
       445,
       "cifs",
       "tcp",
       "High",
       "8.5",
       "CVSS2#AV:N/AC:M/Au:S/C:C/I:C/A:C",
       "8.8",
       "CVSS:3.0/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H",
       {"CVE-2024-20653", "CVE-2024-20674", "CVE-2024-20700"},
       false,
       "The remote Windows host is affected by multiple vulnerabilities.",
       "The remote Windows host is missing security update 5034127.",
       "Apply Security Update 5034127.",
       "\nThe remote host is missing one of the following rollup KBs :\n  - 5034127\n\n"
       "  - C:\\Windows\\system32\\ntoskrnl.exe has not been patched.\n"
       "    Remote version : 10.0.17763.5206\n    Should be      : 10.0.17763.5329\n"},
  };
  return k;
}

const Plugin kSmbLogin = settings_note(10394, "Microsoft Windows SMB Log In Possible", 445, "cifs",
                                       "tcp", "It was possible to log into the remote host.",
                                       "\n- The SMB tests will be done as '{wuser}'/******\n");
const Plugin kSmbNotAdmin = settings_note(
    24786, "Nessus Windows Scan Not Performed with Admin Privileges", 0, "general", "tcp",
    "The Nessus scan of this host may be incomplete due to insufficient privileges provided.",
    "\nIt was not possible to connect to '\\\\WIN-{hash}\\ADMIN$' with the supplied "
    "credentials.\n");
const Plugin kSmbNoRegistry = settings_note(
    26917, "Microsoft Windows SMB Registry : Nessus Cannot Access the Windows Registry", 445,
    "cifs", "tcp", "Nessus is not able to access the remote Windows Registry.",
    "\nCould not connect to the registry because:\nUnable to connect to the remote registry "
    "(the Remote Registry service may be stopped)\n");
const Plugin kSmbPatchAssessment = settings_note(
    117887, "OS Security Patch Assessment Available", 0, "general", "tcp",
    "Nessus was able to log in to the remote host using the provided credentials and enumerate "
    "OS security patch levels.",
    "\nOS Security Patch Assessment is available.\n\nAccount  : {wuser}\nProtocol : SMB\n");
const Plugin kSmbValid = settings_note(
    141118, "Target Credential Status by Authentication Protocol - Valid Credentials Provided", 445,
    "cifs", "tcp", "Valid credentials were provided for an available authentication protocol.",
    "\nNessus was able to log in to the remote host as {wuser} using SMB.\n");
const Plugin kSmbFailed = settings_note(
    104410,
    "Target Credential Status by Authentication Protocol - Failure for Provided Credentials", 445,
    "cifs", "tcp",
    "Nessus was able to find common ports used for local checks, however, the credentials "
    "provided in the scan policy did not work.",
    "\nNessus was unable to log into the following host for which credentials have been provided "
    ":\n\n  Protocol        : SMB\n  Port            : 445\n  Failure details :\n    - User : "
    "{wuser}\n    - Plugin      : smb_login.nasl\n      Plugin ID   : 10394\n      Plugin Name : "
    "Microsoft Windows SMB Log In Possible\n      Message     : \nFailed to authenticate: "
    "STATUS_LOGON_FAILURE (the account may be locked, or the password is wrong).\n");
const Plugin kSmbLocalFailed = settings_note(
    21745, "OS Security Patch Assessment Failed", 0, "general", "tcp",
    "Errors prevented OS Security Patch Assessment.",
    "\nOS Security Patch Assessment failed because :\n\n  - Authentication failed for user "
    "'{wuser}' via SMB on port 445.\n\nThe following service errors were logged :\n\n  - Plugin "
    ": smb_login.nasl\n    Plugin ID : 10394\n    Protocol : SMB\n    Message : Failed to "
    "authenticate.\n");

// Network devices: SNMP, then the credential plugins.
const std::vector<Plugin>& device_network_catalogue() {
  static const std::vector<Plugin> k = {
      {40448,
       0,
       "SNMP Supported Protocols Detection",
       "SNMP",
       161,
       "snmp",
       "udp",
       "None",
       nullptr,
       nullptr,
       nullptr,
       nullptr,
       {},
       false,
       "This plugin reports all the protocol versions successfully negotiated with the remote "
       "SNMP agent.",
       "Extend the SNMP detection plugin to report all the supported versions.",
       "n/a",
       "\nThis host supports SNMP version SNMPv3.\n"},
      {11219,
       0,
       "Nessus SYN scanner",
       "Port scanners",
       22,
       "ssh",
       "tcp",
       "None",
       nullptr,
       nullptr,
       nullptr,
       nullptr,
       {},
       false,
       "It is possible to determine which TCP ports are open.",
       "This plugin is a SYN 'half-open' port scanner.",
       "Protect your target with an IP filter.",
       "\nPort 22/tcp was found to be open\n"},
  };
  return k;
}

const Plugin kCiscoIos = {
    183216,
    4,
    "Cisco IOS XE Software Web UI Privilege Escalation (cisco-sa-iosxe-webui-privesc-j22SaA4z)",
    "CISCO",
    0,
    "general",
    "tcp",
    "Critical",
    "10.0",
    "CVSS2#AV:N/AC:L/Au:N/C:C/I:C/A:C",
    "10.0",
    "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H",
    {"CVE-2023-20198", "CVE-2023-20273"},
    true,
    "The remote device is missing a vendor-supplied security patch.",
    "According to its self-reported version, Cisco IOS XE Software is affected by a privilege "
    "escalation vulnerability in the web UI feature.",
    "Upgrade to the relevant fixed version referenced in Cisco bug ID CSCwh87343.",
    "\n  Cisco bug ID      : CSCwh87343\n  Installed release : 17.3.4a\n"};
const Plugin kSnmpPatchAssessment = settings_note(
    117887, "OS Security Patch Assessment Available", 0, "general", "tcp",
    "Nessus was able to log in to the remote host using the provided credentials and enumerate "
    "OS security patch levels.",
    "\nOS Security Patch Assessment is available.\n\nAccount  : {suser}\nProtocol : SNMP\n");
const Plugin kSnmpValid = settings_note(
    141118, "Target Credential Status by Authentication Protocol - Valid Credentials Provided", 161,
    "snmp", "udp", "Valid credentials were provided for an available authentication protocol.",
    "\nNessus was able to log in to the remote host as {suser} using SNMP.\n");
const Plugin kSnmpInsufficient = settings_note(
    110385, "Target Credential Issues by Authentication Protocol - Insufficient Privilege", 161,
    "snmp", "udp",
    "Nessus was able to log in to the remote host, however this credential did not have "
    "sufficient privileges for all planned checks.",
    "\nNessus was able to log into the remote host with the credentials provided, however the "
    "account did not have the privileges needed for all checks :\n\n  User     : '{suser}'\n  "
    "Port     : 161\n  Protocol : SNMP\n  Message  : the SNMP view for this user does not "
    "include the OIDs needed for local checks.\n");
const Plugin kSnmpFailed = settings_note(
    104410,
    "Target Credential Status by Authentication Protocol - Failure for Provided Credentials", 161,
    "snmp", "udp",
    "Nessus was able to find common ports used for local checks, however, the credentials "
    "provided in the scan policy did not work.",
    "\nNessus was unable to log into the following host for which credentials have been provided "
    ":\n\n  Protocol        : SNMP\n  Port            : 161\n  Failure details :\n    - User : "
    "{suser}\n    - Plugin      : snmp_settings.nasl\n      Message     : \nSNMPv3 authentication "
    "failed: unknown user name, or wrong authentication or privacy key.\n");

}  // namespace nessus_sim
