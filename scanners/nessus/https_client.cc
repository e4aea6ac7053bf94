// The cpp-httplib / OpenSSL adapter for talking to Nessus.

#include "scanners/nessus/https_client.h"

#include <array>
#include <atomic>
#include <cstdlib>
#include <mutex>

#include <httplib.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "core/base/secret_values.h"

namespace nmcp::scanners {
namespace {

// Shared with the OpenSSL verify callback through SSL_CTX app data.
struct PinState {
  std::string expected;  // lower-case hex
  std::mutex mu;
  std::string observed;
  // Handshakes the pin refused. A handshake that fails without a refusal was cut off (an
  // overloaded or restarting server), which is transient, not a certificate problem.
  std::atomic<std::uint64_t> refusals{0};
};

std::string sha256_of(X509* cert) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned len = 0;
  X509_digest(cert, EVP_sha256(), md.data(), &len);
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  for (unsigned i = 0; i < len; ++i) {
    hex.push_back(kDigits[md[i] >> 4]);
    hex.push_back(kDigits[md[i] & 0x0f]);
  }
  return hex;
}

// With a pin, the leaf certificate's fingerprint decides, and nothing else: self-signed
// certificates (the Nessus default) are fine once pinned.
int verify_pin(int /*preverify_ok*/, X509_STORE_CTX* store) {
  if (X509_STORE_CTX_get_error_depth(store) != 0) return 1;
  auto* ssl =
      static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
  auto* pin = static_cast<PinState*>(SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl)));
  X509* cert = X509_STORE_CTX_get_current_cert(store);
  if (pin == nullptr || cert == nullptr) return 0;
  const std::string seen = sha256_of(cert);
  {
    std::lock_guard lock(pin->mu);
    pin->observed = seen;
  }
  if (seen == pin->expected) return 1;
  pin->refusals.fetch_add(1);
  return 0;
}

struct Endpoint {
  std::string host;
  int port = 443;
};

Result<Endpoint> parse_url(const std::string& url) {
  const std::string prefix = "https://";
  if (url.rfind(prefix, 0) != 0) {
    return fail(ErrorCode::InvalidArgument, "the Nessus URL must start with https://: " + url);
  }
  std::string rest = url.substr(prefix.size());
  if (const auto slash = rest.find('/'); slash != std::string::npos) rest = rest.substr(0, slash);
  Endpoint e;
  if (!rest.empty() && rest.front() == '[') {
    const auto close = rest.find(']');
    if (close == std::string::npos)
      return fail(ErrorCode::InvalidArgument, "bad IPv6 address in " + url);
    e.host = rest.substr(1, close - 1);
    rest = rest.substr(close + 1);
    if (!rest.empty() && rest.front() == ':') e.port = std::atoi(rest.c_str() + 1);
  } else if (const auto colon = rest.rfind(':'); colon != std::string::npos) {
    e.host = rest.substr(0, colon);
    e.port = std::atoi(rest.c_str() + colon + 1);
  } else {
    e.host = rest;
  }
  if (e.host.empty() || e.port <= 0 || e.port > 65535) {
    return fail(ErrorCode::InvalidArgument, "cannot read a host and port from " + url);
  }
  return e;
}

// `pin_refused`: with a pin, whether the pin refused the handshake that failed. httplib reports
// certificate problems found with a CA as SSLServerVerification.
TransportError transport_error(httplib::Error e, int status_seen, bool pinned, bool pin_refused) {
  TransportError t;
  t.status_seen = status_seen;
  t.detail = httplib::to_string(e);
  switch (e) {
    case httplib::Error::Connection:
      t.kind = TransportErrorKind::Connect;
      break;
    case httplib::Error::ConnectionTimeout:
      t.kind = TransportErrorKind::Timeout;
      break;
    case httplib::Error::SSLConnection:
      t.kind = pinned && !pin_refused ? TransportErrorKind::Io : TransportErrorKind::Tls;
      if (t.kind == TransportErrorKind::Io) t.detail = "TLS handshake cut off";
      break;
    case httplib::Error::SSLLoadingCerts:
    case httplib::Error::SSLServerVerification:
      t.kind = TransportErrorKind::Tls;
      break;
    default:
      t.kind = TransportErrorKind::Io;
      break;
  }
  return t;
}

}  // namespace

struct HttpsClient::Impl {
  Options options;
  Endpoint endpoint;
  PinState pin;
  std::mutex pool_mu;
  struct Idle {
    std::unique_ptr<httplib::SSLClient> client;
    std::chrono::steady_clock::time_point since;
  };
  std::vector<Idle> idle;  // guarded by pool_mu

  std::unique_ptr<httplib::SSLClient> make() {
    auto c = std::make_unique<httplib::SSLClient>(endpoint.host, endpoint.port);
    c->set_connection_timeout(options.connect_timeout);
    c->set_read_timeout(options.timeout);
    c->set_write_timeout(options.timeout);
    c->set_keep_alive(true);
    c->set_tcp_nodelay(true);
    const auto& tls = options.tls;
    if (!tls.fingerprint.empty()) {
      // httplib only sets its own verification when enabled, so the context default (ours)
      // decides during the handshake.
      c->enable_server_certificate_verification(false);
      SSL_CTX* ctx = c->ssl_context();
      SSL_CTX_set_app_data(ctx, &pin);
      SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, verify_pin);
    } else if (tls.insecure) {
      c->enable_server_certificate_verification(false);
    } else {
      if (!tls.ca_file.empty()) c->set_ca_cert_path(tls.ca_file);
      c->enable_server_certificate_verification(true);
    }
    return c;
  }

  // A connection idle longer than this is likely closed by the server already (Nessus, like
  // most servers, drops idle keep-alive connections within seconds): reusing it would cost a
  // failed request before a fresh one. Dropped instead.
  static constexpr std::chrono::milliseconds kMaxIdle{1500};

  std::unique_ptr<httplib::SSLClient> take() {
    std::lock_guard lock(pool_mu);
    const auto now = std::chrono::steady_clock::now();
    while (!idle.empty()) {
      Idle last = std::move(idle.back());
      idle.pop_back();
      if (now - last.since <= kMaxIdle) return std::move(last.client);
    }
    return make();
  }

  void give_back(std::unique_ptr<httplib::SSLClient> c) {
    std::lock_guard lock(pool_mu);
    if (idle.size() < 4) idle.push_back({std::move(c), std::chrono::steady_clock::now()});
  }

  // After a lost connection the others kept alive with it are suspect too.
  void drop_idle() {
    std::lock_guard lock(pool_mu);
    idle.clear();
  }

  tl::expected<HttpsReply, TransportError> run(const HttpsRequest& r,
                                               const std::function<bool(std::string_view)>* sink) {
    httplib::Request req;
    req.method = r.method;
    req.path = r.path;
    for (const auto& [k, v] : r.headers) req.headers.emplace(k, v);
    if (!r.body.empty() || r.method == "POST" || r.method == "PUT") {
      req.body = r.body.empty() ? "{}" : r.body;
      req.headers.emplace("Content-Type",
                          r.content_type.empty() ? "application/json" : r.content_type);
    }
    struct WipeCopy {  // httplib keeps its own copy of the body
      httplib::Request& req;
      bool secret;
      ~WipeCopy() {
        if (secret) wipe(req.body);
      }
    } wipe_copy{req, r.secret_body};
    int status_seen = 0;
    req.response_handler = [&](const httplib::Response& res) {
      status_seen = res.status;
      return true;
    };
    HttpsReply reply;
    if (sink != nullptr) {
      req.content_receiver = [&](const char* data, std::size_t len, std::uint64_t, std::uint64_t) {
        if (status_seen == 200) return (*sink)(std::string_view(data, len));
        reply.body.append(data, len);  // an error body: small, keep it
        return reply.body.size() < (1U << 20U);
      };
    }
    auto client = take();
    httplib::Response res;
    httplib::Error error = httplib::Error::Success;
    const std::uint64_t refusals_before = pin.refusals.load();
    const bool ok = client->send(req, res, error);
    if (!ok) {
      drop_idle();
      return tl::unexpected(transport_error(error, status_seen, !options.tls.fingerprint.empty(),
                                            pin.refusals.load() != refusals_before));
    }
    give_back(std::move(client));
    reply.status = res.status;
    reply.retry_after = res.get_header_value("Retry-After");
    if (sink == nullptr) reply.body = std::move(res.body);
    return reply;
  }
};

HttpsClient::HttpsClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpsClient::~HttpsClient() = default;

Result<std::unique_ptr<HttpsClient>> HttpsClient::create(Options options) {
  auto endpoint = parse_url(options.url);
  if (!endpoint) return fail(endpoint.error());
  auto impl = std::make_unique<Impl>();
  impl->options = std::move(options);
  impl->endpoint = *endpoint;
  impl->pin.expected = impl->options.tls.fingerprint;
  return std::unique_ptr<HttpsClient>(new HttpsClient(std::move(impl)));
}

tl::expected<HttpsReply, TransportError> HttpsClient::send(const HttpsRequest& request) {
  return impl_->run(request, nullptr);
}

void HttpsClient::drop_idle_connections() { impl_->drop_idle(); }

tl::expected<HttpsReply, TransportError> HttpsClient::download(
    const HttpsRequest& request, const std::function<bool(std::string_view)>& sink) {
  return impl_->run(request, &sink);
}

std::string HttpsClient::observed_fingerprint() const {
  std::lock_guard lock(impl_->pin.mu);
  return impl_->pin.observed;
}

}  // namespace nmcp::scanners
