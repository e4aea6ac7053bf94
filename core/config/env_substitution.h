#pragma once
// ${VAR} and ${VAR:-default} substitution inside a scalar, anywhere and any number of times;
// "$$" is a literal "$". A variable that is unset (or set but empty, for the :- form) takes the
// default; an unset variable without a default is an error naming it. Pure; thread-safe.

#include <string>
#include <string_view>

#include "core/base/result.h"
#include "core/config/scanner_config.h"

namespace nmcp::config {

Result<std::string> substitute_env(std::string_view text, const EnvLookup& env);

}  // namespace nmcp::config
