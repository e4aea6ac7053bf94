#pragma once
// Checks SSH key material before it is used, so a bad key is reported when the configuration
// loads (with its path) rather than as a failed login on every host hours later:
//   - private keys in the OpenSSH format ("BEGIN OPENSSH PRIVATE KEY") and the PEM formats
//     OpenSSL reads (PKCS#8, encrypted PKCS#8, PKCS#1 RSA, SEC1 EC, DSA);
//   - OpenSSH user certificates ("ssh-ed25519-cert-v01@openssh.com AAAA...").
// For PEM keys an encrypted key is opened with the passphrase, so a wrong passphrase is caught;
// an OpenSSH key's passphrase cannot be checked without bcrypt-pbkdf, only its presence.
// Pure functions over OpenSSL; thread-safe.

#include <optional>
#include <string>
#include <string_view>

#include "core/base/result.h"

namespace nmcp {

struct PrivateKeyInfo {
  std::string format;     // "openssh" or "pem"
  std::string algorithm;  // "ssh-ed25519", "ssh-rsa", "ED25519", "RSA", ... when known
  bool encrypted = false;
};

// InvalidArgument with what is wrong and how to fix it: not a private key (a public key, a
// certificate, anything else), damaged, encrypted without a passphrase, wrong passphrase.
Result<PrivateKeyInfo> inspect_private_key(std::string_view text, std::string_view passphrase);

struct SshCertificateInfo {
  std::string type;  // "ssh-ed25519-cert-v01@openssh.com", ...
};

// InvalidArgument unless `text` is one OpenSSH certificate line.
Result<SshCertificateInfo> inspect_ssh_certificate(std::string_view text);

}  // namespace nmcp
