#pragma once
// The compiled schema's node and the helpers the compiler (json_schema.cc) and the validator
// (schema_validator.cc) share: JSON type bits, paths, and how values are quoted in messages.
// Internal to mcp/schema. Pure; thread-safe.

#include <cstddef>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "mcp/schema/json_schema.h"

namespace nmcp::mcp {

// A compiled schema: the keywords of one (sub)schema, checked once at compile time.
struct JsonSchema::Node {
  using json = nlohmann::json;

  bool reject_all = false;
  unsigned types = 0;  // 0: any type
  bool has_enum = false;
  std::vector<json> enum_values;
  bool has_const = false;
  json const_value;
  std::optional<double> minimum, maximum, exclusive_minimum, exclusive_maximum, multiple_of;
  std::optional<std::size_t> min_length, max_length;
  std::optional<std::regex> pattern;
  std::string pattern_source;
  const Node* items = nullptr;
  std::optional<std::size_t> min_items, max_items;
  bool unique_items = false;
  std::vector<std::pair<std::string, const Node*>> properties;
  std::vector<std::string> required;
  bool additional_allowed = true;
  const Node* additional = nullptr;
  std::optional<std::size_t> min_properties, max_properties;
  std::vector<const Node*> all_of, any_of, one_of;
  const Node* negated = nullptr;
  const Node* ref = nullptr;
  // if/then/else: a value the condition accepts must meet `then`, any other `otherwise`.
  const Node* condition = nullptr;
  const Node* then = nullptr;
  const Node* otherwise = nullptr;

  const Node* property(std::string_view name) const {
    for (const auto& [key, node] : properties) {
      if (key == name) return node;
    }
    return nullptr;
  }
};

namespace schema_detail {

using json = nlohmann::json;
using Node = JsonSchema::Node;

enum TypeBit : unsigned {
  kNull = 1U << 0U,
  kBoolean = 1U << 1U,
  kInteger = 1U << 2U,
  kNumber = 1U << 3U,
  kString = 1U << 4U,
  kArray = 1U << 5U,
  kObject = 1U << 6U,
};

// Patterns are matched only on strings up to this size: std::regex backtracks recursively and
// must never see attacker-sized input.
constexpr std::size_t kMaxPatternSubject = 8192;
constexpr int kMaxDepth = 64;

const std::set<std::string_view>& annotation_keywords();
std::optional<unsigned> type_bit(std::string_view name);
std::string type_names(unsigned bits);
bool is_integral(const json& v);
unsigned instance_bits(const json& v);
std::string_view instance_type(const json& v);
std::size_t code_points(const std::string& s);
std::string brief(const json& v);
std::string fmt_number(double d);
std::string child_path(const std::string& base, std::string_view key);
std::string index_path(const std::string& base, std::size_t i);

}  // namespace schema_detail
}  // namespace nmcp::mcp
