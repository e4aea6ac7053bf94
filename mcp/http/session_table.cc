#include "mcp/http/session_table.h"

namespace nmcp::mcp {

bool SessionTable::insert(const std::shared_ptr<SessionEntry>& entry) {
  std::lock_guard lock(mu_);
  if (entries_.size() >= max_sessions_) return false;
  return entries_.emplace(entry->session->id(), entry).second;
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
  }
  end(*entry);
  return true;
}

std::size_t SessionTable::expire_idle(std::chrono::steady_clock::duration idle) {
  const auto cutoff = std::chrono::steady_clock::now() - idle;
  std::vector<std::shared_ptr<SessionEntry>> expired;
  {
    std::lock_guard lock(mu_);
    for (auto it = entries_.begin(); it != entries_.end();) {
      const auto& e = *it->second;
      if (!e.stream_attached && e.session->in_flight() == 0 && e.session->last_active() < cutoff) {
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

void SessionTable::close_all() {
  std::map<std::string, std::shared_ptr<SessionEntry>> all;
  {
    std::lock_guard lock(mu_);
    all.swap(entries_);
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
