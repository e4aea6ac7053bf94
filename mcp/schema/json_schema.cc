#include "mcp/schema/json_schema.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <string_view>
#include <utility>

#include "mcp/schema/schema_internal.h"

namespace nmcp::mcp {

using json = nlohmann::json;

namespace {

using namespace schema_detail;  // NOLINT: the schema's own helpers

using Node = JsonSchema::Node;

struct Arena {
  std::vector<std::unique_ptr<Node>> nodes;
  Node* make() {
    nodes.push_back(std::make_unique<Node>());
    return nodes.back().get();
  }
};

class Compiler {
 public:
  Compiler(const json& document, Arena& arena) : doc_(document), arena_(arena) {}

  Node* compile(const json& s, const std::string& where, int depth) {
    Node* node = arena_.make();
    fill(*node, s, where, depth);
    return node;
  }

  const std::vector<std::string>& errors() const { return errors_; }

 private:
  void error(const std::string& where, std::string message) {
    errors_.push_back((where.empty() ? std::string("schema") : "schema at " + where) + ": " +
                      std::move(message));
  }

  std::optional<double> number(const json& s, const char* key, const std::string& where) {
    const auto it = s.find(key);
    if (it == s.end()) return std::nullopt;
    if (!it->is_number()) {
      error(where, std::string(key) + " must be a number");
      return std::nullopt;
    }
    return it->get<double>();
  }

  std::optional<std::size_t> count(const json& s, const char* key, const std::string& where) {
    const auto it = s.find(key);
    if (it == s.end()) return std::nullopt;
    if (!is_integral(*it) || it->get<double>() < 0) {
      error(where, std::string(key) + " must be a non-negative integer");
      return std::nullopt;
    }
    return static_cast<std::size_t>(it->get<double>());
  }

  const Node* resolve(const std::string& ref, const std::string& where, int depth) {
    for (std::string_view prefix : {"#/$defs/", "#/definitions/"}) {
      if (ref.rfind(prefix, 0) != 0) continue;
      const std::string container(prefix.substr(2, prefix.size() - 3));
      const std::string name = ref.substr(prefix.size());
      if (const auto it = cache_.find(ref); it != cache_.end()) return it->second;
      const auto defs = doc_.find(container);
      if (defs == doc_.end() || !defs->is_object() || !defs->contains(name)) {
        error(where, "$ref " + ref + " points at nothing");
        return nullptr;
      }
      Node* node = arena_.make();
      cache_[ref] = node;  // before filling, so recursive schemas terminate
      fill(*node, (*defs)[name], ref, depth + 1);
      return node;
    }
    error(where, "only local $ref into #/$defs/ or #/definitions/ is supported, got " + ref);
    return nullptr;
  }

  std::vector<const Node*> list(const json& s, const char* key, const std::string& where,
                                int depth) {
    std::vector<const Node*> out;
    const auto it = s.find(key);
    if (it == s.end()) return out;
    if (!it->is_array() || it->empty()) {
      error(where, std::string(key) + " must be a non-empty array of schemas");
      return out;
    }
    for (std::size_t i = 0; i < it->size(); ++i) {
      out.push_back(compile((*it)[i], where + "/" + key + "/" + std::to_string(i), depth + 1));
    }
    return out;
  }

  void fill(Node& node, const json& s, const std::string& where, int depth) {
    if (depth > kMaxDepth) {
      error(where, "nested too deeply");
      return;
    }
    if (s.is_boolean()) {
      node.reject_all = !s.get<bool>();
      return;
    }
    if (!s.is_object()) {
      error(where, "a schema must be an object or a boolean");
      return;
    }
    static const std::set<std::string_view> known = {"type",
                                                     "enum",
                                                     "const",
                                                     "minimum",
                                                     "maximum",
                                                     "exclusiveMinimum",
                                                     "exclusiveMaximum",
                                                     "multipleOf",
                                                     "minLength",
                                                     "maxLength",
                                                     "pattern",
                                                     "items",
                                                     "minItems",
                                                     "maxItems",
                                                     "uniqueItems",
                                                     "properties",
                                                     "required",
                                                     "additionalProperties",
                                                     "minProperties",
                                                     "maxProperties",
                                                     "allOf",
                                                     "anyOf",
                                                     "oneOf",
                                                     "not",
                                                     "if",
                                                     "then",
                                                     "else",
                                                     "$ref"};
    for (const auto& [key, value] : s.items()) {
      if (known.count(key) == 0 && annotation_keywords().count(key) == 0) {
        error(where, "unsupported keyword \"" + key + "\"");
      }
    }
    if (const auto it = s.find("type"); it != s.end()) {
      const json names = it->is_array() ? *it : json::array({*it});
      for (const auto& n : names) {
        const auto bit = n.is_string() ? type_bit(n.get<std::string>()) : std::nullopt;
        if (!bit) {
          error(where, "unknown type " + brief(n));
        } else {
          node.types |= *bit;
        }
      }
    }
    if (const auto it = s.find("enum"); it != s.end()) {
      if (!it->is_array() || it->empty()) {
        error(where, "enum must be a non-empty array");
      } else {
        node.has_enum = true;
        node.enum_values.assign(it->begin(), it->end());
      }
    }
    if (const auto it = s.find("const"); it != s.end()) {
      node.has_const = true;
      node.const_value = *it;
    }
    node.minimum = number(s, "minimum", where);
    node.maximum = number(s, "maximum", where);
    node.exclusive_minimum = number(s, "exclusiveMinimum", where);
    node.exclusive_maximum = number(s, "exclusiveMaximum", where);
    node.multiple_of = number(s, "multipleOf", where);
    if (node.multiple_of && *node.multiple_of <= 0) error(where, "multipleOf must be > 0");
    node.min_length = count(s, "minLength", where);
    node.max_length = count(s, "maxLength", where);
    if (const auto it = s.find("pattern"); it != s.end()) {
      if (!it->is_string()) {
        error(where, "pattern must be a string");
      } else {
        try {
          node.pattern_source = it->get<std::string>();
          node.pattern.emplace(node.pattern_source, std::regex::ECMAScript);
        } catch (const std::regex_error&) {
          error(where, "pattern is not a valid regular expression");
        }
      }
    }
    if (const auto it = s.find("items"); it != s.end()) {
      node.items = compile(*it, where + "/items", depth + 1);
    }
    node.min_items = count(s, "minItems", where);
    node.max_items = count(s, "maxItems", where);
    if (const auto it = s.find("uniqueItems"); it != s.end()) {
      node.unique_items = it->is_boolean() && it->get<bool>();
    }
    if (const auto it = s.find("properties"); it != s.end()) {
      if (!it->is_object()) {
        error(where, "properties must be an object");
      } else {
        for (const auto& [key, sub] : it->items()) {
          node.properties.emplace_back(key, compile(sub, where + "/properties/" + key, depth + 1));
        }
      }
    }
    if (const auto it = s.find("required"); it != s.end()) {
      if (!it->is_array()) {
        error(where, "required must be an array of strings");
      } else {
        for (const auto& r : *it) {
          if (r.is_string()) {
            node.required.push_back(r.get<std::string>());
          } else {
            error(where, "required must be an array of strings");
          }
        }
      }
    }
    if (const auto it = s.find("additionalProperties"); it != s.end()) {
      if (it->is_boolean()) {
        node.additional_allowed = it->get<bool>();
      } else {
        node.additional = compile(*it, where + "/additionalProperties", depth + 1);
      }
    }
    node.min_properties = count(s, "minProperties", where);
    node.max_properties = count(s, "maxProperties", where);
    node.all_of = list(s, "allOf", where, depth);
    node.any_of = list(s, "anyOf", where, depth);
    node.one_of = list(s, "oneOf", where, depth);
    if (const auto it = s.find("not"); it != s.end()) {
      node.negated = compile(*it, where + "/not", depth + 1);
    }
    if (const auto it = s.find("if"); it != s.end()) {
      node.condition = compile(*it, where + "/if", depth + 1);
      if (const auto t = s.find("then"); t != s.end()) {
        node.then = compile(*t, where + "/then", depth + 1);
      }
      if (const auto e = s.find("else"); e != s.end()) {
        node.otherwise = compile(*e, where + "/else", depth + 1);
      }
    }
    if (const auto it = s.find("$ref"); it != s.end()) {
      if (!it->is_string()) {
        error(where, "$ref must be a string");
      } else {
        node.ref = resolve(it->get<std::string>(), where, depth);
      }
    }
  }

  const json& doc_;
  Arena& arena_;
  std::map<std::string, Node*> cache_;
  std::vector<std::string> errors_;
};

}  // namespace

Result<JsonSchema> JsonSchema::compile(const json& schema) {
  auto arena = std::make_shared<Arena>();
  Compiler compiler(schema, *arena);
  Node* root = compiler.compile(schema, "", 0);
  if (!compiler.errors().empty()) {
    std::string message;
    for (const auto& e : compiler.errors()) {
      if (!message.empty()) message += "; ";
      message += e;
    }
    return fail(ErrorCode::InvalidArgument, message);
  }
  return JsonSchema(std::make_shared<const json>(schema), std::shared_ptr<const Node>(arena, root));
}

}  // namespace nmcp::mcp
