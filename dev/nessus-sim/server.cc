#include "dev/nessus-sim/server.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <regex>
#include <thread>

#include <httplib.h>

#include "dev/nessus-sim/state.h"

namespace nessus_sim {
namespace {

using json = nlohmann::json;

void send_json(httplib::Response& res, int status, const json& body) {
  res.status = status;
  if (body.is_null()) {
    res.set_content("", "application/json");
  } else {
    res.set_content(body.dump(), "application/json");
  }
}

void send_error(httplib::Response& res, int status, const std::string& message) {
  send_json(res, status, json{{"error", message}});
}

// Sends the status line and headers, then closes the connection before the body, as real
// scanners do with their 412 answers (and as a dropped connection looks to a client).
void send_headers_then_close(httplib::Response& res, int status, std::size_t promised) {
  res.status = status;
  res.set_header("Connection", "close");
  res.set_content_provider(promised, "application/json",
                           [](std::size_t, std::size_t, httplib::DataSink&) { return false; });
}

// "POST /scans/42/launch" -> "POST /scans/{id}/launch", so counters group by route.
std::string route_of(const httplib::Request& req) {
  static const std::regex digits("/[0-9]+");
  return req.method + " " + std::regex_replace(req.path, digits, "/{id}");
}

bool is_loopback(const std::string& addr) {
  return addr == "127.0.0.1" || addr == "::1" || addr == "::ffff:127.0.0.1";
}

json parse_body(const httplib::Request& req) {
  if (req.body.empty()) return json::object();
  return json::parse(req.body, nullptr, false);
}

}  // namespace

struct SimServer::Impl {
  Impl(const Options& o, const TlsIdentity& identity)
      : options(o), state(o), http(identity.cert.get(), identity.key.get()) {}

  const Options options;
  SimState state;
  httplib::SSLServer http;
  std::atomic<bool> serving{false};

  enum class Auth { None, BadKeys, Keys, Session };
  struct Caller {
    Auth auth = Auth::None;
    std::string session;
    bool ui_token = false;  // X-API-Token matches this installation's
  };

  Caller identify(const httplib::Request& req) {
    Caller c;
    c.ui_token = req.get_header_value("X-API-Token") == state.api_token();
    const std::string keys = req.get_header_value("X-ApiKeys");
    if (!keys.empty()) {
      const std::string want =
          "accessKey=" + options.access_key + "; secretKey=" + options.secret_key;
      const std::string want_compact =
          "accessKey=" + options.access_key + ";secretKey=" + options.secret_key;
      c.auth = keys == want || keys == want_compact ? Auth::Keys : Auth::BadKeys;
      return c;
    }
    const std::string cookie = req.get_header_value("X-Cookie");
    if (cookie.rfind("token=", 0) == 0 && state.use_session(cookie.substr(6))) {
      c.auth = Auth::Session;
      c.session = cookie.substr(6);
    }
    return c;
  }

  // Answers 401 unless the caller is authenticated.
  bool require_auth(const Caller& c, httplib::Response& res) {
    if (c.auth == Auth::Keys || c.auth == Auth::Session) return true;
    send_error(res, 401,
               c.auth == Auth::BadKeys ? "Invalid Credentials"
                                       : "You need to log in to perform this request");
    return false;
  }

  // Scan control: the full API on Manager; on Professional and Essentials only a web session
  // carrying the UI's X-API-Token gets through, everything else is 412.
  bool require_scan_api(const Caller& c, httplib::Response& res) {
    if (!require_auth(c, res)) return false;
    if (options.edition == "manager") return true;
    if (c.auth == Auth::Session && c.ui_token) return true;
    if (state.faults().drop_412_body) {
      send_headers_then_close(res, 412, 32);
    } else {
      send_error(res, 412, "API is not available");
      res.set_header("Connection", "close");
    }
    return false;
  }

  json server_properties(bool authenticated) const {
    const bool manager = options.edition == "manager";
    const bool essentials = options.edition == "essentials";
    json license = {
        {"type", manager ? "manager" : (essentials ? "home" : "pro")},
        {"name",
         manager ? "Nessus Manager" : (essentials ? "Nessus Essentials" : "Nessus Professional")},
        {"restricted", essentials},
        {"ips", essentials ? 16 : 0},
        {"expiration_date", 2082758400},
        {"features", {{"api", true}, {"scan_api", manager}, {"report", true}, {"users", manager}}}};
    json p = {
        {"nessus_type", license["name"]},
        {"license", license},
        {"capabilities", {{"multi_scanner", manager}, {"multi_user", manager ? "full" : "single"}}},
        {"scanner_boottime", 1763791200},
        {"loaded_plugin_set", "202611220000"},
        {"feed", "ProFeed"}};
    if (authenticated) {
      p["server_version"] = "10.8.3";
      p["nessus_ui_version"] = "10.8.3";
      p["server_build"] = "20010";
      p["plugin_set"] = "202611220000";
    }
    return p;
  }

  std::string nessus6_js() {
    // A few kilobytes of minified-looking UI code with the token in its getApiToken method and,
    // as in the real bundle, other UUID-shaped strings a careless pattern could grab first.
    return "/*! nessus6.js (simulated) */\n"
           "!function(e){var "
           "CUSTOM_SCAN_TEMPLATE=\"ab4bacd2-05f6-425c-9d79-3ba3940ad1c24e51e1f403febe40\","
           "SESSION_ID=\"0d1e2f3a-4b5c-6d7e-8f90-a1b2c3d4e5f6\";"
           "function t(e,t){for(var n=0;n<t.length;n++){var r=t[n];r.enumerable=r.enumerable||!1}}"
           "var n=function(){function e(){}return "
           "t(e,[{key:\"getBaseUrl\",value:function(){return\"/\"}},"
           "{key:\"getApiToken\",value:function(){return\"" +
           state.api_token() +
           "\"}},{key:\"getVersion\",value:function(){return\"10.8.3\"}}]),e}();"
           "e._Utils=n}(window);\n";
  }

  void install() {
    // A connection holds a thread while it is kept alive, so the pool must exceed the
    // connections clients keep open (a worker keeps a few per configured instance); a real
    // Nessus serves hundreds.
    http.new_task_queue = [] { return new httplib::ThreadPool(256); };
    http.set_keep_alive_timeout(options.keep_alive_seconds);
    http.set_keep_alive_max_count(static_cast<std::size_t>(options.keep_alive_requests));
    http.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      if (req.path.rfind("/_sim/", 0) == 0) {
        if (is_loopback(req.remote_addr)) return httplib::Server::HandlerResponse::Unhandled;
        send_error(res, 403, "the control API answers loopback clients only");
        return httplib::Server::HandlerResponse::Handled;
      }
      const std::string route = route_of(req);
      state.count(route);
      const auto fate = state.next_request_fate(route);
      if (fate.hold) state.hold();
      if (fate.latency_ms > 0)
        std::this_thread::sleep_for(std::chrono::milliseconds(fate.latency_ms));
      if (fate.fail_status != 0) {
        // Tenable answers its concurrency limit with 429 and a Retry-After.
        send_error(res, fate.fail_status,
                   !fate.error.empty()       ? fate.error
                   : fate.fail_status == 429 ? "Too many requests: the concurrency limit is reached"
                                             : "Service temporarily unavailable");
        if (fate.retry_after > 0 && (fate.fail_status == 429 || fate.fail_status == 503)) {
          res.set_header("Retry-After", std::to_string(fate.retry_after));
        }
        // Answering before the body is read (as here) leaves it on the connection; a real
        // server reads and drops it or closes. Closing keeps the next request in step.
        if (req.has_header("Content-Length") || req.has_header("Transfer-Encoding")) {
          res.set_header("Connection", "close");
        }
        return httplib::Server::HandlerResponse::Handled;
      }
      if (fate.reset) {
        send_headers_then_close(res, 200, 4096);
        return httplib::Server::HandlerResponse::Handled;
      }
      return httplib::Server::HandlerResponse::Unhandled;
    });
    http.set_error_handler(
        httplib::Server::HandlerWithResponse([](const httplib::Request&, httplib::Response& res) {
          if (!res.body.empty() || res.content_length_ > 0)
            return httplib::Server::HandlerResponse::Unhandled;
          if (res.status == 404) {
            send_error(res, 404, "The requested URL was not found on this server");
            return httplib::Server::HandlerResponse::Handled;
          }
          return httplib::Server::HandlerResponse::Unhandled;
        }));
    http.set_exception_handler([](const httplib::Request&, httplib::Response& res,
                                  std::exception_ptr) { send_error(res, 500, "Internal error"); });
    http.set_logger([](const httplib::Request& req, const httplib::Response& res) {
      std::fprintf(stderr, "nessus-sim: %s %s -> %d\n", req.method.c_str(), req.path.c_str(),
                   res.status);
    });
    install_public_routes();
    install_scan_routes();
    install_control_routes();
  }

  void install_public_routes() {
    http.Get("/server/status", [](const httplib::Request&, httplib::Response& res) {
      send_json(
          res, 200,
          {{"status", "ready"},
           {"progress", nullptr},
           {"must_destroy_session", false},
           {"detailed_status",
            {{"engine_status", {{"status", "ready"}}}, {"feed_status", {{"status", "ready"}}}}}});
    });
    http.Get("/server/properties", [this](const httplib::Request& req, httplib::Response& res) {
      const Caller c = identify(req);
      send_json(res, 200, server_properties(c.auth == Auth::Keys || c.auth == Auth::Session));
    });
    http.Get("/nessus6.js", [this](const httplib::Request&, httplib::Response& res) {
      res.set_content(nessus6_js(), "application/javascript");
    });
    http.Post("/session", [this](const httplib::Request& req, httplib::Response& res) {
      const json body = parse_body(req);
      if (!body.is_object() || !body.contains("username") || !body.contains("password") ||
          !body["username"].is_string() || !body["password"].is_string()) {
        send_error(res, 400, "Invalid 'username' or 'password' field");
        return;
      }
      if (body["username"] != options.username || body["password"] != options.password) {
        send_error(res, 401, "Invalid Credentials");
        return;
      }
      send_json(res, 200, {{"token", state.create_session()}});
    });
    http.Get("/session", [this](const httplib::Request& req, httplib::Response& res) {
      const Caller c = identify(req);
      if (c.auth != Auth::Session) {
        send_error(res, 401, "You need to log in to perform this request");
        return;
      }
      send_json(res, 200,
                {{"id", 1},
                 {"username", options.username},
                 {"name", options.username},
                 {"email", nullptr},
                 {"type", "local"},
                 {"permissions", 128},
                 {"lastlogin", std::time(nullptr)},
                 {"container_id", 0},
                 {"groups", nullptr}});
    });
    http.Delete("/session", [this](const httplib::Request& req, httplib::Response& res) {
      const Caller c = identify(req);
      if (c.auth != Auth::Session) {
        send_error(res, 401, "You need to log in to perform this request");
        return;
      }
      state.end_session(c.session);
      send_json(res, 200, nullptr);
    });
    http.Get("/editor/scan/templates", [this](const httplib::Request& req, httplib::Response& res) {
      if (require_auth(identify(req), res)) send_json(res, 200, templates_json());
    });
    http.Get("/folders", [this](const httplib::Request& req, httplib::Response& res) {
      if (require_auth(identify(req), res)) send_json(res, 200, {{"folders", state.folders()}});
    });
    http.Get("/scanners", [this](const httplib::Request& req, httplib::Response& res) {
      if (!require_auth(identify(req), res)) return;
      const json scanner = {{"id", 1},
                            {"uuid", "00000000-0000-0000-0000-00000000000000000000000000001"},
                            {"name", "Local Scanner"},
                            {"type", "local"},
                            {"status", "on"},
                            {"scan_count", 0},
                            {"engine_version", "10.8.3"},
                            {"platform", "LINUX"},
                            {"loaded_plugin_set", "202611220000"},
                            {"owner", "system"},
                            {"pool", false}};
      send_json(res, 200, {{"scanners", json::array({scanner})}});
    });
  }

  static int id_at(const httplib::Request& req, std::size_t n) {
    return std::stoi(req.matches[n].str());
  }

  void install_scan_routes() {
    http.Get("/scans", [this](const httplib::Request& req, httplib::Response& res) {
      if (!require_auth(identify(req), res)) return;
      json body;
      send_json(res, state.list_scans(body), body);
    });
    http.Post("/file/upload", [this](const httplib::Request& req, httplib::Response& res) {
      // Uploads go with scan control: Professional refuses them to API keys as well.
      if (!require_scan_api(identify(req), res)) return;
      if (!req.is_multipart_form_data() || !req.has_file("Filedata")) {
        send_error(res, 400, "The request must be multipart/form-data with a Filedata file");
        return;
      }
      const auto file = req.get_file_value("Filedata");
      json body;
      send_json(res, state.upload_file(file.filename, file.content, body), body);
    });
    http.Post("/scans", [this](const httplib::Request& req, httplib::Response& res) {
      if (!require_scan_api(identify(req), res)) return;
      json body;
      const int status = state.create_scan(parse_body(req), body);
      send_json(res, status, body);
    });
    http.Get(R"(/scans/(\d+))", [this](const httplib::Request& req, httplib::Response& res) {
      if (!require_auth(identify(req), res)) return;
      json body;
      send_json(res, state.get_scan(id_at(req, 1), body), body);
    });
    http.Delete(R"(/scans/(\d+))", [this](const httplib::Request& req, httplib::Response& res) {
      if (!require_scan_api(identify(req), res)) return;
      json body;
      send_json(res, state.delete_scan(id_at(req, 1), body), body);
    });
    http.Post(R"(/scans/(\d+)/launch)",
              [this](const httplib::Request& req, httplib::Response& res) {
                if (!require_scan_api(identify(req), res)) return;
                json body;
                send_json(res, state.launch_scan(id_at(req, 1), body), body);
              });
    http.Post(R"(/scans/(\d+)/(stop|pause|resume))",
              [this](const httplib::Request& req, httplib::Response& res) {
                if (!require_scan_api(identify(req), res)) return;
                json body;
                send_json(res, state.control_scan(id_at(req, 1), req.matches[2].str(), body), body);
              });
    http.Post(R"(/scans/(\d+)/export)",
              [this](const httplib::Request& req, httplib::Response& res) {
                if (!require_auth(identify(req), res)) return;
                json body;
                send_json(res, state.request_export(id_at(req, 1), parse_body(req), body), body);
              });
    http.Get(R"(/scans/(\d+)/export/(\d+)/status)",
             [this](const httplib::Request& req, httplib::Response& res) {
               if (!require_auth(identify(req), res)) return;
               json body;
               send_json(res, state.export_status(id_at(req, 1), id_at(req, 2), body), body);
             });
    http.Get(R"(/scans/(\d+)/export/(\d+)/download)",
             [this](const httplib::Request& req, httplib::Response& res) {
               if (!require_auth(identify(req), res)) return;
               download(id_at(req, 1), id_at(req, 2), res);
             });
  }

  void download(int scan_id, int file, httplib::Response& res) {
    int status = 0;
    std::string error;
    auto e = state.ready_export(scan_id, file, status, error);
    if (!e) {
      send_error(res, status, error);
      return;
    }
    auto exp = std::make_shared<Export>(std::move(*e));
    std::string filename = exp->spec.scan_name;
    std::replace_if(
        filename.begin(), filename.end(),
        [](char c) { return std::isalnum(static_cast<unsigned char>(c)) == 0; }, '_');
    res.set_header("Content-Disposition", "attachment; filename=\"" + filename + "_" +
                                              std::to_string(exp->file) + ".nessus\"");
    res.set_chunked_content_provider(
        "application/octet-stream", [exp](std::size_t, httplib::DataSink& sink) {
          auto write = [&sink](std::string_view piece) {
            return sink.write(piece.data(), piece.size());
          };
          if (!exp->path.empty()) {
            std::ifstream in(exp->path, std::ios::binary);
            std::vector<char> buf(64 * 1024);
            while (in) {
              in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
              if (in.gcount() > 0 && !write({buf.data(), static_cast<std::size_t>(in.gcount())}))
                return false;
            }
          } else {
            write_export(exp->spec, exp->mode, write);
          }
          sink.done();
          return true;
        });
  }

  void install_control_routes() {
    http.Get("/_sim/stats", [this](const httplib::Request&, httplib::Response& res) {
      send_json(res, 200, state.stats());
    });
    http.Post("/_sim/release", [this](const httplib::Request&, httplib::Response& res) {
      send_json(res, 200, {{"released", state.release_held()}});
    });
    http.Post("/_sim/rotate-api-token", [this](const httplib::Request&, httplib::Response& res) {
      send_json(res, 200, {{"api_token", state.rotate_api_token()}});
    });
    http.Post("/_sim/faults", [this](const httplib::Request& req, httplib::Response& res) {
      const std::string error = state.patch_faults(parse_body(req));
      if (!error.empty()) {
        send_error(res, 400, error);
        return;
      }
      send_json(res, 200, to_json(state.faults()));
    });
  }
};

SimServer::SimServer(const Options& options, const TlsIdentity& identity)
    : impl_(std::make_unique<Impl>(options, identity)) {
  impl_->install();
}

SimServer::~SimServer() = default;

int SimServer::bind(std::string& error) {
  if (!impl_->http.is_valid()) {
    error = "the TLS certificate or key was not accepted";
    return -1;
  }
  int port = impl_->options.port;
  if (port == 0) {
    port = impl_->http.bind_to_any_port(impl_->options.host);
  } else if (!impl_->http.bind_to_port(impl_->options.host, port)) {
    port = -1;
  }
  if (port <= 0)
    error = "cannot listen on " + impl_->options.host + ":" + std::to_string(impl_->options.port);
  return port;
}

void SimServer::serve() {
  impl_->serving = true;
  impl_->http.listen_after_bind();
  impl_->serving = false;
}

void SimServer::stop() {
  // httplib ignores stop() until its accept loop runs; wait for it so no stop is lost.
  while (impl_->serving && !impl_->http.is_running()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  impl_->http.stop();
}

}  // namespace nessus_sim
