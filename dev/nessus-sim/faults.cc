#include "dev/nessus-sim/faults.h"

namespace nessus_sim {

namespace {

nlohmann::json rules_json(const std::vector<RouteRule>& rules) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& r : rules) {
    nlohmann::json j = {
        {"route", r.route}, {"times", r.times}, {"status", r.status}, {"hold", r.hold}};
    if (!r.error.empty()) j["error"] = r.error;
    out.push_back(std::move(j));
  }
  return out;
}

std::string parse_rules(const nlohmann::json& value, std::vector<RouteRule>& out) {
  if (!value.is_array()) return "route_rules must be an array";
  std::vector<RouteRule> rules;
  for (const auto& r : value) {
    if (!r.is_object() || !r.contains("route") || !r["route"].is_string()) {
      return "each route rule needs a \"route\" such as \"GET /scans/{id}\"";
    }
    RouteRule rule;
    rule.route = r["route"].get<std::string>();
    if (r.contains("times")) {
      if (!r["times"].is_number_integer() || r["times"].get<long long>() < 1 ||
          r["times"].get<long long>() > 1000000) {
        return "a route rule's times must be an integer from 1 to 1000000";
      }
      rule.times = r["times"].get<int>();
    }
    if (r.contains("status")) {
      if (!r["status"].is_number_integer() || r["status"].get<long long>() < 400 ||
          r["status"].get<long long>() > 599) {
        return "a route rule's status must be an integer from 400 to 599";
      }
      rule.status = r["status"].get<int>();
    }
    if (r.contains("error")) {
      if (!r["error"].is_string() || r["error"].get<std::string>().size() > 4096) {
        return "a route rule's error must be a text of at most 4096 bytes";
      }
      rule.error = r["error"].get<std::string>();
    }
    if (r.contains("hold")) {
      if (!r["hold"].is_boolean()) return "a route rule's hold must be true or false";
      rule.hold = r["hold"].get<bool>();
    }
    if ((rule.status != 0) == rule.hold) {
      return "a route rule either fails (status) or holds (hold: true)";
    }
    rules.push_back(std::move(rule));
  }
  out = std::move(rules);
  return "";
}

}  // namespace

nlohmann::json to_json(const Faults& f) {
  return {{"route_rules", rules_json(f.route_rules)},
          {"session_expire_after_requests", f.session_expire_after_requests},
          {"session_expire_after_seconds", f.session_expire_after_seconds},
          {"error_burst", f.error_burst},
          {"error_status", f.error_status},
          {"retry_after_seconds", f.retry_after_seconds},
          {"latency_ms", f.latency_ms},
          {"reset_every", f.reset_every},
          {"drop_412_body", f.drop_412_body},
          {"scan_outcome", f.scan_outcome},
          {"export_mode", f.export_mode},
          {"plugin_output_note", f.plugin_output_note}};
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
    } else if (key == "plugin_output_note") {
      if (!value.is_string() || value.get<std::string>().size() > 4096) {
        err = "plugin_output_note must be a text of at most 4096 bytes";
      } else {
        next.plugin_output_note = value.get<std::string>();
      }
    } else if (key == "route_rules") {
      err = parse_rules(value, next.route_rules);
    } else {
      err = "unknown fault \"" + key + "\"";
    }
    if (!err.empty()) return err;
  }
  f = next;
  return "";
}

}  // namespace nessus_sim
