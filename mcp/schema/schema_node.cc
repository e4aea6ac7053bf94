#include <cmath>

#include "mcp/schema/schema_internal.h"

namespace nmcp::mcp::schema_detail {

const std::set<std::string_view>& annotation_keywords() {
  static const std::set<std::string_view> k = {
      "title", "description", "default", "examples", "$schema", "$id", "$comment", "format",
      "readOnly", "writeOnly", "deprecated", "contentMediaType", "contentEncoding", "$defs",
      "definitions", "$anchor",
      // MCP 2026-07-28: the argument is mirrored into an HTTP header (header_params.h).
      "x-mcp-header"};
  return k;
}

std::optional<unsigned> type_bit(std::string_view name) {
  if (name == "null") return kNull;
  if (name == "boolean") return kBoolean;
  if (name == "integer") return kInteger;
  if (name == "number") return kNumber | kInteger;
  if (name == "string") return kString;
  if (name == "array") return kArray;
  if (name == "object") return kObject;
  return std::nullopt;
}

std::string type_names(unsigned bits) {
  std::string out;
  auto add = [&](unsigned bit, std::string_view name) {
    if ((bits & bit) == 0U) return;
    if (!out.empty()) out += " or ";
    out += name;
  };
  add(kNull, "null");
  add(kBoolean, "boolean");
  if ((bits & kNumber) != 0U) {
    add(kNumber, "number");
  } else {
    add(kInteger, "integer");
  }
  add(kString, "string");
  add(kArray, "array");
  add(kObject, "object");
  return out;
}

bool is_integral(const json& v) {
  if (v.is_number_integer()) return true;
  if (!v.is_number_float()) return false;
  const double d = v.get<double>();
  return std::isfinite(d) && std::floor(d) == d;
}

unsigned instance_bits(const json& v) {
  switch (v.type()) {
    case json::value_t::null:
      return kNull;
    case json::value_t::boolean:
      return kBoolean;
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return kInteger | kNumber;
    case json::value_t::number_float:
      return is_integral(v) ? (kInteger | kNumber) : kNumber;
    case json::value_t::string:
      return kString;
    case json::value_t::array:
      return kArray;
    case json::value_t::object:
      return kObject;
    default:
      return 0;
  }
}

std::string_view instance_type(const json& v) {
  switch (v.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::boolean:
      return "boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return "integer";
    case json::value_t::number_float:
      return "number";
    case json::value_t::string:
      return "string";
    case json::value_t::array:
      return "array";
    case json::value_t::object:
      return "object";
    default:
      return "value";
  }
}

std::size_t code_points(const std::string& s) {
  std::size_t n = 0;
  for (const char c : s) {
    if ((static_cast<unsigned char>(c) & 0xC0U) != 0x80U) ++n;
  }
  return n;
}

std::string brief(const json& v) {
  std::string s = v.dump(-1, ' ', false, json::error_handler_t::replace);
  if (s.size() > 60) s = s.substr(0, 57) + "...";
  return s;
}

std::string fmt_number(double d) {
  json j = d;
  if (std::floor(d) == d && std::fabs(d) < 1e15) j = static_cast<long long>(d);
  return j.dump();
}

std::string child_path(const std::string& base, std::string_view key) {
  return base.empty() ? std::string(key) : base + "." + std::string(key);
}

std::string index_path(const std::string& base, std::size_t i) {
  return base + "[" + std::to_string(i) + "]";
}

}  // namespace nmcp::mcp::schema_detail
