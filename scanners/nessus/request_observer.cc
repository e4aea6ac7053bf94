#include "scanners/nessus/request_observer.h"

namespace nmcp::scanners {

namespace {
bool starts(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
bool ends(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
}
}  // namespace

std::string_view endpoint_class(std::string_view method, std::string_view path) {
  if (const auto q = path.find('?'); q != std::string_view::npos) path = path.substr(0, q);
  if (starts(path, "/server/")) return "server";
  if (starts(path, "/session")) return "session";
  if (starts(path, "/editor/")) return "templates";
  if (starts(path, "/folders")) return "folders";
  if (starts(path, "/scanners")) return "scanners";
  if (starts(path, "/nessus6.js")) return "ui_token";
  if (path == "/scans") return method == "POST" ? "create" : "list_scans";
  if (starts(path, "/scans/")) {
    if (ends(path, "/launch")) return "launch";
    if (ends(path, "/stop")) return "stop";
    if (ends(path, "/pause")) return "pause";
    if (ends(path, "/resume")) return "resume";
    if (ends(path, "/download")) return "download";
    if (ends(path, "/status")) return "export_status";
    if (ends(path, "/export")) return "export_request";
    if (method == "DELETE") return "delete";
    return "scan_details";
  }
  return "other";
}

std::string_view outcome_class(int status) {
  if (status == 0) return "unreachable";
  if (status >= 200 && status < 300) return "ok";
  if (status >= 500) return "server_error";
  return "client_error";
}

}  // namespace nmcp::scanners
