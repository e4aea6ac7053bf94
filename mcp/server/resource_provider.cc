#include "mcp/server/resource_provider.h"

#include "core/base/base64.h"

namespace nmcp::mcp {

using nlohmann::json;

Result<ResourcePage> ResourceProviders::list(const Principal& principal,
                                             const std::string& cursor) const {
  // Our cursor: "<provider index>:<that provider's cursor>".
  std::size_t index = 0;
  std::string inner;
  if (!cursor.empty()) {
    const auto colon = cursor.find(':');
    bool ok = colon != std::string::npos && colon > 0 && colon < 4;
    if (ok) {
      for (std::size_t i = 0; i < colon; ++i) ok = ok && cursor[i] >= '0' && cursor[i] <= '9';
    }
    if (ok) index = std::stoul(cursor.substr(0, colon));
    if (!ok || index >= providers_.size()) {
      return fail(ErrorCode::InvalidArgument, "unknown cursor",
                  "pass the nextCursor of a previous resources/list result, or none");
    }
    inner = cursor.substr(colon + 1);
  }
  for (; index < providers_.size(); ++index, inner.clear()) {
    auto page = providers_[index]->list(principal, inner);
    if (!page) return fail(page.error());
    if (!page->next_cursor.empty()) {
      page->next_cursor = std::to_string(index) + ":" + page->next_cursor;
      return page;
    }
    if (!page->resources.empty() || index + 1 == providers_.size()) {
      if (index + 1 < providers_.size()) page->next_cursor = std::to_string(index + 1) + ":";
      return page;
    }
  }
  return ResourcePage{};
}

std::vector<ResourceTemplateInfo> ResourceProviders::templates() const {
  std::vector<ResourceTemplateInfo> out;
  for (const auto& p : providers_) {
    auto t = p->templates();
    out.insert(out.end(), t.begin(), t.end());
  }
  return out;
}

Result<std::vector<ResourceContents>> ResourceProviders::read(const Principal& principal,
                                                              const std::string& uri) const {
  for (const auto& p : providers_) {
    auto r = p->read(principal, uri);
    if (r || r.error().code != ErrorCode::NotFound) return r;
  }
  return fail(ErrorCode::NotFound, "Resource not found: " + uri.substr(0, 200),
              "resources/list and resources/templates/list show what can be read");
}

json resource_json(const ResourceInfo& r, bool with_title) {
  json j = {{"uri", r.uri}, {"name", r.name}};
  if (with_title && !r.title.empty()) j["title"] = r.title;
  if (!r.description.empty()) j["description"] = r.description;
  if (!r.mime_type.empty()) j["mimeType"] = r.mime_type;
  if (r.size) j["size"] = *r.size;
  return j;
}

json template_json(const ResourceTemplateInfo& t, bool with_title) {
  json j = {{"uriTemplate", t.uri_template}, {"name", t.name}};
  if (with_title && !t.title.empty()) j["title"] = t.title;
  if (!t.description.empty()) j["description"] = t.description;
  if (!t.mime_type.empty()) j["mimeType"] = t.mime_type;
  return j;
}

json contents_json(const ResourceContents& c) {
  json j = {{"uri", c.uri}};
  if (!c.mime_type.empty()) j["mimeType"] = c.mime_type;
  if (c.binary) {
    j["blob"] = base64_encode(c.data);
  } else {
    j["text"] = c.data;
  }
  return j;
}

}  // namespace nmcp::mcp

namespace nmcp::mcp {

std::string ResourceProviders::tool_for(const std::string& uri) const {
  for (const auto& p : providers_) {
    if (auto tool = p->tool_for(uri); !tool.empty()) return tool;
  }
  return "";
}

}  // namespace nmcp::mcp
