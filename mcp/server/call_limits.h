#pragma once
// CallLimits: how many tool calls one session and one tenant may have in flight at once, on
// every transport. A tenant that fills its share gets an immediate, explained refusal instead
// of filling the executor or the HTTP request threads that every other tenant shares.
//
// Thread-safety: TenantCalls is safe to use from any thread; a Slot releases on destruction.

#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace nmcp::mcp {

struct CallLimits {
  std::size_t per_session = 32;
  std::size_t per_tenant = 64;
};

// Counts a tenant's calls in flight across all its sessions. Held by shared_ptr: a slot keeps
// its counter alive, since a queued call may outlive the server that admitted it.
class TenantCalls : public std::enable_shared_from_this<TenantCalls> {
 public:
  explicit TenantCalls(std::size_t per_tenant) : per_tenant_(per_tenant) {}

  // Held for as long as the call runs.
  class Slot {
   public:
    Slot(std::shared_ptr<TenantCalls> owner, std::string tenant)
        : owner_(std::move(owner)), tenant_(std::move(tenant)) {}
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    ~Slot() { owner_->release(tenant_); }

   private:
    std::shared_ptr<TenantCalls> owner_;
    std::string tenant_;
  };

  // A slot, or nullptr when the tenant already has per_tenant calls in flight.
  std::unique_ptr<Slot> try_acquire(const std::string& tenant);
  std::size_t in_flight(const std::string& tenant) const;
  std::size_t limit() const { return per_tenant_; }

 private:
  void release(const std::string& tenant);

  const std::size_t per_tenant_;
  mutable std::mutex mu_;
  std::map<std::string, std::size_t> counts_;  // guarded by mu_; no zero entries
};

}  // namespace nmcp::mcp
