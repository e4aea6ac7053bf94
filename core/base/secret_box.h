#pragma once
// SecretBox: authenticated encryption (AES-256-GCM) for the few secrets the product must keep
// for a while: inline scan credentials between submit and scan creation. The key comes from
// $NMCP_SECRET_KEY (64 hex digits; what containers should use) or from a key file created
// with mode 0600 on first use (<data_dir>/secret.key). Sealed text is hex of
// "v1" | 12-byte nonce | ciphertext | 16-byte tag; tampering or a different key makes open()
// fail. fingerprint() is an HMAC-SHA256 under the same key, for comparing secrets (request
// hashes) without storing them.
//
// Thread-safety: an open SecretBox is immutable; all methods may be called concurrently.

#include <array>
#include <memory>
#include <string>
#include <string_view>

#include "core/base/result.h"

namespace nmcp {

class SecretBox {
 public:
  // From $NMCP_SECRET_KEY if set, else from `key_file` (created if missing).
  static Result<std::shared_ptr<const SecretBox>> open(const std::string& key_file);
  static Result<std::shared_ptr<const SecretBox>> from_hex_key(std::string_view hex);

  std::string seal(std::string_view plaintext) const;
  Result<std::string> open_sealed(std::string_view sealed) const;
  std::string fingerprint(std::string_view secret) const;

 private:
  explicit SecretBox(const std::array<unsigned char, 32>& key) : key_(key) {}
  std::array<unsigned char, 32> key_;
};

}  // namespace nmcp
