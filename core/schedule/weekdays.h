#pragma once
// Weekday names, one rule for every grammar that takes them (cron's day-of-week field, a
// pool's scan window days): the English three-letter names, in any letter case, numbered
// 0 = Sunday as weekday_of() numbers days. Ranges are each grammar's own (cron ranges count
// up within a week; a window's fri-mon wraps), the names are not.
//
// Thread-safety: pure functions and constants.

#include <array>
#include <optional>
#include <string_view>

namespace nmcp::schedule {

inline constexpr std::array<std::string_view, 7> kWeekdayNames = {"sun", "mon", "tue", "wed",
                                                                  "thu", "fri", "sat"};

// The weekday `name` names (0 = Sunday), or nullopt.
std::optional<int> weekday_from_name(std::string_view name);

}  // namespace nmcp::schedule
