#include "mcp/http/api_keys.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <set>
#include <sstream>

#include "core/base/crypto.h"

namespace nmcp::mcp {
namespace {

bool is_hex64(std::string_view s) {
  return s.size() == 64 &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isxdigit(c); });
}

std::string join(const std::set<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ",") + n;
  return out;
}

}  // namespace

bool ApiKeyStore::valid_tenant(std::string_view t) {
  return !t.empty() && t.size() <= 64 && std::all_of(t.begin(), t.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '_' || c == '-' || c == '.';
  });
}

ApiKeyStore::NewKey ApiKeyStore::create(const std::string& tenant,
                                        const std::set<std::string>& tools,
                                        const std::set<std::string>& pools, bool read_only) {
  NewKey k;
  k.key = "nmcp_" + random_hex(24);
  k.line = tenant + " sha256:" + sha256_hex(k.key);
  if (!tools.empty()) k.line += " tools=" + join(tools);
  if (!pools.empty()) k.line += " pools=" + join(pools);
  if (read_only) k.line += " role=read-only";
  return k;
}

Result<ApiKeyStore> ApiKeyStore::load_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return fail(ErrorCode::NotFound, "cannot read the API keys file " + path,
                "check the path given to --api-keys-file and its permissions");
  }
  std::ostringstream text;
  text << in.rdbuf();
  return parse(text.str(), path);
}

Result<ApiKeyStore> ApiKeyStore::parse(std::string_view text, std::string_view source) {
  ApiKeyStore store;
  std::set<std::string> seen;
  std::istringstream lines{std::string(text)};
  std::string line;
  int number = 0;
  auto problem = [&](const std::string& what) {
    return fail(ErrorCode::InvalidArgument,
                std::string(source) + " line " + std::to_string(number) + ": " + what,
                "each line is: TENANT sha256:HEX [tools=a,b] [pools=a,b] [role=read-only]; "
                "admin_cli key create prints one");
  };
  while (std::getline(lines, line)) {
    ++number;
    if (const auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
    std::istringstream words(line);
    std::string tenant;
    std::string digest;
    std::string extra;
    if (!(words >> tenant)) continue;  // blank or comment-only
    if (!valid_tenant(tenant))
      return problem("tenant \"" + tenant + "\" must be 1-64 of [A-Za-z0-9_.-]");
    if (!(words >> digest)) return problem("missing the sha256:HEX digest after the tenant");
    if (digest.rfind("sha256:", 0) != 0 || !is_hex64(digest.substr(7))) {
      // Never echo the value: it may be a key pasted by mistake instead of its digest.
      return problem(
          "the second field must be sha256: followed by 64 hex digits (the digest of "
          "the key, never the key itself)");
    }
    digest = digest.substr(7);
    std::transform(digest.begin(), digest.end(), digest.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (!seen.insert(digest).second) return problem("this key digest is listed twice");
    Principal principal;
    principal.tenant = tenant;
    bool role_given = false;
    while (words >> extra) {
      if (extra.rfind("role=", 0) == 0) {
        if (role_given) return problem("role= is given twice");
        role_given = true;
        const std::string role = extra.substr(5);
        if (role != "read-only" && role != "full") {
          return problem("role=" + role.substr(0, 20) + " is not a role (read-only or full)");
        }
        principal.read_only = role == "read-only";
        continue;
      }
      const bool tools_field = extra.rfind("tools=", 0) == 0;
      if (!tools_field && extra.rfind("pools=", 0) != 0) {
        return problem("unknown field \"" + extra.substr(0, 40) +
                       "\" (a line has a tenant, sha256:HEX, then optionally tools=, pools= and "
                       "role=)");
      }
      auto& field = tools_field ? principal.allowed_tools : principal.allowed_pools;
      if (field) return problem(extra.substr(0, 6) + " is given twice");
      std::set<std::string> names;
      std::istringstream list(extra.substr(6));
      std::string name;
      while (std::getline(list, name, ',')) {
        if (!name.empty()) names.insert(name);
      }
      if (names.empty()) return problem(extra.substr(0, 6) + " lists nothing");
      field = std::move(names);
    }
    store.entries_.push_back({std::move(digest), std::move(principal)});
  }
  if (store.entries_.empty()) {
    return fail(ErrorCode::InvalidArgument, std::string(source) + " lists no API key",
                "add at least one line: TENANT sha256:HEX");
  }
  return store;
}

Result<std::shared_ptr<ApiKeys>> ApiKeys::from_file(std::string path) {
  auto loaded = ApiKeyStore::load_file(path);
  if (!loaded) return fail(loaded.error());
  return std::shared_ptr<ApiKeys>(new ApiKeys(std::move(path), std::move(*loaded)));
}

std::shared_ptr<ApiKeys> ApiKeys::fixed(ApiKeyStore keys) {
  return std::shared_ptr<ApiKeys>(new ApiKeys({}, std::move(keys)));
}

std::shared_ptr<const ApiKeyStore> ApiKeys::current() const {
  std::lock_guard lock(mu_);
  return keys_;
}

Status ApiKeys::reload() {
  if (path_.empty()) return ok();
  auto loaded = ApiKeyStore::load_file(path_);
  if (!loaded) return fail(loaded.error());
  auto fresh = std::make_shared<const ApiKeyStore>(std::move(*loaded));
  std::lock_guard lock(mu_);
  keys_ = std::move(fresh);
  return ok();
}

std::vector<Principal> ApiKeyStore::principals() const {
  std::vector<Principal> out;
  out.reserve(entries_.size());
  for (const auto& e : entries_) {
    out.push_back(e.principal);
    out.back().key_id = e.digest;
  }
  return out;
}

std::optional<Principal> ApiKeyStore::authenticate(std::string_view key) const {
  if (key.empty()) return std::nullopt;
  const std::string digest = sha256_hex(key);
  const Entry* match = nullptr;
  for (const auto& e : entries_) {
    // No early exit: every digest is compared.
    if (constant_time_equal(digest, e.digest)) match = &e;
  }
  if (match == nullptr) return std::nullopt;
  Principal p = match->principal;
  p.key_id = match->digest;
  return p;
}

}  // namespace nmcp::mcp
