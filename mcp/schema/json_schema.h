#pragma once
// A compiled subset of JSON Schema (the common ground of draft-07 and 2020-12 that MCP clients
// validate with): type, enum, const, numeric bounds, multipleOf, string lengths (in code
// points), pattern, items, array sizes, uniqueItems, properties, required,
// additionalProperties, property counts, allOf/anyOf/oneOf/not, local $ref into $defs or
// definitions. Annotation keywords (title, description, default, examples, format, ...) are
// accepted and ignored. Any other keyword is a compile error, so a schema never silently
// validates less than it says.
//
// A compiled schema is immutable; validate() is const and thread-safe.

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/base/result.h"

namespace nmcp::mcp {

struct SchemaViolation {
  std::string path;  // "targets[2]", "options.port"; empty for the value itself
  std::string message;
};

class JsonSchema {
 public:
  struct Node;

  static Result<JsonSchema> compile(const nlohmann::json& schema);

  // Problems found, in document order, at most `max_violations`; empty means valid.
  std::vector<SchemaViolation> validate(const nlohmann::json& instance,
                                        std::size_t max_violations = 20) const;

  const nlohmann::json& source() const { return *source_; }

 private:
  JsonSchema(std::shared_ptr<const nlohmann::json> source, std::shared_ptr<const Node> root)
      : source_(std::move(source)), root_(std::move(root)) {}

  std::shared_ptr<const nlohmann::json> source_;
  // Aliases the arena that owns every node of this schema, so $ref cycles need no ownership.
  std::shared_ptr<const Node> root_;
};

// One line per violation, prefixed with `what` ("arguments"), for a model to act on.
std::string describe_violations(std::string_view what, const std::vector<SchemaViolation>& v);

}  // namespace nmcp::mcp
