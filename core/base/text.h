#pragma once
// Small ASCII text helpers shared by parsers (targets, plugin outputs, filters). Pure; thread-safe.

#include <optional>
#include <string>
#include <string_view>

namespace nmcp {

// ASCII letters lowered; other bytes unchanged.
std::string ascii_lower(std::string_view s);
std::string ascii_upper(std::string_view s);
// Without leading and trailing ASCII whitespace.
std::string_view trim_space(std::string_view s);
// Whether `a` and `b` are equal, ignoring ASCII case.
bool equals_ignoring_case(std::string_view a, std::string_view b);
// Whether `needle` occurs in `haystack`, ignoring ASCII case.
bool contains_ignoring_case(std::string_view haystack, std::string_view needle);
// `text` as XML character data or an attribute value: & < > " ' escaped.
std::string xml_escape(std::string_view text);

// A decimal number, spaces around it allowed ("7.5", " 10 "); nullopt for anything else.
std::optional<double> parse_decimal(std::string_view text);

}  // namespace nmcp
