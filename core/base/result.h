#pragma once
// Result<T>: a value or an Error (tl::expected today, std::expected once we move to C++23).
// Status is Result<void>. Use fail(...) to build the error side.

#include <string>
#include <utility>

#include <tl/expected.hpp>

#include "core/base/error.h"

namespace nmcp {

template <class T>
using Result = tl::expected<T, Error>;
using Status = Result<void>;

inline tl::unexpected<Error> fail(ErrorCode code, std::string message, std::string hint = {}) {
  return tl::unexpected<Error>(Error{code, std::move(message), std::move(hint)});
}

inline tl::unexpected<Error> fail(Error error) { return tl::unexpected<Error>(std::move(error)); }

inline Status ok() { return {}; }

}  // namespace nmcp
