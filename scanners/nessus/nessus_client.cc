#include "scanners/nessus/nessus_client.h"

#include <chrono>
#include <utility>

#include "core/base/crypto.h"
#include "core/base/logging.h"
#include "core/base/secret_values.h"
#include "scanners/nessus/api_token.h"
#include "scanners/nessus/credential_payload.h"

namespace nmcp::scanners {

using json = nlohmann::json;

namespace {

// Nessus's own words, masked: what Nessus says may quote a secret it was sent.
std::string error_text(const std::string& body) {
  const json j = json::parse(body, nullptr, false);
  if (j.is_object()) {
    if (const auto it = j.find("error"); it != j.end() && it->is_string())
      return mask_secret_values(it->get<std::string>());
  }
  return {};
}

std::string scan_path(int id, std::string_view suffix = {}) {
  return "/scans/" + std::to_string(id) + std::string(suffix);
}

}  // namespace

NessusClient::NessusClient(config::InstanceConfig instance, std::unique_ptr<HttpsClient> https)
    : instance_(std::move(instance)), https_(std::move(https)) {}

Result<std::unique_ptr<NessusClient>> NessusClient::create(const config::InstanceConfig& instance,
                                                           RequestObserver observer) {
  HttpsClient::Options o;
  o.url = instance.url;
  o.tls = instance.tls;
  o.timeout = instance.request_timeout;
  o.connect_timeout = std::min(instance.request_timeout, std::chrono::seconds(10));
  auto https = HttpsClient::create(std::move(o));
  if (!https) return fail(https.error());
  std::unique_ptr<NessusClient> client(new NessusClient(instance, std::move(*https)));
  client->observer_ = std::move(observer);
  return client;
}

NessusClient::~NessusClient() { logout(); }

NessusError NessusClient::transport_failure(std::string_view operation,
                                            const TransportError& e) const {
  const std::string op(operation);
  if (e.status_seen == 412) {
    // Professional and Essentials often close the connection right after the 412 status line.
    NessusError err = classify_status(412, operation, "API is not available");
    err.message += " (the connection closed before the body, as these editions do)";
    return err;
  }
  if (e.kind == TransportErrorKind::Tls) {
    const std::string seen = https_->observed_fingerprint();
    if (!instance_.tls.fingerprint.empty() && !seen.empty() && seen != instance_.tls.fingerprint) {
      return {
          NessusErrorKind::Tls, 0,
          op + " refused: the certificate of " + instance_.url + " has fingerprint sha256:" + seen +
              ", not the pinned sha256:" + instance_.tls.fingerprint,
          "if the scanner's certificate really changed, set tls.fingerprint (NESSUS_FINGERPRINT) "
          "for instance " +
              instance_.id + " to the new value"};
    }
    return {NessusErrorKind::Tls, 0,
            op + " refused: the TLS certificate of " + instance_.url + " did not verify (" +
                e.detail + ")",
            "pin its fingerprint (tls.fingerprint) or give its CA (tls.ca_file) in the scanner "
            "configuration"};
  }
  const std::string what = e.kind == TransportErrorKind::Connect   ? "could not connect to "
                           : e.kind == TransportErrorKind::Timeout ? "timed out talking to "
                                                                   : "lost the connection to ";
  return {NessusErrorKind::Transient, e.status_seen,
          op + " failed: " + what + instance_.url + " (" + e.detail + ")",
          "check that Nessus is running and reachable; the call can be retried"};
}

NessusResult<std::vector<std::pair<std::string, std::string>>> NessusClient::auth_headers(
    Access access) {
  std::vector<std::pair<std::string, std::string>> h;
  if (access == Access::Public) return h;
  const auto& auth = instance_.auth;
  if (auth.mode == config::AuthMode::ApiKeys) {
    h.emplace_back("X-ApiKeys", "accessKey=" + auth.access_key + "; secretKey=" + auth.secret_key);
    return h;
  }
  std::string token;
  {
    std::lock_guard lock(mu_);
    token = session_token_;
  }
  if (token.empty()) {
    if (auto l = login(); !l) return tl::unexpected(l.error());
    std::lock_guard lock(mu_);
    token = session_token_;
  }
  h.emplace_back("X-Cookie", "token=" + token);
  if (auth.ui_token) {
    std::lock_guard lock(mu_);
    if (!api_token_.empty()) h.emplace_back("X-API-Token", api_token_);
  }
  return h;
}

NessusResult<HttpsReply> NessusClient::exchange(std::string_view operation, HttpsRequest request,
                                                Access access,
                                                const std::function<bool(std::string_view)>* sink,
                                                SideEffectGate* gate) {
  // A session may expire again right after a new login (another thread's requests used up a
  // short-lived token, or the scanner expires sessions by age on a slow machine): log in again
  // a few times, then hand the step back as transient. Only a refused login is an Auth error.
  constexpr int kMaxRelogins = 3;
  int relogins = 0;
  bool rescraped = false;
  bool reconnected = false;
  const bool session = instance_.auth.mode == config::AuthMode::Session;
  const auto base_headers = request.headers;
  struct WipeBody {  // a credential must not outlive its request in freed memory
    HttpsRequest& r;
    ~WipeBody() {
      if (r.secret_body) wipe(r.body);
    }
  } wipe_body{request};
  for (;;) {
    auto headers = auth_headers(access);
    if (!headers) return tl::unexpected(headers.error());
    std::string used_cookie;  // the session this request presents
    for (const auto& [name, value] : *headers) {
      if (name == "X-Cookie") used_cookie = value;
    }
    request.headers = base_headers;
    request.headers.insert(request.headers.end(), headers->begin(), headers->end());
    // The last thing before the request leaves: a login above may have taken time.
    if (gate != nullptr) {
      if (auto admitted = gate->may_act(); !admitted) {
        NessusError withheld{NessusErrorKind::Withheld, 0,
                             std::string(operation) + " was not sent: " + admitted.error().message,
                             admitted.error().hint};
        withheld.may_retry = admitted.error().code == ErrorCode::Unavailable;
        return tl::unexpected(std::move(withheld));
      }
    }
    const auto started = std::chrono::steady_clock::now();
    auto reply = sink != nullptr ? https_->download(request, *sink) : https_->send(request);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - started)
                        .count();
    const int status = reply ? reply->status : reply.error().status_seen;
    if (observer_) {
      observer_({instance_.id, endpoint_class(request.method, request.path), outcome_class(status),
                 static_cast<double>(ms) / 1000.0});
    }
    log::debug("nessus", "request",
               {{"instance", instance_.id},
                {"method", request.method},
                {"path", request.path},
                {"status", status},
                {"ms", ms}});
    if (session && access != Access::Public && status == 401) {
      if (relogins == kMaxRelogins) {
        return nessus_fail(NessusErrorKind::Transient, 401,
                           std::string(operation) + ": the session expired again right after " +
                               std::to_string(kMaxRelogins) + " new logins",
                           "the step is tried again later; if it keeps happening, check the "
                           "scanner's session timeout");
      }
      // The session expired (Nessus times idle sessions out): log in again and retry. Only the
      // session this request used is dropped: another thread may have opened a fresh one.
      ++relogins;
      {
        std::lock_guard lock(mu_);
        if ("token=" + session_token_ == used_cookie) session_token_.clear();
      }
      log::info("nessus", "session expired; logging in again",
                {{"instance", instance_.id}, {"attempt", relogins}});
      continue;
    }
    if (session && instance_.auth.ui_token && access == Access::ScanControl && status == 412 &&
        !rescraped) {
      // A stale X-API-Token also answers 412: read it again once.
      rescraped = true;
      auto token = fetch_api_token();
      if (!token) return tl::unexpected(token.error());
      std::lock_guard lock(mu_);
      api_token_ = *token;
      continue;
    }
    if (!reply && request.method == "GET" && sink == nullptr && !reconnected &&
        reply.error().status_seen == 0 && reply.error().kind == TransportErrorKind::Io) {
      // A kept-alive connection the server had already closed: a GET is safe to send again
      // once, on a fresh connection.
      reconnected = true;
      log::debug("nessus", "connection lost before an answer; retrying the GET once",
                 {{"instance", instance_.id}, {"path", request.path}});
      continue;
    }
    if (!reply) return tl::unexpected(transport_failure(operation, reply.error()));
    if (reply->status == 400 && request.method == "GET" && !reconnected) {
      // A GET carries no body to be wrong: a 400 more likely means the connection was out of
      // step (a server that left an earlier body unread). Once more, on a fresh connection,
      // before calling it permanent.
      reconnected = true;
      https_->drop_idle_connections();
      log::debug("nessus", "HTTP 400 on a GET; trying it once more on a fresh connection",
                 {{"instance", instance_.id}, {"path", request.path}});
      continue;
    }
    if (reply->status >= 200 && reply->status < 300) return std::move(*reply);
    NessusError error = classify_status(reply->status, operation, error_text(reply->body));
    if (error.kind == NessusErrorKind::RateLimited) {
      // Delta-seconds only; an HTTP-date (rare from Nessus) leaves the worker's default.
      const std::string& after = reply->retry_after;
      if (!after.empty() && after.size() <= 6 &&
          after.find_first_not_of("0123456789") == std::string::npos) {
        error.retry_after_seconds = std::stoi(after);
      }
    }
    return tl::unexpected(std::move(error));
  }
}

NessusResult<json> NessusClient::call(std::string_view operation, const std::string& method,
                                      const std::string& path, const json& body, Access access,
                                      SideEffectGate* gate) {
  HttpsRequest r;
  r.method = method;
  r.path = path;
  if (!body.is_null()) r.body = body.dump();
  auto reply = exchange(operation, std::move(r), access, nullptr, gate);
  if (!reply) return tl::unexpected(reply.error());
  if (reply->body.empty()) return json();
  json parsed = json::parse(reply->body, nullptr, false);
  if (parsed.is_discarded()) {
    return nessus_fail(
        NessusErrorKind::Internal, reply->status,
        std::string(operation) + ": Nessus answered with something that is not JSON");
  }
  return parsed;
}

NessusResult<void> NessusClient::login() {
  const auto& auth = instance_.auth;
  if (auth.mode != config::AuthMode::Session) return {};
  HttpsRequest r{"POST", "/session",
                 {},     json{{"username", auth.username}, {"password", auth.password}}.dump(),
                 "",     true};
  auto reply = https_->send(r);
  if (!reply) return tl::unexpected(transport_failure("login", reply.error()));
  if (reply->status != 200)
    return tl::unexpected(classify_status(reply->status, "login", error_text(reply->body)));
  const json j = json::parse(reply->body, nullptr, false);
  if (!j.is_object() || !j.contains("token") || !j["token"].is_string()) {
    return nessus_fail(NessusErrorKind::Internal, 200, "login: Nessus returned no session token");
  }
  std::string api_token;
  if (auth.ui_token) {
    auto t = fetch_api_token();
    if (!t) return tl::unexpected(t.error());
    api_token = *t;
  }
  std::lock_guard lock(mu_);
  session_token_ = j["token"].get<std::string>();
  if (!api_token.empty()) api_token_ = api_token;
  log::info("nessus", "session opened", {{"instance", instance_.id}, {"ui_token", auth.ui_token}});
  return {};
}

void NessusClient::logout() {
  std::string token;
  {
    std::lock_guard lock(mu_);
    token.swap(session_token_);
  }
  if (token.empty()) return;
  // Best effort: a session left open times out on the scanner anyway.
  auto reply =
      https_->send({"DELETE", "/session", {{"X-Cookie", "token=" + token}}, "", "", false});
  log::info("nessus", "session closed",
            {{"instance", instance_.id}, {"ok", reply && reply->status == 200}});
}

NessusResult<std::string> NessusClient::fetch_api_token() {
  auto reply = https_->send({"GET", "/nessus6.js", {}, "", "", false});
  if (!reply) return tl::unexpected(transport_failure("reading /nessus6.js", reply.error()));
  if (reply->status != 200)
    return tl::unexpected(classify_status(reply->status, "reading /nessus6.js", ""));
  auto token = extract_api_token(reply->body);
  if (!token) {
    return nessus_fail(
        NessusErrorKind::Internal, 200, "no X-API-Token found in /nessus6.js",
        "this Nessus version's web UI differs from the known ones; turn ui_token off");
  }
  return *token;
}

NessusResult<ServerStatus> NessusClient::server_status() {
  auto j = call("server status", "GET", "/server/status", nullptr, Access::Public);
  if (!j) return tl::unexpected(j.error());
  return parse_server_status(*j);
}

NessusResult<ServerProperties> NessusClient::server_properties() {
  auto j = call("server properties", "GET", "/server/properties", nullptr, Access::Authenticated);
  if (!j) return tl::unexpected(j.error());
  return parse_server_properties(*j);
}

NessusResult<std::vector<ScanTemplate>> NessusClient::templates() {
  auto j = call("list templates", "GET", "/editor/scan/templates", nullptr, Access::Authenticated);
  if (!j) return tl::unexpected(j.error());
  return parse_templates(*j);
}

NessusResult<std::vector<Folder>> NessusClient::folders() {
  auto j = call("list folders", "GET", "/folders", nullptr, Access::Authenticated);
  if (!j) return tl::unexpected(j.error());
  return parse_folders(*j);
}

NessusResult<std::vector<ScannerInfo>> NessusClient::scanners() {
  auto j = call("list scanners", "GET", "/scanners", nullptr, Access::Authenticated);
  if (!j) return tl::unexpected(j.error());
  return parse_scanners(*j);
}

NessusResult<std::vector<ScanSummary>> NessusClient::list_scans() {
  auto j = call("list scans", "GET", "/scans", nullptr, Access::Authenticated);
  if (!j) return tl::unexpected(j.error());
  return parse_scan_list(*j);
}

NessusResult<std::string> NessusClient::template_uuid(const std::string& name) {
  {
    std::lock_guard lock(mu_);
    if (templates_) {
      for (const auto& t : *templates_) {
        if (t.name == name) return t.uuid;
      }
    }
  }
  auto list = templates();
  if (!list) return tl::unexpected(list.error());
  std::lock_guard lock(mu_);
  templates_ = *list;
  for (const auto& t : *templates_) {
    if (t.name == name) return t.uuid;
  }
  return nessus_fail(NessusErrorKind::Rejected, 0,
                     "Nessus has no scan template named \"" + name + "\"",
                     "set defaults.template in the scanner configuration to one Nessus lists");
}

NessusResult<std::string> NessusClient::upload_file(const std::string& filename,
                                                    std::string_view content,
                                                    SideEffectGate& gate) {
  const std::string boundary = "nmcp-" + random_hex(16);
  HttpsRequest r;
  r.method = "POST";
  r.path = "/file/upload";
  r.content_type = "multipart/form-data; boundary=" + boundary;
  r.secret_body = true;
  r.body = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"Filedata\"; filename=\"" +
           filename + "\"\r\nContent-Type: application/octet-stream\r\n\r\n";
  r.body.append(content);
  // OpenSSH refuses a key file without its final line break.
  if (content.empty() || content.back() != '\n') r.body.push_back('\n');
  r.body += "\r\n--" + boundary + "--\r\n";
  auto reply = exchange("upload a key file", std::move(r), Access::ScanControl, nullptr, &gate);
  if (!reply) return tl::unexpected(reply.error());
  const json j = json::parse(reply->body, nullptr, false);
  if (!j.is_object() || !j.contains("fileuploaded") || !j["fileuploaded"].is_string() ||
      j["fileuploaded"].get_ref<const std::string&>().empty()) {
    return nessus_fail(NessusErrorKind::Internal, reply->status,
                       "upload a key file: Nessus did not name the uploaded file");
  }
  return j["fileuploaded"].get<std::string>();
}

NessusResult<CreatedScan> NessusClient::create_scan(const CreateScanRequest& request,
                                                    SideEffectGate& gate) {
  auto uuid = template_uuid(request.template_name);
  if (!uuid) return tl::unexpected(uuid.error());
  json settings = {{"name", request.name},
                   {"description", request.description},
                   {"text_targets", request.targets},
                   {"enabled", false},
                   {"launch", "ON_DEMAND"},
                   {"launch_now", request.launch_now},
                   {"scanner_id", 1}};
  if (request.folder_id) settings["folder_id"] = *request.folder_id;
  json body = {{"uuid", *uuid}};
  if (request.credentials) {
    // Key material travels as uploaded files, each under a fresh name: Nessus keeps uploads,
    // and a name reused across scans could hand one scan another's key.
    UploadedKeyFiles files;
    const std::string prefix = "nmcp-" + random_hex(8);
    for (std::size_t i = 0; i < request.credentials->ssh.size(); ++i) {
      const auto& c = request.credentials->ssh[i];
      std::string key, cert;
      if (c.auth != "password") {
        auto k = upload_file(prefix + "-" + std::to_string(i) + ".key", c.private_key, gate);
        if (!k) return tl::unexpected(k.error());
        key = *k;
      }
      if (c.auth == "certificate") {
        auto k = upload_file(prefix + "-" + std::to_string(i) + "-cert.pub", c.certificate, gate);
        if (!k) return tl::unexpected(k.error());
        cert = *k;
      }
      files.private_key.push_back(key);
      files.certificate.push_back(cert);
    }
    body["credentials"] = credentials_payload(*request.credentials, files);
    settings.update(windows_settings(*request.credentials));
  }
  body["settings"] = std::move(settings);
  HttpsRequest r;
  r.method = "POST";
  r.path = "/scans";
  r.body = body.dump();
  r.secret_body = request.credentials.has_value();
  if (r.secret_body) wipe_strings(body);
  auto reply = exchange("create scan", std::move(r), Access::ScanControl, nullptr, &gate);
  if (!reply) return tl::unexpected(reply.error());
  const json j = json::parse(reply->body, nullptr, false);
  if (j.is_discarded()) {
    return nessus_fail(NessusErrorKind::Internal, reply->status,
                       "create scan: Nessus answered with something that is not JSON");
  }
  return parse_created_scan(j);
}

NessusResult<ScanDetails> NessusClient::scan_details(int scan_id) {
  auto j = call("read scan " + std::to_string(scan_id), "GET", scan_path(scan_id), nullptr,
                Access::Authenticated);
  if (!j) return tl::unexpected(j.error());
  return parse_scan_details(*j);
}

NessusResult<void> NessusClient::delete_scan(int scan_id, SideEffectGate& gate) {
  auto j = call("delete scan " + std::to_string(scan_id), "DELETE", scan_path(scan_id), nullptr,
                Access::ScanControl, &gate);
  if (!j) return tl::unexpected(j.error());
  return {};
}

NessusResult<std::string> NessusClient::launch_scan(int scan_id, SideEffectGate& gate) {
  auto j = call("launch scan " + std::to_string(scan_id), "POST", scan_path(scan_id, "/launch"),
                json::object(), Access::ScanControl, &gate);
  if (!j) return tl::unexpected(j.error());
  if (!j->is_object() || !j->contains("scan_uuid") || !(*j)["scan_uuid"].is_string()) {
    return nessus_fail(NessusErrorKind::Internal, 200, "launch scan: Nessus returned no scan_uuid");
  }
  return (*j)["scan_uuid"].get<std::string>();
}

NessusResult<void> NessusClient::stop_scan(int scan_id, SideEffectGate& gate) {
  auto j = call("stop scan " + std::to_string(scan_id), "POST", scan_path(scan_id, "/stop"),
                json::object(), Access::ScanControl, &gate);
  if (!j) return tl::unexpected(j.error());
  return {};
}

NessusResult<void> NessusClient::pause_scan(int scan_id, SideEffectGate& gate) {
  auto j = call("pause scan " + std::to_string(scan_id), "POST", scan_path(scan_id, "/pause"),
                json::object(), Access::ScanControl, &gate);
  if (!j) return tl::unexpected(j.error());
  return {};
}

NessusResult<void> NessusClient::resume_scan(int scan_id, SideEffectGate& gate) {
  auto j = call("resume scan " + std::to_string(scan_id), "POST", scan_path(scan_id, "/resume"),
                json::object(), Access::ScanControl, &gate);
  if (!j) return tl::unexpected(j.error());
  return {};
}

NessusResult<ExportHandle> NessusClient::request_export(int scan_id, SideEffectGate& gate) {
  auto j = call("export scan " + std::to_string(scan_id), "POST", scan_path(scan_id, "/export"),
                json{{"format", "nessus"}}, Access::Authenticated, &gate);
  if (!j) return tl::unexpected(j.error());
  return parse_export_handle(*j);
}

NessusResult<ExportState> NessusClient::export_status(int scan_id, int file) {
  auto j = call("export status", "GET",
                scan_path(scan_id, "/export/" + std::to_string(file) + "/status"), nullptr,
                Access::Authenticated);
  if (!j) return tl::unexpected(j.error());
  return parse_export_state(*j);
}

NessusResult<std::uint64_t> NessusClient::download_export(
    int scan_id, int file, const std::function<bool(std::string_view)>& sink) {
  std::uint64_t bytes = 0;
  const std::function<bool(std::string_view)> counting = [&](std::string_view piece) {
    bytes += piece.size();
    return sink(piece);
  };
  HttpsRequest r{"GET", scan_path(scan_id, "/export/" + std::to_string(file) + "/download"),
                 {},    "",
                 "",    false};
  auto reply = exchange("download export", std::move(r), Access::Authenticated, &counting);
  if (!reply) return tl::unexpected(reply.error());
  return bytes;
}

}  // namespace nmcp::scanners
