#pragma once
// ApiKeyStore: bearer API keys for the HTTP transports, kept only as SHA-256 digests. Each key
// maps to a tenant (the owner of the tasks it creates) and optionally to the tools it may use.
// File format, one key per line ('#' starts a comment):
//
//   TENANT  sha256:HEX  [tools=name,name,...]
//
// where HEX is the SHA-256 of the key (printf %s "$KEY" | sha256sum). Immutable after
// loading; thread-safe.

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

 private:
  struct Entry {
    std::string digest;  // lower-case hex SHA-256
    Principal principal;
  };
  std::vector<Entry> entries_;
};

}  // namespace nmcp::mcp
