#include "dev/nessus-sim/export_writer.h"

#include <array>
#include <cstdio>

namespace nessus_sim {
namespace {

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

// Findings every host may show, by network probing alone.
const std::vector<Plugin>& network_catalogue() {
  static const std::vector<Plugin> k = {
      {10287,
       0,
       "Traceroute Information",
       "General",
       0,
       "general",
       "udp",
       "None",
       nullptr,
       nullptr,
       nullptr,
       nullptr,
       {},
       false,
       "It was possible to obtain traceroute information.",
       "Makes a traceroute to the remote host.",
       "n/a",
       "For your information, here is the traceroute from 10.0.0.5 to {host} : "
       "\n10.0.0.5\n{host}\n\nHop Count: 1\n"},
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
       "Port 22/tcp was found to be open"},
      {11219,
       0,
       "Nessus SYN scanner",
       "Port scanners",
       443,
       "www",
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
       "Port 443/tcp was found to be open"},
      {22964,
       0,
       "Service Detection",
       "Service detection",
       443,
       "www",
       "tcp",
       "None",
       nullptr,
       nullptr,
       nullptr,
       nullptr,
       {},
       false,
       "The remote service could be identified.",
       "Nessus was able to identify the remote service by its banner or by looking at the error "
       "message it sends when it receives an HTTP request.",
       "n/a",
       "A web server is running on this port through TLSv1.2."},
      {10267,
       0,
       "SSH Server Type and Version Information",
       "Service detection",
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
       "An SSH server is listening on this port.",
       "It is possible to obtain information about the remote SSH server by sending an empty "
       "authentication request.",
       "n/a",
       "\n  SSH version : SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.6\n  SSH supported authentication "
       ": publickey,password\n"},
      {156032,
       4,
       "Apache Log4Shell RCE detection via callback correlation (Direct Check HTTP)",
       "Web Servers",
       8080,
       "www",
       "tcp",
       "Critical",
       "10.0",
       "CVSS2#AV:N/AC:L/Au:N/C:C/I:C/A:C",
       "10.0",
       "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H",
       {"CVE-2021-44228", "CVE-2021-45046"},
       true,
       "The remote web server is affected by a remote code execution vulnerability.",
       "The remote host is running Apache Log4j, which is affected by a remote code execution "
       "vulnerability in its JNDI lookup feature.",
       "Upgrade to Apache Log4j version 2.17.1 or later.",
       "\nNessus was able to exploit the issue using the following request :\n\nGET / "
       "HTTP/1.1\nHost: {host}:8080\nUser-Agent: ${jndi:ldap://{host}/nessus}\n"},
      {153953,
       1,
       "SSH Weak Key Exchange Algorithms Enabled",
       "Misc.",
       22,
       "ssh",
       "tcp",
       "Low",
       "2.6",
       "CVSS2#AV:N/AC:H/Au:N/C:P/I:N/A:N",
       "3.7",
       "CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:N/A:N",
       {},
       false,
       "The remote SSH server is configured to allow weak key exchange algorithms.",
       "The remote SSH server is configured to allow key exchange algorithms which are considered "
       "weak (RFC 9142).",
       "Contact the vendor or consult product documentation to disable the weak algorithms.",
       "\nThe following weak key exchange algorithms are enabled : \n\n  "
       "diffie-hellman-group-exchange-sha1\n  diffie-hellman-group1-sha1\n"},
      {70658,
       1,
       "SSH Server CBC Mode Ciphers Enabled",
       "Misc.",
       22,
       "ssh",
       "tcp",
       "Low",
       "2.6",
       "CVSS2#AV:N/AC:H/Au:N/C:P/I:N/A:N",
       "3.7",
       "CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:N/A:N",
       {"CVE-2008-5161"},
       false,
       "The SSH server is configured to use Cipher Block Chaining.",
       "The SSH server is configured to support Cipher Block Chaining (CBC) encryption, which may "
       "allow an attacker to recover the plaintext message from the ciphertext.",
       "Disable CBC mode cipher encryption, and enable CTR or GCM cipher mode encryption.",
       "\n  The following client-to-server Cipher Block Chaining (CBC) algorithms\n  are supported "
       ": \n\n  aes128-cbc\n  aes256-cbc\n"},
      {57582,
       2,
       "SSL Self-Signed Certificate",
       "General",
       443,
       "www",
       "tcp",
       "Medium",
       "6.4",
       "CVSS2#AV:N/AC:L/Au:N/C:P/I:P/A:N",
       "6.5",
       "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:L/A:N",
       {},
       false,
       "The SSL certificate chain for this service ends in an unrecognized self-signed "
       "certificate.",
       "The X.509 certificate chain for this service is not signed by a recognized certificate "
       "authority.",
       "Purchase or generate a proper SSL certificate for this service.",
       "\nThe following certificate was found at the top of the certificate\nchain sent by the "
       "remote host, but is self-signed and was not\nfound in the list of known certificate "
       "authorities :\n\n|-Subject : CN={host}\n"},
      {104743,
       2,
       "TLS Version 1.0 Protocol Detection",
       "Service detection",
       443,
       "www",
       "tcp",
       "Medium",
       "6.1",
       "CVSS2#AV:N/AC:H/Au:N/C:C/I:P/A:N",
       "6.5",
       "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:L/A:N",
       {},
       false,
       "The remote service encrypts traffic using an older version of TLS.",
       "The remote service accepts connections encrypted using TLS 1.0.",
       "Enable support for TLS 1.2 and 1.3, and disable support for TLS 1.0.",
       "TLSv1 is enabled and the server supports at least one cipher."},
      {187315,
       2,
       "SSH Terrapin Prefix Truncation Weakness (CVE-2023-48795)",
       "Misc.",
       22,
       "ssh",
       "tcp",
       "Medium",
       "4.3",
       "CVSS2#AV:N/AC:M/Au:N/C:N/I:P/A:N",
       "5.9",
       "CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:H/A:N",
       {"CVE-2023-48795"},
       false,
       "The remote SSH server is vulnerable to a mitm prefix truncation attack.",
       "The remote SSH server is vulnerable to a man-in-the-middle prefix truncation weakness "
       "known as Terrapin.",
       "Contact the vendor for an update with the strict key exchange countermeasures or disable "
       "the affected algorithms.",
       "Supports following ChaCha20-Poly1305 Algorithm : \n\n  Client to Server: "
       "chacha20-poly1305@openssh.com\n  Server to Client: chacha20-poly1305@openssh.com\n"},
      {42873,
       3,
       "SSL Medium Strength Cipher Suites Supported (SWEET32)",
       "General",
       443,
       "www",
       "tcp",
       "Medium",
       "5.0",
       "CVSS2#AV:N/AC:L/Au:N/C:P/I:N/A:N",
       "7.5",
       "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N",
       {"CVE-2016-2183"},
       false,
       "The remote service supports the use of medium strength SSL ciphers.",
       "The remote host supports the use of SSL ciphers that offer medium strength encryption "
       "(key lengths >= 64 bits and < 112 bits, or the 3DES suite).",
       "Reconfigure the affected application if possible to avoid use of medium strength ciphers.",
       "\n  Medium Strength Ciphers (> 64-bit and < 112-bit key, or 3DES)\n\n    Name              "
       "            Code             KEX           Auth     Encryption             MAC\n    "
       "----------------------        ----------       ---           ----     "
       "---------------------  ---\n    DES-CBC3-SHA                  0x00, 0x0A       RSA         "
       "  RSA      3DES-CBC(168)          SHA1\n\nThe fields above are :\n\n  {Tenable "
       "ciphername}\n  {Cipher ID code}\n  Kex=<key exchange> & Auth=<authentication>\n  "
       "Encrypt=\"symmetric encryption method\"\n  MAC='message authentication code'\n"},
      {201194,
       3,
       "OpenSSH < 9.8 RCE (regreSSHion)",
       "Misc.",
       22,
       "ssh",
       "tcp",
       "High",
       "9.3",
       "CVSS2#AV:N/AC:M/Au:N/C:C/I:C/A:C",
       "8.1",
       "CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H",
       {"CVE-2024-6387"},
       true,
       "The SSH server running on the remote host is affected by a remote code execution "
       "vulnerability.",
       "The version of OpenSSH installed on the remote host is prior to 9.8. It is affected by a "
       "signal handler race condition that may allow unauthenticated remote code execution as "
       "root.",
       "Upgrade to OpenSSH 9.8 or later.",
       "\n  Version source    : SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.6\n  Installed version : "
       "8.9p1\n  Fixed version     : 9.8p1 / 9.8\n"},
  };
  return k;
}

// Local checks that only a successful SSH login can produce.
const std::vector<Plugin>& local_catalogue() {
  static const std::vector<Plugin> k = {
      {117887,
       0,
       "OS Security Patch Assessment Available",
       "Settings",
       0,
       "general",
       "tcp",
       "None",
       nullptr,
       nullptr,
       nullptr,
       nullptr,
       {},
       false,
       "Nessus was able to log in to the remote host using the provided credentials and enumerate "
       "OS security patch levels.",
       "Nessus was able to determine OS security patch levels by logging into the remote host.",
       "n/a",
       "\nOS Security Patch Assessment is available.\n\nAccount  : {user}\nProtocol : SSH\n"},
      {141118,
       0,
       "Target Credential Status by Authentication Protocol - Valid Credentials Provided",
       "Settings",
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
       "Valid credentials were provided for an available authentication protocol.",
       "Nessus was able to determine that valid credentials were provided for an authentication "
       "protocol available on the remote target.",
       "n/a",
       "\nNessus was able to log in to the remote host as {user} using SSH.\n"},
      {190598,
       3,
       "Ubuntu 22.04 LTS : Linux kernel vulnerabilities (USN-6700-1)",
       "Ubuntu Local Security Checks",
       0,
       "general",
       "tcp",
       "High",
       "7.2",
       "CVSS2#AV:L/AC:L/Au:N/C:C/I:C/A:C",
       "7.8",
       "CVSS:3.0/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H",
       {"CVE-2023-46838", "CVE-2023-50431", "CVE-2024-1085", "CVE-2024-1086", "CVE-2024-24855"},
       true,
       "The remote Ubuntu host is missing one or more security updates.",
       "The remote Ubuntu 22.04 LTS host has a package installed that is affected by multiple "
       "vulnerabilities as referenced in the USN-6700-1 advisory.",
       "Update the affected kernel package.",
       "\nRunning Kernel level of 5.15.0-97-generic does not meet the minimum fixed level of "
       "5.15.0-101-generic for this advisory.\n"},
      {183862,
       4,
       "Ubuntu 22.04 LTS : OpenSSL vulnerabilities (USN-6450-1)",
       "Ubuntu Local Security Checks",
       0,
       "general",
       "tcp",
       "Medium",
       "6.8",
       "CVSS2#AV:N/AC:M/Au:N/C:P/I:P/A:P",
       "9.8",
       "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
       {"CVE-2023-2975", "CVE-2023-3446", "CVE-2023-3817", "CVE-2023-5363"},
       false,
       "The remote Ubuntu host is missing one or more security updates.",
       "The remote Ubuntu 22.04 LTS host has packages installed that are affected by multiple "
       "vulnerabilities as referenced in the USN-6450-1 advisory.",
       "Update the affected packages.",
       "\n  - Installed package : libssl3_3.0.2-0ubuntu1.10\n  - Fixed package     : "
       "libssl3_3.0.2-0ubuntu1.12\n"},
  };
  return k;
}

const Plugin kLoginFailed = {
    104410,
    0,
    "Target Credential Status by Authentication Protocol - Failure for Provided Credentials",
    "Settings",
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
    "Nessus was able to find common ports used for local checks, however, the credentials "
    "provided in the scan policy did not work.",
    "Nessus was unable to log into the detected authentication protocol, using the provided "
    "credentials, in order to perform credentialed checks.",
    "Address the reported problem(s) so that credentialed checks can be executed.",
    "\nNessus was unable to log into the following host for which credentials have been provided "
    ":\n\n  Protocol        : SSH\n  Port            : 22\n  Failure details :\n    - User : "
    "{user}\n    - Plugin      : ssh_get_info2.nasl\n      Plugin ID   : 97993\n      Plugin Name "
    ": OS Identification and Installed Software Enumeration over SSH v2 (Using New SSH Library)\n  "
    "    Message     : \nCredentialed checks of Unix systems require that the 'password' method be "
    "allowed.\nAuthentication failed for user '{user}'.\n"};

const Plugin kLocalChecksFailed = {
    21745,
    0,
    "OS Security Patch Assessment Failed",
    "Settings",
    0,
    "general",
    "tcp",
    "None",
    nullptr,
    nullptr,
    nullptr,
    nullptr,
    {},
    false,
    "Errors prevented OS Security Patch Assessment.",
    "OS Security Patch Assessment is not available because of the errors logged below.",
    "Fix the problem(s) so that OS Security Patch Assessment is possible.",
    "\nOS Security Patch Assessment failed because :\n\n  - Authentication failed for user "
    "'{user}' via SSH on port 22.\n"};

const Plugin kInsufficientPrivilege = {
    110385,
    0,
    "Target Credential Issues by Authentication Protocol - Insufficient Privilege",
    "Settings",
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
    "Nessus was able to log in to the remote host, however this credential did not have "
    "sufficient privileges for all planned checks.",
    "Nessus was able to execute credentialed checks, but the account did not have the privileges "
    "needed for all of them.",
    "Ensure that the account and its privilege escalation settings allow running all commands.",
    "\nNessus was able to log into the remote host with the credentials provided, however "
    "the\nfollowing privilege escalation failed :\n\n  User       : '{user}'\n  Port       : 22\n  "
    "Proto      : SSH\n  Method     : password\n  Escalation : {escalation}\n"};

const Plugin kNeedsEscalation = {
    102094,
    0,
    "SSH Commands Require Privilege Escalation",
    "Settings",
    0,
    "general",
    "tcp",
    "None",
    nullptr,
    nullptr,
    nullptr,
    nullptr,
    {},
    false,
    "This plugin reports the SSH commands that failed with a response indicating that privilege "
    "escalation is required to run them.",
    "Some SSH commands could not run without privilege escalation.",
    "Configure privilege escalation for the scan account.",
    "\nLogin account : {user}\nCommands failed due to privilege escalation failure :\n\n  - "
    "Escalation account : root\n    Escalation method  : {escalation}\n    Plugins :\n      - "
    "Plugin Filename : linux_kernel_version.nasl\n"};

// A severity-0 credential or settings plugin.
Plugin note(int id, const char* name, int port, const char* svc, const char* proto,
            const char* synopsis, const char* output) {
  return {id,      0,       name,    "Settings", port,  svc,      proto,    "None", nullptr,
          nullptr, nullptr, nullptr, {},         false, synopsis, synopsis, "n/a",  output};
}

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

const Plugin kSmbLogin = note(10394, "Microsoft Windows SMB Log In Possible", 445, "cifs", "tcp",
                              "It was possible to log into the remote host.",
                              "\n- The SMB tests will be done as '{wuser}'/******\n");
const Plugin kSmbNotAdmin =
    note(24786, "Nessus Windows Scan Not Performed with Admin Privileges", 0, "general", "tcp",
         "The Nessus scan of this host may be incomplete due to insufficient privileges provided.",
         "\nIt was not possible to connect to '\\\\WIN-{hash}\\ADMIN$' with the supplied "
         "credentials.\n");
const Plugin kSmbNoRegistry =
    note(26917, "Microsoft Windows SMB Registry : Nessus Cannot Access the Windows Registry", 445,
         "cifs", "tcp", "Nessus is not able to access the remote Windows Registry.",
         "\nCould not connect to the registry because:\nUnable to connect to the remote registry "
         "(the Remote Registry service may be stopped)\n");
const Plugin kSmbPatchAssessment = note(
    117887, "OS Security Patch Assessment Available", 0, "general", "tcp",
    "Nessus was able to log in to the remote host using the provided credentials and enumerate "
    "OS security patch levels.",
    "\nOS Security Patch Assessment is available.\n\nAccount  : {wuser}\nProtocol : SMB\n");
const Plugin kSmbValid = note(
    141118, "Target Credential Status by Authentication Protocol - Valid Credentials Provided", 445,
    "cifs", "tcp", "Valid credentials were provided for an available authentication protocol.",
    "\nNessus was able to log in to the remote host as {wuser} using SMB.\n");
const Plugin kSmbFailed = note(
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
const Plugin kSmbLocalFailed = note(
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
const Plugin kSnmpPatchAssessment = note(
    117887, "OS Security Patch Assessment Available", 0, "general", "tcp",
    "Nessus was able to log in to the remote host using the provided credentials and enumerate "
    "OS security patch levels.",
    "\nOS Security Patch Assessment is available.\n\nAccount  : {suser}\nProtocol : SNMP\n");
const Plugin kSnmpValid = note(
    141118, "Target Credential Status by Authentication Protocol - Valid Credentials Provided", 161,
    "snmp", "udp", "Valid credentials were provided for an available authentication protocol.",
    "\nNessus was able to log in to the remote host as {suser} using SNMP.\n");
const Plugin kSnmpInsufficient =
    note(110385, "Target Credential Issues by Authentication Protocol - Insufficient Privilege",
         161, "snmp", "udp",
         "Nessus was able to log in to the remote host, however this credential did not have "
         "sufficient privileges for all planned checks.",
         "\nNessus was able to log into the remote host with the credentials provided, however the "
         "account did not have the privileges needed for all checks :\n\n  User     : '{suser}'\n  "
         "Port     : 161\n  Protocol : SNMP\n  Message  : the SNMP view for this user does not "
         "include the OIDs needed for local checks.\n");
const Plugin kSnmpFailed = note(
    104410,
    "Target Credential Status by Authentication Protocol - Failure for Provided Credentials", 161,
    "snmp", "udp",
    "Nessus was able to find common ports used for local checks, however, the credentials "
    "provided in the scan policy did not work.",
    "\nNessus was unable to log into the following host for which credentials have been provided "
    ":\n\n  Protocol        : SNMP\n  Port            : 161\n  Failure details :\n    - User : "
    "{suser}\n    - Plugin      : snmp_settings.nasl\n      Message     : \nSNMPv3 authentication "
    "failed: unknown user name, or wrong authentication or privacy key.\n");

std::string replace_all(std::string s, std::string_view from, const std::string& to) {
  std::size_t pos = 0;
  while ((pos = s.find(from, pos)) != std::string::npos) {
    s.replace(pos, from.size(), to);
    pos += to.size();
  }
  return s;
}

std::string ctime_string(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::array<char, 64> buf{};
  // Nessus writes ctime style with a space-padded day: "Fri Nov  7 13:25:52 2025".
  std::strftime(buf.data(), buf.size(), "%a %b %e %H:%M:%S %Y", &tm);
  return buf.data();
}

class Writer {
 public:
  explicit Writer(const std::function<bool(std::string_view)>& out) : out_(out) {}
  bool put(std::string_view s) {
    if (!ok_) return false;
    buffer_ += s;
    if (buffer_.size() >= 64 * 1024) flush();
    return ok_;
  }
  void flush() {
    if (ok_ && !buffer_.empty()) ok_ = out_(buffer_);
    buffer_.clear();
  }
  bool ok() const { return ok_; }

 private:
  const std::function<bool(std::string_view)>& out_;
  std::string buffer_;
  bool ok_ = true;
};

void tag(Writer& w, const char* name, const std::string& value) {
  w.put("<tag name=\"");
  w.put(name);
  w.put("\">");
  w.put(xml_escape(value));
  w.put("</tag>\n");
}

void element(Writer& w, const char* name, const std::string& value) {
  w.put("<");
  w.put(name);
  w.put(">");
  w.put(xml_escape(value));
  w.put("</");
  w.put(name);
  w.put(">\n");
}

struct ItemContext {
  const SimHost& host;
  const ExportSpec& spec;
  int port_offset;
};

void report_item(Writer& w, const Plugin& p, const ItemContext& c, const std::string& output) {
  const int port = p.port == 0 ? 0 : p.port + c.port_offset;
  w.put("<ReportItem port=\"" + std::to_string(port) + "\" svc_name=\"" + p.svc + "\" protocol=\"" +
        p.proto + "\" severity=\"" + std::to_string(p.severity) + "\" pluginID=\"" +
        std::to_string(p.id) + "\" pluginName=\"" + xml_escape(p.name) + "\" pluginFamily=\"" +
        xml_escape(p.family) + "\">\n");
  element(w, "description", p.description);
  element(w, "fname", "sim_" + std::to_string(p.id) + ".nasl");
  element(w, "plugin_modification_date", "2026/10/01");
  element(w, "plugin_name", p.name);
  element(w, "plugin_publication_date", "2024/07/02");
  element(w, "plugin_type", p.port == 0 && p.severity > 0 ? "local" : "remote");
  element(w, "risk_factor", p.risk);
  element(w, "script_version", "1.12");
  element(w, "solution", p.solution);
  element(w, "synopsis", p.synopsis);
  if (p.cvss2 != nullptr) {
    element(w, "cvss_base_score", p.cvss2);
    element(w, "cvss_vector", p.cvss2_vector);
  }
  if (p.cvss3 != nullptr) {
    element(w, "cvss3_base_score", p.cvss3);
    element(w, "cvss3_vector", p.cvss3_vector);
  }
  for (const char* cve : p.cves) element(w, "cve", cve);
  if (!p.cves.empty()) {
    element(w, "xref", "IAVA:2024-A-0001");
    element(w, "see_also",
            "https://nvd.nist.gov/vuln/detail/" + std::string(p.cves.front()) +
                "\nhttps://www.tenable.com/plugins/nessus/" + std::to_string(p.id));
    element(w, "cwe", "CWE-20");
  }
  if (p.severity > 0) element(w, "exploit_available", p.exploit ? "true" : "false");
  if (p.exploit) element(w, "exploit_framework_metasploit", "true");
  if (!output.empty()) element(w, "plugin_output", output);
  w.put("</ReportItem>\n");
}

std::string fill(const char* templ, const ItemContext& c) {
  std::string s = templ == nullptr ? "" : templ;
  s = replace_all(std::move(s), "{host}", c.host.ip);
  s = replace_all(std::move(s), "{user}", c.spec.ssh_user);
  s = replace_all(std::move(s), "{escalation}", c.spec.escalation_method);
  s = replace_all(std::move(s), "{wuser}", c.spec.creds.windows_user);
  s = replace_all(std::move(s), "{suser}", c.spec.creds.snmp_user);
  s = replace_all(std::move(s), "{hash}", std::to_string(c.host.hash % 100000));
  if (c.spec.creds.ssh_auth != "password" && !c.spec.creds.ssh_failure.empty()) {
    // A key or certificate refused: the host's own words, not the password method's.
    s = replace_all(std::move(s),
                    "Credentialed checks of Unix systems require that the 'password' method be "
                    "allowed.\nAuthentication failed for user '" +
                        c.spec.ssh_user + "'.",
                    c.spec.creds.ssh_failure + ".");
    s = replace_all(std::move(s), "Authentication failed for user '" + c.spec.ssh_user + "' via",
                    c.spec.creds.ssh_failure + " for user '" + c.spec.ssh_user + "' via");
  }
  return s;
}

bool windows_local_checks(const SimHost& h, const ExportSpec& spec) {
  return spec.creds.windows == WindowsOutcome::Admin &&
         (!h.registry_stopped || spec.creds.start_remote_registry);
}

// The value of 19506's "Credentialed checks :" line for this host.
std::string credentialed_line(const SimHost& h, const ExportSpec& spec) {
  switch (h.kind) {
    case HostKind::Windows:
      if (!windows_local_checks(h, spec)) return "no";
      // Real scanners also print the form whose closing parenthesis is missing.
      return h.hash % 4U == 0U ? "yes (as '" + spec.creds.windows_user + "' via SMB"
                               : "yes, as '" + spec.creds.windows_user + "' via SMB";
    case HostKind::NetworkDevice:
      return spec.creds.snmp == SnmpOutcome::Success ? "yes, via SNMP" : "no";
    case HostKind::Linux:
      break;
  }
  return spec.credentials == CredentialOutcome::Success ||
                 spec.credentials == CredentialOutcome::EscalationFailed
             ? "yes, as '" + spec.ssh_user + "' via ssh"
             : "no";
}

std::string scan_information(const ExportSpec& spec, const std::string& credentialed) {
  std::string s =
      "Information about this scan : \n\nNessus version : 10.8.3\nNessus build : 20010\n"
      "Plugin feed version : 202611220000\nScanner edition used : ";
  s += spec.edition == "essentials" ? "Nessus Home" : "Nessus";
  s += "\nScanner OS : LINUX\nScanner distribution : ubuntu1404-x86-64\nScan type : Normal\n"
       "Scan name : " +
       spec.scan_name + "\nScan policy used : " + spec.policy_name +
       "\nScanner IP : 10.0.0.5\nPort scanner(s) : nessus_syn_scanner \nPort range : default\n"
       "Ping RTT : 0.532 ms\nThorough tests : no\nExperimental tests : no\n"
       "Scan for Unpatched Vulnerabilities : no\nPlugin debugging enabled : no\n"
       "Paranoia level : 1\nReport verbosity : 1\nSafe checks : yes\nOptimize the test : yes\n"
       "Credentialed checks : " +
       credentialed + "\n";
  if (credentialed != "no") s += "Attempt Least Privilege : no\n";
  s += "Patch management checks : None\nDisplay superseded patches : yes (supersedence plugin "
       "launched)\n"
       "CGI scanning : disabled\nWeb application tests : disabled\nMax hosts : 30\nMax checks : 4\n"
       "Recv timeout : 5\nBackports : None\nAllow post-scan editing : Yes\n"
       "Nessus Plugin Signature Checking : Enabled\nAudit File Signature Checking : Disabled\n"
       "Scan duration : " +
       std::to_string(spec.end - spec.start) + " sec\nScan for malware : no\n";
  return s;
}

void host_properties(Writer& w, const SimHost& h, const ExportSpec& spec) {
  w.put("<HostProperties>\n");
  tag(w, "HOST_END_TIMESTAMP", std::to_string(spec.end));
  tag(w, "HOST_END", ctime_string(spec.end));
  switch (h.kind) {
    case HostKind::Windows:
      tag(w, "operating-system", "Microsoft Windows Server 2019 Standard");
      tag(w, "operating-system-method", "SMB");
      tag(w, "system-type", "general-purpose");
      tag(w, "netbios-name", "WIN-" + std::to_string(h.hash % 100000));
      break;
    case HostKind::NetworkDevice:
      tag(w, "operating-system", "Cisco IOS XE 17.3");
      tag(w, "operating-system-method", "SNMP");
      tag(w, "system-type", "router");
      break;
    case HostKind::Linux:
      tag(w, "operating-system", "Linux Kernel 5.15.0-97-generic on Ubuntu 22.04");
      tag(w, "operating-system-method", "SSH");
      tag(w, "system-type", "general-purpose");
      break;
  }
  tag(w, "host-ip", h.ip);
  if (!h.fqdn.empty()) tag(w, "host-fqdn", h.fqdn);
  tag(w, "mac-address",
      "00:50:56:" + std::to_string(10 + h.hash % 89) + ":" +
          std::to_string(10 + (h.hash >> 8U) % 89) + ":" +
          std::to_string(10 + (h.hash >> 16U) % 89));
  const bool credentialed = credentialed_line(h, spec) != "no";
  tag(w, "Credentialed_Scan", credentialed ? "true" : "false");
  tag(w, credentialed ? "LastAuthenticatedResults" : "LastUnauthenticatedResults",
      std::to_string(spec.end));
  if (credentialed && h.kind == HostKind::Linux) {
    tag(w, "ssh-login-used", spec.ssh_user);
    tag(w, "local-checks-proto", "ssh");
  } else if (credentialed && h.kind == HostKind::Windows) {
    tag(w, "smb-login-used", spec.creds.windows_user);
    tag(w, "local-checks-proto", "smb");
  } else if (credentialed) {
    tag(w, "local-checks-proto", "snmp");
  }
  tag(w, "HOST_START_TIMESTAMP", std::to_string(spec.start));
  tag(w, "HOST_START", ctime_string(spec.start));
  w.put("</HostProperties>\n");
}

// Calls `visit` for every finding of a host except 19506, in document order; stops when it
// returns false.
bool visit_windows(const SimHost& h, const ExportSpec& spec,
                   const std::function<bool(const Plugin&, const ItemContext&)>& visit) {
  const ItemContext base{h, spec, 0};
  std::vector<const Plugin*> plugins;
  switch (spec.creds.windows) {
    case WindowsOutcome::Admin:
      plugins = windows_local_checks(h, spec)
                    ? std::vector<const Plugin*>{&kSmbLogin, &kSmbValid, &kSmbPatchAssessment}
                    : std::vector<const Plugin*>{&kSmbLogin, &kSmbNoRegistry};
      break;
    case WindowsOutcome::NotAdmin:
      plugins = {&kSmbLogin, &kSmbNotAdmin, &kSmbNoRegistry};
      break;
    case WindowsOutcome::LoginFailed:
      plugins = {&kSmbFailed, &kSmbLocalFailed};
      break;
    case WindowsOutcome::None:
      break;
  }
  for (const auto& p : windows_network_catalogue()) plugins.push_back(&p);
  if (windows_local_checks(h, spec)) {
    for (const auto& p : windows_local_catalogue()) plugins.push_back(&p);
  }
  for (const Plugin* p : plugins) {
    if (!visit(*p, base)) return false;
  }
  return true;
}

bool visit_device(const SimHost& h, const ExportSpec& spec,
                  const std::function<bool(const Plugin&, const ItemContext&)>& visit) {
  const ItemContext base{h, spec, 0};
  std::vector<const Plugin*> plugins;
  if (spec.creds.snmp == SnmpOutcome::Success) plugins = {&kSnmpPatchAssessment};
  if (spec.creds.snmp == SnmpOutcome::Restricted) plugins = {&kSnmpValid, &kSnmpInsufficient};
  if (spec.creds.snmp == SnmpOutcome::LoginFailed) plugins = {&kSnmpFailed};
  for (const auto& p : device_network_catalogue()) plugins.push_back(&p);
  if (spec.creds.snmp == SnmpOutcome::Success) plugins.push_back(&kCiscoIos);
  for (const Plugin* p : plugins) {
    if (!visit(*p, base)) return false;
  }
  return true;
}

void visit_findings(const SimHost& h, const ExportSpec& spec,
                    const std::function<bool(const Plugin&, const ItemContext&)>& visit) {
  const ItemContext base{h, spec, 0};
  if (h.kind == HostKind::Windows) {
    visit_windows(h, spec, visit);
    return;
  }
  if (h.kind == HostKind::NetworkDevice) {
    visit_device(h, spec, visit);
    return;
  }
  switch (spec.credentials) {
    case CredentialOutcome::LoginFailed:
      if (!visit(kLoginFailed, base) || !visit(kLocalChecksFailed, base)) return;
      break;
    case CredentialOutcome::EscalationFailed:
      if (!visit(kInsufficientPrivilege, base) || !visit(kNeedsEscalation, base)) return;
      break;
    default:
      break;
  }
  const auto& net = network_catalogue();
  // Every host gets the findings its hash selects: the critical Log4Shell only on a third of
  // them, so severity counts differ between hosts. In network epoch e (the e-th rescan of the
  // same targets, with --network-drift) the host's first e vulnerabilities on a network service
  // are fixed and the same flaws show on services that appeared on other ports: each rescan, one
  // fixed and one new, until the host has no more to change.
  auto drifts = [](const Plugin& p) { return p.severity > 0 && p.port != 0; };
  constexpr int kNewServicePorts = 30000;  // far above the rounds' offsets (1000 per round)
  std::vector<const Plugin*> moved;
  int written = 0;
  for (int i = 0; written < spec.findings_per_host; ++i) {
    const Plugin& p = net[static_cast<std::size_t>(i) % net.size()];
    const int round = i / static_cast<int>(net.size());
    if (p.severity == 4 && (h.hash % 3U) != 0U && round == 0) continue;
    ++written;
    if (round == 0 && drifts(p) && static_cast<int>(moved.size()) < spec.network_epoch) {
      moved.push_back(&p);
      continue;
    }
    if (!visit(p, ItemContext{h, spec, round * 1000})) return;
  }
  for (const Plugin* p : moved) {
    if (!visit(*p, ItemContext{h, spec, kNewServicePorts})) return;
  }
  if (spec.credentials == CredentialOutcome::Success ||
      spec.credentials == CredentialOutcome::EscalationFailed) {
    for (const auto& p : local_catalogue()) {
      // Without escalation only the login plugins report; local vulnerability checks need root.
      if (spec.credentials == CredentialOutcome::EscalationFailed && p.severity > 0) continue;
      if (!visit(p, base)) return;
    }
  }
}

void host(Writer& w, const SimHost& h, const ExportSpec& spec, bool break_xml) {
  w.put("<ReportHost name=\"" + xml_escape(h.name) + "\">");
  host_properties(w, h, spec);
  const ItemContext base{h, spec, 0};
  const Plugin info = {
      19506,
      0,
      "Nessus Scan Information",
      "Settings",
      0,
      "general",
      "tcp",
      "None",
      nullptr,
      nullptr,
      nullptr,
      nullptr,
      {},
      false,
      "This plugin displays information about the Nessus scan.",
      "This plugin displays, for each tested host, information about the scan itself.",
      "n/a",
      nullptr};
  std::string information = scan_information(spec, credentialed_line(h, spec));
  if (!spec.plugin_output_note.empty()) {
    information += "\nFound in a configuration file: " + spec.plugin_output_note + "\n";
  }
  report_item(w, info, base, information);
  if (break_xml) w.put("<ReportItem port=\"0\" <broken attribute></ReportItem>\n");
  visit_findings(h, spec, [&](const Plugin& p, const ItemContext& c) {
    report_item(w, p, c, fill(p.output, c));
    return w.ok();
  });
  w.put("</ReportHost>\n");
}

}  // namespace

SeverityCounts count_findings(const SimHost& host, const ExportSpec& spec) {
  SeverityCounts counts;
  counts.info = 1;  // 19506
  visit_findings(host, spec, [&](const Plugin& p, const ItemContext&) {
    int* slot[] = {&counts.info, &counts.low, &counts.medium, &counts.high, &counts.critical};
    ++*slot[p.severity];
    return true;
  });
  return counts;
}

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

void write_export(const ExportSpec& spec, const std::string& mode,
                  const std::function<bool(std::string_view)>& out) {
  Writer w(out);
  w.put("<?xml version=\"1.0\" ?>\n<NessusClientData_v2>\n<Policy><policyName>");
  w.put(xml_escape(spec.policy_name));
  w.put("</policyName>\n<Preferences><ServerPreferences>\n");
  for (const auto& [name, value] : std::vector<std::pair<std::string, std::string>>{
           {"TARGET", spec.targets},
           {"scan_name", spec.scan_name},
           {"whoami", "admin"},
           {"scan_start_timestamp", std::to_string(spec.start)},
           {"scan_end_timestamp", std::to_string(spec.end)},
           {"max_hosts", "30"},
           {"max_checks", "4"},
           {"safe_checks", "yes"}}) {
    w.put("<preference><name>" + xml_escape(name) + "</name><value>" + xml_escape(value) +
          "</value></preference>\n");
  }
  w.put(
      "</ServerPreferences>\n<PluginsPreferences></PluginsPreferences></Preferences>\n</Policy>\n");
  w.put("<Report name=\"" + xml_escape(spec.scan_name) +
        "\" xmlns:cm=\"http://www.nessus.org/cm\">\n");
  const std::size_t cut = mode == "truncated" ? (spec.hosts.size() + 1) / 2 : spec.hosts.size();
  for (std::size_t i = 0; i < spec.hosts.size() && w.ok(); ++i) {
    if (i == cut) {
      w.put("<ReportHost name=\"" + xml_escape(spec.hosts[i].name) +
            "\"><HostProperties>\n<tag name=\"HOST_E");
      w.flush();
      return;  // the document stops mid-element, as an interrupted download would
    }
    host(w, spec.hosts[i], spec, mode == "malformed" && i == 0);
  }
  if (mode == "truncated" && spec.hosts.size() == 1) {
    w.flush();
    return;
  }
  w.put("</Report>\n</NessusClientData_v2>\n");
  w.flush();
}

}  // namespace nessus_sim
