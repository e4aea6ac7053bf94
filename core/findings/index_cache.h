#pragma once
// Opened findings indexes, kept for the next question: loading the columns of a large scan
// takes a while, answering from them takes milliseconds. Least recently used indexes are
// dropped beyond `capacity`; a file that changed since it was opened (a scan indexed again) is
// opened afresh.
//
// Thread-safety: get() may be called from any thread; an index being loaded blocks other
// callers for the same cache (loads are rare and bounded by the file size).

#include <cstddef>
#include <filesystem>
#include <list>
#include <memory>
#include <mutex>
#include <string>

#include "core/base/result.h"
#include "core/findings/findings_index.h"

namespace nmcp::findings {

class IndexCache {
 public:
  explicit IndexCache(std::size_t capacity = 8) : capacity_(capacity == 0 ? 1 : capacity) {}
  Result<std::shared_ptr<const FindingsIndex>> get(const std::string& path);

 private:
  struct Entry {
    std::string path;
    std::filesystem::file_time_type mtime;
    std::uintmax_t size = 0;
    std::shared_ptr<const FindingsIndex> index;
  };
  const std::size_t capacity_;
  std::mutex mutex_;
  std::list<Entry> entries_;  // most recently used first
};

}  // namespace nmcp::findings
