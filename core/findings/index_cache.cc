#include "core/findings/index_cache.h"

namespace nmcp::findings {

Result<std::shared_ptr<const FindingsIndex>> IndexCache::get(const std::string& path) {
  std::error_code ec;
  const auto mtime = std::filesystem::last_write_time(path, ec);
  const auto size = ec ? 0 : std::filesystem::file_size(path, ec);
  std::lock_guard lock(mutex_);
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (it->path != path) continue;
    if (!ec && it->mtime == mtime && it->size == size) {
      entries_.splice(entries_.begin(), entries_, it);
      return entries_.front().index;
    }
    entries_.erase(it);
    break;
  }
  auto index = FindingsIndex::open(path);
  if (!index) return fail(index.error());
  entries_.push_front({path, mtime, size, *index});
  while (entries_.size() > capacity_) entries_.pop_back();
  return *index;
}

}  // namespace nmcp::findings
