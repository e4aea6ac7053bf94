// policy validate: the submit dry run (core/scans/check_targets.h) for operators.
#include <cstdio>

#include "app/admin/admin.h"
#include "core/scans/check_targets.h"

namespace nmcp::admin {
namespace {

int cmd_validate(Context& c) {
  auto config = c.config();
  if (!config) return c.fail(config.error());
  auto check = scans::check_targets_dry_run(**config, c.args.value("--pool").value_or(""),
                                            c.args.operands[0], std::nullopt);
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
  });
  return check->accepted ? 0 : 1;
}

}  // namespace

std::vector<Command> policy_commands() {
  return {
      {{"policy", "validate"},
       "TARGETS",
       "a dry run of a scan: whether each target is in the pool's scope and which rule decided, "
       "the address count against the pool's limit; submits nothing (exit 1 when refused)",
       {{"--pool", "P", "the pool (default: the configured default pool)"}, config_option()},
       cmd_validate,
       1,
       1},
  };
}

}  // namespace nmcp::admin
