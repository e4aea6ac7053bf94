#pragma once
// ApiKeyStore: bearer API keys for the HTTP transports, kept only as SHA-256 digests. Each key
// maps to a tenant (the owner of the tasks it creates) and optionally to the tools it may use.
// File format, one key per line ('#' starts a comment):
//
//   TENANT  sha256:HEX  [tools=name,name,...]
//
// where HEX is the SHA-256 of the key (printf %s "$KEY" | sha256sum). Immutable after
// loading; thread-safe.

#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/result.h"
#include "mcp/server/session.h"

namespace nmcp::mcp {

class ApiKeyStore {
 public:
  static Result<ApiKeyStore> load_file(const std::string& path);
  // `source` names the text in error messages ("keys.txt").
  static Result<ApiKeyStore> parse(std::string_view text, std::string_view source);

  // The principal a presented key belongs to. Compares every digest in constant time.
  std::optional<Principal> authenticate(std::string_view key) const;

  std::size_t size() const { return entries_.size(); }
  // Every key's principal (key_id set: the digest, never the key), in file order.
  std::vector<Principal> principals() const;

  // A new random key (192 bits, "nmcp_" + hex) and the file line that admits it.
  struct NewKey {
    std::string key;
    std::string line;
  };
  static NewKey create(const std::string& tenant, const std::set<std::string>& tools,
                       const std::set<std::string>& pools, bool read_only = false);
  static bool valid_tenant(std::string_view tenant);

 private:
  struct Entry {
    std::string digest;  // lower-case hex SHA-256
    Principal principal;
  };
  std::vector<Entry> entries_;
};

// The keys the server accepts now. From a file it can be reloaded (SIGHUP): a bad file keeps the
// keys in use, so a typo never locks everyone out. Thread-safe.
class ApiKeys {
 public:
  static Result<std::shared_ptr<ApiKeys>> from_file(std::string path);
  static std::shared_ptr<ApiKeys> fixed(ApiKeyStore keys);

  std::shared_ptr<const ApiKeyStore> current() const;
  // Reads the file again; on failure the old keys stay and the error says why.
  Status reload();
  const std::string& path() const { return path_; }

 private:
  ApiKeys(std::string path, ApiKeyStore keys)
      : path_(std::move(path)), keys_(std::make_shared<const ApiKeyStore>(std::move(keys))) {}
  const std::string path_;  // empty: fixed
  mutable std::mutex mu_;
  std::shared_ptr<const ApiKeyStore> keys_;  // guarded by mu_
};

}  // namespace nmcp::mcp
