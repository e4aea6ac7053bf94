#include "dev/nessus-sim/cert.h"

#include <array>
#include <cstdio>

#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509v3.h>

namespace nessus_sim {
namespace {

std::string hex(const unsigned char* data, unsigned size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < size; ++i) {
    out.push_back(kDigits[data[i] >> 4]);
    out.push_back(kDigits[data[i] & 0x0f]);
  }
  return out;
}

bool set_time(ASN1_TIME* t, const char* generalized) {
  return ASN1_TIME_set_string(t, generalized) == 1;
}

}  // namespace

std::string fingerprint_of(X509* cert) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned len = 0;
  X509_digest(cert, EVP_sha256(), md.data(), &len);
  return "sha256:" + hex(md.data(), len);
}

bool generate_identity(const std::string& seed, TlsIdentity& out, std::string& error) {
  std::array<unsigned char, SHA256_DIGEST_LENGTH> secret{};
  const std::string material = "nessus-sim certificate seed:" + seed;
  SHA256(reinterpret_cast<const unsigned char*>(material.data()), material.size(), secret.data());
  out.key.reset(
      EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, secret.data(), secret.size()));
  if (!out.key) {
    error = "cannot create the Ed25519 key";
    return false;
  }
  out.cert.reset(X509_new());
  X509* cert = out.cert.get();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 0x5EED);
  // Fixed validity, so the certificate (and its fingerprint) does not depend on the day.
  if (!set_time(X509_getm_notBefore(cert), "20250101000000Z") ||
      !set_time(X509_getm_notAfter(cert), "20450101000000Z")) {
    error = "cannot set the certificate validity";
    return false;
  }
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(
      name, "O", MBSTRING_ASC,
      reinterpret_cast<const unsigned char*>("nessus-sim (development only)"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  X509_set_pubkey(cert, out.key.get());
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* san =
      X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:::1");
  if (san != nullptr) {
    X509_add_ext(cert, san, -1);
    X509_EXTENSION_free(san);
  }
  // Ed25519 signs deterministically: same key and same fields, same bytes.
  if (X509_sign(cert, out.key.get(), nullptr) <= 0) {
    error = "cannot sign the certificate";
    return false;
  }
  out.fingerprint = fingerprint_of(cert);
  return true;
}

bool write_certificate(X509* cert, const std::string& path, std::string& error) {
  FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr || PEM_write_X509(f, cert) != 1) {
    if (f != nullptr) std::fclose(f);
    error = "cannot write the certificate to " + path;
    return false;
  }
  std::fclose(f);
  return true;
}

bool load_identity(const std::string& cert_path, const std::string& key_path, TlsIdentity& out,
                   std::string& error) {
  FILE* cf = std::fopen(cert_path.c_str(), "r");
  if (cf == nullptr) {
    error = "cannot read " + cert_path;
    return false;
  }
  out.cert.reset(PEM_read_X509(cf, nullptr, nullptr, nullptr));
  std::fclose(cf);
  FILE* kf = std::fopen(key_path.c_str(), "r");
  if (kf == nullptr) {
    error = "cannot read " + key_path;
    return false;
  }
  out.key.reset(PEM_read_PrivateKey(kf, nullptr, nullptr, nullptr));
  std::fclose(kf);
  if (!out.cert || !out.key) {
    error = "cannot parse the PEM certificate or key";
    return false;
  }
  out.fingerprint = fingerprint_of(out.cert.get());
  return true;
}

}  // namespace nessus_sim
