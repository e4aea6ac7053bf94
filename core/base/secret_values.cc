#include "core/base/secret_values.h"

#include <algorithm>
#include <deque>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <vector>

#include <openssl/crypto.h>

#include "core/base/redact.h"

namespace nmcp {
namespace {

constexpr std::size_t kMaxValues = 4096;
// A line of a PEM block is 64 characters; a fragment this long is no accident.
constexpr std::size_t kMinLine = 16;

struct Registry {
  std::shared_mutex mu;
  std::set<std::string, std::less<>> values;
  std::deque<std::string> order;           // oldest first
  std::vector<std::string> longest_first;  // masking order: a whole key before its lines
};

Registry& registry() {
  static Registry* r = new Registry();  // never destroyed: log lines may come during exit
  return *r;
}

void add(Registry& r, std::string_view v) {
  if (r.values.count(v) != 0) return;
  r.values.emplace(v);
  r.order.emplace_back(v);
  while (r.order.size() > kMaxValues) {
    r.values.erase(r.order.front());
    r.order.pop_front();
  }
  r.longest_first.assign(r.values.begin(), r.values.end());
  std::stable_sort(r.longest_first.begin(), r.longest_first.end(),
                   [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
}

}  // namespace

void remember_secret(std::string_view value) {
  while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.remove_suffix(1);
  if (value.size() < kMinRememberedSecret) return;
  Registry& r = registry();
  std::unique_lock lock(r.mu);
  add(r, value);
  if (value.find('\n') == std::string_view::npos) return;
  std::size_t start = 0;
  while (start < value.size()) {
    std::size_t end = value.find('\n', start);
    if (end == std::string_view::npos) end = value.size();
    std::string_view line = value.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    // The armour lines ("-----BEGIN ...-----") are not secret.
    if (line.size() >= kMinLine && line.rfind("-----", 0) != 0) add(r, line);
    start = end + 1;
  }
}

std::string mask_secret_values(std::string_view text) {
  Registry& r = registry();
  std::shared_lock lock(r.mu);
  std::string out(text);
  for (const std::string& v : r.longest_first) {
    if (v.size() > out.size()) continue;
    for (auto at = out.find(v); at != std::string::npos; at = out.find(v, at)) {
      out.replace(at, v.size(), kRedacted);
      at += kRedacted.size();
    }
  }
  return out;
}

bool contains_secret_value(std::string_view text) {
  Registry& r = registry();
  std::shared_lock lock(r.mu);
  for (const std::string& v : r.longest_first) {
    if (v.size() <= text.size() && text.find(v) != std::string_view::npos) return true;
  }
  return false;
}

void wipe(std::string& secret) {
  if (!secret.empty()) OPENSSL_cleanse(secret.data(), secret.size());
  secret.clear();
  secret.shrink_to_fit();
}

void forget_secrets_for_tests() {
  Registry& r = registry();
  std::unique_lock lock(r.mu);
  r.values.clear();
  r.order.clear();
  r.longest_first.clear();
}

}  // namespace nmcp
