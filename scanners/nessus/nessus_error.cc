#include "scanners/nessus/nessus_error.h"

namespace nmcp::scanners {

std::string_view to_string(NessusErrorKind kind) {
  switch (kind) {
    case NessusErrorKind::Transient:
      return "transient";
    case NessusErrorKind::RateLimited:
      return "rate_limited";
    case NessusErrorKind::Auth:
      return "auth";
    case NessusErrorKind::ApiLocked:
      return "api_locked";
    case NessusErrorKind::NotFound:
      return "not_found";
    case NessusErrorKind::Rejected:
      return "rejected";
    case NessusErrorKind::Tls:
      return "tls";
    case NessusErrorKind::Internal:
      return "internal";
    case NessusErrorKind::Withheld:
      return "withheld";
  }
  return "internal";
}

bool is_transient(NessusErrorKind kind) {
  return kind == NessusErrorKind::Transient || kind == NessusErrorKind::RateLimited;
}

NessusError classify_status(int status, std::string_view operation, std::string_view nessus_error) {
  const std::string said = nessus_error.empty() ? std::string() : ": " + std::string(nessus_error);
  const std::string what =
      std::string(operation) + " failed with HTTP " + std::to_string(status) + said;
  if (status == 401) {
    return {NessusErrorKind::Auth, status, what,
            "check the instance's API keys or username and password in the scanner configuration"};
  }
  if (status == 403) {
    return {
        NessusErrorKind::Auth, status, what,
        "the Nessus account lacks the permission; use an administrator or a scan manager account"};
  }
  if (status == 412) {
    return {NessusErrorKind::ApiLocked, status, what,
            "this Nessus edition (Professional or Essentials) does not allow scan control through "
            "the API; use Nessus Manager, or session auth with ui_token: true"};
  }
  if (status == 404) return {NessusErrorKind::NotFound, status, what, ""};
  if (status == 429) {
    return {NessusErrorKind::RateLimited, status, what,
            "Nessus is at its concurrency limit; the task waits and tries again"};
  }
  if (status >= 500) {
    return {NessusErrorKind::Transient, status, what, "Nessus is busy or restarting; retry later"};
  }
  if (status >= 400) return {NessusErrorKind::Rejected, status, what, ""};
  return {NessusErrorKind::Internal, status, what, ""};
}

Error to_core_error(const NessusError& e) {
  ErrorCode code = ErrorCode::Internal;
  switch (e.kind) {
    case NessusErrorKind::Transient:
    case NessusErrorKind::RateLimited:
      code = ErrorCode::Unavailable;
      break;
    case NessusErrorKind::Auth:
      code = ErrorCode::Unauthenticated;
      break;
    case NessusErrorKind::ApiLocked:
      code = ErrorCode::FailedPrecondition;
      break;
    case NessusErrorKind::NotFound:
      code = ErrorCode::NotFound;
      break;
    case NessusErrorKind::Rejected:
      code = ErrorCode::InvalidArgument;
      break;
    case NessusErrorKind::Tls:
      code = ErrorCode::PermissionDenied;
      break;
    case NessusErrorKind::Internal:
      code = ErrorCode::Internal;
      break;
    case NessusErrorKind::Withheld:
      code = e.may_retry ? ErrorCode::Unavailable : ErrorCode::FailedPrecondition;
      break;
  }
  return Error{code, e.message, e.hint};
}

}  // namespace nmcp::scanners
