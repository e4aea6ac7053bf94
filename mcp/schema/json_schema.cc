#include "mcp/schema/json_schema.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <string_view>
#include <utility>

namespace nmcp::mcp {

using json = nlohmann::json;

namespace {

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

const std::set<std::string_view>& annotation_keywords() {
  static const std::set<std::string_view> k = {
      "title",      "description",      "default",         "examples", "$schema",
      "$id",        "$comment",         "format",          "readOnly", "writeOnly",
      "deprecated", "contentMediaType", "contentEncoding", "$defs",    "definitions"};
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

}  // namespace

struct JsonSchema::Node {
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

  const Node* property(std::string_view name) const {
    for (const auto& [key, node] : properties) {
      if (key == name) return node;
    }
    return nullptr;
  }
};

namespace {

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

class Validator {
 public:
  Validator(std::vector<SchemaViolation>& out, std::size_t max) : out_(out), max_(max) {}

  void check(const Node& node, const json& v, const std::string& path, int depth) {
    if (full()) return;
    if (depth > kMaxDepth) {
      add(path, "nested too deeply");
      return;
    }
    if (node.reject_all) {
      add(path, "is not allowed here");
      return;
    }
    if (node.ref != nullptr) check(*node.ref, v, path, depth + 1);
    if (node.types != 0U && (node.types & instance_bits(v)) == 0U) {
      add(path, "expected " + type_names(node.types) + ", got " + std::string(instance_type(v)) +
                    " " + brief(v));
      return;  // further keywords would only repeat the type error
    }
    if (node.has_enum &&
        std::find(node.enum_values.begin(), node.enum_values.end(), v) == node.enum_values.end()) {
      std::string allowed;
      for (const auto& e : node.enum_values) {
        if (!allowed.empty()) allowed += ", ";
        allowed += brief(e);
      }
      add(path, "must be one of " + allowed + "; got " + brief(v));
    }
    if (node.has_const && v != node.const_value) {
      add(path, "must be exactly " + brief(node.const_value) + "; got " + brief(v));
    }
    if (v.is_number()) check_number(node, v.get<double>(), path);
    if (v.is_string()) check_string(node, v.get_ref<const std::string&>(), path);
    if (v.is_array()) check_array(node, v, path, depth);
    if (v.is_object()) check_object(node, v, path, depth);
    for (const Node* sub : node.all_of) check(*sub, v, path, depth + 1);
    if (!node.any_of.empty()) check_any_of(node, v, path, depth);
    if (!node.one_of.empty()) check_one_of(node, v, path, depth);
    if (node.negated != nullptr && matches(*node.negated, v, depth)) {
      add(path, "matches a form that is not allowed");
    }
  }

 private:
  bool full() const { return out_.size() >= max_; }
  void add(const std::string& path, std::string message) {
    if (!full()) out_.push_back({path, std::move(message)});
  }

  static bool matches(const Node& node, const json& v, int depth,
                      std::vector<SchemaViolation>* why = nullptr) {
    std::vector<SchemaViolation> local;
    Validator sub(local, why != nullptr ? 3 : 1);
    sub.check(node, v, "", depth + 1);
    const bool ok = local.empty();
    if (why != nullptr) *why = std::move(local);
    return ok;
  }

  void check_number(const Node& n, double d, const std::string& path) {
    if (n.minimum && d < *n.minimum) {
      add(path, "must be >= " + fmt_number(*n.minimum) + "; got " + fmt_number(d));
    }
    if (n.maximum && d > *n.maximum) {
      add(path, "must be <= " + fmt_number(*n.maximum) + "; got " + fmt_number(d));
    }
    if (n.exclusive_minimum && d <= *n.exclusive_minimum) {
      add(path, "must be > " + fmt_number(*n.exclusive_minimum) + "; got " + fmt_number(d));
    }
    if (n.exclusive_maximum && d >= *n.exclusive_maximum) {
      add(path, "must be < " + fmt_number(*n.exclusive_maximum) + "; got " + fmt_number(d));
    }
    if (n.multiple_of) {
      const double q = d / *n.multiple_of;
      if (std::fabs(q - std::round(q)) > 1e-9) {
        add(path, "must be a multiple of " + fmt_number(*n.multiple_of));
      }
    }
  }

  void check_string(const Node& n, const std::string& s, const std::string& path) {
    const std::size_t len = code_points(s);
    if (n.min_length && len < *n.min_length) {
      add(path, "must be at least " + std::to_string(*n.min_length) + " characters long; got " +
                    std::to_string(len));
    }
    if (n.max_length && len > *n.max_length) {
      add(path, "must be at most " + std::to_string(*n.max_length) + " characters long; got " +
                    std::to_string(len));
    }
    if (n.pattern) {
      if (s.size() > kMaxPatternSubject) {
        add(path, "is too long to check against pattern " + n.pattern_source);
      } else if (!std::regex_search(s, *n.pattern)) {
        add(path, "must match the pattern " + n.pattern_source + "; got " + brief(json(s)));
      }
    }
  }

  void check_array(const Node& n, const json& v, const std::string& path, int depth) {
    if (n.min_items && v.size() < *n.min_items) {
      add(path, "must have at least " + std::to_string(*n.min_items) + " items; got " +
                    std::to_string(v.size()));
    }
    if (n.max_items && v.size() > *n.max_items) {
      add(path, "must have at most " + std::to_string(*n.max_items) + " items; got " +
                    std::to_string(v.size()));
    }
    if (n.unique_items) {
      for (std::size_t i = 1; i < v.size() && !full(); ++i) {
        for (std::size_t j = 0; j < i; ++j) {
          if (v[i] == v[j]) {
            add(index_path(path, i),
                "repeats item " + std::to_string(j) + "; items must be unique");
            break;
          }
        }
      }
    }
    if (n.items != nullptr) {
      for (std::size_t i = 0; i < v.size() && !full(); ++i) {
        check(*n.items, v[i], index_path(path, i), depth + 1);
      }
    }
  }

  void check_object(const Node& n, const json& v, const std::string& path, int depth) {
    for (const auto& name : n.required) {
      if (!v.contains(name)) add(child_path(path, name), "is required but missing");
    }
    if (n.min_properties && v.size() < *n.min_properties) {
      add(path, "must have at least " + std::to_string(*n.min_properties) + " properties");
    }
    if (n.max_properties && v.size() > *n.max_properties) {
      add(path, "must have at most " + std::to_string(*n.max_properties) + " properties");
    }
    for (const auto& [key, value] : v.items()) {
      if (full()) return;
      if (const Node* p = n.property(key)) {
        check(*p, value, child_path(path, key), depth + 1);
      } else if (n.additional != nullptr) {
        check(*n.additional, value, child_path(path, key), depth + 1);
      } else if (!n.additional_allowed) {
        std::string allowed;
        for (const auto& [name, unused] : n.properties) {
          if (!allowed.empty()) allowed += ", ";
          allowed += name;
        }
        add(child_path(path, key),
            "is not a known property" + (allowed.empty() ? std::string(" (none are accepted)")
                                                         : " (accepted: " + allowed + ")"));
      }
    }
  }

  void check_any_of(const Node& n, const json& v, const std::string& path, int depth) {
    std::vector<SchemaViolation> best;
    bool have_best = false;
    for (const Node* sub : n.any_of) {
      std::vector<SchemaViolation> why;
      if (matches(*sub, v, depth, &why)) return;
      if (!have_best || why.size() < best.size()) {
        best = std::move(why);
        have_best = true;
      }
    }
    std::string detail;
    if (!best.empty()) {
      detail = " (closest form: " + (best[0].path.empty() ? "" : best[0].path + " ") +
               best[0].message + ")";
    }
    add(path, "does not match any of the " + std::to_string(n.any_of.size()) + " accepted forms" +
                  detail);
  }

  void check_one_of(const Node& n, const json& v, const std::string& path, int depth) {
    std::size_t matched = 0;
    for (const Node* sub : n.one_of) {
      if (matches(*sub, v, depth)) ++matched;
    }
    if (matched != 1) {
      add(path, "must match exactly one of the " + std::to_string(n.one_of.size()) +
                    " accepted forms; matches " + std::to_string(matched));
    }
  }

  std::vector<SchemaViolation>& out_;
  std::size_t max_;
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

std::vector<SchemaViolation> JsonSchema::validate(const json& instance,
                                                  std::size_t max_violations) const {
  std::vector<SchemaViolation> out;
  Validator v(out, max_violations);
  v.check(*root_, instance, "", 0);
  return out;
}

std::string describe_violations(std::string_view what, const std::vector<SchemaViolation>& v) {
  std::string out;
  for (const auto& violation : v) {
    if (!out.empty()) out += "\n";
    out += "- ";
    out += violation.path.empty() ? std::string(what) : std::string(what) + "." + violation.path;
    out += ": ";
    out += violation.message;
  }
  return out;
}

}  // namespace nmcp::mcp
