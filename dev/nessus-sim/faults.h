#pragma once
// Faults the simulator can inject, set from the command line and changed at run time through
// the control endpoint (POST /_sim/faults with any subset of these fields as JSON).

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace nessus_sim {

// A fault aimed at one route ("GET /scans/{id}", as /_sim/stats counts them): the next `times`
// matching requests fail with `status`, or are held (not answered) until POST /_sim/release,
// which lets a test stop a client at an exact step, as a paused process would be.
struct RouteRule {
  std::string route;
  int times = 1;
  int status = 0;     // non-zero: answer with this status
  std::string error;  // ... and this {"error": ...} text (Nessus often quotes what it was sent)
  bool hold = false;
};

struct Faults {
  int session_expire_after_requests = 0;  // a session token dies after N uses (0: never)
  int session_expire_after_seconds = 0;   // ... or N seconds after login (0: never)
  int error_burst = 0;                    // the next N API requests fail with error_status
  int error_status = 503;
  int retry_after_seconds = 0;            // sent as Retry-After with 429 and 503 (0: none)
  int latency_ms = 0;                     // added before every API answer
  int reset_every = 0;                    // every Nth API request loses its connection
  bool drop_412_body = false;             // 412 "API is not available" closes before the body
  std::string scan_outcome = "complete";  // complete | abort | hang
  std::string export_mode = "ok";         // ok | loading | truncated | malformed
  // Text a plugin found on every host (a configuration file's line, say), quoted in the scan
  // information output of exports requested from now on.
  std::string plugin_output_note;
  std::vector<RouteRule> route_rules;  // run time only; a patch replaces the list
};

nlohmann::json to_json(const Faults& f);
// Applies the fields present in `patch`; returns an error text for an unknown field or a bad
// value (and changes nothing then).
std::string apply_patch(Faults& f, const nlohmann::json& patch);

}  // namespace nessus_sim
