#include "service/results_request.h"

#include <algorithm>

#include "core/base/crypto.h"
#include "core/base/opaque_cursor.h"
#include "core/base/text.h"
#include "core/findings/finding.h"
#include "core/findings/finding_fields.h"

namespace nmcp::service {

using nlohmann::json;

namespace {

Error bad(std::string message, std::string hint) {
  return Error{ErrorCode::InvalidArgument, std::move(message), std::move(hint)};
}

// A value or a list of values, as a list.
std::vector<json> one_or_many(const json& v) {
  if (v.is_array()) return {v.begin(), v.end()};
  return {v};
}

std::string fingerprint(const std::string& task_id, const ResultsRequest& r) {
  return sha256_hex(task_id + "\n" + r.filter.to_json().dump() + "\n" +
                    std::string(findings::to_string(r.sort.field)) +
                    (r.sort.descending ? "-" : "+"))
      .substr(0, 16);
}

Error bad_cursor() {
  return bad("the cursor is not one this server issued for this question",
             "pass next_cursor from the previous page unchanged, with the same task, filter and "
             "sort; or omit it to start over");
}

}  // namespace

Result<int> severity_value(const json& v, const std::string& where) {
  std::optional<int> s;
  if (v.is_number_integer()) {
    const auto n = v.get<long long>();
    if (n >= 0 && n <= 4) s = static_cast<int>(n);
  } else if (v.is_string()) {
    s = findings::parse_severity(v.get<std::string>());
  }
  if (!s) {
    return fail(bad(
        where + " must be 0-4 or info, low, medium, high, critical; got " + v.dump().substr(0, 40),
        "for example {\"severity_min\": \"high\"}"));
  }
  return *s;
}

Result<findings::FindingFilter> parse_filter(const json& j) {
  findings::FindingFilter f;
  if (j.is_null()) return f;
  if (!j.is_object())
    return fail(bad("filter must be an object", "for example {\"severity_min\": 3}"));
  auto strings = [&](const char* key, bool lower, std::vector<std::string>& out) -> Status {
    const auto it = j.find(key);
    if (it == j.end()) return ok();
    for (const auto& v : one_or_many(*it)) {
      if (!v.is_string() || trim_space(v.get<std::string>()).empty() ||
          v.get<std::string>().size() > 200) {
        return fail(
            bad(std::string("filter.") + key + " must be a non-empty string or a list of them",
                "for example {\"" + std::string(key) + "\": [\"tcp\"]}"));
      }
      const std::string s(trim_space(v.get<std::string>()));
      out.push_back(lower ? ascii_lower(s) : ascii_upper(s));
    }
    return ok();
  };
  auto integers = [&](const char* key, long long lo, long long hi,
                      std::vector<int>& out) -> Status {
    const auto it = j.find(key);
    if (it == j.end()) return ok();
    for (const auto& v : one_or_many(*it)) {
      if (!v.is_number_integer() || v.get<long long>() < lo || v.get<long long>() > hi) {
        return fail(bad(std::string("filter.") + key + " must be an integer from " +
                            std::to_string(lo) + " to " + std::to_string(hi) + " or a list of them",
                        ""));
      }
      out.push_back(static_cast<int>(v.get<long long>()));
    }
    return ok();
  };
  for (const char* key : {"severity_min", "severity_max"}) {
    if (!j.contains(key)) continue;
    auto s = severity_value(j[key], std::string("filter.") + key);
    if (!s) return fail(s.error());
    (std::string_view(key) == "severity_min" ? f.severity_min : f.severity_max) = *s;
  }
  if (j.contains("severity")) {
    for (const auto& v : one_or_many(j["severity"])) {
      auto s = severity_value(v, "filter.severity");
      if (!s) return fail(s.error());
      f.severities.push_back(*s);
    }
  }
  if (f.severity_min && f.severity_max && *f.severity_min > *f.severity_max) {
    return fail(bad("filter.severity_min is above filter.severity_max", "swap them"));
  }
  if (auto it = j.find("host"); it != j.end()) {
    if (!it->is_string()) return fail(bad("filter.host must be a string", ""));
    f.host = std::string(trim_space(it->get<std::string>()));
    if (auto m = findings::HostMatcher::parse(f.host); !m) return fail(m.error());
  }
  if (auto s = integers("port", 0, 65535, f.ports); !s) return fail(s.error());
  if (auto s = integers("plugin_id", 1, 99999999, f.plugin_ids); !s) return fail(s.error());
  if (auto s = strings("protocol", true, f.protocols); !s) return fail(s.error());
  if (auto s = strings("service", true, f.services); !s) return fail(s.error());
  if (auto s = strings("plugin_family", true, f.families); !s) return fail(s.error());
  if (auto s = strings("cve", false, f.cves); !s) return fail(s.error());
  for (const auto& cve : f.cves) {
    if (cve.rfind("CVE-", 0) != 0 || cve.size() < 9) {
      return fail(bad("'" + cve + "' is not a CVE id", "write CVE-2021-44228"));
    }
  }
  if (auto it = j.find("plugin_name"); it != j.end()) {
    if (!it->is_string()) return fail(bad("filter.plugin_name must be a string", ""));
    f.name = ascii_lower(trim_space(it->get<std::string>()));
  }
  if (auto it = j.find("text"); it != j.end()) {
    if (!it->is_string()) return fail(bad("filter.text must be a string", ""));
    f.text = ascii_lower(trim_space(it->get<std::string>()));
  }
  auto score = [&](const char* key, std::optional<double>& out) {
    if (auto it = j.find(key); it != j.end() && it->is_number()) out = it->get<double>();
  };
  score("cvss3_min", f.cvss3_min);
  score("cvss3_max", f.cvss3_max);
  score("cvss2_min", f.cvss2_min);
  score("cvss2_max", f.cvss2_max);
  if ((f.cvss3_min && f.cvss3_max && *f.cvss3_min > *f.cvss3_max) ||
      (f.cvss2_min && f.cvss2_max && *f.cvss2_min > *f.cvss2_max)) {
    return fail(bad("a CVSS minimum is above its maximum", "swap them"));
  }
  if (auto it = j.find("exploit_available"); it != j.end() && it->is_boolean()) {
    f.exploit_available = it->get<bool>();
  }
  return f;
}

Result<ResultsRequest> parse_results_request(const json& args, const std::string& task_id) {
  ResultsRequest r;
  auto filter = parse_filter(args.value("filter", json()));
  if (!filter) return fail(filter.error());
  r.filter = std::move(*filter);
  if (args.contains("sort_by")) {
    const auto field = findings::parse_sort_field(args["sort_by"].get<std::string>());
    if (!field) return fail(bad("unknown sort_by", "see the tool's input schema"));
    r.sort.field = *field;
    r.sort.descending = findings::default_descending(*field);
  }
  if (args.contains("order")) r.sort.descending = args["order"] == "desc";
  if (args.contains("fields") && args.contains("profile")) {
    return fail(bad("give either profile or fields, not both",
                    "fields lists exactly what to show; profile names a preset"));
  }
  if (args.contains("fields")) {
    r.profile = "custom";
    r.fields = args["fields"].get<std::vector<std::string>>();
    if (std::find(r.fields.begin(), r.fields.end(), "finding_id") == r.fields.end()) {
      r.fields.insert(r.fields.begin(), "finding_id");  // needed to fetch or continue a text
    }
  } else {
    r.profile = args.value("profile", "brief");
    auto fields = findings::profile_fields(r.profile);
    if (!fields)
      return fail(
          bad("unknown profile '" + r.profile + "'", "use minimal, summary, brief or full"));
    r.fields = *fields;
  }
  r.page_size = args.value("page_size", kDefaultPageSize);
  r.max_tokens = args.value("max_tokens", kDefaultMaxTokens);
  if (args.contains("cursor")) {
    const auto text = base64url_decode(args["cursor"].get<std::string>());
    const json c = text ? json::parse(*text, nullptr, false) : json();
    if (!c.is_object() || c.value("v", 0) != 1 || c.value("f", "") != fingerprint(task_id, r) ||
        !c.contains("a") || !c["a"].is_number_integer() || !c.contains("n") ||
        !c["n"].is_number_integer()) {
      return fail(bad_cursor());
    }
    r.after = c["a"].get<std::int64_t>();
    r.offset = c["n"].get<std::int64_t>();
    if (r.after < 1 || r.offset < 1) return fail(bad_cursor());
  }
  return r;
}

std::string encode_results_cursor(const std::string& task_id, const ResultsRequest& r,
                                  std::int64_t after, std::int64_t offset) {
  return base64url_encode(
      json{{"v", 1}, {"f", fingerprint(task_id, r)}, {"a", after}, {"n", offset}}.dump());
}

std::string encode_offset_cursor(const std::string& scope, std::size_t offset) {
  return base64url_encode(
      json{{"v", 1}, {"s", sha256_hex(scope).substr(0, 16)}, {"o", offset}}.dump());
}

Result<std::size_t> decode_offset_cursor(const std::string& scope, const std::string& cursor) {
  const auto text = base64url_decode(cursor);
  const json c = text ? json::parse(*text, nullptr, false) : json();
  if (!c.is_object() || c.value("v", 0) != 1 ||
      c.value("s", "") != sha256_hex(scope).substr(0, 16) || !c.contains("o") ||
      !c["o"].is_number_unsigned()) {
    return fail(bad_cursor());
  }
  return c["o"].get<std::size_t>();
}

}  // namespace nmcp::service
