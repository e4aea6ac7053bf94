// dlq list/show/retry/purge: the dead-letter queue.
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <set>

#include "app/admin/admin.h"
#include "service/operator_service.h"

namespace nmcp::admin {

namespace {

int cmd_list(Context& c) {
  auto services = c.services();
  if (!services) return c.fail(services.error());
  const std::string pool = c.args.value("--pool").value_or("");
  std::size_t limit = 50;
  if (auto l = c.args.value("--limit")) {
    const auto n = app::parse_whole_number(*l);
    if (!n || *n < 1 || *n > 10000) return c.usage("--limit must be a number from 1 to 10000");
    limit = static_cast<std::size_t>(*n);
  }
  auto tasks = service::OperatorService(*services).dead_letters(pool, limit);
  if (!tasks) return c.fail(tasks.error());
  json out = json::array();
  std::vector<std::vector<std::string>> rows;
  for (const auto& t : *tasks) {
    out.push_back(task_json(service::TaskStatus{t, std::nullopt, std::nullopt, nullptr}, false));
    rows.push_back({t.id, t.pool, std::string(task::to_string(t.step)),
                    t.dead_lettered_at ? human_time(*t.dead_lettered_at, c.clock.now()) : "-",
                    t.error.message.substr(0, 90)});
  }
  c.out.result({{"dead_letters", out}}, [&] {
    c.out.table({"TASK", "POOL", "STEP", "DEAD-LETTERED", "ERROR"}, rows,
                "(the dead-letter queue is empty)");
  });
  return 0;
}

int cmd_show(Context& c) {
  auto id = task_id_operand(c, 0);
  if (!id) return c.fail(id.error(), 2);
  auto services = c.services();
  if (!services) return c.fail(services.error());
  auto t = service::ScanService(*services).find(service::Caller::an_operator("dlq show"), *id);
  if (!t) return c.fail(t.error());
  if (!t->dead_lettered) {
    return c.fail({ErrorCode::FailedPrecondition,
                   *id + " is not in the dead-letter queue (state " +
                       std::string(task::to_string(t->state)) + ")",
                   "admin_cli task show " + *id + " shows any task"});
  }
  const json j = task_json(service::TaskStatus{*t, std::nullopt, std::nullopt, nullptr}, false);
  c.out.result(j, [&] {
    std::printf(
        "task_id          %s\npool             %s\nstep             %s\n"
        "dead-lettered    %s\nattempts         %d\nerror            %s: %s\n",
        t->id.c_str(), t->pool.c_str(), std::string(task::to_string(t->step)).c_str(),
        human_time(t->dead_lettered_at.value_or(0), c.clock.now()).c_str(), t->attempts,
        t->error.code.c_str(), t->error.message.c_str());
    if (!t->error.hint.empty()) std::printf("hint             %s\n", t->error.hint.c_str());
    std::printf("\nretry it with: admin_cli dlq retry %s\n", t->id.c_str());
  });
  return 0;
}

int cmd_retry(Context& c) {
  const bool all = c.args.has("--all");
  if (all == !c.args.operands.empty()) return c.usage("dlq retry needs a task id or --all");
  auto services = c.services();
  if (!services) return c.fail(services.error());
  const service::OperatorService operations(*services);
  std::vector<std::string> ids;
  if (all) {
    const std::string pool = c.args.value("--pool").value_or("");
    auto tasks = operations.dead_letters(pool, 100000);
    if (!tasks) return c.fail(tasks.error());
    for (const auto& t : *tasks) ids.push_back(t.id);
  } else {
    auto id = task_id_operand(c, 0);
    if (!id) return c.fail(id.error(), 2);
    ids.push_back(*id);
  }
  json retried = json::array();
  json failed = json::array();
  for (const auto& id : ids) {
    auto t = operations.retry_dead_letter(id);
    if (!t) {
      failed.push_back({{"task_id", id}, {"error", t.error().message}});
      if (!c.out.is_json()) std::fprintf(stderr, "admin_cli: %s\n", t.error().message.c_str());
      continue;
    }
    retried.push_back({{"task_id", id}, {"step", task::to_string(t->step)}});
  }
  c.out.result({{"retried", retried}, {"failed", failed}}, [&] {
    for (const auto& r : retried) {
      std::printf("queued again: %s (resumes at step %s)\n",
                  r["task_id"].get<std::string>().c_str(), r["step"].get<std::string>().c_str());
    }
    if (ids.empty()) std::printf("(the dead-letter queue is empty)\n");
  });
  return failed.empty() ? 0 : 1;
}

int cmd_purge(Context& c) {
  auto services = c.services();
  if (!services) return c.fail(services.error());
  const service::OperatorService operations(*services);
  const std::string pool = c.args.value("--pool").value_or("");
  if (auto k = operations.check_known_pool(pool); !k) return c.fail(k.error());
  Millis age = 0;
  if (auto older = c.args.value("--older-than")) {
    auto d = parse_duration(*older, "--older-than");
    if (!d) return c.fail(d.error(), 2);
    age = *d;
  }
  if (!c.args.has("--yes")) {
    if (::isatty(STDIN_FILENO) == 0) {
      return c.fail({ErrorCode::InvalidArgument,
                     "dlq purge deletes tasks; pass --yes to confirm when not interactive", ""},
                    2);
    }
    std::printf("Delete dead-lettered tasks%s%s? [y/N] ",
                pool.empty() ? "" : (" of pool " + pool).c_str(),
                age > 0 ? " older than the given age" : "");
    std::fflush(stdout);
    std::string answer;
    std::getline(std::cin, answer);
    if (answer != "y" && answer != "yes") {
      return c.fail({ErrorCode::FailedPrecondition, "nothing deleted", ""});
    }
  }
  auto n = operations.purge_dead_letters(pool, age);
  if (!n) return c.fail(n.error());
  c.out.result({{"deleted", *n}},
               [&] { std::printf("deleted %d dead-lettered task%s\n", *n, *n == 1 ? "" : "s"); });
  return 0;
}

const Option kPool{"--pool", "P", "only this pool"};

}  // namespace

std::vector<Command> dlq_commands() {
  return {
      {{"dlq", "list"},
       "",
       "dead-lettered tasks, newest first, with their errors",
       {kPool, {"--limit", "N", "at most N (default 50)"}},
       cmd_list,
       0,
       0,
       {"list-dlq"}},
      {{"dlq", "show"},
       "ID",
       "one dead-lettered task in full",
       {},
       cmd_show,
       1,
       1,
       {"inspect-dlq"}},
      {{"dlq", "retry"},
       "ID | --all",
       "queue dead-lettered tasks again; they resume from their step",
       {{"--all", "", "every dead letter (of --pool)"}, kPool},
       cmd_retry,
       0,
       1,
       {"retry-dlq"}},
      {{"dlq", "purge"},
       "",
       "delete dead letters; asks unless --yes",
       {kPool,
        {"--older-than", "AGE", "only those dead-lettered longer ago (30m, 12h, 7d, 2w)"},
        {"--yes", "", "do not ask"}},
       cmd_purge,
       0,
       0,
       {"purge-dlq"}},
  };
}

}  // namespace nmcp::admin
