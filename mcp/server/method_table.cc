#include "mcp/server/method_table.h"

#include <utility>

namespace nmcp::mcp {

void MethodTable::add(MethodEntry entry) {
  std::string name = entry.method;
  entries_.insert_or_assign(std::move(name), std::move(entry));
}

const MethodEntry* MethodTable::find(const std::string& method) const {
  const auto it = entries_.find(method);
  return it == entries_.end() ? nullptr : &it->second;
}

std::vector<std::string> MethodTable::methods() const {
  std::vector<std::string> names;
  names.reserve(entries_.size());
  for (const auto& [name, entry] : entries_) names.push_back(name);
  return names;
}

}  // namespace nmcp::mcp
