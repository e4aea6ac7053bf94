#include "mcp/http/session_table.h"

#include <vector>

namespace nmcp::mcp {

SessionTable::Inserted SessionTable::insert(const std::shared_ptr<SessionEntry>& entry) {
  std::lock_guard lock(mu_);
  if (entries_.size() >= max_sessions_) return Inserted::TableFull;
  const std::string& tenant = entry->session->principal().tenant;
  if (const auto it = per_tenant_.find(tenant);
      it != per_tenant_.end() && it->second >= max_per_tenant_) {
    return Inserted::TenantFull;
  }
  if (!entries_.emplace(entry->session->id(), entry).second) return Inserted::TableFull;
  ++per_tenant_[tenant];
  return Inserted::Yes;
}

void SessionTable::erased(const SessionEntry& e) {
  const auto it = per_tenant_.find(e.session->principal().tenant);
  if (it != per_tenant_.end() && --it->second == 0) per_tenant_.erase(it);
}

std::shared_ptr<SessionEntry> SessionTable::find(const std::string& id) const {
  std::lock_guard lock(mu_);
  const auto it = entries_.find(id);
  return it == entries_.end() ? nullptr : it->second;
}

bool SessionTable::remove(const std::string& id) {
  std::shared_ptr<SessionEntry> entry;
  {
    std::lock_guard lock(mu_);
    const auto it = entries_.find(id);
    if (it == entries_.end()) return false;
    entry = std::move(it->second);
    entries_.erase(it);
    erased(*entry);
  }
  end(*entry);
  return true;
}

std::size_t SessionTable::expire_idle(std::chrono::milliseconds idle,
                                      std::chrono::milliseconds unready, std::int64_t now_ms) {
  const std::int64_t cutoff = now_ms - idle.count();
  const std::int64_t unready_cutoff = now_ms - unready.count();
  std::vector<std::shared_ptr<SessionEntry>> expired;
  {
    std::lock_guard lock(mu_);
    for (auto it = entries_.begin(); it != entries_.end();) {
      const auto& e = *it->second;
      const bool idle_out =
          !e.stream_attached && e.session->in_flight() == 0 && e.session->last_active_ms() < cutoff;
      const bool never_ready = !e.session->ready() && e.session->created_ms() < unready_cutoff;
      if (idle_out || never_ready) {
        erased(e);
        expired.push_back(std::move(it->second));
        it = entries_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (const auto& e : expired) end(*e);
  return expired.size();
}

void SessionTable::wind_down_all() const {
  std::vector<std::shared_ptr<SessionEntry>> all;
  {
    std::lock_guard lock(mu_);
    for (const auto& [id, e] : entries_) all.push_back(e);
  }
  for (const auto& e : all) e->session->wind_down();
}

void SessionTable::close_all() {
  std::map<std::string, std::shared_ptr<SessionEntry>> all;
  {
    std::lock_guard lock(mu_);
    all.swap(entries_);
    per_tenant_.clear();
  }
  for (const auto& [id, e] : all) end(*e);
}

std::size_t SessionTable::size() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

void SessionTable::end(const SessionEntry& entry) {
  entry.session->close();
  entry.stream->close();
}

}  // namespace nmcp::mcp
