#pragma once
// Where a secret in the configuration comes from besides ${VAR}: "file:/absolute/path", read
// once at load, so secrets can come from Docker or Kubernetes secret files. The file must be a
// regular file that neither its group nor others may read (0600 or 0400): a secret anyone on
// the host can read is refused with the path and the chmod that fixes it. Thread-safe.

#include <string>
#include <string_view>

#include "core/base/result.h"

namespace nmcp::config {

inline constexpr std::string_view kFilePrefix = "file:";

bool is_file_reference(std::string_view value);

// The file's content, trailing line breaks and spaces removed; InvalidArgument naming the path
// when it is relative, missing, unreadable, not a regular file, too large or too open.
Result<std::string> read_secret_file(std::string_view reference);

}  // namespace nmcp::config
