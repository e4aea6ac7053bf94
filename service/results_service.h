#pragma once
// The results' use cases: a finished scan's findings in pages within a token budget, one host's
// findings, one finding (long texts in chunks), the hosts with their credential outcome, and
// the difference between two scans (or a schedule's last two runs). They read the findings
// index the worker wrote (core/findings); nothing here parses an export. A task is visible
// only to its owner (operators: every task). Each answer is one JSON view and the task it is
// about (for the links a front door attaches). The questions are results_request.h's JSON.
//
// Thread-safety: a ResultsService holds only its Services; calls may run concurrently.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "core/base/result.h"
#include "core/findings/findings_index.h"
#include "service/services.h"

namespace nmcp::service {

// A finished task of the caller's with its findings index.
struct ScanResults {
  task::Task task;
  std::shared_ptr<const findings::FindingsIndex> index;
};

struct ResultsAnswer {
  nlohmann::json view;
  task::Task task;  // the task answered about (compare: the later scan)
};

class ResultsService {
 public:
  explicit ResultsService(Services s) : s_(std::move(s)) {}

  // FailedPrecondition (Action::AwaitTask) while the task runs; NotFound for no such task, or
  // no index (saying why).
  Result<ScanResults> open(const Caller& caller, const std::string& id) const;

  // {task_id, filter, sort, profile or fields, page_size, max_tokens, cursor}
  Result<ResultsAnswer> scan_results(const nlohmann::json& args, const Caller& caller) const;
  // The same with {host}: one host (or the hosts a CIDR or domain matches) and its findings.
  Result<ResultsAnswer> host_findings(const nlohmann::json& args, const Caller& caller) const;
  // {task_id, finding_id, max_tokens, field?, offset?}
  Result<ResultsAnswer> finding(const nlohmann::json& args, const Caller& caller) const;
  // {task_id, host?, sort_by, page_size, max_tokens, cursor?}
  Result<ResultsAnswer> hosts(const nlohmann::json& args, const Caller& caller) const;
  // {base_task_id and task_id | schedule_id, category, min_severity, page_size, max_tokens,
  //  cursor?}
  Result<ResultsAnswer> compare(const nlohmann::json& args, const Caller& caller) const;

  // What the results resources serve: the summary with the credential outcome; every host
  // with its counts; one finding with every field (nullopt: the scan has no such finding).
  Result<nlohmann::json> summary(const Caller& caller, const std::string& id) const;
  Result<nlohmann::json> host_table(const Caller& caller, const std::string& id) const;
  Result<std::optional<nlohmann::json>> finding_record(const Caller& caller, const std::string& id,
                                                       std::int64_t finding_id) const;
  // A finished task's raw export on disk (it needs no index: readable when the index is
  // damaged); FailedPrecondition while the task runs.
  Result<std::string> export_file(const Caller& caller, const std::string& id) const;
  // The size of a task's export, when there is one.
  std::optional<std::uint64_t> export_size(const std::string& task_id) const;

 private:
  Result<std::pair<std::string, std::string>> scans_to_compare(const nlohmann::json& args,
                                                               const Caller& caller) const;

  Services s_;
};

}  // namespace nmcp::service
