// The validator: checks an instance against a compiled schema and reports every violation
// with its path, up to a limit.
#include <algorithm>
#include <cmath>
#include <string>

#include "mcp/schema/schema_internal.h"

namespace nmcp::mcp {

namespace {

using namespace schema_detail;  // NOLINT: the schema's own helpers

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
    if (node.condition != nullptr) {
      const Node* branch = matches(*node.condition, v, depth) ? node.then : node.otherwise;
      if (branch != nullptr) check(*branch, v, path, depth + 1);
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
