#include "core/config/env_substitution.h"

#include <cctype>

namespace nmcp::config {
namespace {

bool valid_name(std::string_view name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0])) != 0) return false;
  for (const char c : name) {
    if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '_') return false;
  }
  return true;
}

}  // namespace

Result<std::string> substitute_env(std::string_view text, const EnvLookup& env) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (c != '$') {
      out.push_back(c);
      ++i;
      continue;
    }
    if (i + 1 < text.size() && text[i + 1] == '$') {
      out.push_back('$');
      i += 2;
      continue;
    }
    if (i + 1 >= text.size() || text[i + 1] != '{') {
      out.push_back(c);  // a lone "$" is literal
      ++i;
      continue;
    }
    const auto close = text.find('}', i + 2);
    if (close == std::string_view::npos) {
      return fail(ErrorCode::InvalidArgument, "unterminated ${ in \"" + std::string(text) + "\"",
                  "close it with }, or write $$ for a literal $");
    }
    const std::string_view inner = text.substr(i + 2, close - i - 2);
    const auto sep = inner.find(":-");
    const std::string_view name = inner.substr(0, sep);
    if (!valid_name(name)) {
      return fail(ErrorCode::InvalidArgument,
                  "\"${" + std::string(inner) + "}\" is not a variable reference",
                  "use ${NAME} or ${NAME:-default} with NAME of letters, digits and _");
    }
    const auto value = env(std::string(name));
    if (sep != std::string_view::npos) {
      out += value && !value->empty() ? *value : std::string(inner.substr(sep + 2));
    } else if (value) {
      out += *value;
    } else {
      return fail(ErrorCode::InvalidArgument,
                  "environment variable " + std::string(name) + " is not set",
                  "export " + std::string(name) + ", or give a default: ${" + std::string(name) +
                      ":-value}");
    }
    i = close + 1;
  }
  return out;
}

}  // namespace nmcp::config
