#include "core/config/secret_source.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

namespace nmcp::config {
namespace {

constexpr std::size_t kMaxSecretFile = 64 * 1024;

std::string octal_mode(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

}  // namespace

bool is_file_reference(std::string_view value) { return value.rfind(kFilePrefix, 0) == 0; }

Result<std::string> read_secret_file(std::string_view reference) {
  const std::string path(reference.substr(kFilePrefix.size()));
  if (path.empty() || path.front() != '/') {
    return fail(ErrorCode::InvalidArgument, "secret file \"" + path + "\" is not an absolute path",
                "write file:/absolute/path (e.g. file:/run/secrets/scan_key)");
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    const int err = errno;
    return fail(ErrorCode::InvalidArgument,
                "secret file " + path + " cannot be read: " + std::strerror(err),
                err == ENOENT ? "create it, or correct the path"
                              : "chown it to the user the server runs as, keeping mode 0600");
  }
  if (!S_ISREG(st.st_mode)) {
    return fail(ErrorCode::InvalidArgument, "secret file " + path + " is not a regular file",
                "point file: at the file holding the secret");
  }
  if ((st.st_mode & 077) != 0) {
    return fail(ErrorCode::InvalidArgument,
                "secret file " + path + " may be read by its group or others (mode " +
                    octal_mode(st.st_mode) + ")",
                "run: chmod 600 " + path + " (Kubernetes: defaultMode: 0400 on the secret volume)");
  }
  if (static_cast<std::size_t>(st.st_size) > kMaxSecretFile) {
    return fail(ErrorCode::InvalidArgument, "secret file " + path + " is larger than 64 KiB",
                "a secret file holds one password or key; check the path");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return fail(ErrorCode::InvalidArgument,
                "secret file " + path + " cannot be opened: " + std::strerror(errno),
                "chown it to the user the server runs as, keeping mode 0600");
  }
  std::string content(static_cast<std::size_t>(st.st_size), '\0');
  in.read(content.data(), static_cast<std::streamsize>(content.size()));
  content.resize(static_cast<std::size_t>(in.gcount()));
  while (!content.empty() && (content.back() == '\n' || content.back() == '\r' ||
                              content.back() == ' ' || content.back() == '\t')) {
    content.pop_back();
  }
  if (content.empty()) {
    return fail(ErrorCode::InvalidArgument, "secret file " + path + " is empty",
                "write the secret into it");
  }
  return content;
}

}  // namespace nmcp::config
