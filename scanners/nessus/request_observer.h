#pragma once
// What a NessusClient reports about each HTTP request it makes, for metrics: the endpoint's class
// (a small fixed set, never a scan id), the outcome and the latency. endpoint_class() is the one
// mapping from method and path to class. Pure; thread-safe.

#include <functional>
#include <string>
#include <string_view>

namespace nmcp::scanners {

struct RequestEvent {
  std::string_view instance;
  std::string_view endpoint;  // endpoint_class()
  std::string_view outcome;   // "ok", "client_error", "server_error", "unreachable"
  double seconds = 0;
};
using RequestObserver = std::function<void(const RequestEvent&)>;

// server, session, templates, folders, scanners, list_scans, create, launch, stop, pause,
// resume, delete, scan_details, export_request, export_status, download, ui_token, other.
std::string_view endpoint_class(std::string_view method, std::string_view path);
std::string_view outcome_class(int http_status);

}  // namespace nmcp::scanners
