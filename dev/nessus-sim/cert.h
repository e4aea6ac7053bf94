#pragma once
// The simulator's TLS identity. By default it is generated at start from a fixed seed: an
// Ed25519 key (its signatures are deterministic) and a self-signed certificate with fixed
// fields, so the same seed always yields byte-identical DER and therefore the same SHA-256
// fingerprint, which config/scanners.yaml can pin out of the box. A different seed, or a
// certificate and key from files, gives a different identity.

#include <memory>
#include <string>

#include <openssl/evp.h>
#include <openssl/x509.h>

namespace nessus_sim {

struct TlsIdentity {
  std::unique_ptr<X509, void (*)(X509*)> cert{nullptr, X509_free};
  std::unique_ptr<EVP_PKEY, void (*)(EVP_PKEY*)> key{nullptr, EVP_PKEY_free};
  std::string fingerprint;  // "sha256:" + lower-case hex of the DER certificate
};

// Generates the identity for `seed`. Returns false (with `error`) if OpenSSL fails.
bool generate_identity(const std::string& seed, TlsIdentity& out, std::string& error);

// Loads a PEM certificate and private key.
bool load_identity(const std::string& cert_path, const std::string& key_path, TlsIdentity& out,
                   std::string& error);

std::string fingerprint_of(X509* cert);
bool write_certificate(X509* cert, const std::string& path, std::string& error);

}  // namespace nessus_sim
