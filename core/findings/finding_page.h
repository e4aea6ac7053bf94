#pragma once
// Turning full findings into what an agent reads: projection onto a profile or a field list,
// long texts cut with a marker that says how to fetch the rest, and pages that stop before a
// token budget is spent. Tokens are estimated as serialized JSON bytes / 3 (rounded up), which
// over-counts for English text and JSON alike, so an estimate within budget is within budget.
// Pure functions; thread-safe.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace nmcp::findings {

std::size_t estimate_tokens(const nlohmann::json& value);

// `text` cut to at most `max_chars` bytes (never inside a UTF-8 sequence) plus a marker naming
// what was left out and how to read it: get_finding with this finding id, field and offset.
std::string truncate_text(const std::string& text, std::size_t max_chars, std::int64_t finding_id,
                          const std::string& field, std::size_t offset = 0);

// The fields of `full` named in `fields`, in that order; long text fields longer than
// `max_text_chars` are truncated (and *truncated set). Absent fields stay absent.
nlohmann::json project(const nlohmann::json& full, const std::vector<std::string>& fields,
                       std::size_t max_text_chars, bool* truncated = nullptr);

struct PagedItems {
  nlohmann::json items = nlohmann::json::array();
  std::size_t used = 0;    // how many of the offered findings the page holds
  bool truncated = false;  // some text was cut to fit
  // The one finding did not fit even with its texts cut: only its identifying fields are shown
  // (kIdentityFields), and the caller must say so.
  bool fields_dropped = false;
};

// What a finding shows when nothing more fits the budget.
inline const std::vector<std::string> kIdentityFields = {"finding_id", "host", "port", "plugin_id",
                                                         "severity"};

// Projects `findings` in order while the whole page stays within `max_tokens`, counting
// `envelope_tokens` for everything around the items. The first finding is always included,
// with its texts cut harder if that is what fits.
PagedItems fill_page(const std::vector<nlohmann::json>& findings,
                     const std::vector<std::string>& fields, std::size_t max_tokens,
                     std::size_t envelope_tokens, std::size_t max_text_chars);

}  // namespace nmcp::findings
