#include "core/recurring/key_rights.h"

#include <nlohmann/json.hpp>

namespace nmcp::recurring {

namespace {

constexpr const char* kKind = "key_rights";

std::string to_body(const KeyRights& k) {
  nlohmann::json j = {{"tenant", k.tenant}};
  if (k.scan_types) {
    auto& types = j["scan_types"] = nlohmann::json::array();
    for (const auto t : *k.scan_types) types.push_back(task::to_string(t));
  }
  if (k.pools) j["pools"] = *k.pools;
  return j.dump();
}

// nullopt for a body that is not one (a damaged record is as good as none: the key is refused).
std::optional<KeyRights> from_body(const std::string& key_id, const std::string& body) {
  const auto j = nlohmann::json::parse(body, nullptr, false);
  if (!j.is_object() || !j.contains("tenant") || !j["tenant"].is_string()) return std::nullopt;
  KeyRights k;
  k.key_id = key_id;
  k.tenant = j["tenant"].get<std::string>();
  if (j.contains("scan_types")) {
    if (!j["scan_types"].is_array()) return std::nullopt;
    std::set<task::ScanType> types;
    for (const auto& t : j["scan_types"]) {
      const auto type = t.is_string() ? task::parse_scan_type(t.get<std::string>()) : std::nullopt;
      if (!type) return std::nullopt;
      types.insert(*type);
    }
    k.scan_types = std::move(types);
  }
  if (j.contains("pools")) {
    if (!j["pools"].is_array()) return std::nullopt;
    std::set<std::string> pools;
    for (const auto& p : j["pools"]) {
      if (!p.is_string()) return std::nullopt;
      pools.insert(p.get<std::string>());
    }
    k.pools = std::move(pools);
  }
  return k;
}

}  // namespace

Status KeyRightsBook::publish(const std::vector<KeyRights>& keys) {
  std::set<std::string> current;
  for (const auto& k : keys) {
    current.insert(k.key_id);
    const std::string body = to_body(k);
    auto put = records_.mutate_record(
        kKind, k.key_id,
        [&](const std::optional<std::string>& stored) -> Result<store::RecordEdit> {
          if (stored && *stored == body) {
            return store::RecordEdit::keep();
          }
          return store::RecordEdit::put(body);
        });
    if (!put) return fail(put.error());
  }
  auto published = records_.list_records(kKind);
  if (!published) return fail(published.error());
  for (const auto& r : *published) {
    if (current.count(r.key) != 0) continue;
    auto gone = records_.mutate_record(
        kKind, r.key, [](const std::optional<std::string>&) -> Result<store::RecordEdit> {
          return store::RecordEdit::erase();
        });
    if (!gone) return fail(gone.error());
  }
  return ok();
}

Result<std::optional<KeyRights>> KeyRightsBook::find(const std::string& key_id) {
  auto body = records_.load_record(kKind, key_id);
  if (!body) return fail(body.error());
  if (!*body) return std::optional<KeyRights>{};
  return from_body(key_id, **body);
}

}  // namespace nmcp::recurring
