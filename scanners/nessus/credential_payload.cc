#include "scanners/nessus/credential_payload.h"

#include <algorithm>

#include "core/base/secret_values.h"

namespace nmcp::scanners {

using nlohmann::json;

namespace {

const char* yes_no(bool b) { return b ? "yes" : "no"; }

json ssh_entry(const config::SshCredential& c, const std::string& key_file,
               const std::string& cert_file) {
  json j = {{"username", c.username},
            {"elevate_privileges_with", c.escalation_method},
            {"custom_password_prompt", ""},
            {"target_priority_list", ""}};
  if (c.auth == "password") {
    j["auth_method"] = "password";
    j["password"] = c.password;
  } else {
    j["auth_method"] = c.auth == "certificate" ? "certificate" : "public key";
    j["private_key"] = key_file;
    j["private_key_passphrase"] = c.private_key_passphrase;
    if (c.auth == "certificate") j["user_cert"] = cert_file;
  }
  if (c.escalation_method != config::kNoEscalation) {
    if (!c.escalation_account.empty()) j["escalation_account"] = c.escalation_account;
    // sudo with the login password is the common set-up; with a key there is none to reuse.
    j["escalation_password"] = !c.escalation_password.empty() ? c.escalation_password
                               : c.auth == "password"         ? c.password
                                                              : std::string();
  }
  return j;
}

json windows_entry(const config::WindowsCredential& c) {
  json j = {{"username", c.username}, {"domain", c.domain}};
  if (c.auth == "ntlm_hash") {
    j["auth_method"] = "NTLM Hash";
    j["hash"] = c.ntlm_hash;
  } else {
    j["auth_method"] = "Password";
    j["password"] = c.password;
  }
  return j;
}

json snmp_entry(const config::Snmpv3Credential& c) {
  json j = {{"username", c.username},
            {"port", std::to_string(c.port)},
            {"security_level", snmp_security_level_label(c.security_level)}};
  if (c.security_level != "no_auth_no_priv") {
    j["auth_algorithm"] = c.auth_algorithm;
    j["auth_password"] = c.auth_password;
  }
  if (c.security_level == "auth_priv") {
    j["priv_algorithm"] = c.privacy_algorithm;
    j["priv_password"] = c.privacy_password;
  }
  return j;
}

}  // namespace

void wipe_strings(json& value) {
  if (value.is_string()) {
    wipe(value.get_ref<std::string&>());
  } else if (value.is_structured()) {
    for (auto& member : value) wipe_strings(member);
  }
}

std::string snmp_security_level_label(const std::string& level) {
  if (level == "no_auth_no_priv") return "No authentication and no privacy";
  if (level == "auth_no_priv") return "Authentication without privacy";
  return "Authentication and privacy";
}

json credentials_payload(const config::CredentialProfile& profile, const UploadedKeyFiles& files) {
  json host = json::object();
  if (!profile.ssh.empty()) {
    json list = json::array();
    for (std::size_t i = 0; i < profile.ssh.size(); ++i) {
      const auto pick = [i](const std::vector<std::string>& v) {
        return i < v.size() ? v[i] : std::string();
      };
      list.push_back(ssh_entry(profile.ssh[i], pick(files.private_key), pick(files.certificate)));
    }
    host["SSH"] = std::move(list);
  }
  if (!profile.windows.empty()) {
    json list = json::array();
    for (const auto& c : profile.windows) list.push_back(windows_entry(c));
    host["Windows"] = std::move(list);
  }
  if (!profile.snmpv3.empty()) {
    json list = json::array();
    for (const auto& c : profile.snmpv3) list.push_back(snmp_entry(c));
    host["SNMPv3"] = std::move(list);
  }
  return {{"add", {{"Host", host}}}, {"edit", json::object()}, {"delete", json::array()}};
}

json windows_settings(const config::CredentialProfile& profile) {
  const auto& w = profile.windows;
  if (w.empty()) return json::object();
  const auto any = [&w](bool config::WindowsCredential::*field) {
    return std::any_of(w.begin(), w.end(), [field](const auto& c) { return c.*field; });
  };
  return {{"start_remote_registry", yes_no(any(&config::WindowsCredential::start_remote_registry))},
          {"enable_admin_shares", yes_no(any(&config::WindowsCredential::enable_admin_shares))},
          {"start_server_service", yes_no(any(&config::WindowsCredential::start_server_service))},
          {"never_send_win_creds_in_the_clear",
           yes_no(any(&config::WindowsCredential::never_send_credentials_in_clear))},
          {"dont_use_ntlmv1", yes_no(any(&config::WindowsCredential::dont_use_ntlmv1))}};
}

}  // namespace nmcp::scanners
