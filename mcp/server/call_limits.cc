#include "mcp/server/call_limits.h"

namespace nmcp::mcp {

std::unique_ptr<TenantCalls::Slot> TenantCalls::try_acquire(const std::string& tenant) {
  {
    std::lock_guard lock(mu_);
    std::size_t& n = counts_[tenant];
    if (n >= per_tenant_) {
      if (n == 0) counts_.erase(tenant);
      return nullptr;
    }
    ++n;
  }
  return std::make_unique<Slot>(shared_from_this(), tenant);
}

std::size_t TenantCalls::in_flight(const std::string& tenant) const {
  std::lock_guard lock(mu_);
  const auto it = counts_.find(tenant);
  return it == counts_.end() ? 0 : it->second;
}

void TenantCalls::release(const std::string& tenant) {
  std::lock_guard lock(mu_);
  const auto it = counts_.find(tenant);
  if (it == counts_.end()) return;
  if (--it->second == 0) counts_.erase(it);
}

}  // namespace nmcp::mcp
