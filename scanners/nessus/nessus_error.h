#pragma once
// How a call to Nessus failed, classified once so callers can decide between retrying and
// giving up without reading HTTP details. Messages name the operation and what Nessus said;
// they never contain keys, passwords, session tokens or the X-API-Token.

#include <string>
#include <string_view>

#include <tl/expected.hpp>

#include "core/base/error.h"

namespace nmcp::scanners {

enum class NessusErrorKind {
  Transient,  // network trouble, timeouts, 5xx: retry with backoff
  // 429: Nessus (or Tenable's concurrency limit) asks to come back later, after
  // retry_after_seconds when it said: a back-off, not a failure.
  RateLimited,
  Auth,       // credentials refused (401 after one fresh login) or not permitted (403)
  ApiLocked,  // 412 "API is not available": this edition (or a stale UI token) blocks scan control
  NotFound,   // 404: the scan, export or file is gone
  Rejected,   // 400/409 and other 4xx: Nessus refused this request as made; retrying will not help
  Tls,        // the certificate did not verify or did not match the pin: refuse to talk
  Internal,   // a reply we cannot make sense of
  // Not sent: the caller's side-effect gate refused (its lease is gone, or could not be
  // confirmed in time). may_retry says which.
  Withheld,
};

std::string_view to_string(NessusErrorKind kind);
bool is_transient(NessusErrorKind kind);

struct NessusError {
  NessusErrorKind kind = NessusErrorKind::Internal;
  int http_status = 0;  // 0 when no status line arrived
  std::string message;
  std::string hint;
  int retry_after_seconds = 0;  // RateLimited: from Retry-After (0: not given)
  bool may_retry = false;       // Withheld: the right to act may come back (try again later)
};

template <class T>
using NessusResult = tl::expected<T, NessusError>;

inline tl::unexpected<NessusError> nessus_fail(NessusErrorKind kind, int status,
                                               std::string message, std::string hint = {}) {
  return tl::unexpected<NessusError>(
      NessusError{kind, status, std::move(message), std::move(hint)});
}

// Classifies an HTTP answer that was not a success. `nessus_error` is the "error" text of the
// body when there was one.
NessusError classify_status(int status, std::string_view operation, std::string_view nessus_error);

// The closest core error, for layers that do not care about Nessus specifics.
Error to_core_error(const NessusError& e);

}  // namespace nmcp::scanners
