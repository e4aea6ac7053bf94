#pragma once
// Whose tasks a call may see or change. A tenant (an API key's tenant, or "local" on stdio) sees
// only its own tasks: another tenant's task is "no such task", never "not yours". Only
// operators (admin_cli, housekeeping) act on every tenant's tasks, and they say so by building
// OwnerScope::everyone() explicitly; there is no default and no empty-string wildcard.
// Plain value; thread-safe to copy.

#include <string>
#include <string_view>
#include <utility>

namespace nmcp::store {

class OwnerScope {
 public:
  static OwnerScope tenant(std::string owner) { return OwnerScope(std::move(owner), false); }
  static OwnerScope everyone() { return OwnerScope({}, true); }

  bool admits(std::string_view owner) const { return everyone_ || owner == tenant_; }
  bool is_everyone() const { return everyone_; }
  // The tenant's name; empty for everyone().
  const std::string& tenant_name() const { return tenant_; }

 private:
  OwnerScope(std::string tenant, bool everyone) : tenant_(std::move(tenant)), everyone_(everyone) {}
  std::string tenant_;
  bool everyone_;
};

}  // namespace nmcp::store
