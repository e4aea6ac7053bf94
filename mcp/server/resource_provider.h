#pragma once
// What the dispatcher needs to serve MCP resources (resources/list, resources/templates/list,
// resources/read): a provider that knows which resources a principal may see. The MCP layer
// knows nothing of what the resources are; products and test fixtures implement providers, and
// ResourceProviders combines several. Errors are values: NotFound becomes -32002 (resource not
// found), InvalidArgument -32602, anything else -32603.
//
// Thread-safety: providers are called concurrently from any request thread.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/base/result.h"

namespace nmcp::mcp {

struct Principal;

struct ResourceInfo {
  std::string uri;
  std::string name;
  std::string title;
  std::string description;
  std::string mime_type;
  std::optional<std::uint64_t> size;
  // The tool that returns the same data: a principal limited to some tools sees and reads the
  // resource only when that tool is one of them (empty: only unrestricted principals).
  std::string tool;
};

struct ResourceTemplateInfo {
  std::string uri_template;  // RFC 6570
  std::string name;
  std::string title;
  std::string description;
  std::string mime_type;
  std::string tool;  // as ResourceInfo::tool
};

struct ResourceContents {
  std::string uri;
  std::string mime_type;
  std::string data;
  bool binary = false;  // sent base64-encoded as "blob"
};

struct ResourcePage {
  std::vector<ResourceInfo> resources;
  std::string next_cursor;  // empty: the last page
};

class ResourceProvider {
 public:
  virtual ~ResourceProvider() = default;
  // `cursor` is "" for the first page, else a next_cursor this provider returned.
  virtual Result<ResourcePage> list(const Principal& principal,
                                    const std::string& cursor) const = 0;
  virtual std::vector<ResourceTemplateInfo> templates() const = 0;
  // NotFound when the URI is not one of this provider's (or the principal may not read it).
  virtual Result<std::vector<ResourceContents>> read(const Principal& principal,
                                                     const std::string& uri) const = 0;
  // The tool whose data `uri` is (ResourceInfo::tool), from the URI alone: the dispatcher asks
  // before reading. Empty when the URI is not this provider's.
  virtual std::string tool_for(const std::string& uri) const = 0;
};

// Several providers as one: lists concatenate (the cursor says whose page is next), reads go to
// the first provider that knows the URI.
class ResourceProviders final : public ResourceProvider {
 public:
  void add(std::shared_ptr<const ResourceProvider> p) { providers_.push_back(std::move(p)); }
  bool empty() const { return providers_.empty(); }

  Result<ResourcePage> list(const Principal& principal, const std::string& cursor) const override;
  std::vector<ResourceTemplateInfo> templates() const override;
  Result<std::vector<ResourceContents>> read(const Principal& principal,
                                             const std::string& uri) const override;
  std::string tool_for(const std::string& uri) const override;

 private:
  std::vector<std::shared_ptr<const ResourceProvider>> providers_;
};

// resources/list, resources/templates/list and resources/read results as JSON (title only from
// 2025-06-18 on, as the protocol revision allows).
nlohmann::json resource_json(const ResourceInfo& r, bool with_title);
nlohmann::json template_json(const ResourceTemplateInfo& t, bool with_title);
nlohmann::json contents_json(const ResourceContents& c);

}  // namespace nmcp::mcp
