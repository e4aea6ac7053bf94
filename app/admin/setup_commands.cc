// config check, scanner test, key create: setting the product up against real scanners.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <set>

#include "app/admin/admin.h"
#include "mcp/http/api_keys.h"
#include "scanners/nessus/nessus_client.h"

namespace nmcp::admin {

namespace {

int cmd_config_check(Context& c) {
  const std::string path = c.args.operands.empty() ? c.config_path() : c.args.operands[0];
  auto config = config::load_config(path, config::process_environment());
  if (!config) {
    // "N problem(s) ...:" then one problem per line.
    json problems = json::array();
    const std::string& m = config.error().message;
    std::size_t start = m.find('\n');
    if (start == std::string::npos) problems.push_back(m);
    while (start != std::string::npos) {
      const auto end = m.find('\n', start + 1);
      std::string line = m.substr(start + 1, end == std::string::npos ? end : end - start - 1);
      problems.push_back(line.substr(line.find_first_not_of(' ')));
      start = end;
    }
    c.out.result({{"ok", false}, {"config", path}, {"problems", problems}},
                 [&] { std::fprintf(stderr, "%s\n", m.c_str()); });
    return 1;
  }
  std::size_t instances = 0;
  for (const auto& p : config->pools) instances += p.instances.size();
  c.out.result({{"ok", true}, {"config", path}, {"description", config::describe(*config)}}, [&] {
    std::printf("%s: ok (%zu pools, %zu instances, %zu credential profiles)\n", path.c_str(),
                config->pools.size(), instances, config->credentials.size());
    for (const auto& p : config->pools) {
      for (const auto& i : p.instances) {
        if (i.tls.insecure) {
          std::printf("warning: instance %s does not verify TLS (insecure: true)\n", i.id.c_str());
        }
      }
    }
  });
  return 0;
}

struct Check {
  std::string name;
  std::string state;  // ok, FAIL, skipped
  std::string detail;
  std::string fix;
};

// Every check against one instance, each depending on the one before.
std::vector<Check> test_instance(const config::InstanceConfig& i, const config::Defaults& d) {
  std::vector<Check> out;
  auto client = scanners::NessusClient::create(i);
  if (!client) {
    out.push_back({"client", "FAIL", client.error().message, client.error().hint});
    return out;
  }
  auto& n = **client;
  const std::string tls = i.tls.insecure               ? "NOT verified (insecure: true)"
                          : !i.tls.fingerprint.empty() ? "verified by its pinned fingerprint"
                          : !i.tls.ca_file.empty()     ? "verified against " + i.tls.ca_file
                                                       : "verified against the system CAs";
  auto skip = [&](const std::vector<std::string>& names) {
    for (const auto& name : names) out.push_back({name, "skipped", "an earlier check failed", ""});
  };
  auto status = n.server_status();
  if (!status) {
    out.push_back({"reach", "FAIL", status.error().message, status.error().hint});
    skip({"ready", "login", "scan API", "template"});
    return out;
  }
  out.push_back({"reach", "ok", i.url + " answers; TLS " + tls, ""});
  const bool ready = status->status == "ready";
  out.push_back({"ready", ready ? "ok" : "FAIL", "Nessus reports \"" + status->status + "\"",
                 ready ? "" : "wait until Nessus has started and compiled its plugins"});
  auto templates = n.templates();
  if (!templates) {
    const bool keys = i.auth.mode == config::AuthMode::ApiKeys;
    out.push_back({"login", "FAIL", templates.error().message,
                   keys ? "create API keys in Nessus (Settings > My Account > API Keys) and set "
                          "access_key and secret_key (NESSUS_ACCESS_KEY, NESSUS_SECRET_KEY)"
                        : "check the username and password of the Nessus account"});
    skip({"scan API", "template"});
    return out;
  }
  out.push_back({"login", "ok",
                 i.auth.mode == config::AuthMode::ApiKeys ? "the API keys were accepted"
                                                          : "the account logged in",
                 ""});
  auto props = n.server_properties();
  const bool api = props && props->scan_api;
  if (api) {
    out.push_back({"scan API", "ok",
                   props->edition() + " " + props->server_version + " lets the API launch scans",
                   ""});
  } else if (i.auth.mode == config::AuthMode::Session && i.auth.ui_token) {
    auto token = n.fetch_api_token();
    out.push_back({"scan API", token ? "ok" : "FAIL",
                   token ? "no scan API in this edition; the web-UI token from /nessus6.js was "
                           "read (outside the documented API: it may break on upgrades)"
                         : token.error().message,
                   token ? "" : token.error().hint});
  } else {
    out.push_back(
        {"scan API", "FAIL",
         "this Nessus (" + (props ? props->edition() : std::string("unknown edition")) +
             ") does not let the API create or launch scans (412 \"API is not available\")",
         "use Nessus Manager with API keys; Professional or Expert only with auth mode session "
         "and ui_token: true (outside the documented API)"});
  }
  std::set<std::string> names;
  for (const auto& t : *templates) names.insert(t.name);
  const bool has = names.count(d.template_name) != 0;
  std::string list;
  for (const auto& t : names) list += (list.empty() ? "" : ", ") + t;
  out.push_back({"template", has ? "ok" : "FAIL",
                 "the default template '" + d.template_name + "' " +
                     (has ? "exists (" + std::to_string(names.size()) + " templates)"
                          : "is not on this scanner"),
                 has ? "" : "set defaults.template to one of: " + list});
  return out;
}

int cmd_scanner_test(Context& c) {
  auto config = c.config();
  if (!config) return c.fail(config.error());
  const std::string only = c.args.operands.empty() ? "" : c.args.operands[0];
  json instances = json::array();
  bool all_ok = true;
  bool found = false;
  for (const auto& pool : (*config)->pools) {
    for (const auto& i : pool.instances) {
      if (!only.empty() && i.id != only) continue;
      found = true;
      const auto checks = test_instance(i, (*config)->defaults);
      json list = json::array();
      bool ok = true;
      for (const auto& ch : checks) {
        ok = ok && ch.state != "FAIL";
        json j = {{"check", ch.name},
                  {"result", ch.state == "ok"     ? "ok"
                             : ch.state == "FAIL" ? "failed"
                                                  : "skipped"},
                  {"detail", ch.detail}};
        if (!ch.fix.empty()) j["fix"] = ch.fix;
        list.push_back(std::move(j));
      }
      all_ok = all_ok && ok;
      instances.push_back({{"instance", i.id},
                           {"pool", pool.name},
                           {"url", i.url},
                           {"enabled", i.enabled},
                           {"ok", ok},
                           {"checks", list}});
    }
  }
  if (!found) {
    return c.fail({ErrorCode::NotFound,
                   only.empty() ? "the configuration has no instance"
                                : "no instance named '" + only + "' in " + c.config_path(),
                   "admin_cli config check lists the configuration"});
  }
  c.out.result({{"ok", all_ok}, {"instances", instances}}, [&] {
    for (const auto& inst : instances) {
      std::printf("instance %s (pool %s, %s)%s\n", inst["instance"].get<std::string>().c_str(),
                  inst["pool"].get<std::string>().c_str(), inst["url"].get<std::string>().c_str(),
                  inst["enabled"].get<bool>() ? "" : " [disabled]");
      for (const auto& ch : inst["checks"]) {
        const std::string r = ch["result"];
        std::printf("  %-7s %-9s %s\n",
                    r == "ok"       ? "ok"
                    : r == "failed" ? "FAIL"
                                    : "-",
                    ch["check"].get<std::string>().c_str(),
                    ch["detail"].get<std::string>().c_str());
        if (ch.contains("fix"))
          std::printf("          fix: %s\n", ch["fix"].get<std::string>().c_str());
      }
    }
  });
  return all_ok ? 0 : 1;
}

int cmd_key_create(Context& c) {
  const std::string tenant = c.args.operands[0];
  if (!mcp::ApiKeyStore::valid_tenant(tenant)) {
    return c.usage("the tenant \"" + tenant.substr(0, 64) + "\" must be 1-64 of [A-Za-z0-9_.-]");
  }
  const auto tools = c.args.list("--tools");
  const auto pools = c.args.list("--pools");
  const auto key =
      mcp::ApiKeyStore::create(tenant, {tools.begin(), tools.end()}, {pools.begin(), pools.end()},
                               c.args.has("--read-only"));
  std::string appended;
  std::string tightened_from;
  if (auto file = c.args.value("--keys-file")) {
    // Check the line parses before it is added; 0600, the digests are not secrets but the file
    // decides who gets in.
    if (auto parsed = mcp::ApiKeyStore::parse(key.line + "\n", *file); !parsed) {
      return c.fail(parsed.error());
    }
    const int fd = ::open(file->c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    // An existing file others may read or write is tightened to 0600 first (the README promises
    // 0600), or nothing is appended.
    struct stat st {};
    if (fd >= 0 && ::fstat(fd, &st) == 0 && (st.st_mode & 0077) != 0) {
      char was[8];
      std::snprintf(was, sizeof was, "%04o", static_cast<unsigned>(st.st_mode & 0777));
      if (::fchmod(fd, 0600) != 0) {
        const std::string why = std::strerror(errno);
        ::close(fd);
        return c.fail({ErrorCode::PermissionDenied,
                       *file + " has mode " + was +
                           " (others may read it) and cannot be made "
                           "0600: " +
                           why + "; nothing was added",
                       "run: chmod 600 " + *file + " (as its owner), then create the key again"});
      }
      tightened_from = was;
    }
    const std::string text = key.line + "\n";
    if (fd < 0 || ::write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
      const std::string why = std::strerror(errno);
      if (fd >= 0) ::close(fd);
      return c.fail({ErrorCode::PermissionDenied, "cannot append to " + *file + ": " + why,
                     "check the file's permissions"});
    }
    ::close(fd);
    appended = *file;
  }
  json result = {{"tenant", tenant},
                 {"key", key.key},
                 {"line", key.line},
                 {"appended_to", appended.empty() ? json(nullptr) : json(appended)}};
  if (!tightened_from.empty()) result["mode_tightened_from"] = tightened_from;
  c.out.result(result, [&] {
    if (!tightened_from.empty()) {
      std::printf("%s was mode %s; it is 0600 now\n", appended.c_str(), tightened_from.c_str());
    }
    std::printf("key (shown once; give it to the client, it is not stored):\n  %s\n\n",
                key.key.c_str());
    if (appended.empty()) {
      std::printf(
          "add this line to the API keys file, then send the server SIGHUP:\n"
          "  %s\n",
          key.line.c_str());
    } else {
      std::printf("added to %s:\n  %s\nsend the server SIGHUP to load it\n", appended.c_str(),
                  key.line.c_str());
    }
  });
  return 0;
}

}  // namespace

std::vector<Command> setup_commands() {
  return {
      {{"config", "check"},
       "[PATH]",
       "validate a scanner configuration; every problem with file:line",
       {config_option()},
       cmd_config_check,
       0,
       1},
      {{"scanner", "test"},
       "[INSTANCE]",
       "try the configuration against the real scanners: reachability, TLS, login, scan API, "
       "templates, each problem with its fix",
       {config_option()},
       cmd_scanner_test,
       0,
       1},
      {{"key", "create"},
       "TENANT",
       "make an API key for the HTTP transport; prints it once and the keys-file line",
       {{"--tools", "a,b", "the only tools the key may use"},
        {"--pools", "a,b", "the only pools its scans may use"},
        {"--read-only", "", "the key may call read-only tools only (no scans, no cancels)"},
        {"--keys-file", "PATH", "append the line to this file (created 0600)"}},
       cmd_key_create,
       1,
       1},
  };
}

}  // namespace nmcp::admin
