#include "core/base/error.h"

namespace nmcp {

std::string_view to_string(ErrorCode code) {
  switch (code) {
    case ErrorCode::InvalidArgument:
      return "invalid_argument";
    case ErrorCode::NotFound:
      return "not_found";
    case ErrorCode::AlreadyExists:
      return "already_exists";
    case ErrorCode::Conflict:
      return "conflict";
    case ErrorCode::FailedPrecondition:
      return "failed_precondition";
    case ErrorCode::PermissionDenied:
      return "permission_denied";
    case ErrorCode::Unauthenticated:
      return "unauthenticated";
    case ErrorCode::ResourceExhausted:
      return "resource_exhausted";
    case ErrorCode::Unavailable:
      return "unavailable";
    case ErrorCode::Timeout:
      return "timeout";
    case ErrorCode::DataLoss:
      return "data_loss";
    case ErrorCode::Internal:
      return "internal";
  }
  return "internal";
}

}  // namespace nmcp
