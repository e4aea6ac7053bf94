#include "mcp/tools/results_resources.h"

#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "mcp/server/session.h"
#include "mcp/tools/tool_support.h"
#include "service/results_service.h"
#include "service/scan_service.h"

namespace nmcp::mcp {

using nlohmann::json;

namespace {

constexpr std::string_view kPrefix = "nessus://tasks/";
// The tools whose data the resources are (ResourceInfo::tool).
constexpr const char* kSummaryTool = "get_scan_results";
constexpr const char* kHostsTool = "list_scan_hosts";
constexpr const char* kFindingTool = "get_finding";

Error not_found(const std::string& uri) {
  return {ErrorCode::NotFound, "Resource not found: " + uri.substr(0, 200),
          "resources/list shows the results you can read"};
}

class ResultsResources final : public ResourceProvider {
 public:
  explicit ResultsResources(service::Services deps) : deps_(std::move(deps)) {}

  Result<ResourcePage> list(const Principal& principal, const std::string& cursor) const override {
    service::TaskFilter completed;
    completed.state = task::State::Completed;
    completed.limit = 50;
    completed.cursor = cursor;
    auto page =
        service::ScanService(deps_).list(service::Caller::tenant_of(principal.tenant), completed);
    if (!page) return fail(page.error());
    ResourcePage out;
    out.next_cursor = page->next_cursor;
    for (const auto& t : page->tasks) {
      ResourceInfo summary;
      summary.uri = summary_uri(t.id);
      summary.name = t.name + " — results summary";
      summary.title = summary.name;
      summary.description =
          "Hosts, findings per severity, top plugins and credential outcome of " + t.id;
      summary.mime_type = "application/json";
      summary.tool = kSummaryTool;
      out.resources.push_back(std::move(summary));
      ResourceInfo raw;
      raw.uri = export_uri(t.id);
      raw.name = t.name + " — .nessus export";
      raw.title = raw.name;
      raw.description = "The raw Nessus export of " + t.id;
      raw.mime_type = "application/xml";
      raw.size = service::ResultsService(deps_).export_size(t.id);
      raw.tool = kSummaryTool;
      out.resources.push_back(std::move(raw));
    }
    return out;
  }

  std::vector<ResourceTemplateInfo> templates() const override {
    return {
        {"nessus://tasks/{task_id}/summary", "scan summary", "Scan results summary",
         "Hosts, findings per severity, top plugins and credential outcome", "application/json",
         kSummaryTool},
        {"nessus://tasks/{task_id}/hosts", "scan hosts", "Scan hosts",
         "Every host with its names, OS, severity counts and credential status", "application/json",
         kHostsTool},
        {"nessus://tasks/{task_id}/findings/{finding_id}", "finding", "One finding",
         "One finding with every field, untruncated", "application/json", kFindingTool},
        {"nessus://tasks/{task_id}/export", "export", "Raw .nessus export",
         "The export as Nessus wrote it (inline up to 8 MiB)", "application/xml", kSummaryTool},
    };
  }

  // Each resource is the data of one results tool: a key limited with tools= reads it only
  // when that tool is in its list.
  std::string tool_for(const std::string& uri) const override {
    if (uri.rfind(kPrefix, 0) != 0) return "";
    const std::string rest = uri.substr(kPrefix.size());
    const auto slash = rest.find('/');
    if (slash == std::string::npos) return "";
    const std::string what = rest.substr(slash + 1);
    if (what == "summary" || what == "export") return kSummaryTool;
    if (what == "hosts") return kHostsTool;
    if (what.rfind("findings/", 0) == 0) return kFindingTool;
    return "";
  }

  Result<std::vector<ResourceContents>> read(const Principal& principal,
                                             const std::string& uri) const override {
    if (uri.rfind(kPrefix, 0) != 0) return fail(not_found(uri));
    const std::string rest = uri.substr(kPrefix.size());
    const auto slash = rest.find('/');
    if (slash == std::string::npos) return fail(not_found(uri));
    const std::string id = rest.substr(0, slash);
    const std::string what = rest.substr(slash + 1);
    if (!task::is_valid_task_id(id)) return fail(not_found(uri));
    const service::ResultsService results(deps_);
    auto caller = service::Caller::tenant_of(principal.tenant);
    auto contents = [&uri](const json& j, int indent) {
      return std::vector<ResourceContents>{{uri, "application/json", j.dump(indent), false}};
    };
    // Another tenant's task, or none, is a resource that does not exist.
    auto summary = results.summary(caller, id);
    if (!summary) return fail(not_found(uri));
    if (what == "summary") return contents(*summary, 2);
    if (what == "export") {
      auto file = results.export_file(caller, id);
      if (!file) return fail(file.error());
      return read_export(uri, *file);
    }
    if (what == "hosts") {
      auto hosts = results.host_table(caller, id);
      if (!hosts) return fail(hosts.error());
      return contents(*hosts, 1);
    }
    if (what.rfind("findings/", 0) == 0) {
      const std::string number = what.substr(9);
      std::int64_t fid = 0;
      const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), fid);
      if (ec != std::errc() || end != number.data() + number.size()) return fail(not_found(uri));
      auto finding = results.finding_record(caller, id, fid);
      if (!finding) return fail(finding.error());
      if (!*finding) return fail(not_found(uri));
      return contents(**finding, 2);
    }
    return fail(not_found(uri));
  }

 private:
  static Result<std::vector<ResourceContents>> read_export(const std::string& uri,
                                                           const std::string& path) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    if (ec) return fail(not_found(uri));
    if (size > kMaxInlineExportBytes) {
      return fail(ErrorCode::FailedPrecondition,
                  "the export is " + std::to_string(size >> 20U) + " MiB, more than the " +
                      std::to_string(kMaxInlineExportBytes >> 20U) + " MiB sent inline",
                  "read it through get_scan_results, list_scan_hosts and get_finding, or ask the "
                  "operator for the file");
    }
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    if (!in.good() && !in.eof()) return fail(ErrorCode::Unavailable, "cannot read the export");
    return std::vector<ResourceContents>{{uri, "application/xml", text.str(), false}};
  }

  service::Services deps_;
};

}  // namespace

std::string export_uri(const std::string& task_id) {
  return std::string(kPrefix) + task_id + "/export";
}
std::string summary_uri(const std::string& task_id) {
  return std::string(kPrefix) + task_id + "/summary";
}
std::string finding_uri(const std::string& task_id, std::int64_t finding_id) {
  return std::string(kPrefix) + task_id + "/findings/" + std::to_string(finding_id);
}

std::vector<json> scan_links(const service::Services& deps, const task::Task& t) {
  std::vector<json> links = {resource_link(summary_uri(t.id), t.name + " — results summary",
                                           "summary and credential outcome", "application/json")};
  // The raw export only when a client could actually read it: a link to megabytes that
  // resources/read refuses is noise in every page.
  const auto size = service::ResultsService(deps).export_size(t.id);
  if (size && *size <= kMaxInlineExportBytes) {
    links.push_back(resource_link(export_uri(t.id), t.name + " — .nessus export", "the raw export",
                                  "application/xml", size));
  }
  return links;
}

json resource_link(const std::string& uri, const std::string& name, const std::string& description,
                   const std::string& mime_type, std::optional<std::uint64_t> size) {
  json j = {{"type", "resource_link"}, {"uri", uri}, {"name", name}};
  if (!description.empty()) j["description"] = description;
  if (!mime_type.empty()) j["mimeType"] = mime_type;
  if (size) j["size"] = *size;
  return j;
}

std::shared_ptr<const ResourceProvider> make_results_resources(const service::Services& deps) {
  return std::make_shared<ResultsResources>(deps);
}

}  // namespace nmcp::mcp
