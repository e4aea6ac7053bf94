#include "core/findings/finding_page.h"

#include "core/findings/finding_fields.h"

namespace nmcp::findings {

using nlohmann::json;

std::size_t estimate_tokens(const json& value) {
  const std::size_t bytes = value.dump(-1, ' ', false, json::error_handler_t::replace).size();
  return (bytes + 2) / 3;
}

std::string truncate_text(const std::string& text, std::size_t max_chars, std::int64_t finding_id,
                          const std::string& field, std::size_t offset) {
  if (text.size() <= max_chars) return text;
  std::size_t cut = max_chars;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0U) == 0x80U) --cut;
  const std::size_t rest = text.size() - cut;
  return text.substr(0, cut) + " …[truncated: " + std::to_string(rest) +
         " more bytes; get_finding with finding_id " + std::to_string(finding_id) + ", field \"" +
         field + "\" and offset " + std::to_string(offset + cut) + " returns the rest]";
}

json project(const json& full, const std::vector<std::string>& fields, std::size_t max_text_chars,
             bool* truncated) {
  json out = json::object();
  const std::int64_t id = full.value("finding_id", std::int64_t{0});
  auto cut = [&](const std::string& text, const std::string& name) {
    if (text.size() > max_text_chars && truncated != nullptr) *truncated = true;
    return truncate_text(text, max_text_chars, id, name);
  };
  for (const auto& name : fields) {
    const auto it = full.find(name);
    if (it == full.end()) continue;
    const FieldInfo* info = find_field(name);
    if (info != nullptr && info->kind == FieldKind::LongText && it->is_string()) {
      out[name] = cut(it->get_ref<const std::string&>(), name);
    } else if (info != nullptr && info->kind == FieldKind::Object) {
      // "other" can hold anything: long values in it are cut the same way.
      json o = json::object();
      for (const auto& [k, v] : it->items()) {
        o[k] = v.is_string() ? json(cut(v.get_ref<const std::string&>(), "other." + k)) : v;
      }
      out[name] = std::move(o);
    } else {
      out[name] = *it;
    }
  }
  return out;
}

PagedItems fill_page(const std::vector<json>& findings, const std::vector<std::string>& fields,
                     std::size_t max_tokens, std::size_t envelope_tokens,
                     std::size_t max_text_chars) {
  PagedItems page;
  std::size_t tokens = envelope_tokens;
  for (const auto& full : findings) {
    bool cut = false;
    json item = project(full, fields, max_text_chars, &cut);
    std::size_t cost = estimate_tokens(item) + 1;  // the separating comma
    if (tokens + cost > max_tokens) {
      if (page.used > 0) break;
      // The first finding must fit: cut its texts until it does (or they are all but gone).
      for (std::size_t cap = max_text_chars / 2; cap >= 32 && tokens + cost > max_tokens;
           cap /= 2) {
        item = project(full, fields, cap, &cut);
        cost = estimate_tokens(item) + 1;
      }
      if (tokens + cost > max_tokens) {
        item = project(full, kIdentityFields, 0);
        cost = estimate_tokens(item) + 1;
        cut = true;
        page.fields_dropped = true;
      }
    }
    page.truncated = page.truncated || cut;
    tokens += cost;
    page.items.push_back(std::move(item));
    ++page.used;
  }
  return page;
}

}  // namespace nmcp::findings
