#include "core/policy/scope_policy.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <optional>

#include "core/base/text.h"

namespace nmcp::policy {

namespace {

constexpr std::size_t kMaxProblemsShown = 5;

// Spaces and tabs only: other control characters are not separators and make an entry invalid.
std::string_view trim_blanks(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Addresses from first to last inclusive, saturating at 2^64-1.
std::uint64_t range_size(const net::IpAddress& first, const net::IpAddress& last) {
  const std::size_t n = first.family == net::IpAddress::Family::V4 ? 4 : 16;
  // Borrowing subtraction over the big-endian bytes; any difference above 64 bits saturates.
  std::array<std::uint8_t, 16> diff{};
  int borrow = 0;
  for (std::size_t i = n; i-- > 0;) {
    int d = last.bytes[i] - first.bytes[i] - borrow;
    borrow = d < 0 ? 1 : 0;
    diff[i] = static_cast<std::uint8_t>(d + (borrow ? 256 : 0));
  }
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (n - i > 8 && diff[i] != 0) return UINT64_MAX;
    if (n - i <= 8) value = (value << 8U) | diff[i];
  }
  return value == UINT64_MAX ? value : value + 1;
}

bool is_hostname(std::string_view h) {
  if (h.empty() || h.size() > 253) return false;
  if (h.back() == '.') h.remove_suffix(1);  // a fully qualified name may end in a dot
  bool all_numeric_last = true;
  std::size_t start = 0;
  while (start <= h.size()) {
    const std::size_t dot = std::min(h.find('.', start), h.size());
    const std::string_view label = h.substr(start, dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    all_numeric_last = true;
    for (char c : label) {
      const bool alnum = std::isalnum(static_cast<unsigned char>(c)) != 0;
      if (!alnum && c != '-') return false;
      if (!std::isdigit(static_cast<unsigned char>(c))) all_numeric_last = false;
    }
    start = dot + 1;
    if (dot == h.size()) break;
  }
  // "10.1" or "300.1.1.1" is a mistyped address, not a host name.
  return !all_numeric_last;
}

// "a-b" with full addresses, or "10.0.0.1-20" (IPv4, last octet only).
std::optional<Target> parse_range(std::string_view token, std::string& why) {
  const auto dash = token.find('-');
  const auto first = net::IpAddress::parse(token.substr(0, dash));
  if (!first) return std::nullopt;  // not a range: maybe a hostname with a dash
  const std::string_view right = token.substr(dash + 1);
  std::optional<net::IpAddress> last = net::IpAddress::parse(right);
  if (!last && first->family == net::IpAddress::Family::V4) {
    unsigned octet = 0;
    const auto [end, ec] = std::from_chars(right.data(), right.data() + right.size(), octet);
    if (!right.empty() && ec == std::errc() && end == right.data() + right.size() && octet <= 255 &&
        (right.size() == 1 || right[0] != '0')) {
      last = first;
      last->bytes[3] = static_cast<std::uint8_t>(octet);
    }
  }
  if (!last) {
    why = "the end of the range is not an address";
    return std::nullopt;
  }
  if (last->family != first->family) {
    why = "the range mixes IPv4 and IPv6";
    return std::nullopt;
  }
  if (*last < *first) {
    why = "the range ends before it starts";
    return std::nullopt;
  }
  Target t;
  t.kind = Target::Kind::Range;
  t.first = *first;
  t.last = *last;
  t.text = first->to_string() + "-" + last->to_string();
  t.count = range_size(*first, *last);
  return t;
}

std::optional<Target> parse_one(std::string_view token, std::string& why) {
  if (token.find_first_of(" \t") != std::string_view::npos) {
    why = "contains a space (separate targets with commas or newlines)";
    return std::nullopt;
  }
  if (token.find('/') != std::string_view::npos) {
    const auto cidr = net::Cidr::parse(token);
    if (!cidr) {
      why = "not a valid CIDR block (address/prefix with the host bits zero, e.g. 10.0.0.0/24)";
      return std::nullopt;
    }
    Target t;
    t.kind = Target::Kind::Cidr;
    t.first = cidr->network;
    t.last = cidr->last();
    t.text = cidr->to_string();
    t.count = cidr->size();
    return t;
  }
  if (const auto ip = net::IpAddress::parse(token)) {
    Target t;
    t.first = t.last = *ip;
    t.text = ip->to_string();
    return t;
  }
  if (token.find('-') != std::string_view::npos) {
    if (auto r = parse_range(token, why)) return r;
    if (!why.empty()) return std::nullopt;
  }
  if (is_hostname(token)) {
    Target t;
    t.kind = Target::Kind::Hostname;
    t.text = ascii_lower(token);
    if (t.text.back() == '.') t.text.pop_back();
    return t;
  }
  why = "not an IP address, CIDR block, address range or host name";
  return std::nullopt;
}

bool overlaps(const Target& t, const net::Cidr& c) {
  if (t.kind == Target::Kind::Hostname || t.first.family != c.network.family) return false;
  return !(t.last < c.network || c.last() < t.first);
}

bool inside(const Target& t, const net::Cidr& c) {
  return t.first.family == c.network.family && c.contains(t.first) && c.contains(t.last);
}

// The pattern that allows `host`, or nullptr.
const std::string* hostname_pattern(const std::string& host,
                                    const std::vector<std::string>& patterns) {
  for (const auto& p : patterns) {
    if (p == host) return &p;
    if (p.size() > 2 && p.rfind("*.", 0) == 0) {
      const std::string_view suffix = std::string_view(p).substr(1);  // ".example.com"
      if (host.size() > suffix.size() && host.ends_with(suffix)) return &p;
    }
  }
  return nullptr;
}

std::string join_problems(const std::vector<std::string>& problems) {
  std::string out;
  for (std::size_t i = 0; i < problems.size() && i < kMaxProblemsShown; ++i) {
    if (i > 0) out += "; ";
    out += problems[i];
  }
  if (problems.size() > kMaxProblemsShown) {
    out += "; and " + std::to_string(problems.size() - kMaxProblemsShown) + " more";
  }
  return out;
}

std::string quote_entry(std::string_view s) {
  constexpr std::size_t kMax = 80;
  std::string out = "'" + std::string(s.substr(0, kMax));
  if (s.size() > kMax) out += "...";
  return out + "'";
}

}  // namespace

std::string TargetList::normalized() const {
  std::string out;
  for (const auto& t : targets) {
    if (!out.empty()) out += ",";
    out += t.text;
  }
  return out;
}

Result<TargetList> parse_targets(std::string_view text) {
  // A control character (NUL above all) would be cut or reinterpreted further down the line:
  // "10.0.0.1\u00008.8.8.8" must not become 10.0.0.1.
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f) {
      char code[8];
      std::snprintf(code, sizeof code, "0x%02x", c);
      return fail(ErrorCode::InvalidArgument,
                  "the targets contain a control character (" + std::string(code) +
                      ") at position " + std::to_string(i),
                  "separate targets with commas or newlines only");
    }
  }
  TargetList list;
  std::vector<std::string> problems;
  std::size_t start = 0;
  std::size_t entries = 0;
  bool any = false;
  while (start <= text.size()) {
    const std::size_t end = std::min(text.find_first_of(",\r\n", start), text.size());
    const std::string_view raw = text.substr(start, end - start);
    const std::string_view token = trim_blanks(raw);
    const bool line_break = end < text.size() && (text[end] == '\n' || text[end] == '\r');
    start = end + 1;
    if (token.empty()) {
      // Blank lines are fine; an empty entry between commas is a typo worth pointing out.
      if (end < text.size() && text[end] == ',' && !line_break) {
        problems.push_back("an empty entry between commas");
      }
      if (end == text.size()) break;
      continue;
    }
    any = true;
    if (++entries > kMaxTargetEntries) {
      return fail(ErrorCode::InvalidArgument,
                  "too many target entries (more than " + std::to_string(kMaxTargetEntries) + ")",
                  "use CIDR blocks or ranges to describe many addresses");
    }
    std::string why;
    if (auto t = parse_one(token, why)) {
      list.address_count =
          list.address_count > UINT64_MAX - t->count ? UINT64_MAX : list.address_count + t->count;
      list.targets.push_back(std::move(*t));
    } else {
      problems.push_back(quote_entry(token) + ": " + why);
    }
    if (end == text.size()) break;
  }
  if (!any && problems.empty()) {
    return fail(ErrorCode::InvalidArgument, "no targets given",
                "give IP addresses, CIDR blocks, ranges or host names, separated by commas");
  }
  if (!problems.empty()) {
    return fail(ErrorCode::InvalidArgument, "invalid targets: " + join_problems(problems),
                "write each target as an IP address (10.0.0.5, 2001:db8::5), a CIDR block "
                "(10.0.0.0/24), a range (10.0.0.1-10.0.0.20 or 10.0.0.1-20) or a host name, "
                "separated by commas or newlines");
  }
  return list;
}

std::vector<TargetVerdict> explain_scope(const TargetList& list, const config::ScopePolicy& scope) {
  std::vector<TargetVerdict> out;
  for (const auto& t : list.targets) {
    TargetVerdict v;
    v.target = t.text;
    v.addresses = t.count;
    if (t.kind == Target::Kind::Hostname) {
      const std::string* pattern = hostname_pattern(t.text, scope.hostnames);
      v.allowed = pattern != nullptr;
      v.rule = pattern != nullptr        ? "matches the allowed host name \"" + *pattern + "\""
               : scope.hostnames.empty() ? "is a host name and this pool allows no host names"
                                         : "does not match the pool's allowed host names";
      out.push_back(std::move(v));
      continue;
    }
    const auto denied = std::find_if(scope.deny.begin(), scope.deny.end(),
                                     [&](const net::Cidr& c) { return overlaps(t, c); });
    const auto allowed = std::find_if(scope.allow.begin(), scope.allow.end(),
                                      [&](const net::Cidr& c) { return inside(t, c); });
    if (denied != scope.deny.end()) {
      v.rule = "touches the denied block " + denied->to_string();
    } else if (allowed != scope.allow.end()) {
      v.allowed = true;
      v.rule = "is inside the allowed block " + allowed->to_string();
    } else {
      v.rule = "is not inside any allowed block";
    }
    out.push_back(std::move(v));
  }
  return out;
}

Status check_scope(const TargetList& list, const config::ScopePolicy& scope) {
  std::vector<std::string> problems;
  for (const auto& v : explain_scope(list, scope)) {
    if (v.allowed) continue;
    problems.push_back(quote_entry(v.target) + " " + v.rule);
  }
  if (!problems.empty()) {
    std::string allowed;
    for (const auto& c : scope.allow) allowed += (allowed.empty() ? "" : ", ") + c.to_string();
    return fail(
        ErrorCode::PermissionDenied, "targets out of scope: " + join_problems(problems),
        "this pool may scan only " + (allowed.empty() ? std::string("no addresses") : allowed) +
            (scope.hostnames.empty() ? std::string() : " and host names matching its patterns") +
            "; ask an operator to widen the scope if the target is legitimate");
  }
  if (list.address_count > scope.max_addresses) {
    return fail(ErrorCode::PermissionDenied,
                "the targets cover " +
                    (list.address_count == UINT64_MAX ? std::string("more than 2^64")
                                                      : std::to_string(list.address_count)) +
                    " addresses; this pool allows at most " + std::to_string(scope.max_addresses) +
                    " per scan",
                "split the scan into smaller blocks");
  }
  return ok();
}

Result<TargetList> check_targets(std::string_view text, const config::ScopePolicy& scope) {
  auto list = parse_targets(text);
  if (!list) return list;
  if (auto s = check_scope(*list, scope); !s) return fail(s.error());
  return list;
}

bool targets_overlap(const TargetList& list, std::string_view query) {
  std::string why;
  const auto q = parse_one(trim_blanks(query), why);
  if (!q) return false;
  for (const auto& t : list.targets) {
    if (q->kind == Target::Kind::Hostname || t.kind == Target::Kind::Hostname) {
      if (q->kind == t.kind && q->text == t.text) return true;
      continue;
    }
    if (q->first.family == t.first.family && !(t.last < q->first || q->last < t.first)) {
      return true;
    }
  }
  return false;
}

}  // namespace nmcp::policy
