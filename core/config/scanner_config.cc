#include "core/config/scanner_config.h"

#include <algorithm>

#include "core/base/secret_values.h"

namespace nmcp::config {

bool is_escalation_method(std::string_view m) {
  return std::find(kEscalationMethods.begin(), kEscalationMethods.end(), m) !=
         kEscalationMethods.end();
}

std::string escalation_methods_text() {
  std::string out;
  for (const auto m : kEscalationMethods) out += (out.empty() ? "" : ", ") + std::string(m);
  return out;
}

std::string_view to_string(CredentialType type) {
  switch (type) {
    case CredentialType::Ssh:
      return "ssh";
    case CredentialType::Windows:
      return "windows";
    case CredentialType::Snmpv3:
      return "snmpv3";
  }
  return "ssh";
}

std::vector<CredentialType> CredentialProfile::types() const {
  std::vector<CredentialType> out;
  if (!ssh.empty()) out.push_back(CredentialType::Ssh);
  if (!windows.empty()) out.push_back(CredentialType::Windows);
  if (!snmpv3.empty()) out.push_back(CredentialType::Snmpv3);
  return out;
}

bool CredentialProfile::has(CredentialType type) const {
  const auto t = types();
  return std::find(t.begin(), t.end(), type) != t.end();
}

bool CredentialProfile::escalates() const {
  return std::any_of(ssh.begin(), ssh.end(),
                     [](const SshCredential& c) { return c.escalation_method != kNoEscalation; });
}

void CredentialProfile::override_escalation(const std::string& method) {
  for (auto& c : ssh) {
    c.escalation_method = method;
    if (method == kNoEscalation) {
      c.escalation_account.clear();
      c.escalation_password.clear();
    }
  }
}

void CredentialProfile::wipe_secrets() {
  for (auto& c : ssh) {
    for (auto* f : {&c.password, &c.private_key, &c.private_key_passphrase, &c.certificate,
                    &c.escalation_password})
      wipe(*f);
  }
  for (auto& c : windows) {
    wipe(c.password);
    wipe(c.ntlm_hash);
  }
  for (auto& c : snmpv3) {
    wipe(c.auth_password);
    wipe(c.privacy_password);
  }
}

int PoolConfig::capacity() const {
  int total = 0;
  for (const auto& i : instances) total += i.enabled ? i.max_concurrent_scans : 0;
  return total;
}

bool PoolConfig::allows_profile(std::string_view profile) const {
  return credential_profiles.empty() ||
         std::find(credential_profiles.begin(), credential_profiles.end(), profile) !=
             credential_profiles.end();
}

const PoolConfig* ScannerConfig::pool(std::string_view name) const {
  for (const auto& p : pools) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

const CredentialProfile* ScannerConfig::credential(std::string_view name) const {
  const auto it = credentials.find(std::string(name));
  return it == credentials.end() ? nullptr : &it->second;
}

std::vector<std::string> ScannerConfig::pools_allowing(std::string_view profile) const {
  std::vector<std::string> out;
  for (const auto& p : pools) {
    if (p.allows_profile(profile)) out.push_back(p.name);
  }
  return out;
}

std::string_view to_string(WindowClose c) {
  switch (c) {
    case WindowClose::Continue:
      return "continue";
    case WindowClose::Pause:
      return "pause";
    case WindowClose::Stop:
      return "stop";
  }
  return "continue";
}

Error no_such_pool(const std::string& name, const std::vector<std::string>& choices) {
  std::string names;
  for (const auto& c : choices) names += (names.empty() ? "" : ", ") + c;
  return {ErrorCode::NotFound, "no pool named '" + name.substr(0, 64) + "'",
          names.empty() ? "no pool is open to you: ask the operator" : "use one of: " + names};
}

Result<const PoolConfig*> ScannerConfig::find_pool(
    const std::string& name, const std::optional<std::set<std::string>>& key_pools) const {
  const bool allowed = !key_pools || key_pools->count(name) != 0;
  if (const PoolConfig* p = pool(name); p != nullptr && allowed) return p;
  return fail(no_such_pool(name, pools_open_to(key_pools)));
}

std::vector<std::string> ScannerConfig::pools_open_to(
    const std::optional<std::set<std::string>>& key_pools) const {
  std::vector<std::string> names;
  for (const auto& p : pools) {
    if (!key_pools || key_pools->count(p.name) != 0) names.push_back(p.name);
  }
  return names;
}

QuotaLimits Quotas::for_tenant(const std::string& tenant) const {
  QuotaLimits q = defaults;
  const auto it = tenants.find(tenant);
  if (it == tenants.end()) return q;
  if (it->second.scans_per_hour) q.scans_per_hour = it->second.scans_per_hour;
  if (it->second.concurrent_scans) q.concurrent_scans = it->second.concurrent_scans;
  if (it->second.addresses_per_day) q.addresses_per_day = it->second.addresses_per_day;
  if (it->second.schedules) q.schedules = it->second.schedules;
  return q;
}

std::int64_t QuotaLimits::schedule_limit() const {
  return schedules.value_or(kDefaultScheduleLimit);
}

bool Quotas::configured() const {
  if (defaults.any()) return true;
  for (const auto& [name, q] : tenants) {
    if (q.any()) return true;
  }
  return false;
}

nlohmann::json inline_credentials_to_json(const SshCredential& c) {
  return {{"username", c.username},
          {"password", c.password},
          {"escalation_method", c.escalation_method},
          {"escalation_account", c.escalation_account},
          {"escalation_password", c.escalation_password}};
}

std::optional<CredentialProfile> inline_credentials_from_json(const nlohmann::json& j) {
  if (!j.is_object()) return std::nullopt;
  SshCredential c;
  c.username = j.value("username", "");
  c.password = j.value("password", "");
  c.escalation_method = j.value("escalation_method", kNoEscalation);
  c.escalation_account = j.value("escalation_account", "");
  c.escalation_password = j.value("escalation_password", "");
  if (c.username.empty() || !is_escalation_method(c.escalation_method)) return std::nullopt;
  CredentialProfile p;
  p.name = "inline";
  p.ssh.push_back(std::move(c));
  return p;
}

nlohmann::json describe_profile(const ScannerConfig& config, const CredentialProfile& profile) {
  using nlohmann::json;
  json list = json::array();
  for (const auto& c : profile.ssh) {
    json j = {{"type", "ssh"},
              {"auth", c.auth},
              {"username", c.username},
              {"escalation", c.escalation_method}};
    if (!c.escalation_account.empty()) j["escalation_account"] = c.escalation_account;
    if (!c.private_key_passphrase.empty()) j["key_encrypted"] = true;
    list.push_back(std::move(j));
  }
  for (const auto& c : profile.windows) {
    json j = {{"type", "windows"},
              {"auth", c.auth},
              {"username", c.username},
              {"options",
               {{"start_remote_registry", c.start_remote_registry},
                {"enable_admin_shares", c.enable_admin_shares},
                {"start_server_service", c.start_server_service},
                {"never_send_credentials_in_clear", c.never_send_credentials_in_clear},
                {"dont_use_ntlmv1", c.dont_use_ntlmv1}}}};
    if (!c.domain.empty()) j["domain"] = c.domain;
    list.push_back(std::move(j));
  }
  for (const auto& c : profile.snmpv3) {
    list.push_back({{"type", "snmpv3"},
                    {"username", c.username},
                    {"port", c.port},
                    {"security_level", c.security_level},
                    {"auth_algorithm", c.auth_algorithm},
                    {"privacy_algorithm", c.privacy_algorithm}});
  }
  json types = json::array();
  for (const auto t : profile.types()) types.push_back(std::string(to_string(t)));
  return {{"name", profile.name},
          {"types", types},
          {"credentials", list},
          {"pools", config.pools_allowing(profile.name)}};
}

}  // namespace nmcp::config
