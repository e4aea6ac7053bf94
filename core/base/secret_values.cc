#include "core/base/secret_values.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <deque>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>
#include <openssl/crypto.h>

#include "core/base/redact.h"

namespace nmcp {
namespace {

constexpr std::size_t kMaxValues = 4096;
// A line of a PEM block is 64 characters; a fragment this long is no accident.
constexpr std::size_t kMinLine = 16;
// Up to this many values a search per value (memmem, vectorised) is fastest; beyond it one pass
// over the text, looking each position's first four bytes up, costs the same for any number.
constexpr std::size_t kDirectSearchUpTo = 32;
constexpr unsigned kBitmapBits = 20;

std::uint32_t prefix_at(const char* p) {
  std::uint32_t v = 0;
  std::memcpy(&v, p, sizeof v);
  return v;
}

std::size_t bit_of(std::uint32_t prefix) { return (prefix * 2654435761U) >> (32 - kBitmapBits); }

struct Registry {
  std::shared_mutex mu;
  std::set<std::string, std::less<>> values;
  std::deque<std::string> order;           // oldest first
  std::vector<std::string> longest_first;  // masking order: a whole key before its lines
  // The values by their first four bytes, longest first, and a bitmap of those prefixes.
  std::unordered_map<std::uint32_t, std::vector<std::string>> by_prefix;
  std::vector<std::uint64_t> bitmap = std::vector<std::uint64_t>(1U << (kBitmapBits - 6));
  std::array<bool, 256> first_byte{};  // the cheapest test, on every byte of the text

  void rebuild() {
    longest_first.assign(values.begin(), values.end());
    std::stable_sort(
        longest_first.begin(), longest_first.end(),
        [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
    by_prefix.clear();
    std::fill(bitmap.begin(), bitmap.end(), 0);
    first_byte.fill(false);
    for (const auto& v : longest_first) {
      first_byte[static_cast<unsigned char>(v[0])] = true;
      const std::uint32_t p = prefix_at(v.data());
      by_prefix[p].push_back(v);
      bitmap[bit_of(p) >> 6U] |= std::uint64_t{1} << (bit_of(p) & 63U);
    }
  }

  // The longest value starting at text[i], or nullptr.
  const std::string* match_at(std::string_view text, std::size_t i) const {
    if (!first_byte[static_cast<unsigned char>(text[i])]) return nullptr;
    const std::uint32_t p = prefix_at(text.data() + i);
    if ((bitmap[bit_of(p) >> 6U] & (std::uint64_t{1} << (bit_of(p) & 63U))) == 0) return nullptr;
    const auto it = by_prefix.find(p);
    if (it == by_prefix.end()) return nullptr;
    for (const auto& v : it->second) {
      if (v.size() <= text.size() - i && text.compare(i, v.size(), v) == 0) return &v;
    }
    return nullptr;
  }
};

Registry& registry() {
  static Registry* r = new Registry();  // never destroyed: log lines may come during exit
  return *r;
}

bool add(Registry& r, std::string_view v) {
  if (r.values.count(v) != 0) return false;
  r.values.emplace(v);
  r.order.emplace_back(v);
  while (r.order.size() > kMaxValues) {
    r.values.erase(r.order.front());
    r.order.pop_front();
  }
  return true;
}

// How `value` reads inside serialized JSON, as the MCP layer writes it (a tool result's text is
// its structured result serialized): quotes, backslashes and control characters escaped.
// Generated passwords often hold them; masking only the raw form would miss them there.
std::string json_escaped(std::string_view value) {
  const std::string quoted = nlohmann::json(std::string(value))
                                 .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return quoted.substr(1, quoted.size() - 2);
}

}  // namespace

void remember_secret(std::string_view value) {
  while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.remove_suffix(1);
  if (value.size() < kMinRememberedSecret) return;
  const std::string escaped = json_escaped(value);
  Registry& r = registry();
  std::unique_lock lock(r.mu);
  bool changed = add(r, value);
  if (escaped != value) changed = add(r, escaped) || changed;
  std::size_t start = 0;
  while (value.find('\n') != std::string_view::npos && start < value.size()) {
    std::size_t end = value.find('\n', start);
    if (end == std::string_view::npos) end = value.size();
    std::string_view line = value.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    // The armour lines ("-----BEGIN ...-----") are not secret.
    if (line.size() >= kMinLine && line.rfind("-----", 0) != 0) changed = add(r, line) || changed;
    start = end + 1;
  }
  if (changed) r.rebuild();
}

bool contains_secret_value(std::string_view text) {
  Registry& r = registry();
  std::shared_lock lock(r.mu);
  if (r.longest_first.size() <= kDirectSearchUpTo) {
    for (const std::string& v : r.longest_first) {
      if (v.size() <= text.size() && text.find(v) != std::string_view::npos) return true;
    }
    return false;
  }
  const std::size_t end = text.size() - std::min(text.size(), kMinRememberedSecret - 1);
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  for (std::size_t i = 0; i < end; ++i) {
    if (r.first_byte[bytes[i]] && r.match_at(text, i) != nullptr) return true;
  }
  return false;
}

std::string mask_secret_values(std::string_view text) {
  if (!contains_secret_value(text)) return std::string(text);
  Registry& r = registry();
  std::shared_lock lock(r.mu);
  // One pass, the longest value at each position first: a whole key is masked as one.
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const std::string* v = i + kMinRememberedSecret <= text.size() ? r.match_at(text, i) : nullptr;
    if (v != nullptr) {
      out += kRedacted;
      i += v->size();
    } else {
      out.push_back(text[i++]);
    }
  }
  return out;
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
  r.rebuild();
}

}  // namespace nmcp
