#include "core/store/records.h"

namespace nmcp::store::records {

Status validate_kind(const std::string& kind) {
  bool good = !kind.empty() && kind.size() <= 32;
  for (char c : kind) good = good && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_');
  if (good) return ok();
  return fail(ErrorCode::InvalidArgument, "bad record kind '" + kind.substr(0, 40) + "'",
              "a record kind is 1-32 characters of a-z, 0-9 and _");
}

Status validate_key(const std::string& key) {
  bool good = !key.empty() && key.size() <= 200;
  for (char c : key) good = good && c > ' ' && c < 127;
  if (good) return ok();
  return fail(ErrorCode::InvalidArgument, "bad record key '" + key.substr(0, 40) + "'",
              "a record key is 1-200 printable ASCII characters without spaces");
}

Status validate_body(const std::string& body) {
  if (body.size() <= kMaxRecordBody) return ok();
  return fail(ErrorCode::InvalidArgument,
              "a record of " + std::to_string(body.size()) + " bytes is over the 1 MiB limit",
              "store less in one record");
}

}  // namespace nmcp::store::records
