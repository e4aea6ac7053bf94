#include "mcp/tools/results_tools.h"

#include <algorithm>
#include <array>
#include <functional>

#include "core/findings/finding_fields.h"
#include "core/findings/finding_page.h"
#include "core/findings/results_location.h"
#include "core/findings/run_comparison.h"
#include "core/findings/scan_diff.h"
#include "core/recurring/schedule_service.h"
#include "core/store/lifecycle.h"
#include "mcp/server/request_context.h"
#include "mcp/tools/results_args.h"
#include "mcp/tools/results_resources.h"
#include "mcp/tools/tool_support.h"

namespace nmcp::mcp {

using findings::FindingsIndex;
using findings::severity_counts_json;
using nlohmann::json;

namespace {

constexpr std::size_t kMaxTextChars = 2000;
constexpr std::size_t kCursorAllowance = 60;  // tokens kept for next_cursor and counters

ToolAnnotations reader() { return {true, false, true, false}; }

// One page of findings from `index`, within the request's budget.
json results_page(const std::string& task_id, const FindingsIndex& index, const ResultsRequest& req,
                  Error* error, json envelope) {
  auto selected = index.select(req.filter, req.sort, req.after, req.page_size);
  if (!selected) {
    *error = selected.error();
    return {};
  }
  auto full = index.fetch(selected->ids);
  if (!full) {
    *error = full.error();
    return {};
  }
  envelope["profile"] = req.profile;
  if (req.profile == "custom") envelope["fields"] = req.fields;
  envelope["sort"] = {{"by", std::string(findings::to_string(req.sort.field))},
                      {"order", req.sort.descending ? "desc" : "asc"}};
  envelope["filters_applied"] = req.filter.to_json();
  envelope["total"] = selected->total;
  envelope["severity_counts"] = severity_counts_json(selected->severity_counts);
  envelope["offset"] = req.offset;
  envelope["max_tokens"] = req.max_tokens;
  envelope["findings"] = json::array();
  const std::size_t around = findings::estimate_tokens(envelope) + kCursorAllowance;
  auto page = findings::fill_page(*full, req.fields, req.max_tokens, around, kMaxTextChars);
  const auto used = static_cast<std::int64_t>(page.used);
  const bool more = selected->remaining > used;
  envelope["returned"] = used;
  envelope["has_more"] = more;
  envelope["next_cursor"] =
      more ? json(encode_results_cursor(task_id, req, selected->ids[page.used - 1],
                                        req.offset + used))
           : json();
  envelope["texts_truncated"] = page.truncated;
  if (page.fields_dropped) {
    std::string fields;
    for (const auto& f : findings::kIdentityFields) fields += (fields.empty() ? "" : ", ") + f;
    envelope["fields_dropped"] =
        "the finding did not fit in max_tokens " + std::to_string(req.max_tokens) +
        " with profile " + req.profile + ", so it shows only " + fields +
        ": raise max_tokens, pick a smaller profile, or call get_finding with its finding_id";
  }
  envelope["findings"] = std::move(page.items);
  envelope["token_estimate"] = 0;
  envelope["token_estimate"] = findings::estimate_tokens(envelope);
  return envelope;
}

ToolResult page_result(const json& page, const Error& error, const ToolDeps& deps,
                       const task::Task& t) {
  if (page.is_null()) return error_result(error);
  ToolResult r = ToolResult::success(page);
  r.links = scan_links(deps, t);
  return r;
}

json results_properties(bool with_host) {
  json p = paging_properties();
  p["task_id"] = {{"type", "string"},
                  {"pattern", "^task_[0-9a-f]{32}$"},
                  {"description", "a completed task (get_scan_status)"}};
  if (with_host) {
    p["host"] = {{"type", "string"},
                 {"minLength", 1},
                 {"maxLength", 512},
                 {"description", "the host: its name or address as list_scan_hosts shows it"}};
  }
  return p;
}

json page_output_schema() {
  return json::parse(R"({"type": "object", "properties": {
    "task_id": {"type": "string"}, "total": {"type": "integer"}, "returned": {"type": "integer"},
    "offset": {"type": "integer"}, "has_more": {"type": "boolean"},
    "next_cursor": {"type": ["string", "null"]}, "findings": {"type": "array"},
    "filters_applied": {"type": "object"}, "severity_counts": {"type": "object"},
    "profile": {"type": "string"}, "sort": {"type": "object"},
    "token_estimate": {"type": "integer"}, "max_tokens": {"type": "integer"}},
    "required": ["task_id", "total", "returned", "has_more", "findings", "filters_applied"]})");
}

json host_json(const findings::HostView& h) {
  json j = {{"host", h.name}};
  auto put = [&j](const char* k, const std::string& v) {
    if (!v.empty()) j[k] = v;
  };
  put("ip", h.ip);
  put("fqdn", h.fqdn);
  put("netbios", h.netbios);
  put("os", h.os);
  put("mac", h.mac);
  put("start", h.start);
  put("end", h.end);
  j["severity_counts"] = severity_counts_json(h.severity_counts);
  json cred = {{"status", h.credential_status.empty() ? "unknown" : h.credential_status}};
  if (!h.credential_account.empty()) cred["account"] = h.credential_account;
  if (!h.credential_reason.empty()) cred["reason"] = h.credential_reason;
  if (!h.credential_protocols.empty()) {
    json per = json::parse(h.credential_protocols, nullptr, false);
    if (per.is_array()) cred["protocols"] = std::move(per);
  }
  j["credentials"] = std::move(cred);
  return j;
}

// Items [offset, count) made by `item`, at most `page_size` and within `budget` tokens (the
// first always), into out[key], with returned, has_more and an offset cursor bound to `scope`.
void fill_offset_page(json& out, const char* key, std::size_t count, std::size_t offset,
                      std::size_t page_size, std::size_t budget, const std::string& scope,
                      const std::function<json(std::size_t)>& item) {
  out[key] = json::array();
  std::size_t tokens = findings::estimate_tokens(out) + kCursorAllowance;
  std::size_t i = offset;
  for (; i < count && i - offset < page_size; ++i) {
    json one = item(i);
    const std::size_t cost = findings::estimate_tokens(one) + 1;
    if (i > offset && tokens + cost > budget) break;
    tokens += cost;
    out[key].push_back(std::move(one));
  }
  out["returned"] = i - offset;
  out["has_more"] = i < count;
  out["next_cursor"] = i < count ? json(encode_offset_cursor(scope, i)) : json();
}

ToolResult get_scan_results(const ToolDeps& deps, const json& args, const std::string& owner) {
  const std::string id = args.at("task_id").get<std::string>();
  auto req = parse_results_request(args, id);
  if (!req) return error_result(req.error());
  auto scan = open_scan_results(deps, id, owner);
  if (!scan) return error_result(scan.error());
  Error error;
  json envelope = {{"task_id", id}, {"scan_name", scan->task.name}};
  return page_result(results_page(id, *scan->index, *req, &error, envelope), error, deps,
                     scan->task);
}

ToolResult get_host_vulnerabilities(const ToolDeps& deps, const json& args,
                                    const std::string& owner) {
  const std::string id = args.at("task_id").get<std::string>();
  const std::string host = args.at("host").get<std::string>();
  if (args.contains("filter") && args["filter"].is_object() && args["filter"].contains("host")) {
    return error_result({ErrorCode::InvalidArgument, "give the host once, as host",
                         "filter.host is for get_scan_results"});
  }
  // The host is one more filter: cursors then bind to it like to any other.
  json rest = args;
  rest.erase("host");
  if (!rest.contains("filter") || !rest["filter"].is_object()) rest["filter"] = json::object();
  rest["filter"]["host"] = host;
  auto req = parse_results_request(rest, id);
  if (!req) return error_result(req.error());
  auto matcher = findings::HostMatcher::parse(host);
  if (!matcher) return error_result(matcher.error());
  auto scan = open_scan_results(deps, id, owner);
  if (!scan) return error_result(scan.error());
  const auto hosts = scan->index->hosts_matching(*matcher);
  if (hosts.empty()) {
    return error_result({ErrorCode::NotFound, "no host '" + host + "' in task " + id,
                         "list_scan_hosts shows the scan's hosts"});
  }
  // A CIDR or a domain can match many hosts: describe the first few, count them all, so the
  // envelope stays small next to the budget.
  constexpr std::size_t kHostViews = 5;
  json views = json::array();
  for (std::size_t i = 0; i < hosts.size() && i < kHostViews; ++i) {
    views.push_back(host_json(scan->index->hosts()[static_cast<std::size_t>(hosts[i] - 1)]));
  }
  Error error;
  json envelope = {{"task_id", id}, {"hosts", views}, {"hosts_matched", hosts.size()}};
  return page_result(results_page(id, *scan->index, *req, &error, envelope), error, deps,
                     scan->task);
}

ToolResult get_finding(const ToolDeps& deps, const json& args, const std::string& owner) {
  const std::string id = args.at("task_id").get<std::string>();
  const auto finding_id = args.at("finding_id").get<std::int64_t>();
  const std::size_t budget = args.value("max_tokens", kDefaultMaxTokens);
  auto scan = open_scan_results(deps, id, owner);
  if (!scan) return error_result(scan.error());
  if (!scan->index->has(finding_id)) {
    return error_result({ErrorCode::NotFound,
                         "task " + id + " has no finding " + std::to_string(finding_id),
                         "finding ids come from get_scan_results of the same task"});
  }
  auto full = scan->index->fetch({finding_id});
  if (!full) return error_result(full.error());
  const json& f = full->front();
  // Room for text: the budget in bytes (3 per token) less the rest of the answer.
  const std::size_t room = budget * 3 > 1200 ? budget * 3 - 1200 : 400;
  if (args.contains("field")) {
    const std::string field = args["field"].get<std::string>();
    const std::size_t offset = args.value("offset", std::size_t{0});
    std::string text;
    if (field.rfind("other.", 0) == 0) {
      const auto other = f.value("other", json::object());
      const auto v = other.find(field.substr(6));
      if (v != other.end()) text = v->is_string() ? v->get<std::string>() : v->dump();
    } else if (const auto v = f.find(field); v != f.end()) {
      text = v->is_string() ? v->get<std::string>() : v->dump();
    } else if (findings::find_field(field) == nullptr) {
      return error_result({ErrorCode::InvalidArgument, "unknown field '" + field + "'",
                           "use a field name from get_scan_results, or other.NAME"});
    }
    if (offset > text.size()) {
      return error_result({ErrorCode::InvalidArgument,
                           "offset " + std::to_string(offset) + " is past the end (" +
                               std::to_string(text.size()) + " bytes)",
                           "start from 0"});
    }
    const std::string rest = text.substr(offset);
    std::size_t cut = std::min(rest.size(), room);
    while (cut > 0 && cut < rest.size() && (static_cast<unsigned char>(rest[cut]) & 0xC0U) == 0x80U)
      --cut;
    const bool more = cut < rest.size();
    json out = {{"task_id", id},    {"finding_id", finding_id}, {"field", field},
                {"offset", offset}, {"length", text.size()},    {"text", rest.substr(0, cut)},
                {"has_more", more}};
    out["next_offset"] = more ? json(offset + cut) : json();
    return ToolResult::success(out);
  }
  std::vector<std::string> all;
  for (const auto& info : findings::all_fields()) all.emplace_back(info.name);
  // Long texts share the room; what does not fit says how to read the rest.
  std::size_t cap = room;
  json projected = findings::project(f, all, cap);
  while (findings::estimate_tokens(projected) + 50 > budget && cap > 64) {
    cap /= 2;
    projected = findings::project(f, all, cap);
  }
  ToolResult r = ToolResult::success({{"task_id", id}, {"finding", projected}});
  r.links.push_back(
      resource_link(finding_uri(id, finding_id), "finding " + std::to_string(finding_id),
                    "this finding with every field, untruncated", "application/json"));
  return r;
}

ToolResult list_scan_hosts(const ToolDeps& deps, const json& args, const std::string& owner) {
  const std::string id = args.at("task_id").get<std::string>();
  auto matcher = findings::HostMatcher::parse(args.value("host", ""));
  if (!matcher) return error_result(matcher.error());
  const std::string sort = args.value("sort_by", "severity");
  const std::size_t page_size = args.value("page_size", std::size_t{50});
  const std::size_t budget = args.value("max_tokens", kDefaultMaxTokens);
  const std::string scope = id + "\n" + args.value("host", "") + "\n" + sort;
  std::size_t offset = 0;
  if (args.contains("cursor")) {
    auto o = decode_offset_cursor(scope, args["cursor"].get<std::string>());
    if (!o) return error_result(o.error());
    offset = *o;
  }
  auto scan = open_scan_results(deps, id, owner);
  if (!scan) return error_result(scan.error());
  auto ids = scan->index->hosts_matching(*matcher);  // address order
  const auto& hosts = scan->index->hosts();
  if (sort == "severity") {
    std::stable_sort(ids.begin(), ids.end(), [&](std::int64_t a, std::int64_t b) {
      const auto& x = hosts[static_cast<std::size_t>(a - 1)].severity_counts;
      const auto& y = hosts[static_cast<std::size_t>(b - 1)].severity_counts;
      return std::lexicographical_compare(y.rbegin(), y.rend(), x.rbegin(), x.rend());
    });
  }
  if (offset > ids.size())
    return error_result({ErrorCode::InvalidArgument, "the cursor is past the end", ""});
  json out = {{"task_id", id}, {"total", ids.size()}, {"offset", offset}};
  fill_offset_page(out, "hosts", ids.size(), offset, page_size, budget, scope, [&](std::size_t i) {
    return host_json(hosts[static_cast<std::size_t>(ids[i] - 1)]);
  });
  return ToolResult::success(out);
}

// The categories compare_scans pages, by their argument names.
constexpr std::array<std::pair<const char*, findings::DiffCategory>, 5> kDiffCategories{{
    {"new", findings::kAdded},
    {"fixed", findings::kFixed},
    {"still_open", findings::kStillOpen},
    {"unverified", findings::kUnverified},
    {"not_rescanned", findings::kNotRescanned},
}};
constexpr std::size_t kDiffHostSample = 20;

json diff_hosts(const std::vector<findings::DiffHost>& hosts) {
  json list = json::array();
  for (std::size_t i = 0; i < hosts.size() && i < kDiffHostSample; ++i) {
    list.push_back({{"host", hosts[i].host}, {"findings", hosts[i].findings}});
  }
  return {{"count", hosts.size()}, {"hosts", list}};
}

// When a scan ended (finished, else created), to tell the earlier of two apart.
// When a task ended, as retention counts it: one rule (store::lifecycle).
task::Millis ended_at(const task::Task& t) { return store::lifecycle::finished_time(t); }

// The two task ids compare_scans reads: given, or a schedule's last two completed runs.
Result<std::pair<std::string, std::string>> scans_to_compare(const ToolDeps& deps, const json& args,
                                                             const std::string& owner) {
  const bool by_schedule = args.contains("schedule_id");
  const bool by_task = args.contains("base_task_id") || args.contains("task_id");
  if (by_schedule && by_task) {
    return fail(ErrorCode::InvalidArgument, "give either schedule_id or base_task_id and task_id",
                "schedule_id compares the schedule's last two completed runs");
  }
  if (!by_schedule) {
    if (!args.contains("base_task_id") || !args.contains("task_id")) {
      return fail(ErrorCode::InvalidArgument, "base_task_id and task_id are both needed",
                  "or pass schedule_id to compare a schedule's last two completed runs");
    }
    return std::pair{args["base_task_id"].get<std::string>(), args["task_id"].get<std::string>()};
  }
  if (deps.records == nullptr) {
    return fail(ErrorCode::FailedPrecondition, "this server keeps no schedules", "");
  }
  const std::string schedule_id = args["schedule_id"].get<std::string>();
  recurring::ScheduleBook book(*deps.records);
  auto s = book.get(schedule_id, store::OwnerScope::tenant(owner));
  if (!s) return fail(s.error());
  const auto runs = recurring::completed_runs(*s, *deps.tasks, 2);
  if (runs.size() < 2) {
    return fail(ErrorCode::FailedPrecondition,
                "schedule " + schedule_id + " has " + std::to_string(runs.size()) +
                    " completed run" + (runs.size() == 1 ? "" : "s") + ": comparing needs two",
                "list_schedules shows its next fire time and recent runs");
  }
  return std::pair{runs[1], runs[0]};
}

ToolResult compare_scans(const ToolDeps& deps, const json& args, const std::string& owner) {
  auto pair = scans_to_compare(deps, args, owner);
  if (!pair) return error_result(pair.error());
  std::string base_id = std::move(pair->first);  // named, not bound: lambdas capture them
  std::string id = std::move(pair->second);
  const std::string category = args.value("category", "new");
  int min_severity = 1;
  if (args.contains("min_severity")) {
    auto s = severity_value(args["min_severity"], "min_severity");
    if (!s) return error_result(s.error());
    min_severity = *s;
  }
  const std::size_t page_size = args.value("page_size", std::size_t{50});
  const std::size_t budget = args.value("max_tokens", kDefaultMaxTokens);
  if (base_id == id) {
    return error_result({ErrorCode::InvalidArgument, "base_task_id and task_id are the same task",
                         "compare an earlier scan of the same targets with a later one"});
  }
  auto base = open_scan_results(deps, base_id, owner);
  if (!base) return error_result(base.error());
  auto later = open_scan_results(deps, id, owner);
  if (!later) return error_result(later.error());
  std::string note;
  if (ended_at(later->task) < ended_at(base->task)) {
    // "What changed since" only reads one way: the earlier scan is the base.
    std::swap(base, later);
    std::swap(base_id, id);
    note =
        "task_id ended before base_task_id, so they were swapped: the base is the earlier "
        "scan";
  }
  const std::string scope =
      base_id + "\n" + id + "\n" + category + "\n" + std::to_string(min_severity);
  std::size_t offset = 0;
  if (args.contains("cursor")) {
    auto o = decode_offset_cursor(scope, args["cursor"].get<std::string>());
    if (!o) return error_result(o.error());
    offset = *o;
  }
  const auto diff = findings::diff_scans(*base->index, *later->index, min_severity);
  findings::DiffCategory which = findings::kAdded;
  json counts = json::object();
  json by_severity = json::object();
  for (const auto& [name, c] : kDiffCategories) {
    if (category == name) which = c;
    counts[name] = diff.entries[c].size();
    by_severity[name] = severity_counts_json(diff.severity_counts[c]);
  }
  const auto& entries = diff.entries[which];
  const bool in_base = which == findings::kFixed || which == findings::kUnverified ||
                       which == findings::kNotRescanned;
  const FindingsIndex& source = in_base ? *base->index : *later->index;
  if (offset > entries.size())
    return error_result({ErrorCode::InvalidArgument, "the cursor is past the end", ""});
  json out = {{"base_task_id", base_id},
              {"task_id", id},
              {"min_severity", min_severity},
              {"counts", counts},
              {"severity_counts", by_severity},
              {"hosts_compared", diff.hosts_compared},
              {"not_rescanned_hosts", diff_hosts(diff.not_rescanned_hosts)},
              {"new_hosts", diff_hosts(diff.new_hosts)},
              {"category", category},
              {"offset", offset},
              {"matched_by",
               "host address (or name), plugin_id, port and protocol, on hosts both "
               "scans covered"}};
  if (!note.empty()) out["note"] = note;
  if (args.contains("schedule_id")) out["schedule_id"] = args["schedule_id"];
  if (!diff.not_rescanned_hosts.empty()) {
    out["not_rescanned_note"] =
        "hosts the later scan did not cover are not compared: their findings are "
        "not_rescanned, not fixed";
  }
  fill_offset_page(out, "items", entries.size(), offset, page_size, budget, scope,
                   [&](std::size_t i) {
                     const auto fid = entries[i].finding_id;
                     const auto key = source.key(fid);
                     return json{{"finding_id", fid},
                                 {"in_task", in_base ? base_id : id},
                                 {"host", key.host},
                                 {"port", key.port},
                                 {"protocol", key.protocol},
                                 {"plugin_id", key.plugin_id},
                                 {"plugin_name", source.plugin_name(fid)},
                                 {"severity", entries[i].severity}};
                   });
  return ToolResult::success(out);
}

}  // namespace

Status register_results_tools(ToolRegistry& r, const ToolDeps& deps) {
  const json task_prop = {{"type", "string"}, {"pattern", "^task_[0-9a-f]{32}$"}};
  json results_schema = {{"type", "object"},
                         {"properties", results_properties(false)},
                         {"required", {"task_id"}},
                         {"additionalProperties", false}};
  if (auto s = r.add(
          {"get_scan_results", "Get scan findings",
           "Pages through a finished scan's findings, filtered, sorted and sized for your context. "
           "Filter first (severity, host or CIDR, port, protocol, service, plugin, family, name, "
           "CVE, CVSS ranges, exploit available, free text), then choose a profile (minimal, "
           "summary, brief, full) or a field list. Each page states the total, the filters "
           "applied and next_cursor; long texts are cut with a marker, and get_finding returns "
           "them in full. Start with the summary in get_scan_status, then ask for what matters, "
           "e.g. filter {\"severity_min\": \"high\"} with profile summary.",
           results_schema, page_output_schema(), reader()},
          [deps](const json& args, RequestContext& ctx) {
            return get_scan_results(deps, args, ctx.principal());
          });
      !s) {
    return s;
  }
  json host_schema = results_schema;
  host_schema["properties"] = results_properties(true);
  host_schema["required"] = {"task_id", "host"};
  json host_output = page_output_schema();
  host_output["properties"]["hosts"] = {{"type", "array"}};
  if (auto s = r.add({"get_host_vulnerabilities", "Get one host's findings",
                      "One host of a finished scan: its names, OS, severity counts and whether "
                      "the credentials worked there, then its findings with the same filters, "
                      "profiles and paging as get_scan_results.",
                      host_schema, host_output, reader()},
                     [deps](const json& args, RequestContext& ctx) {
                       return get_host_vulnerabilities(deps, args, ctx.principal());
                     });
      !s) {
    return s;
  }
  if (auto s = r.add(
          {"get_finding",
           "Get one finding in full",
           "One finding of a finished scan with every field. Long texts that do not fit the "
           "budget are cut with a marker; pass field (e.g. plugin_output) and offset to read a "
           "text in chunks.",
           {{"type", "object"},
            {"properties",
             {{"task_id", task_prop},
              {"finding_id", {{"type", "integer"}, {"minimum", 1}}},
              {"field", {{"type", "string"}, {"minLength", 1}, {"maxLength", 128}}},
              {"offset", {{"type", "integer"}, {"minimum", 0}}},
              {"max_tokens",
               {{"type", "integer"}, {"minimum", kMinMaxTokens}, {"maximum", kMaxMaxTokens}}}}},
            {"required", {"task_id", "finding_id"}},
            {"additionalProperties", false}},
           json::parse(
               R"({"type": "object", "properties": {"task_id": {"type": "string"}}, "required": ["task_id"]})"),
           reader()},
          [deps](const json& args, RequestContext& ctx) {
            return get_finding(deps, args, ctx.principal());
          });
      !s) {
    return s;
  }
  if (auto s = r.add(
          {"list_scan_hosts",
           "List a scan's hosts",
           "The hosts of a finished scan: address, names, OS, findings per severity and the "
           "credential outcome (success, partial, failed with the reason, not_applicable). "
           "Sorted by severity (most critical first) or address; paged.",
           {{"type", "object"},
            {"properties",
             {{"task_id", task_prop},
              {"host",
               {{"type", "string"},
                {"maxLength", 512},
                {"description", "only hosts matching this address, CIDR or name"}}},
              {"sort_by", {{"type", "string"}, {"enum", {"severity", "address"}}}},
              {"page_size", {{"type", "integer"}, {"minimum", 1}, {"maximum", 500}}},
              {"max_tokens",
               {{"type", "integer"}, {"minimum", kMinMaxTokens}, {"maximum", kMaxMaxTokens}}},
              {"cursor", {{"type", "string"}, {"maxLength", 512}}}}},
            {"required", {"task_id"}},
            {"additionalProperties", false}},
           json::parse(
               R"({"type": "object", "properties": {"hosts": {"type": "array"}, "total": {"type": "integer"}}, "required": ["hosts", "total"]})"),
           reader()},
          [deps](const json& args, RequestContext& ctx) {
            return list_scan_hosts(deps, args, ctx.principal());
          });
      !s) {
    return s;
  }
  return r.add(
      {"compare_scans",
       "Compare two scans",
       "What changed between an earlier and a later finished scan of yours, on the hosts both "
       "covered: findings new in the later one, fixed (gone), still open, and unverified (a "
       "local check whose host the later scan could not log in to). Hosts only one scan covered "
       "are listed apart: the base's findings there are not_rescanned, never fixed. Matched by "
       "host, plugin, port and protocol. Counts per category and severity, and one category's "
       "findings paged. If task_id ended before base_task_id they are swapped, with a note. "
       "Pass schedule_id instead of the two task ids to compare a schedule's last two "
       "completed runs.",
       {{"type", "object"},
        {"properties",
         {{"schedule_id",
           {{"type", "string"},
            {"pattern", "^sch_[0-9a-f]{32}$"},
            {"description",
             "A schedule of yours: its last two completed runs are compared (instead of "
             "base_task_id and task_id)."}}},
          {"base_task_id",
           {{"type", "string"},
            {"pattern", "^task_[0-9a-f]{32}$"},
            {"description", "The earlier scan (the baseline)."}}},
          {"task_id",
           {{"type", "string"},
            {"pattern", "^task_[0-9a-f]{32}$"},
            {"description", "The later scan, compared against the baseline."}}},
          {"category",
           {{"type", "string"},
            {"enum", {"new", "fixed", "still_open", "unverified", "not_rescanned"}},
            {"description", "Which findings to page (default new); counts cover all of them."}}},
          {"min_severity",
           {{"type", {"integer", "string"}},
            {"description",
             "Lowest severity compared: 0-4 or info, low, medium, high, critical (default 1, "
             "low: informational findings are left out)."}}},
          {"page_size",
           {{"type", "integer"},
            {"minimum", 1},
            {"maximum", 500},
            {"description", "Findings per page (default 50)."}}},
          {"max_tokens",
           {{"type", "integer"},
            {"minimum", kMinMaxTokens},
            {"maximum", kMaxMaxTokens},
            {"description", "Token budget of the answer (default 8000)."}}},
          {"cursor",
           {{"type", "string"},
            {"maxLength", 512},
            {"description", "next_cursor of the previous page, to continue."}}}}},
        {"additionalProperties", false}},
       json::parse(
           R"({"type": "object", "properties": {"counts": {"type": "object"}, "items": {"type": "array"}}, "required": ["counts", "items"]})"),
       reader()},
      [deps](const json& args, RequestContext& ctx) {
        return compare_scans(deps, args, ctx.principal());
      });
}

}  // namespace nmcp::mcp
