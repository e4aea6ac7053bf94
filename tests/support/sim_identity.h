#pragma once
// nessus-sim's fixed development identity (dev/nessus-sim/README.md), repeated here for tests:
// API keys, the web login, the accounts, keys and CA its hosts accept. Published on purpose;
// never reuse them anywhere real.

#include <string>

namespace nmcp::testing {

inline const std::string kSimAccessKey =
    "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90";
inline const std::string kSimSecretKey =
    "0f9e8d7c6b5a49382716f5e4d3c2b1a00f9e8d7c6b5a49382716f5e4d3c2b1a0";
inline const std::string kSimUser = "admin";
inline const std::string kSimPassword = "nessus-sim-admin";
inline const std::string kSimApiToken = "7A3F5C2E-9B1D-4E8F-A6C4-2D5B8E1F3A90";
inline const std::string kSimSshUser = "scanuser";
inline const std::string kSimSshPassword = "scan-pass-123";
inline const std::string kSimEscalationPassword = "root-pass-123";
// The published demo key pair the simulator's Linux hosts authorize, and a certificate for it
// (principal scanuser) signed by the demo user CA they trust (dev/nessus-sim/README.md).
inline const std::string kSimDemoKey =
    "-----BEGIN OPENSSH PRIVATE KEY-----\n"
    "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n"
    "QyNTUxOQAAACDAdjdBAEoPX0mpvIdaAzXUka2PPWYyXf4Ah5sWmOQbCAAAAJizx5k7s8eZ\n"
    "OwAAAAtzc2gtZWQyNTUxOQAAACDAdjdBAEoPX0mpvIdaAzXUka2PPWYyXf4Ah5sWmOQbCA\n"
    "AAAEADY20pJzyBbVWyavDiMUmt2XkcdN8JsrAPx+wU3IufB8B2N0EASg9fSam8h1oDNdSR\n"
    "rY89ZjJd/gCHmxaY5BsIAAAAE25lc3N1cy1zaW0gZGVtbyBrZXkBAg==\n"
    "-----END OPENSSH PRIVATE KEY-----\n";
inline const std::string kSimDemoCertificate =
    "ssh-ed25519-cert-v01@openssh.com "
    "AAAAIHNzaC1lZDI1NTE5LWNlcnQtdjAxQG9wZW5zc2guY29tAAAAIEkTgk+KVLVfC+S6CHWYLRsDhWp2tzC5/"
    "jA+psTAiZC+AAAAIMB2N0EASg9fSam8h1oDNdSRrY89ZjJd/"
    "gCHmxaY5BsIAAAAAAAAAAAAAAABAAAAD25lc3N1cy1zaW0tZGVtbwAAAAwAAAAIc2NhbnVzZXIAAAAAAAAAAP/////////"
    "/"
    "AAAAAAAAAIIAAAAVcGVybWl0LVgxMS1mb3J3YXJkaW5nAAAAAAAAABdwZXJtaXQtYWdlbnQtZm9yd2FyZGluZwAAAAAAAA"
    "AWcGVybWl0LXBvcnQtZm9yd2FyZGluZwAAAAAAAAAKcGVybWl0LXB0eQAAAAAAAAAOcGVybWl0LXVzZXItcmMAAAAAAAAA"
    "AAAAADMAAAALc3NoLWVkMjU1MTkAAAAg5CWwOSXYCx2GaehT/"
    "N0+1EhrSd4htwSB8jIZ9LWNGXoAAABTAAAAC3NzaC1lZDI1NTE5AAAAQIK4GckPgWbTvx+"
    "TyA4saZETZQ3L7zigX5xGkCsE1PzR9ct8pnC2DE39NaCGMOFPel5KIb3Dx++/0XMUMcGv0Q8= "
    "nessus-sim demo key";
inline const std::string kSimWindowsDomain = "LAB";
inline const std::string kSimWindowsAdmin = "scanadmin";
inline const std::string kSimWindowsAdminPassword = "win-admin-123";
inline const std::string kSimWindowsAdminNtlmHash = "b718242c44cc276cdcc0a750a4e8551e";
inline const std::string kSimWindowsUser = "labuser";
inline const std::string kSimWindowsUserPassword = "win-user-123";
inline const std::string kSimSnmpUser = "snmpuser";
inline const std::string kSimSnmpAuthPassword = "snmp-auth-123";
inline const std::string kSimSnmpPrivacyPassword = "snmp-priv-123";

}  // namespace nmcp::testing
