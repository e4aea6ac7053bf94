#include "core/base/secret_box.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "core/base/crypto.h"

namespace nmcp {

namespace {

constexpr std::size_t kNonce = 12;
constexpr std::size_t kTag = 16;
constexpr const char* kVersion = "v1";

bool unhex(std::string_view s, std::vector<unsigned char>& out) {
  if (s.size() % 2 != 0) return false;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  out.clear();
  for (std::size_t i = 0; i < s.size(); i += 2) {
    const int hi = nibble(s[i]), lo = nibble(s[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out.push_back(static_cast<unsigned char>(hi * 16 + lo));
  }
  return true;
}

using Ctx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

Error bad_key(const std::string& where) {
  return Error{ErrorCode::InvalidArgument, "the secret key in " + where + " is not 64 hex digits",
               "generate one with: openssl rand -hex 32"};
}

}  // namespace

Result<std::shared_ptr<const SecretBox>> SecretBox::from_hex_key(std::string_view text) {
  std::vector<unsigned char> bytes;
  if (!unhex(text, bytes) || bytes.size() != 32) return fail(bad_key("the key"));
  std::array<unsigned char, 32> key{};
  std::memcpy(key.data(), bytes.data(), 32);
  return std::shared_ptr<const SecretBox>(new SecretBox(key));
}

Result<std::shared_ptr<const SecretBox>> SecretBox::open(const std::string& key_file) {
  if (const char* env = std::getenv("NMCP_SECRET_KEY"); env != nullptr && *env != '\0') {
    auto box = from_hex_key(env);
    if (!box) return fail(bad_key("$NMCP_SECRET_KEY"));
    return box;
  }
  // Create the file exclusively with 0600, so two processes starting together agree on one key.
  const int fd = ::open(key_file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0) {
    std::array<unsigned char, 32> key{};
    if (RAND_bytes(key.data(), 32) != 1) {
      ::close(fd);
      return fail(ErrorCode::Internal, "the random generator failed");
    }
    const std::string text = hex_encode(key.data(), key.size()) + "\n";
    const bool written =
        ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
        ::fsync(fd) == 0;
    ::close(fd);
    if (!written) {
      return fail(ErrorCode::Unavailable, "cannot write the secret key file " + key_file,
                  "check free space and permissions of the data directory");
    }
  } else if (errno != EEXIST) {
    return fail(ErrorCode::Unavailable,
                "cannot create the secret key file " + key_file + ": " + std::strerror(errno),
                "check that the data directory exists and is writable");
  }
  const int in = ::open(key_file.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) {
    return fail(ErrorCode::Unavailable, "cannot read the secret key file " + key_file);
  }
  char buf[128] = {0};
  const ssize_t n = ::read(in, buf, sizeof buf - 1);
  ::close(in);
  std::string_view text(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
  auto box = from_hex_key(text);
  if (!box) return fail(bad_key(key_file));
  return box;
}

std::string SecretBox::seal(std::string_view plaintext) const {
  std::array<unsigned char, kNonce> nonce{};
  if (RAND_bytes(nonce.data(), kNonce) != 1) std::abort();
  std::vector<unsigned char> out(plaintext.size() + 16);
  std::array<unsigned char, kTag> tag{};
  Ctx ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  int len = 0, total = 0;
  if (!ctx ||
      EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key_.data(), nonce.data()) != 1 ||
      EVP_EncryptUpdate(ctx.get(), out.data(), &len,
                        reinterpret_cast<const unsigned char*>(plaintext.data()),
                        static_cast<int>(plaintext.size())) != 1) {
    std::abort();  // a cipher that cannot run must not produce anything to store
  }
  total = len;
  if (EVP_EncryptFinal_ex(ctx.get(), out.data() + total, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTag, tag.data()) != 1) {
    std::abort();
  }
  total += len;
  return std::string(kVersion) + hex_encode(nonce.data(), kNonce) +
         hex_encode(out.data(), static_cast<std::size_t>(total)) + hex_encode(tag.data(), kTag);
}

Result<std::string> SecretBox::open_sealed(std::string_view sealed) const {
  auto unreadable = [] {
    return fail(ErrorCode::FailedPrecondition,
                "the stored secret cannot be decrypted (damaged, or sealed with another key)",
                "submit the scan again; check that every process uses the same secret key");
  };
  std::vector<unsigned char> raw;
  if (sealed.substr(0, 2) != kVersion || !unhex(sealed.substr(2), raw) ||
      raw.size() < kNonce + kTag) {
    return unreadable();
  }
  const std::size_t body = raw.size() - kNonce - kTag;
  std::vector<unsigned char> out(body + 16);
  Ctx ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  int len = 0;
  if (!ctx ||
      EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key_.data(), raw.data()) != 1 ||
      EVP_DecryptUpdate(ctx.get(), out.data(), &len, raw.data() + kNonce, static_cast<int>(body)) !=
          1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTag, raw.data() + kNonce + body) != 1) {
    return unreadable();
  }
  int fin = 0;
  if (EVP_DecryptFinal_ex(ctx.get(), out.data() + len, &fin) != 1) return unreadable();
  return std::string(reinterpret_cast<const char*>(out.data()),
                     static_cast<std::size_t>(len + fin));
}

std::string SecretBox::fingerprint(std::string_view secret) const {
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int len = 0;
  if (HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()),
           reinterpret_cast<const unsigned char*>(secret.data()), secret.size(), mac.data(),
           &len) == nullptr) {
    std::abort();
  }
  return hex_encode(mac.data(), len);
}

}  // namespace nmcp
