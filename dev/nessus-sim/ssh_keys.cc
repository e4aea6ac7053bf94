#include "dev/nessus-sim/ssh_keys.h"

#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

namespace nessus_sim {
namespace {

std::optional<std::string> base64(const std::string& text) {
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (const char c : text) {
    int v = -1;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    if (c >= '0' && c <= '9') v = c - '0' + 52;
    if (c == '+') v = 62;
    if (c == '/') v = 63;
    if (c == '=' || c == '\n' || c == '\r' || c == ' ') continue;
    if (v < 0) return std::nullopt;
    acc = (acc << 6U) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> static_cast<unsigned>(bits)) & 0xffU));
    }
  }
  return out;
}

struct Reader {
  std::string_view data;
  bool ok = true;
  std::string_view take(std::size_t n) {
    if (!ok || n > data.size()) {
      ok = false;
      return {};
    }
    const auto out = data.substr(0, n);
    data.remove_prefix(n);
    return out;
  }
  std::uint64_t number(int bytes) {
    const auto raw = take(static_cast<std::size_t>(bytes));
    std::uint64_t v = 0;
    for (const char c : raw) v = (v << 8U) | static_cast<unsigned char>(c);
    return v;
  }
  std::string_view string() { return take(static_cast<std::size_t>(number(4))); }
};

std::string wire_string(std::string_view s) {
  std::string out;
  const auto n = static_cast<std::uint32_t>(s.size());
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((n >> shift) & 0xffU));
  out.append(s);
  return out;
}

std::string mpint(const std::vector<unsigned char>& big_endian) {
  std::size_t i = 0;
  while (i < big_endian.size() && big_endian[i] == 0) ++i;
  std::string v(big_endian.begin() + static_cast<std::ptrdiff_t>(i), big_endian.end());
  if (!v.empty() && (static_cast<unsigned char>(v[0]) & 0x80U) != 0) v.insert(v.begin(), '\0');
  return wire_string(v);
}

std::optional<std::string> openssh_private(const std::string& text, const std::string& passphrase,
                                           std::string& error) {
  const std::string begin = "-----BEGIN OPENSSH PRIVATE KEY-----";
  const std::string end = "-----END OPENSSH PRIVATE KEY-----";
  const auto b = text.find(begin);
  const auto e = text.find(end);
  const auto raw = base64(text.substr(b + begin.size(), e - b - begin.size()));
  const std::string magic("openssh-key-v1\0", 15);
  if (!raw || raw->compare(0, magic.size(), magic) != 0) {
    error = "invalid format";
    return std::nullopt;
  }
  Reader r{std::string_view(*raw).substr(magic.size())};
  const auto cipher = r.string();
  r.string();  // kdf name
  r.string();  // kdf options
  r.number(4);
  const auto blob = r.string();
  if (!r.ok) {
    error = "invalid format";
    return std::nullopt;
  }
  if (cipher != "none" && passphrase.empty()) {
    error = "incorrect passphrase supplied to decrypt private key";
    return std::nullopt;
  }
  return std::string(blob);
}

std::optional<std::string> pem_private(const std::string& text, const std::string& passphrase,
                                       std::string& error) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(text.data(), static_cast<int>(text.size())), &BIO_free);
  std::string pass = passphrase;
  EVP_PKEY* key =
      PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, pass.empty() ? nullptr : pass.data());
  ERR_clear_error();
  if (key == nullptr) {
    error = text.find("ENCRYPTED") != std::string::npos
                ? "incorrect passphrase supplied to decrypt private key"
                : "invalid format";
    return std::nullopt;
  }
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> owned(key, &EVP_PKEY_free);
  if (EVP_PKEY_get_base_id(key) == EVP_PKEY_ED25519) {
    std::vector<unsigned char> pk(32);
    std::size_t n = pk.size();
    if (EVP_PKEY_get_raw_public_key(key, pk.data(), &n) != 1) {
      error = "invalid format";
      return std::nullopt;
    }
    return wire_string("ssh-ed25519") + wire_string(std::string(pk.begin(), pk.end()));
  }
  if (EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA) {
    BIGNUM* n = nullptr;
    BIGNUM* e = nullptr;
    EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &n);
    EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &e);
    std::vector<unsigned char> nb(static_cast<std::size_t>(BN_num_bytes(n)));
    std::vector<unsigned char> eb(static_cast<std::size_t>(BN_num_bytes(e)));
    BN_bn2bin(n, nb.data());
    BN_bn2bin(e, eb.data());
    BN_free(n);
    BN_free(e);
    return wire_string("ssh-rsa") + mpint(eb) + mpint(nb);
  }
  error = "key type not accepted by this host";
  return std::nullopt;
}

}  // namespace

std::optional<std::string> public_blob_of_private_key(const std::string& text,
                                                      const std::string& passphrase,
                                                      std::string& error) {
  if (text.find("-----BEGIN OPENSSH PRIVATE KEY-----") != std::string::npos &&
      text.find("-----END OPENSSH PRIVATE KEY-----") != std::string::npos) {
    return openssh_private(text, passphrase, error);
  }
  if (text.find("PRIVATE KEY-----") != std::string::npos)
    return pem_private(text, passphrase, error);
  error = "invalid format";
  return std::nullopt;
}

std::optional<std::string> public_blob_of_authorized_key(const std::string& line) {
  const auto space = line.find(' ');
  if (space == std::string::npos) return std::nullopt;
  std::string b64 = line.substr(space + 1);
  b64 = b64.substr(0, b64.find(' '));
  return base64(b64);
}

std::string check_user_certificate(const std::string& cert_line, const std::string& key_blob,
                                   const std::string& ca_blob, const std::string& user,
                                   std::time_t now) {
  const auto raw = public_blob_of_authorized_key(cert_line);
  if (!raw) return "certificate: invalid format";
  Reader r{*raw};
  const auto type = r.string();
  if (type != "ssh-ed25519-cert-v01@openssh.com") return "certificate type not accepted";
  r.string();  // nonce
  const auto pk = r.string();
  r.number(8);  // serial
  const auto cert_type = r.number(4);
  r.string();  // key id
  const auto principals = r.string();
  const auto valid_after = r.number(8);
  const auto valid_before = r.number(8);
  r.string();  // critical options
  r.string();  // extensions
  r.string();  // reserved
  const auto signature_key = r.string();
  const std::size_t signed_length = raw->size() - r.data.size();
  const auto signature = r.string();
  if (!r.ok) return "certificate: invalid format";
  if (cert_type != 1) return "certificate is not a user certificate";
  if (wire_string("ssh-ed25519") + wire_string(pk) != key_blob)
    return "certificate does not match the private key";
  if (signature_key != ca_blob) return "certificate signed by an unrecognized CA";
  const auto t = static_cast<std::uint64_t>(now);
  if (t < valid_after || t >= valid_before) return "certificate is expired or not yet valid";
  Reader names{principals};
  bool listed = principals.empty();
  while (names.ok && !names.data.empty()) listed = listed || names.string() == user;
  if (!listed) return "certificate principals do not include " + user;
  Reader ca{signature_key};
  ca.string();
  const auto ca_pk = ca.string();
  Reader sig{signature};
  sig.string();
  const auto sig_bytes = sig.string();
  if (!ca.ok || !sig.ok || ca_pk.size() != 32) return "certificate signature: invalid format";
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> pub(
      EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr,
                                  reinterpret_cast<const unsigned char*>(ca_pk.data()), 32),
      &EVP_PKEY_free);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  const bool verified =
      pub && ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, pub.get()) == 1 &&
      EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig_bytes.data()),
                       sig_bytes.size(), reinterpret_cast<const unsigned char*>(raw->data()),
                       signed_length) == 1;
  ERR_clear_error();
  return verified ? "" : "certificate signature does not verify";
}

}  // namespace nessus_sim
