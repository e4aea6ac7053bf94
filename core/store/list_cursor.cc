#include "core/store/list_cursor.h"

#include <charconv>

namespace nmcp::store {

std::string encode_cursor(task::Millis created_at, const std::string& id) {
  return std::to_string(created_at) + "." + id;
}

std::string encode_cursor(const task::Task& t) { return encode_cursor(t.created_at, t.id); }

Result<std::pair<task::Millis, std::string>> decode_cursor(const std::string& cursor) {
  const auto dot = cursor.find('.');
  task::Millis created = 0;
  if (dot != std::string::npos) {
    const auto [end, ec] = std::from_chars(cursor.data(), cursor.data() + dot, created);
    const std::string id = cursor.substr(dot + 1);
    if (ec == std::errc() && end == cursor.data() + dot && task::is_valid_task_id(id)) {
      return std::make_pair(created, id);
    }
  }
  return fail(ErrorCode::InvalidArgument, "the cursor is not one this server issued",
              "pass next_cursor from the previous page unchanged, or omit it to start over");
}

}  // namespace nmcp::store
