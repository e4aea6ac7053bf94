#pragma once
// Durations, dates and times as every front door reads them (admin_cli options, tool
// arguments, schedule intervals), one way: a duration is whole numbers with units (30s, 15m,
// 12h, 7d, 2w, 1h30m); a time
// is a UTC date (2026-12-01) or ISO 8601 time (2026-12-01T22:00:00Z, with milliseconds as
// format_time prints them: 2026-12-01T22:00:00.123Z). Errors are InvalidArgument naming the
// text and the forms; callers add which option or field it was. Pure; thread-safe.

#include <cstdint>
#include <string_view>

#include "core/base/result.h"

namespace nmcp {

// Milliseconds.
Result<std::int64_t> parse_duration_ms(std::string_view text);
// Unix milliseconds.
Result<std::int64_t> parse_utc_time_ms(std::string_view text);
// Either: a time as given, or a duration counted back from `now_ms` ("since 7d ago").
Result<std::int64_t> parse_since_ms(std::string_view text, std::int64_t now_ms);

}  // namespace nmcp
