// policy validate: the submit dry run (service::ScanService::dry_run) for operators.
#include <cstdio>

#include "app/admin/admin.h"

namespace nmcp::admin {
namespace {

void print_window(const json& w) {
  const bool open = w.value("open", false);
  const json& when = open ? w.value("closes_at", json()) : w.value("opens_at", json());
  std::printf("scan window %s: %s %s; running scans at the close: %s\n",
              w.value("window", "").c_str(), open ? "open, closes" : "closed, opens",
              when.is_string() ? when.get<std::string>().c_str() : "never",
              w.value("on_close", "continue").c_str());
}

void print_quota(const std::string& tenant, const json& q) {
  if (q.value("unlimited", false)) {
    std::printf("tenant %s: no quota\n", tenant.c_str());
    return;
  }
  std::printf("tenant %s, remaining quota:", tenant.c_str());
  if (q.contains("scans_left_this_hour")) {
    std::printf(" %lld scan(s) left this hour;", q["scans_left_this_hour"].get<long long>());
  }
  if (q.contains("concurrent_scans_left")) {
    std::printf(" %lld more at once (%lld in flight);", q["concurrent_scans_left"].get<long long>(),
                q["in_flight"].get<long long>());
  }
  if (q.contains("addresses_left_today")) {
    std::printf(" %lld address(es) left until %s;", q["addresses_left_today"].get<long long>(),
                q.value("day_resets_at", "").c_str());
  }
  std::printf("\n");
}

int cmd_validate(Context& c) {
  // The configuration's own error (which file, which line) when it cannot be read.
  if (auto config = c.config(); !config) return c.fail(config.error());
  // The tenant's remaining quota is in the store, as every replica admits against it: the
  // store is opened only when a tenant is named.
  const auto tenant = c.args.value("--tenant");
  auto services = tenant ? c.services() : c.services_without_store();
  if (!services) return c.fail(services.error());
  auto caller = tenant ? service::Caller::tenant_of(*tenant) : service::Caller::an_operator("");
  caller.via = "policy validate";
  auto check = service::ScanService(*services).dry_run(caller, c.args.value("--pool").value_or(""),
                                                       c.args.operands[0]);
  if (!check) return c.fail(check.error());
  c.out.result(check->to_json(), [&] {
    std::vector<std::vector<std::string>> rows;
    for (const auto& t : check->targets) {
      rows.push_back(
          {t.target, t.allowed ? "in scope" : "OUT OF SCOPE", std::to_string(t.addresses), t.rule});
    }
    c.out.table({"TARGET", "SCOPE", "ADDRESSES", "RULE"}, rows, "no target could be read");
    std::printf("pool %s: %llu of at most %llu addresses; %s\n", check->pool.c_str(),
                static_cast<unsigned long long>(check->address_count),
                static_cast<unsigned long long>(check->max_addresses),
                check->accepted ? "a scan would be accepted"
                                : ("a scan would be refused: " + check->refusal).c_str());
    if (!check->hint.empty()) std::printf("hint: %s\n", check->hint.c_str());
    if (!check->window.is_null()) print_window(check->window);
    if (!check->quota.is_null()) print_quota(check->tenant, check->quota);
  });
  return check->accepted ? 0 : 1;
}

}  // namespace

std::vector<Command> policy_commands() {
  return {
      {{"policy", "validate"},
       "TARGETS",
       "a dry run of a scan: whether each target is in the pool's scope and which rule decided, "
       "the address count against the pool's limit, and with --tenant the tenant's remaining "
       "quota; submits nothing (exit 1 when refused)",
       {{"--pool", "P", "the pool (default: the configured default pool)"},
        {"--tenant", "T", "also the tenant's remaining quota (reads the store)"},
        config_option()},
       cmd_validate,
       1,
       1},
  };
}

}  // namespace nmcp::admin
