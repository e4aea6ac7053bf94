#include "core/schedule/weekdays.h"

#include <string>

#include "core/base/text.h"

namespace nmcp::schedule {

std::optional<int> weekday_from_name(std::string_view name) {
  const std::string lower = ascii_lower(name);
  for (std::size_t i = 0; i < kWeekdayNames.size(); ++i) {
    if (lower == kWeekdayNames[i]) return static_cast<int>(i);
  }
  return std::nullopt;
}

}  // namespace nmcp::schedule
