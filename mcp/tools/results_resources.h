#pragma once
// The scans' results as MCP resources, for hosts that let users attach them (@-mentions):
//   nessus://tasks/{task_id}/summary                 the results summary and credential outcome
//   nessus://tasks/{task_id}/hosts                   every host with its counts (JSON)
//   nessus://tasks/{task_id}/findings/{finding_id}   one finding, every field, untruncated
//   nessus://tasks/{task_id}/export                  the raw .nessus export (inline up to 8 MiB;
//                                                    larger ones are refused with a pointer to
//                                                    get_scan_results)
// resources/list shows the caller's completed scans (summary and export of each); a tenant
// never sees another's. Also the resource_links the results tools attach.
//
// Thread-safety: read-only over thread-safe parts.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/task/task.h"
#include "mcp/server/resource_provider.h"
#include "service/services.h"

namespace nmcp::mcp {

inline constexpr std::uint64_t kMaxInlineExportBytes = 8U << 20U;

std::string export_uri(const std::string& task_id);
std::string summary_uri(const std::string& task_id);
std::string finding_uri(const std::string& task_id, std::int64_t finding_id);

// A resource_link content block.
nlohmann::json resource_link(const std::string& uri, const std::string& name,
                             const std::string& description, const std::string& mime_type,
                             std::optional<std::uint64_t> size = std::nullopt);

// The links a finished scan's tool results carry: its summary and its raw export.
std::vector<nlohmann::json> scan_links(const service::Services& deps, const task::Task& t);

std::shared_ptr<const ResourceProvider> make_results_resources(const service::Services& deps);

}  // namespace nmcp::mcp
