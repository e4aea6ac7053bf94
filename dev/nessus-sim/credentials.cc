#include "dev/nessus-sim/credentials.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "dev/nessus-sim/ssh_keys.h"

namespace nessus_sim {
namespace {

using nlohmann::json;

std::string field(const json& j, const char* key) {
  if (!j.is_object() || !j.contains(key)) return {};
  const json& v = j.at(key);
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) return std::to_string(v.get<long long>());
  return {};
}

bool is_text(const json& j, const char* key) {
  return j.is_object() && j.contains(key) && j.at(key).is_string();
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

int ssh_rank(CredentialOutcome o) {
  switch (o) {
    case CredentialOutcome::Success:
      return 3;
    case CredentialOutcome::EscalationFailed:
      return 2;
    case CredentialOutcome::LoginFailed:
      return 1;
    case CredentialOutcome::None:
      return 0;
  }
  return 0;
}

int windows_rank(WindowsOutcome o) {
  switch (o) {
    case WindowsOutcome::Admin:
      return 3;
    case WindowsOutcome::NotAdmin:
      return 2;
    case WindowsOutcome::LoginFailed:
      return 1;
    case WindowsOutcome::None:
      return 0;
  }
  return 0;
}

const std::set<std::string> kEscalations = {
    "Nothing",  "sudo",           "su",
    "su+sudo",  "dzdo",           "pbrun",
    ".k5login", "Cisco 'enable'", "Checkpoint Gaia 'expert'"};

std::string check_ssh(const json& c, const Options& o,
                      const std::map<std::string, std::string>& uploads, std::time_t now,
                      ScanCredentials& out) {
  const std::string method = field(c, "auth_method");
  if (method != "password" && method != "public key" && method != "certificate" &&
      method != "Kerberos") {
    return "Invalid SSH credential: auth_method \"" + method +
           "\" (expected password, public key, certificate or Kerberos)";
  }
  if (!is_text(c, "username")) return "Invalid SSH credential: username is required";
  const std::string escalation =
      c.contains("elevate_privileges_with") ? field(c, "elevate_privileges_with") : "Nothing";
  if (kEscalations.count(escalation) == 0)
    return "Invalid SSH credential: elevate_privileges_with \"" + escalation + "\"";
  const std::string user = field(c, "username");
  bool login = false;
  std::string why;
  if (method == "password") {
    if (!is_text(c, "password")) return "Invalid SSH credential: password is required";
    login = field(c, "password") == o.ssh_password;
  } else if (method == "public key" || method == "certificate") {
    const std::string key_name = field(c, "private_key");
    const auto key = uploads.find(key_name);
    if (key_name.empty() || key == uploads.end())
      return "Invalid SSH credential: private_key \"" + key_name + "\" is not an uploaded file";
    std::string error;
    const auto blob =
        public_blob_of_private_key(key->second, field(c, "private_key_passphrase"), error);
    if (!blob) {
      why = "Unable to load the private key: " + error;
    } else if (method == "public key") {
      login = std::any_of(
          o.ssh_authorized_keys.begin(), o.ssh_authorized_keys.end(),
          [&](const std::string& line) { return public_blob_of_authorized_key(line) == blob; });
      if (!login) why = "Public key authentication failed: the key is not authorized";
    } else {
      const std::string cert_name = field(c, "user_cert");
      const auto cert = uploads.find(cert_name);
      if (cert_name.empty() || cert == uploads.end())
        return "Invalid SSH credential: user_cert \"" + cert_name + "\" is not an uploaded file";
      const auto ca = public_blob_of_authorized_key(o.ssh_user_ca);
      why = ca ? check_user_certificate(cert->second, *blob, *ca, user, now)
               : "no user CA is trusted";
      login = why.empty();
    }
  } else {
    why = "Kerberos is not available on this host";
  }
  login = login && user == o.ssh_user;
  if (!login && why.empty()) why = "Authentication failed for user '" + user + "'";
  CredentialOutcome outcome = CredentialOutcome::Success;
  if (!login) {
    outcome = CredentialOutcome::LoginFailed;
  } else if (escalation != "Nothing" &&
             field(c, "escalation_password") != o.ssh_escalation_password) {
    outcome = CredentialOutcome::EscalationFailed;
  }
  if (ssh_rank(outcome) > ssh_rank(out.ssh)) {
    out.ssh = outcome;
    out.ssh_user = user;
    out.ssh_auth = method;
    out.ssh_failure = login ? "" : why;
    out.escalation_method = escalation;
  }
  return {};
}

std::string check_windows(const json& c, const Options& o, ScanCredentials& out) {
  const std::string method = field(c, "auth_method");
  if (method != "Password" && method != "NTLM Hash" && method != "LM Hash" &&
      method != "Kerberos") {
    return "Invalid Windows credential: auth_method \"" + method +
           "\" (expected Password, NTLM Hash, LM Hash or Kerberos)";
  }
  if (!is_text(c, "username")) return "Invalid Windows credential: username is required";
  std::string user = field(c, "username");
  std::string domain = field(c, "domain");
  if (const auto slash = user.find('\\'); slash != std::string::npos) {
    domain = user.substr(0, slash);
    user = user.substr(slash + 1);
  }
  std::string secret;
  if (method == "Password") {
    if (!is_text(c, "password")) return "Invalid Windows credential: password is required";
    secret = field(c, "password");
  } else if (method == "NTLM Hash") {
    secret = lower(field(c, "hash"));
    if (secret.size() != 32 ||
        !std::all_of(secret.begin(), secret.end(), [](char ch) { return std::isxdigit(ch); }))
      return "Invalid Windows credential: hash must be 32 hex digits";
  }
  const bool domain_ok = domain.empty() || lower(domain) == lower(o.windows_domain);
  WindowsOutcome outcome = WindowsOutcome::LoginFailed;
  if (domain_ok && lower(user) == lower(o.windows_admin_user) &&
      ((method == "Password" && secret == o.windows_admin_password) ||
       (method == "NTLM Hash" && secret == lower(o.windows_admin_ntlm_hash)))) {
    outcome = WindowsOutcome::Admin;
  } else if (domain_ok && lower(user) == lower(o.windows_user) && method == "Password" &&
             secret == o.windows_user_password) {
    outcome = WindowsOutcome::NotAdmin;
  }
  if (windows_rank(outcome) > windows_rank(out.windows)) {
    out.windows = outcome;
    out.windows_user = (domain.empty() ? o.windows_domain : domain) + "\\" + user;
  }
  return {};
}

const std::map<std::string, std::string> kLevels = {{"No authentication and no privacy", "none"},
                                                    {"Authentication without privacy", "auth"},
                                                    {"Authentication and privacy", "priv"}};

std::string check_snmp(const json& c, const Options& o, ScanCredentials& out) {
  if (!is_text(c, "username")) return "Invalid SNMPv3 credential: username is required";
  const auto level = kLevels.find(field(c, "security_level"));
  if (level == kLevels.end())
    return "Invalid SNMPv3 credential: security_level \"" + field(c, "security_level") + "\"";
  const std::set<std::string> auth_algorithms = {"MD5",     "SHA1",    "SHA-224",
                                                 "SHA-256", "SHA-384", "SHA-512"};
  const std::set<std::string> priv_algorithms = {"AES", "AES-192", "AES-256", "DES", "3DES"};
  if (level->second != "none") {
    if (auth_algorithms.count(field(c, "auth_algorithm")) == 0)
      return "Invalid SNMPv3 credential: auth_algorithm \"" + field(c, "auth_algorithm") + "\"";
    if (!is_text(c, "auth_password")) return "Invalid SNMPv3 credential: auth_password is required";
  }
  if (level->second == "priv") {
    if (priv_algorithms.count(field(c, "priv_algorithm")) == 0)
      return "Invalid SNMPv3 credential: priv_algorithm \"" + field(c, "priv_algorithm") + "\"";
    if (!is_text(c, "priv_password")) return "Invalid SNMPv3 credential: priv_password is required";
  }
  const std::string port = field(c, "port");
  if (!port.empty() && (port.find_first_not_of("0123456789") != std::string::npos ||
                        std::stoi(port) < 1 || std::stoi(port) > 65535))
    return "Invalid SNMPv3 credential: port \"" + port + "\"";
  const bool authenticated = field(c, "username") == o.snmp_user && level->second != "none" &&
                             field(c, "auth_algorithm") == o.snmp_auth_algorithm &&
                             field(c, "auth_password") == o.snmp_auth_password &&
                             (port.empty() || port == "161");
  const bool private_ok = level->second == "priv" &&
                          field(c, "priv_algorithm") == o.snmp_privacy_algorithm &&
                          field(c, "priv_password") == o.snmp_privacy_password;
  const SnmpOutcome outcome = !authenticated            ? SnmpOutcome::LoginFailed
                              : private_ok              ? SnmpOutcome::Success
                              : level->second == "auth" ? SnmpOutcome::Restricted
                                                        : SnmpOutcome::LoginFailed;
  const auto rank = [](SnmpOutcome s) {
    return s == SnmpOutcome::Success       ? 3
           : s == SnmpOutcome::Restricted  ? 2
           : s == SnmpOutcome::LoginFailed ? 1
                                           : 0;
  };
  if (rank(outcome) > rank(out.snmp)) {
    out.snmp = outcome;
    out.snmp_user = field(c, "username");
  }
  return {};
}

}  // namespace

std::string evaluate_credentials(const json& request, const Options& options,
                                 const std::map<std::string, std::string>& uploads, std::time_t now,
                                 ScanCredentials& out) {
  out = ScanCredentials{};
  const json settings = request.contains("settings") ? request.at("settings") : json::object();
  for (const char* key : {"start_remote_registry", "enable_admin_shares", "start_server_service",
                          "never_send_win_creds_in_the_clear", "dont_use_ntlmv1"}) {
    if (!settings.contains(key)) continue;
    const std::string v = field(settings, key);
    if (v != "yes" && v != "no") return std::string("Invalid '") + key + "' field: yes or no";
  }
  out.start_remote_registry = field(settings, "start_remote_registry") == "yes";
  if (!request.contains("credentials") || request.at("credentials").is_null()) return {};
  const json& cred = request.at("credentials");
  if (!cred.is_object()) return "Invalid 'credentials' field";
  if (!cred.contains("add") || cred.at("add").is_null()) return {};
  const json& add = cred.at("add");
  if (!add.is_object()) return "Invalid 'credentials.add' field";
  for (const auto& [category, types] : add.items()) {
    if (category != "Host") return "Unsupported credential category \"" + category + "\"";
    if (!types.is_object()) return "Invalid 'credentials.add.Host' field";
    for (const auto& [type, entries] : types.items()) {
      if (type != "SSH" && type != "Windows" && type != "SNMPv3")
        return "Unsupported credential type \"" + type + "\"";
      if (!entries.is_array()) return "Invalid '" + type + "' credentials: expected a list";
      for (const auto& c : entries) {
        if (!c.is_object()) return "Invalid '" + type + "' credential: expected an object";
        std::string error = type == "SSH"       ? check_ssh(c, options, uploads, now, out)
                            : type == "Windows" ? check_windows(c, options, out)
                                                : check_snmp(c, options, out);
        if (!error.empty()) return error;
      }
    }
  }
  return {};
}

}  // namespace nessus_sim
