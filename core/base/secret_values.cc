#include "core/base/secret_values.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <unordered_map>
#include <utility>

#include <nlohmann/json.hpp>
#include <openssl/crypto.h>

#include "core/base/redact.h"
#include "core/base/text.h"

namespace nmcp {

// A form a secret takes in text, and the value it is a form of.
using Form = std::pair<std::string, std::string>;

struct SecretScope::Forms {
  std::vector<Form> values;                     // this scope's and its outer scopes'
  std::set<std::string, std::less<>> excluded;  // values found in the caller's own text
  std::array<bool, 256> first_byte{};
  std::size_t longest = 0;

  bool excludes(const std::string& value) const { return excluded.count(value) != 0; }
  void add(std::string form, const std::string& value) {
    first_byte[static_cast<unsigned char>(form[0])] = true;
    longest = std::max(longest, form.size());
    values.emplace_back(std::move(form), value);
  }
};

struct ScopeAccess {
  static const SecretScope::Forms* forms(const SecretScope* s) {
    return s == nullptr ? nullptr : s->forms_.get();
  }
};

namespace {

// A line of a PEM block is 64 characters; a fragment this long is no accident.
constexpr std::size_t kMinLine = 16;
// Up to this many forms a search per form (memmem, vectorised) is fastest; beyond it one pass
// over the text, looking each position's first four bytes up, costs the same for any number.
constexpr std::size_t kDirectSearchUpTo = 32;
constexpr unsigned kBitmapBits = 20;

thread_local const SecretScope* t_scope = nullptr;

std::uint32_t prefix_at(const char* p) {
  std::uint32_t v = 0;
  std::memcpy(&v, p, sizeof v);
  return v;
}

std::size_t bit_of(std::uint32_t prefix) { return (prefix * 2654435761U) >> (32 - kBitmapBits); }

// How `value` reads inside serialized JSON (a log line, a stored result): quotes, backslashes
// and control characters escaped. Generated passwords often hold them.
std::string json_escaped(std::string_view value) {
  const std::string quoted = nlohmann::json(std::string(value))
                                 .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return quoted.substr(1, quoted.size() - 2);
}

// Every form of `value` worth looking for; empty when it is too short to remember.
std::vector<std::string> forms_of(std::string_view value) {
  while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.remove_suffix(1);
  std::vector<std::string> out;
  if (value.size() < kMinRememberedSecret) return out;
  out.emplace_back(value);
  for (std::string f : {json_escaped(value), xml_escape(value)}) {
    if (std::find(out.begin(), out.end(), f) == out.end()) out.push_back(std::move(f));
  }
  std::size_t start = 0;
  while (value.find('\n') != std::string_view::npos && start < value.size()) {
    std::size_t end = value.find('\n', start);
    if (end == std::string_view::npos) end = value.size();
    std::string_view line = value.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    // The armour lines ("-----BEGIN ...-----") are not secret.
    if (line.size() >= kMinLine && line.rfind("-----", 0) != 0) out.emplace_back(line);
    start = end + 1;
  }
  return out;
}

// A configured form in the registry's map: the form and the value it is a form of.
using Entry = std::pair<const std::string, std::string>;

struct Registry {
  std::shared_mutex mu;
  std::map<std::string, std::string, std::less<>> forms;  // form -> the value it is a form of
  std::vector<const Entry*> longest_first;                // masking order: a key before its lines
  // The forms by their first four bytes, longest first, and a bitmap of those prefixes.
  std::unordered_map<std::uint32_t, std::vector<const Entry*>> by_prefix;
  std::vector<std::uint64_t> bitmap = std::vector<std::uint64_t>(1U << (kBitmapBits - 6));
  std::array<bool, 256> first_byte{};  // the cheapest test, on every byte of the text
  std::size_t longest = 0;

  void rebuild() {
    longest_first.clear();
    for (const auto& f : forms) longest_first.push_back(&f);
    std::stable_sort(
        longest_first.begin(), longest_first.end(),
        [](const Entry* a, const Entry* b) { return a->first.size() > b->first.size(); });
    by_prefix.clear();
    std::fill(bitmap.begin(), bitmap.end(), 0);
    first_byte.fill(false);
    longest = longest_first.empty() ? 0 : longest_first.front()->first.size();
    for (const Entry* f : longest_first) {
      first_byte[static_cast<unsigned char>(f->first[0])] = true;
      const std::uint32_t p = prefix_at(f->first.data());
      by_prefix[p].push_back(f);
      bitmap[bit_of(p) >> 6U] |= std::uint64_t{1} << (bit_of(p) & 63U);
    }
  }

  // Calls `each` with every configured form starting at text[i], longest first, until it
  // returns true.
  template <typename Each>
  void forms_at(std::string_view text, std::size_t i, Each&& each) const {
    if (!first_byte[static_cast<unsigned char>(text[i])] || text.size() - i < 4) return;
    const std::uint32_t p = prefix_at(text.data() + i);
    if ((bitmap[bit_of(p) >> 6U] & (std::uint64_t{1} << (bit_of(p) & 63U))) == 0) return;
    const auto it = by_prefix.find(p);
    if (it == by_prefix.end()) return;
    for (const Entry* f : it->second) {
      if (f->first.size() <= text.size() - i && text.compare(i, f->first.size(), f->first) == 0 &&
          each(*f)) {
        return;
      }
    }
  }
};

Registry& registry() {
  static Registry* r = new Registry();  // never destroyed: log lines may come during exit
  return *r;
}

// The length of the longest secret at text[i] that is masked here (0: none). The registry's
// lock is held by the caller.
std::size_t match_at(const Registry& r, const SecretScope::Forms* scope, std::string_view text,
                     std::size_t i) {
  std::size_t best = 0;
  r.forms_at(text, i, [&](const Entry& f) {
    if (scope != nullptr && scope->excludes(f.second)) return false;
    best = f.first.size();
    return true;
  });
  if (scope != nullptr && scope->first_byte[static_cast<unsigned char>(text[i])]) {
    for (const auto& [form, value] : scope->values) {
      if (form.size() > best && form.size() <= text.size() - i &&
          text.compare(i, form.size(), form) == 0 && !scope->excludes(value)) {
        best = form.size();
      }
    }
  }
  return best;
}

bool any_match(const Registry& r, const SecretScope::Forms* scope, std::string_view text) {
  if (scope == nullptr || (scope->values.empty() && scope->excluded.empty())) {
    if (r.longest_first.empty()) return false;
    if (r.longest_first.size() <= kDirectSearchUpTo) {
      for (const Entry* f : r.longest_first) {
        if (f->first.size() <= text.size() && text.find(f->first) != std::string_view::npos) {
          return true;
        }
      }
      return false;
    }
    scope = nullptr;
  }
  if (text.size() < kMinRememberedSecret) return false;
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t end = text.size() - (kMinRememberedSecret - 1);
  for (std::size_t i = 0; i < end; ++i) {
    const bool maybe = r.first_byte[bytes[i]] || (scope != nullptr && scope->first_byte[bytes[i]]);
    if (maybe && match_at(r, scope, text, i) != 0) return true;
  }
  return false;
}

// Masks text[0, upto) into `out`; returns where it stopped (a secret may run past `upto`).
std::size_t mask_into(const Registry& r, const SecretScope::Forms* scope, std::string_view text,
                      std::size_t upto, std::string& out) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  std::size_t i = 0;
  std::size_t copied = 0;  // text[copied, i) is plain and not yet in `out`
  while (i < upto) {
    const bool maybe = r.first_byte[bytes[i]] || (scope != nullptr && scope->first_byte[bytes[i]]);
    const std::size_t n =
        maybe && i + kMinRememberedSecret <= text.size() ? match_at(r, scope, text, i) : 0;
    if (n != 0) {
      out.append(text.substr(copied, i - copied));
      out += kRedacted;
      i += n;
      copied = i;
    } else {
      ++i;
    }
  }
  out.append(text.substr(copied, std::min(i, text.size()) - copied));
  return i;
}

}  // namespace

void remember_secret(std::string_view value) {
  const std::vector<std::string> forms = forms_of(value);
  if (forms.empty()) return;
  Registry& r = registry();
  std::unique_lock lock(r.mu);
  bool changed = false;
  for (const auto& f : forms) changed = r.forms.emplace(f, forms.front()).second || changed;
  if (changed) r.rebuild();
}

SecretScope::SecretScope(const std::vector<std::string>& secrets,
                         const std::vector<std::string>& caller_text)
    : forms_(std::make_unique<Forms>()), outer_(t_scope) {
  if (const Forms* outer = ScopeAccess::forms(outer_)) *forms_ = *outer;
  for (const auto& s : secrets) {
    const std::vector<std::string> forms = forms_of(s);
    for (const auto& f : forms) forms_->add(f, forms.front());
  }
  // What the caller wrote is theirs: a secret inside it is not hidden from them on this thread.
  Registry& r = registry();
  std::shared_lock lock(r.mu);
  for (const auto& text : caller_text) {
    for (std::size_t i = 0; i + kMinRememberedSecret <= text.size(); ++i) {
      r.forms_at(text, i, [&](const Entry& f) {
        forms_->excluded.insert(f.second);
        return false;  // every form here, not only the longest
      });
    }
    for (const auto& [form, value] : forms_->values) {
      if (text.find(form) != std::string::npos) forms_->excluded.insert(value);
    }
  }
  t_scope = this;
}

SecretScope::~SecretScope() {
  t_scope = outer_;
  for (auto& [form, value] : forms_->values) {
    wipe(form);
    wipe(value);
  }
}

bool contains_secret_value(std::string_view text) {
  Registry& r = registry();
  std::shared_lock lock(r.mu);
  return any_match(r, ScopeAccess::forms(t_scope), text);
}

std::string mask_secret_values(std::string_view text) {
  Registry& r = registry();
  std::shared_lock lock(r.mu);
  const SecretScope::Forms* scope = ScopeAccess::forms(t_scope);
  if (!any_match(r, scope, text)) return std::string(text);
  // One pass, the longest value at each position first: a whole key is masked as one.
  std::string out;
  out.reserve(text.size());
  mask_into(r, scope, text, text.size(), out);
  return out;
}

struct StreamMasker::Snapshot {
  std::optional<SecretScope::Forms> scope;
};

StreamMasker::StreamMasker(Sink sink)
    : snapshot_(std::make_unique<Snapshot>()), sink_(std::move(sink)) {
  if (const auto* forms = ScopeAccess::forms(t_scope)) snapshot_->scope = *forms;
}

StreamMasker::~StreamMasker() {
  if (snapshot_->scope) {
    for (auto& [form, value] : snapshot_->scope->values) {
      wipe(form);
      wipe(value);
    }
  }
  wipe(held_);
}

bool StreamMasker::write(std::string_view chunk) {
  held_.append(chunk);
  Registry& r = registry();
  std::string out;
  {
    std::shared_lock lock(r.mu);
    const SecretScope::Forms* scope = snapshot_->scope ? &*snapshot_->scope : nullptr;
    const std::size_t longest = std::max(r.longest, scope != nullptr ? scope->longest : 0);
    // A secret that starts in the last longest-1 bytes may go on in the next chunk.
    if (longest == 0) {
      out.swap(held_);
    } else {
      if (held_.size() < longest) return true;
      const std::size_t upto = held_.size() - (longest - 1);
      out.reserve(upto);
      const std::size_t stopped = mask_into(r, scope, held_, upto, out);
      held_.erase(0, stopped);
    }
  }
  return out.empty() || sink_(out);
}

bool StreamMasker::finish() {
  Registry& r = registry();
  std::string out;
  {
    std::shared_lock lock(r.mu);
    const SecretScope::Forms* scope = snapshot_->scope ? &*snapshot_->scope : nullptr;
    mask_into(r, scope, held_, held_.size(), out);
    held_.clear();
  }
  return out.empty() || sink_(out);
}

void wipe(std::string& secret) {
  if (!secret.empty()) OPENSSL_cleanse(secret.data(), secret.size());
  secret.clear();
  secret.shrink_to_fit();
}

void forget_secrets_for_tests() {
  Registry& r = registry();
  std::unique_lock lock(r.mu);
  r.forms.clear();
  r.rebuild();
}

}  // namespace nmcp
