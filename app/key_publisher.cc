#include "app/key_publisher.h"

#include "core/base/logging.h"
#include "core/recurring/key_rights.h"
#include "mcp/tools/tool_support.h"

namespace nmcp::app {

Status publish_key_rights(const std::shared_ptr<mcp::ApiKeys>& keys, store::RecordStore& store) {
  if (!keys) return ok();
  std::vector<recurring::KeyRights> rights;
  for (const auto& p : keys->current()->principals()) {
    recurring::KeyRights r;
    r.key_id = p.key_id;
    r.tenant = p.tenant;
    r.scan_types = mcp::scan_types_allowed(p);
    r.pools = p.allowed_pools;
    rights.push_back(std::move(r));
  }
  auto published = recurring::KeyRightsBook(store).publish(rights);
  if (!published) {
    log::error("main",
               "could not publish the API keys' rights; schedules keep the rights last published",
               {{"error", published.error().message}});
    return published;
  }
  log::info("main", "API keys' rights published for schedules", {{"keys", rights.size()}});
  return ok();
}

}  // namespace nmcp::app
