#pragma once
// A credential profile in the shapes Nessus takes in POST /scans (docs/nessus-api.md, "Create a
// scan"): credentials.add.Host.{SSH,Windows,SNMPv3}[] and the scan settings the Windows
// options set. Key material is not inline: SSH keys and certificates are uploaded first
// (POST /file/upload) and referenced here by the names Nessus gave them. Pure functions.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/config/scanner_config.h"

namespace nmcp::scanners {

// The uploaded file names for the profile's SSH credentials, in the profile's order (empty
// where the credential uploads nothing).
struct UploadedKeyFiles {
  std::vector<std::string> private_key;
  std::vector<std::string> certificate;
};

// {"add": {"Host": {...}}, "edit": {}, "delete": []}.
nlohmann::json credentials_payload(const config::CredentialProfile& profile,
                                   const UploadedKeyFiles& files);

// The "settings" members the profile's Windows credentials set ("yes"/"no"), empty without
// Windows credentials. A start/enable option is on when any Windows credential asks for it; a
// protection (never send in clear, no NTLMv1) is off only when every one turns it off.
nlohmann::json windows_settings(const config::CredentialProfile& profile);

// Overwrites every string in `value` (a payload that held credentials) before it is freed.
void wipe_strings(nlohmann::json& value);

// "Authentication and privacy" and the other spellings of the SNMPv3 form.
std::string snmp_security_level_label(const std::string& level);

}  // namespace nmcp::scanners
