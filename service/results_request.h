#pragma once
// The arguments of the results tools, from JSON to core's query model: the filter object,
// sort, profile or field list, page size and token budget, and the opaque cursor (which names
// the task and the filter+sort it was issued for, so it cannot be replayed against another
// question). Every problem is an InvalidArgument that says what to write instead. Pure;
// thread-safe.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/base/result.h"
#include "core/findings/finding_query.h"

namespace nmcp::service {

inline constexpr std::size_t kDefaultPageSize = 25;
inline constexpr std::size_t kMaxPageSize = 200;
inline constexpr std::size_t kDefaultMaxTokens = 8000;
inline constexpr std::size_t kMinMaxTokens = 500;
inline constexpr std::size_t kMaxMaxTokens = 20000;  // clients cap tool output near 25k tokens

struct ResultsRequest {
  findings::FindingFilter filter;
  findings::SortSpec sort;
  std::string profile;              // "custom" when fields were listed
  std::vector<std::string> fields;  // what each finding shows
  std::size_t page_size = kDefaultPageSize;
  std::size_t max_tokens = kDefaultMaxTokens;
  std::int64_t after = 0;   // from the cursor
  std::int64_t offset = 0;  // findings returned before this page
};

Result<findings::FindingFilter> parse_filter(const nlohmann::json& filter);
// A severity as 0-4 or a word (info, low, medium, high, critical); `where` names the argument.
Result<int> severity_value(const nlohmann::json& v, const std::string& where);
// Everything but the task: filter, sort, projection, page size, budget and cursor.
Result<ResultsRequest> parse_results_request(const nlohmann::json& args,
                                             const std::string& task_id);

std::string encode_results_cursor(const std::string& task_id, const ResultsRequest& r,
                                  std::int64_t after, std::int64_t offset);

// Offset cursors for the simpler lists (hosts, comparisons), bound to a task and a question.
std::string encode_offset_cursor(const std::string& scope, std::size_t offset);
Result<std::size_t> decode_offset_cursor(const std::string& scope, const std::string& cursor);

}  // namespace nmcp::service
