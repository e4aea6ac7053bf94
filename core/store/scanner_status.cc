#include "core/store/scanner_status.h"

namespace nmcp::store {

nlohmann::json to_json(const ScannerStatus& s) {
  return {{"instance", s.instance},
          {"pool", s.pool},
          {"probed", s.probed},
          {"reachable", s.reachable},
          {"authenticated", s.authenticated},
          {"scan_api", s.scan_api},
          {"server_status", s.server_status},
          {"edition", s.edition},
          {"version", s.version},
          {"circuit", s.circuit},
          {"error", s.error},
          {"hint", s.hint},
          {"templates", s.templates},
          {"since", s.since},
          {"updated_at", s.updated_at}};
}

std::optional<ScannerStatus> scanner_status_from_json(const nlohmann::json& j) {
  if (!j.is_object()) return std::nullopt;
  try {
    ScannerStatus s;
    s.instance = j.at("instance").get<std::string>();
    s.pool = j.value("pool", "");
    s.probed = j.value("probed", false);
    s.reachable = j.value("reachable", false);
    s.authenticated = j.value("authenticated", false);
    s.scan_api = j.value("scan_api", false);
    s.server_status = j.value("server_status", "");
    s.edition = j.value("edition", "");
    s.version = j.value("version", "");
    s.circuit = j.value("circuit", "closed");
    s.error = j.value("error", "");
    s.hint = j.value("hint", "");
    s.templates = j.value("templates", std::vector<std::string>{});
    s.since = j.value("since", task::Millis{0});
    s.updated_at = j.value("updated_at", task::Millis{0});
    return s;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

}  // namespace nmcp::store
