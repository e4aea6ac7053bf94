#include "mcp/protocol/header_params.h"

#include <cctype>
#include <charconv>
#include <cstdint>
#include <set>

#include "core/base/base64.h"

namespace nmcp::mcp {

using json = nlohmann::json;

namespace {

// RFC 9110 token characters: what a header name may be made of.
bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x80) return false;
    if (std::isalnum(u) != 0) continue;
    if (std::string_view("!#$%&'*+-.^_`|~").find(c) == std::string_view::npos) return false;
  }
  return true;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::optional<HeaderParam::Kind> kind_of(const json& property) {
  const std::string t =
      property.value("type", json()).is_string() ? property.at("type").get<std::string>() : "";
  if (t == "string") return HeaderParam::Kind::String;
  if (t == "integer") return HeaderParam::Kind::Integer;
  if (t == "boolean") return HeaderParam::Kind::Boolean;
  return std::nullopt;
}

}  // namespace

Result<std::vector<HeaderParam>> header_params_of(const json& input_schema,
                                                  const std::string& where) {
  std::vector<HeaderParam> out;
  if (!input_schema.is_object() || !input_schema.contains("properties")) return out;
  const json& properties = input_schema.at("properties");
  if (!properties.is_object()) return out;
  std::set<std::string> seen;
  for (const auto& [name, property] : properties.items()) {
    if (!property.is_object() || !property.contains("x-mcp-header")) continue;
    const json& header = property.at("x-mcp-header");
    const std::string at = where + ", property \"" + name + "\": x-mcp-header ";
    if (!header.is_string() || !is_token(header.get<std::string>())) {
      return fail(ErrorCode::InvalidArgument,
                  at + "must be a non-empty name of ASCII letters, digits and !#$%&'*+-.^_`|~");
    }
    const auto kind = kind_of(property);
    if (!kind) {
      return fail(ErrorCode::InvalidArgument,
                  at + "is only for a property of type string, integer or boolean");
    }
    if (!seen.insert(lower(header.get<std::string>())).second) {
      return fail(ErrorCode::InvalidArgument,
                  at + "repeats a header name (names compare without case)");
    }
    out.push_back({name, header.get<std::string>(), *kind});
  }
  return out;
}

std::optional<std::string> header_value_text(std::string_view raw) {
  constexpr std::string_view kOpen = "=?base64?";
  constexpr std::string_view kClose = "?=";
  if (raw.size() < kOpen.size() + kClose.size() || !raw.starts_with(kOpen) ||
      !raw.ends_with(kClose)) {
    return std::string(raw);
  }
  return base64_decode_exact(raw.substr(kOpen.size(), raw.size() - kOpen.size() - kClose.size()));
}

bool mirrors(const HeaderParam& param, std::string_view text, const json& body) {
  switch (param.kind) {
    case HeaderParam::Kind::String:
      return body.is_string() && body.get_ref<const std::string&>() == text;
    case HeaderParam::Kind::Boolean:
      return body.is_boolean() && text == (body.get<bool>() ? "true" : "false");
    case HeaderParam::Kind::Integer: {
      if (!body.is_number_integer()) return false;
      std::int64_t value = 0;
      const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
      return ec == std::errc() && end == text.data() + text.size() &&
             value == body.get<std::int64_t>();
    }
  }
  return false;
}

}  // namespace nmcp::mcp
