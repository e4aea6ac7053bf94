// Reading the credential profiles of config/scanners.yaml: SSH (password, key, certificate, with
// escalation), Windows and SNMPv3, secrets from the environment or owner-only files, and the
// pools' profile lists checked against them.
#include "core/config/config_loader_internal.h"

namespace nmcp::config::loading {

std::optional<std::string> Loader::secret(const YAML::Node& map, const char* key,
                                          const std::string& path, bool required) {
  auto v = text(map, key, path, required);
  if (!v) return std::nullopt;
  if (is_file_reference(*v)) {
    auto content = read_secret_file(*v);
    wipe(*v);
    if (!content) {
      problem(map[key], child(path, key),
              content.error().message + " (" + content.error().hint + ")");
      return std::nullopt;
    }
    v = std::move(*content);
  }
  remember_secret(*v);
  return v;
}

std::optional<std::string> Loader::one_of(const YAML::Node& map, const char* key,
                                          const std::string& path,
                                          std::initializer_list<const char*> allowed,
                                          const char* fallback) {
  auto v = text(map, key, path, false);
  if (!v) return fallback == nullptr ? std::nullopt : std::optional<std::string>(fallback);
  std::string list;
  for (const char* a : allowed) {
    if (*v == a) return v;
    list += (list.empty() ? "" : ", ") + std::string(a);
  }
  problem(map[key], child(path, key), "must be one of " + list + "; got \"" + *v + "\"");
  return std::nullopt;
}

std::optional<std::string> Loader::key_material(const YAML::Node& map, const char* key,
                                                const std::string& path, const char* begins) {
  const auto raw = text(map, key, path, false);
  if (raw && !is_file_reference(*raw) && raw->find(begins) == std::string::npos &&
      raw->find('\n') == std::string::npos && !raw->empty() && raw->front() == '/') {
    problem(map[key], child(path, key),
            "\"" + *raw + "\" looks like a path; write file:" + *raw +
                " (or give the text itself, e.g. from ${VAR})");
    return std::nullopt;
  }
  return secret(map, key, path, false);
}

void Loader::read_escalation(const YAML::Node& c, const std::string& path, SshCredential& ssh) {
  const YAML::Node esc = c["escalation"];
  if (!esc.IsDefined() || esc.IsNull()) return;
  if (!esc.IsMap()) {
    problem(esc, path + ".escalation", "must be a mapping with method, account and password");
    return;
  }
  const std::string at = path + ".escalation";
  known_keys(esc, at, {"method", "account", "password"});
  if (auto v = text(esc, "method", at, true)) {
    if (!is_escalation_method(*v)) {
      problem(esc["method"], at + ".method",
              "must be one of " + escalation_methods_text() + "; got \"" + *v + "\"");
    }
    ssh.escalation_method = *v;
  }
  if (auto v = text(esc, "account", at, false)) ssh.escalation_account = *v;
  if (auto v = secret(esc, "password", at, false)) ssh.escalation_password = *v;
}

void Loader::read_ssh(const YAML::Node& c, const std::string& path, CredentialProfile& profile) {
  known_keys(c, path,
             {"type", "auth", "username", "password", "private_key", "private_key_file",
              "private_key_passphrase", "certificate", "escalation"});
  SshCredential ssh;
  if (auto v = text(c, "username", path, true)) ssh.username = *v;
  if (c["private_key_file"].IsDefined()) {
    problem(c["private_key_file"], path + ".private_key_file",
            "is now written private_key: file:PATH (the file must be mode 0600)");
  }
  const bool has_key = c["private_key"].IsDefined();
  const auto auth = one_of(c, "auth", path, {"password", "public_key", "certificate"},
                           has_key ? "public_key" : "password");
  if (!auth) return;
  ssh.auth = *auth;
  if (auto v = secret(c, "password", path, false)) ssh.password = *v;
  if (auto v = secret(c, "private_key_passphrase", path, false)) ssh.private_key_passphrase = *v;
  if (auto v = key_material(c, "private_key", path, "PRIVATE KEY")) ssh.private_key = *v;
  if (auto v = key_material(c, "certificate", path, "-cert-v01@openssh.com")) ssh.certificate = *v;
  if (ssh.auth == "password") {
    if (ssh.password.empty() && !c["password"].IsDefined())
      problem(c, path, "auth password needs a password");
    for (const char* k : {"private_key", "private_key_passphrase", "certificate"}) {
      if (c[k].IsDefined())
        problem(c[k], child(path, k), "goes with auth public_key or certificate, not password");
    }
  } else {
    if (!has_key) {
      problem(c, path,
              "auth " + ssh.auth +
                  " needs private_key (file:/path/to/key, mode 0600, or ${VAR} with the key)");
    } else if (!ssh.private_key.empty()) {
      if (auto k = inspect_private_key(ssh.private_key, ssh.private_key_passphrase); !k) {
        problem(c["private_key"], path + ".private_key",
                k.error().message + where_from(c["private_key"]) + " (" + k.error().hint + ")");
      }
    }
    if (c["password"].IsDefined()) {
      problem(c["password"], path + ".password",
              "goes with auth password; an encrypted key takes private_key_passphrase");
    }
    if (ssh.auth == "certificate") {
      if (!c["certificate"].IsDefined()) {
        problem(c, path, "auth certificate needs certificate (file:/path/to/key-cert.pub)");
      } else if (!ssh.certificate.empty()) {
        if (auto k = inspect_ssh_certificate(ssh.certificate); !k) {
          problem(c["certificate"], path + ".certificate",
                  k.error().message + where_from(c["certificate"]) + " (" + k.error().hint + ")");
        }
      }
    } else if (c["certificate"].IsDefined()) {
      problem(c["certificate"], path + ".certificate", "goes with auth certificate");
    }
  }
  read_escalation(c, path, ssh);
  profile.ssh.push_back(std::move(ssh));
}

std::string Loader::where_from(const YAML::Node& node) {
  if (!node.IsScalar()) return {};
  const std::string& raw = node.Scalar();
  return is_file_reference(raw) ? " (in " + raw.substr(kFilePrefix.size()) + ")" : "";
}

void Loader::read_windows(const YAML::Node& c, const std::string& path,
                          CredentialProfile& profile) {
  known_keys(c, path,
             {"type", "auth", "username", "domain", "password", "ntlm_hash",
              "start_remote_registry", "enable_admin_shares", "start_server_service",
              "never_send_credentials_in_clear", "dont_use_ntlmv1"});
  WindowsCredential w;
  if (auto v = text(c, "username", path, true)) w.username = *v;
  if (auto v = text(c, "domain", path, false)) w.domain = *v;
  if (w.username.find('\\') != std::string::npos && !w.domain.empty()) {
    problem(c["username"], path + ".username",
            "names a domain (DOMAIN\\user) and domain is given too; keep one");
  }
  const auto auth = one_of(c, "auth", path, {"password", "ntlm_hash"}, "password");
  if (!auth) return;
  w.auth = *auth;
  if (auto v = secret(c, "password", path, w.auth == "password")) w.password = *v;
  if (auto v = secret(c, "ntlm_hash", path, w.auth == "ntlm_hash")) {
    w.ntlm_hash = lower(*v);
    remember_secret(w.ntlm_hash);  // the form Nessus is sent
    if (w.ntlm_hash.size() != 32 || !is_hex(w.ntlm_hash)) {
      problem(c["ntlm_hash"], path + ".ntlm_hash", "must be the NT hash: 32 hex digits");
    }
  }
  if (w.auth == "password" && c["ntlm_hash"].IsDefined())
    problem(c["ntlm_hash"], path + ".ntlm_hash", "goes with auth ntlm_hash");
  if (w.auth == "ntlm_hash" && c["password"].IsDefined())
    problem(c["password"], path + ".password", "goes with auth password");
  if (auto b = boolean(c, "start_remote_registry", path)) w.start_remote_registry = *b;
  if (auto b = boolean(c, "enable_admin_shares", path)) w.enable_admin_shares = *b;
  if (auto b = boolean(c, "start_server_service", path)) w.start_server_service = *b;
  if (auto b = boolean(c, "never_send_credentials_in_clear", path))
    w.never_send_credentials_in_clear = *b;
  if (auto b = boolean(c, "dont_use_ntlmv1", path)) w.dont_use_ntlmv1 = *b;
  profile.windows.push_back(std::move(w));
}

void Loader::read_snmpv3(const YAML::Node& c, const std::string& path, CredentialProfile& profile) {
  known_keys(c, path,
             {"type", "username", "port", "security_level", "auth_algorithm", "auth_password",
              "privacy_algorithm", "privacy_password"});
  Snmpv3Credential s;
  if (auto v = text(c, "username", path, true)) s.username = *v;
  if (auto n = number(c, "port", path, 1, 65535)) s.port = static_cast<int>(*n);
  const auto level = one_of(c, "security_level", path,
                            {"no_auth_no_priv", "auth_no_priv", "auth_priv"}, "auth_priv");
  if (auto v = one_of(c, "auth_algorithm", path,
                      {"MD5", "SHA1", "SHA-224", "SHA-256", "SHA-384", "SHA-512"}, "SHA1"))
    s.auth_algorithm = *v;
  if (auto v =
          one_of(c, "privacy_algorithm", path, {"AES", "AES-192", "AES-256", "DES", "3DES"}, "AES"))
    s.privacy_algorithm = *v;
  if (!level) return;
  s.security_level = *level;
  const bool auth = s.security_level != "no_auth_no_priv";
  const bool priv = s.security_level == "auth_priv";
  // RFC 3414: a USM password has at least 8 characters.
  const auto password = [&](const char* key, bool needed, std::string& out) {
    if (!needed) {
      if (c[key].IsDefined())
        problem(c[key], child(path, key), "is not used at security_level " + s.security_level);
      return;
    }
    if (auto v = secret(c, key, path, true)) {
      if (v->size() < 8)
        problem(c[key], child(path, key), "must have at least 8 characters (RFC 3414)");
      out = *v;
    }
  };
  password("auth_password", auth, s.auth_password);
  password("privacy_password", priv, s.privacy_password);
  profile.snmpv3.push_back(std::move(s));
}

void Loader::read_credential(const YAML::Node& c, const std::string& path,
                             CredentialProfile& profile) {
  if (!c.IsMap()) {
    problem(c, path, "must be a mapping with type (ssh, windows or snmpv3) and its fields");
    return;
  }
  const auto type = one_of(c, "type", path, {"ssh", "windows", "snmpv3"}, "ssh");
  if (!type) return;
  if (*type == "ssh") read_ssh(c, path, profile);
  if (*type == "windows") read_windows(c, path, profile);
  if (*type == "snmpv3") read_snmpv3(c, path, profile);
}

void Loader::read_credentials(const YAML::Node& node, ScannerConfig& config) {
  if (!node.IsDefined() || node.IsNull()) return;
  if (!node.IsMap()) {
    problem(node, "credentials", "must map profile names to credential profiles");
    return;
  }
  for (const auto& kv : node) {
    const std::string name = kv.first.Scalar();
    const std::string path = "credentials." + name;
    if (!is_name(name, 64)) problem(kv.first, path, "profile names are 1-64 of [A-Za-z0-9_.-]");
    const YAML::Node c = kv.second;
    CredentialProfile profile;
    profile.name = name;
    if (c.IsMap() && c["credentials"].IsDefined()) {
      // Several credentials: each its own mapping with a type.
      known_keys(c, path, {"credentials"});
      const YAML::Node list = c["credentials"];
      if (!list.IsSequence() || list.size() == 0) {
        problem(list, path + ".credentials", "must be a non-empty list of credentials");
        continue;
      }
      for (std::size_t i = 0; i < list.size(); ++i) {
        read_credential(list[i], path + ".credentials[" + std::to_string(i) + "]", profile);
      }
    } else {
      read_credential(c, path, profile);
    }
    config.credentials.emplace(name, std::move(profile));
  }
}

void Loader::check_pool_profiles(const ScannerConfig& config) {
  for (const auto& pool : config.pools) {
    for (const auto& name : pool.credential_profiles) {
      if (config.credential(name) == nullptr) {
        problem(YAML::Node(), "pools." + pool.name + ".credential_profiles",
                "names no profile defined under credentials: \"" + name + "\"");
      }
    }
  }
}

}  // namespace nmcp::config::loading
