#pragma once
// HttpsClient: HTTPS requests to one Nessus instance, with the TLS policy of its configuration:
// system CAs and host name check by default, a CA file, a SHA-256 certificate pin (checked
// during the handshake, so a mismatch never sends a byte of the request), or no verification
// when `insecure` is written. Every call has connect and read timeouts. It tells apart a
// request that failed before any answer from one whose status line arrived but whose body was
// lost, which is how Nessus Professional and Essentials send 412. This is the cpp-httplib
// adapter: httplib and OpenSSL types stay in the .cc file.
//
// Thread-safety: send() and download() may be called concurrently; connections are pooled.

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <tl/expected.hpp>

#include "core/base/result.h"
#include "core/config/scanner_config.h"

namespace nmcp::scanners {

struct HttpsRequest {
  std::string method;  // GET, POST, PUT, DELETE
  std::string path;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;          // sent as application/json when not empty (or for POST/PUT)
  std::string content_type;  // instead of application/json (a multipart upload)
  bool secret_body = false;  // the body holds a credential: wiped once sent
};

struct HttpsReply {
  int status = 0;
  std::string body;
  std::string retry_after;  // the Retry-After header, when the answer had one
};

enum class TransportErrorKind { Connect, Timeout, Tls, Io };

struct TransportError {
  TransportErrorKind kind = TransportErrorKind::Io;
  int status_seen = 0;  // non-zero: the status line arrived, then the connection failed
  std::string detail;   // for messages; never holds secrets
};

class HttpsClient {
 public:
  struct Options {
    std::string url;  // https://host[:port]
    config::TlsSettings tls;
    std::chrono::seconds connect_timeout{10};
    std::chrono::seconds timeout{30};
  };

  static Result<std::unique_ptr<HttpsClient>> create(Options options);
  ~HttpsClient();
  HttpsClient(const HttpsClient&) = delete;
  HttpsClient& operator=(const HttpsClient&) = delete;

  tl::expected<HttpsReply, TransportError> send(const HttpsRequest& request);
  // Forgets the pooled connections: the next request opens a fresh one.
  void drop_idle_connections();

  // GET whose 200 body goes to `sink` piece by piece (false from the sink stops it). For any
  // other status the body is returned in the reply instead.
  tl::expected<HttpsReply, TransportError> download(
      const HttpsRequest& request, const std::function<bool(std::string_view)>& sink);

  // The SHA-256 (lower-case hex) of the certificate last presented, when a pin is configured.
  std::string observed_fingerprint() const;

 private:
  struct Impl;
  explicit HttpsClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace nmcp::scanners
