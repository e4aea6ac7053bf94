#include "service/results_service.h"

#include <algorithm>
#include <array>
#include <filesystem>
#include <functional>

#include "core/findings/finding_fields.h"
#include "core/findings/finding_page.h"
#include "core/findings/results_location.h"
#include "core/findings/run_comparison.h"
#include "core/findings/scan_diff.h"
#include "core/recurring/schedule_book.h"
#include "core/recurring/schedule_service.h"
#include "core/store/lifecycle.h"
#include "service/results_request.h"
#include "service/scan_service.h"

namespace nmcp::service {

using findings::FindingsIndex;
using findings::severity_counts_json;
using nlohmann::json;

namespace {

constexpr std::size_t kMaxTextChars = 2000;
constexpr std::size_t kCursorAllowance = 60;  // tokens kept for next_cursor and counters

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
        ": raise max_tokens, pick a smaller profile, or read that one finding by its finding_id";
  }
  envelope["findings"] = std::move(page.items);
  envelope["token_estimate"] = 0;
  envelope["token_estimate"] = findings::estimate_tokens(envelope);
  return envelope;
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
}  // namespace

Result<ScanResults> ResultsService::open(const Caller& caller, const std::string& id) const {
  auto t = ScanService(s_).find(caller, id);
  if (!t) return fail(t.error());
  if (!task::is_terminal(t->state)) {
    return fail(Error{ErrorCode::FailedPrecondition,
                      "task " + id + " is " + std::string(task::to_string(t->state)) +
                          "; its results are not ready",
                      "follow the task until its state is completed", Action::AwaitTask});
  }
  if (s_.indexes == nullptr || s_.data_dir.empty()) {
    return fail(
        ErrorCode::FailedPrecondition, "this server has no results directory",
        "start nessus-mcp with --data-dir DIR (the directory the workers write results to)");
  }
  auto paths = findings::results_paths(s_.data_dir, id);
  if (!paths) return fail(paths.error());
  auto index = s_.indexes->get(paths->index_file);
  if (!index) {
    if (index.error().code == ErrorCode::NotFound) {
      return fail(
          ErrorCode::NotFound,
          "task " + id + " ended " + std::string(task::to_string(t->state)) + " without results",
          t->state == task::State::Completed
              ? "this server looked for its findings index at " + paths->index_file +
                    " and found none. With several processes, --data-dir must be one directory "
                    "they all share (the worker writes results there); an operator can rebuild "
                    "the index with admin_cli task reindex " +
                    id
              : "only scans that ran to the end have results; see the task's status");
    }
    return fail(index.error());
  }
  return ScanResults{std::move(*t), std::move(*index)};
}

Result<ResultsAnswer> ResultsService::scan_results(const json& args, const Caller& caller) const {
  const std::string id = args.at("task_id").get<std::string>();
  auto req = parse_results_request(args, id);
  if (!req) return fail(req.error());
  auto scan = open(caller, id);
  if (!scan) return fail(scan.error());
  Error error;
  json envelope = {{"task_id", id}, {"scan_name", scan->task.name}};
  json page = results_page(id, *scan->index, *req, &error, envelope);
  if (page.is_null()) return fail(error);
  return ResultsAnswer{std::move(page), std::move(scan->task)};
}

Result<ResultsAnswer> ResultsService::host_findings(const json& args, const Caller& caller) const {
  const std::string id = args.at("task_id").get<std::string>();
  const std::string host = args.at("host").get<std::string>();
  if (args.contains("filter") && args["filter"].is_object() && args["filter"].contains("host")) {
    return fail(ErrorCode::InvalidArgument, "give the host once, as host",
                "a filter's host is for a whole scan's findings");
  }
  // The host is one more filter: cursors then bind to it like to any other.
  json rest = args;
  rest.erase("host");
  if (!rest.contains("filter") || !rest["filter"].is_object()) rest["filter"] = json::object();
  rest["filter"]["host"] = host;
  auto req = parse_results_request(rest, id);
  if (!req) return fail(req.error());
  auto matcher = findings::HostMatcher::parse(host);
  if (!matcher) return fail(matcher.error());
  auto scan = open(caller, id);
  if (!scan) return fail(scan.error());
  const auto hosts = scan->index->hosts_matching(*matcher);
  if (hosts.empty()) {
    return fail(Error{ErrorCode::NotFound, "no host '" + host + "' in task " + id,
                      "the scan's host list shows its hosts", Action::ReadHosts});
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
  json page = results_page(id, *scan->index, *req, &error, envelope);
  if (page.is_null()) return fail(error);
  return ResultsAnswer{std::move(page), std::move(scan->task)};
}

Result<ResultsAnswer> ResultsService::finding(const json& args, const Caller& caller) const {
  const std::string id = args.at("task_id").get<std::string>();
  const auto finding_id = args.at("finding_id").get<std::int64_t>();
  const std::size_t budget = args.value("max_tokens", kDefaultMaxTokens);
  auto scan = open(caller, id);
  if (!scan) return fail(scan.error());
  if (!scan->index->has(finding_id)) {
    return fail(Error{ErrorCode::NotFound,
                      "task " + id + " has no finding " + std::to_string(finding_id),
                      "finding ids come from the same task's pages of findings"});
  }
  auto full = scan->index->fetch({finding_id});
  if (!full) return fail(full.error());
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
      return fail(Error{ErrorCode::InvalidArgument, "unknown field '" + field + "'",
                        "use a finding field name, or other.NAME"});
    }
    if (offset > text.size()) {
      return fail(Error{ErrorCode::InvalidArgument,
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
    return ResultsAnswer{std::move(out), std::move(scan->task)};
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
  return ResultsAnswer{{{"task_id", id}, {"finding", projected}}, std::move(scan->task)};
}

Result<ResultsAnswer> ResultsService::hosts(const json& args, const Caller& caller) const {
  const std::string id = args.at("task_id").get<std::string>();
  auto matcher = findings::HostMatcher::parse(args.value("host", ""));
  if (!matcher) return fail(matcher.error());
  const std::string sort = args.value("sort_by", "severity");
  const std::size_t page_size = args.value("page_size", std::size_t{50});
  const std::size_t budget = args.value("max_tokens", kDefaultMaxTokens);
  const std::string scope = id + "\n" + args.value("host", "") + "\n" + sort;
  std::size_t offset = 0;
  if (args.contains("cursor")) {
    auto o = decode_offset_cursor(scope, args["cursor"].get<std::string>());
    if (!o) return fail(o.error());
    offset = *o;
  }
  auto scan = open(caller, id);
  if (!scan) return fail(scan.error());
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
    return fail(Error{ErrorCode::InvalidArgument, "the cursor is past the end", ""});
  json out = {{"task_id", id}, {"total", ids.size()}, {"offset", offset}};
  fill_offset_page(out, "hosts", ids.size(), offset, page_size, budget, scope, [&](std::size_t i) {
    return host_json(hosts[static_cast<std::size_t>(ids[i] - 1)]);
  });
  return ResultsAnswer{std::move(out), std::move(scan->task)};
}

Result<std::pair<std::string, std::string>> ResultsService::scans_to_compare(
    const json& args, const Caller& caller) const {
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
  if (s_.records == nullptr) {
    return fail(ErrorCode::FailedPrecondition, "this server keeps no schedules", "");
  }
  const std::string schedule_id = args["schedule_id"].get<std::string>();
  recurring::ScheduleBook book(*s_.records);
  auto s = book.get(schedule_id, caller.scope());
  if (!s) return fail(s.error());
  const auto runs = recurring::completed_runs(*s, *s_.tasks, 2);
  if (runs.size() < 2) {
    return fail(ErrorCode::FailedPrecondition,
                "schedule " + schedule_id + " has " + std::to_string(runs.size()) +
                    " completed run" + (runs.size() == 1 ? "" : "s") + ": comparing needs two",
                "the schedule's listing shows its next fire time and recent runs");
  }
  return std::pair{runs[1], runs[0]};
}

Result<ResultsAnswer> ResultsService::compare(const json& args, const Caller& caller) const {
  auto pair = scans_to_compare(args, caller);
  if (!pair) return fail(pair.error());
  std::string base_id = std::move(pair->first);  // named, not bound: lambdas capture them
  std::string id = std::move(pair->second);
  const std::string category = args.value("category", "new");
  int min_severity = 1;
  if (args.contains("min_severity")) {
    auto s = severity_value(args["min_severity"], "min_severity");
    if (!s) return fail(s.error());
    min_severity = *s;
  }
  const std::size_t page_size = args.value("page_size", std::size_t{50});
  const std::size_t budget = args.value("max_tokens", kDefaultMaxTokens);
  if (base_id == id) {
    return fail(Error{ErrorCode::InvalidArgument, "base_task_id and task_id are the same task",
                      "compare an earlier scan of the same targets with a later one"});
  }
  auto base = open(caller, base_id);
  if (!base) return fail(base.error());
  auto later = open(caller, id);
  if (!later) return fail(later.error());
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
    if (!o) return fail(o.error());
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
    return fail(Error{ErrorCode::InvalidArgument, "the cursor is past the end", ""});
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
  return ResultsAnswer{std::move(out), std::move(later->task)};
}

Result<json> ResultsService::summary(const Caller& caller, const std::string& id) const {
  auto t = ScanService(s_).find(caller, id);
  if (!t) return fail(t.error());
  return json{{"task_id", id},
              {"name", t->name},
              {"state", task::to_string(t->state)},
              {"summary", t->summary},
              {"validation", t->validation}};
}

Result<json> ResultsService::host_table(const Caller& caller, const std::string& id) const {
  auto scan = open(caller, id);
  if (!scan) return fail(scan.error());
  json hosts = json::array();
  for (const auto& h : scan->index->hosts()) {
    hosts.push_back({{"host", h.name},
                     {"ip", h.ip},
                     {"fqdn", h.fqdn},
                     {"netbios", h.netbios},
                     {"os", h.os},
                     {"credential_status", h.credential_status},
                     {"critical", h.severity_counts[4]},
                     {"high", h.severity_counts[3]},
                     {"medium", h.severity_counts[2]},
                     {"low", h.severity_counts[1]},
                     {"info", h.severity_counts[0]}});
  }
  return hosts;
}

Result<std::optional<json>> ResultsService::finding_record(const Caller& caller,
                                                           const std::string& id,
                                                           std::int64_t finding_id) const {
  auto scan = open(caller, id);
  if (!scan) return fail(scan.error());
  if (!scan->index->has(finding_id)) return std::optional<json>();
  auto full = scan->index->fetch({finding_id});
  if (!full) return fail(full.error());
  return std::optional<json>(full->front());
}

Result<std::string> ResultsService::export_file(const Caller& caller, const std::string& id) const {
  auto t = ScanService(s_).find(caller, id);
  if (!t) return fail(t.error());
  if (!task::is_terminal(t->state)) {
    return fail(Error{ErrorCode::FailedPrecondition, "task " + id + " has no results yet",
                      "follow the task until it completes", Action::AwaitTask});
  }
  auto paths = findings::results_paths(s_.data_dir, id);
  if (!paths) return fail(paths.error());
  return paths->export_file;
}

std::optional<std::uint64_t> ResultsService::export_size(const std::string& task_id) const {
  auto p = findings::results_paths(s_.data_dir, task_id);
  if (!p) return std::nullopt;
  std::error_code ec;
  const auto size = std::filesystem::file_size(p->export_file, ec);
  if (ec) return std::nullopt;
  return size;
}

}  // namespace nmcp::service
