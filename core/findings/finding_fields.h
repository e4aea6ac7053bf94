#pragma once
// The fields a finding is shown with, and the profiles that name sets of them. One catalogue
// for projection, sorting and validation of field lists. Pure; thread-safe.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nmcp::findings {

enum class FieldKind { Number, Text, LongText, List, Bool, Object };

struct FieldInfo {
  std::string_view name;
  FieldKind kind;
  std::string_view about;
};

// Every field in the order a full finding shows them.
const std::vector<FieldInfo>& all_fields();
const FieldInfo* find_field(std::string_view name);

// minimal, summary, brief, full. nullopt for an unknown profile.
std::optional<std::vector<std::string>> profile_fields(std::string_view profile);
const std::vector<std::string>& profile_names();

}  // namespace nmcp::findings
