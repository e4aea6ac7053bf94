#include "core/config/scanner_config.h"

namespace nmcp::config {

bool is_escalation_method(std::string_view m) {
  return m == kNoEscalation || m == "sudo" || m == "su" || m == "su+sudo" || m == "pbrun" ||
         m == "dzdo";
}

int PoolConfig::capacity() const {
  int total = 0;
  for (const auto& i : instances) total += i.enabled ? i.max_concurrent_scans : 0;
  return total;
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

nlohmann::json inline_credentials_to_json(const CredentialProfile& p) {
  return {{"username", p.username},
          {"password", p.password},
          {"escalation_method", p.escalation_method},
          {"escalation_account", p.escalation_account},
          {"escalation_password", p.escalation_password}};
}

std::optional<CredentialProfile> inline_credentials_from_json(const nlohmann::json& j) {
  if (!j.is_object()) return std::nullopt;
  CredentialProfile p;
  p.name = "inline";
  p.username = j.value("username", "");
  p.password = j.value("password", "");
  p.escalation_method = j.value("escalation_method", kNoEscalation);
  p.escalation_account = j.value("escalation_account", "");
  p.escalation_password = j.value("escalation_password", "");
  if (p.username.empty() || !is_escalation_method(p.escalation_method)) return std::nullopt;
  return p;
}

}  // namespace nmcp::config
