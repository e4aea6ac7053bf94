#include "dev/nessus-sim/faults.h"

namespace nessus_sim {

nlohmann::json to_json(const Faults& f) {
  return {{"session_expire_after_requests", f.session_expire_after_requests},
          {"session_expire_after_seconds", f.session_expire_after_seconds},
          {"error_burst", f.error_burst},
          {"error_status", f.error_status},
          {"retry_after_seconds", f.retry_after_seconds},
          {"latency_ms", f.latency_ms},
          {"reset_every", f.reset_every},
          {"drop_412_body", f.drop_412_body},
          {"scan_outcome", f.scan_outcome},
          {"export_mode", f.export_mode}};
}

std::string apply_patch(Faults& f, const nlohmann::json& patch) {
  if (!patch.is_object()) return "the body must be a JSON object";
  Faults next = f;
  for (auto item = patch.begin(); item != patch.end(); ++item) {
    // Named copies: clang 14 cannot capture structured bindings in the lambda below.
    const std::string key = item.key();
    const nlohmann::json& value = item.value();
    auto want_int = [&](int& field, int min, int max) -> std::string {
      if (!value.is_number_integer() || value.get<long long>() < min ||
          value.get<long long>() > max) {
        return key + " must be an integer from " + std::to_string(min) + " to " +
               std::to_string(max);
      }
      field = value.get<int>();
      return "";
    };
    std::string err;
    if (key == "session_expire_after_requests") {
      err = want_int(next.session_expire_after_requests, 0, 1000000);
    } else if (key == "session_expire_after_seconds") {
      err = want_int(next.session_expire_after_seconds, 0, 86400);
    } else if (key == "error_burst") {
      err = want_int(next.error_burst, 0, 1000000);
    } else if (key == "error_status") {
      err = want_int(next.error_status, 400, 599);
    } else if (key == "retry_after_seconds") {
      err = want_int(next.retry_after_seconds, 0, 86400);
    } else if (key == "latency_ms") {
      err = want_int(next.latency_ms, 0, 600000);
    } else if (key == "reset_every") {
      err = want_int(next.reset_every, 0, 1000000);
    } else if (key == "drop_412_body") {
      if (!value.is_boolean())
        err = "drop_412_body must be true or false";
      else
        next.drop_412_body = value.get<bool>();
    } else if (key == "scan_outcome") {
      if (value != "complete" && value != "abort" && value != "hang") {
        err = "scan_outcome must be complete, abort or hang";
      } else {
        next.scan_outcome = value.get<std::string>();
      }
    } else if (key == "export_mode") {
      if (value != "ok" && value != "loading" && value != "truncated" && value != "malformed") {
        err = "export_mode must be ok, loading, truncated or malformed";
      } else {
        next.export_mode = value.get<std::string>();
      }
    } else {
      err = "unknown fault \"" + key + "\"";
    }
    if (!err.empty()) return err;
  }
  f = next;
  return "";
}

}  // namespace nessus_sim
