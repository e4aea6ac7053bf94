#include "core/base/private_key.h"

#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "core/base/base64.h"
#include "core/base/secret_values.h"
#include "core/base/text.h"

namespace nmcp {
namespace {

Error bad_key(const std::string& what, const std::string& hint) {
  return {ErrorCode::InvalidArgument, what, hint};
}

// Reads the length-prefixed strings of the SSH wire format.
class WireReader {
 public:
  explicit WireReader(std::string_view data) : data_(data) {}
  std::optional<std::string_view> string() {
    if (data_.size() < 4) return std::nullopt;
    const auto* p = reinterpret_cast<const unsigned char*>(data_.data());
    const std::uint32_t n = (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) |
                            (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]};
    if (n > data_.size() - 4) return std::nullopt;
    const std::string_view out = data_.substr(4, n);
    data_.remove_prefix(4 + n);
    return out;
  }
  bool skip(std::size_t n) {
    if (n > data_.size()) return false;
    data_.remove_prefix(n);
    return true;
  }

 private:
  std::string_view data_;
};

// The text between "-----BEGIN <label>-----" and "-----END <label>-----".
std::optional<std::string_view> armoured(std::string_view text, std::string_view label) {
  const std::string begin = "-----BEGIN " + std::string(label) + "-----";
  const std::string end = "-----END " + std::string(label) + "-----";
  const auto b = text.find(begin);
  if (b == std::string_view::npos) return std::nullopt;
  const auto e = text.find(end, b + begin.size());
  if (e == std::string_view::npos) return std::nullopt;
  return text.substr(b + begin.size(), e - b - begin.size());
}

Result<PrivateKeyInfo> inspect_openssh(std::string_view body, std::string_view passphrase) {
  auto raw = base64_decode(body);
  const std::string_view magic("openssh-key-v1\0", 15);
  if (!raw || raw->size() < magic.size() || std::string_view(*raw).substr(0, 15) != magic) {
    if (raw) wipe(*raw);
    return fail(bad_key("the OpenSSH private key is damaged (its base64 or header does not read)",
                        "export the key again (ssh-keygen -p -f KEY rewrites it)"));
  }
  WireReader r(std::string_view(*raw).substr(magic.size()));
  const auto cipher = r.string();
  const auto kdf = r.string();
  const auto kdf_options = r.string();
  const bool counted = r.skip(4);
  const auto public_blob = r.string();
  PrivateKeyInfo info;
  info.format = "openssh";
  bool ok = cipher && kdf && kdf_options && counted && public_blob;
  if (ok) {
    info.encrypted = *cipher != "none";
    WireReader pub(*public_blob);
    if (const auto type = pub.string()) info.algorithm = std::string(*type);
    ok = !info.algorithm.empty();
  }
  wipe(*raw);
  if (!ok) {
    return fail(bad_key("the OpenSSH private key is damaged (its fields do not read)",
                        "export the key again (ssh-keygen -p -f KEY rewrites it)"));
  }
  if (info.encrypted && passphrase.empty()) {
    return fail(bad_key("the private key is encrypted, but no passphrase is given",
                        "add private_key_passphrase (from ${VAR} or file:PATH), or remove the "
                        "passphrase with ssh-keygen -p -f KEY"));
  }
  return info;
}

int passphrase_callback(char* buf, int size, int, void* user) {
  const auto* pass = static_cast<const std::string_view*>(user);
  if (pass->empty() || static_cast<int>(pass->size()) > size) return -1;
  std::memcpy(buf, pass->data(), pass->size());
  return static_cast<int>(pass->size());
}

Result<PrivateKeyInfo> inspect_pem(std::string_view text, std::string_view passphrase) {
  PrivateKeyInfo info;
  info.format = "pem";
  info.encrypted = text.find("ENCRYPTED PRIVATE KEY") != std::string_view::npos ||
                   text.find("Proc-Type: 4,ENCRYPTED") != std::string_view::npos;
  if (info.encrypted && passphrase.empty()) {
    return fail(bad_key("the private key is encrypted, but no passphrase is given",
                        "add private_key_passphrase (from ${VAR} or file:PATH), or decrypt the "
                        "key (openssl pkey -in KEY -out PLAIN)"));
  }
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(text.data(), static_cast<int>(text.size())), &BIO_free);
  if (!bio) return fail(ErrorCode::Internal, "out of memory reading a private key");
  std::string_view pass = passphrase;
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio.get(), nullptr, &passphrase_callback, &pass);
  ERR_clear_error();
  if (key == nullptr) {
    if (info.encrypted) {
      return fail(bad_key("the passphrase does not open the encrypted private key",
                          "check private_key_passphrase against the key"));
    }
    return fail(bad_key("the PEM private key is damaged (OpenSSL cannot read it)",
                        "export the key again, in the OpenSSH or PKCS#8 format"));
  }
  const char* name = EVP_PKEY_get0_type_name(key);
  info.algorithm = name != nullptr ? name : "";
  EVP_PKEY_free(key);
  return info;
}

}  // namespace

Result<PrivateKeyInfo> inspect_private_key(std::string_view text, std::string_view passphrase) {
  const std::string_view t = trim_space(text);
  if (t.empty()) return fail(bad_key("the private key is empty", "give the key's PEM text"));
  if (const auto body = armoured(t, "OPENSSH PRIVATE KEY"))
    return inspect_openssh(*body, passphrase);
  if (t.find("PRIVATE KEY-----") != std::string_view::npos) return inspect_pem(t, passphrase);
  if (t.rfind("ssh-", 0) == 0 || t.rfind("ecdsa-", 0) == 0 ||
      t.find("BEGIN PUBLIC KEY") != std::string_view::npos ||
      t.find("BEGIN SSH2 PUBLIC KEY") != std::string_view::npos) {
    return fail(bad_key("this is a public key (or a certificate), not a private key",
                        "give the private half (the file without .pub)"));
  }
  if (t.find("BEGIN CERTIFICATE") != std::string_view::npos) {
    return fail(
        bad_key("this is an X.509 certificate, not a private key", "give the SSH private key"));
  }
  return fail(bad_key("this is not a private key (no \"-----BEGIN ... PRIVATE KEY-----\" block)",
                      "give an OpenSSH or PEM private key"));
}

Result<SshCertificateInfo> inspect_ssh_certificate(std::string_view text) {
  const std::string_view t = trim_space(text);
  const auto space = t.find(' ');
  const std::string_view type = t.substr(0, space);
  const std::string_view suffix = "-cert-v01@openssh.com";
  if (space == std::string_view::npos || type.size() <= suffix.size() ||
      type.substr(type.size() - suffix.size()) != suffix) {
    return fail(
        bad_key("this is not an OpenSSH user certificate (it must start with a type "
                "such as ssh-ed25519-cert-v01@openssh.com)",
                "give the KEY-cert.pub file ssh-keygen -s wrote"));
  }
  std::string_view rest = trim_space(t.substr(space + 1));
  rest = rest.substr(0, rest.find(' '));
  const auto raw = base64_decode(rest);
  std::optional<std::string_view> inner;
  WireReader r(raw ? std::string_view(*raw) : std::string_view());
  if (raw) inner = r.string();
  if (!inner || *inner != type) {
    return fail(bad_key("the OpenSSH certificate is damaged (its body does not match its type)",
                        "sign the key again with ssh-keygen -s"));
  }
  return SshCertificateInfo{std::string(type)};
}

}  // namespace nmcp
