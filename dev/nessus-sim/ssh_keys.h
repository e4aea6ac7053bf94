#pragma once
// How the simulator's hosts check SSH key logins: a private key (OpenSSH or PEM) logs in when
// its public half is one of the host's authorized keys, and an OpenSSH user certificate when it
// certifies that key for the user, is valid now and carries a signature by the trusted user CA
// that verifies (ed25519 certificates and CAs). Written for the simulator alone; it shares
// nothing with the server's key checks. Pure functions; thread-safe.

#include <ctime>
#include <optional>
#include <string>

namespace nessus_sim {

// The SSH wire-format public key ("ssh-ed25519" + key) of a private key; nullopt with `error`
// set when it is not a key, is damaged, or is encrypted and the passphrase does not open it
// (an OpenSSH key's passphrase is only required, not checked: that needs bcrypt-pbkdf).
std::optional<std::string> public_blob_of_private_key(const std::string& text,
                                                      const std::string& passphrase,
                                                      std::string& error);

// The wire-format key of an authorized_keys line ("ssh-ed25519 AAAA... comment").
std::optional<std::string> public_blob_of_authorized_key(const std::string& line);

// "" when `cert_line` certifies `key_blob` for `user` at `now`, signed by `ca_blob`; otherwise
// why not, in the words an SSH server would log.
std::string check_user_certificate(const std::string& cert_line, const std::string& key_blob,
                                   const std::string& ca_blob, const std::string& user,
                                   std::time_t now);

}  // namespace nessus_sim
