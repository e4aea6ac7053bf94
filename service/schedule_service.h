#pragma once
// ScheduleService: the schedule use cases for every front door (the schedule tools, admin_cli
// schedule): create, change (pause, resume, edit), delete, one schedule, a page of them, and an
// operator's whole listing. The rules are core/recurring's (a schedule is checked as a submit
// would be, each decision in the audit log; a tenant's schedule limit); this layer wires them
// from Services, turns the front door's Caller into the rules' one, and returns views with one
// JSON rendering (an operator's view also names the tenant).
//
// Thread-safety: as the Services' dependencies; a ScheduleService is cheap to make per call.

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/recurring/schedule_service.h"
#include "service/services.h"

namespace nmcp::service {

struct ScheduleView {
  recurring::Schedule schedule;
  task::Millis now = 0;
  bool for_operator = false;  // operators see whose it is

  nlohmann::json to_json() const;
};

struct SchedulePage {
  std::vector<ScheduleView> schedules;
  std::string next_cursor;  // empty: the last page
  int damaged = 0;          // damaged records passed over (an operator's whole listing)

  // {"schedules": [...], "next_cursor": string or null}
  nlohmann::json to_json() const;
};

class ScheduleService {
 public:
  explicit ScheduleService(const Services& s) : s_(s) {}

  // A tenant's schedule is its own; an operator names the tenant (`owner`).
  Result<ScheduleView> create(const Caller& who, const recurring::ScheduleSpec& spec,
                              const std::string& owner = "") const;
  Result<ScheduleView> update(const Caller& who, const std::string& id,
                              const recurring::ScheduleSpec& spec) const;
  Status remove(const Caller& who, const std::string& id) const;
  Result<ScheduleView> find(const Caller& who, const std::string& id) const;
  Result<SchedulePage> page(const Caller& who, const std::string& cursor, std::size_t limit) const;
  // Every schedule the caller sees (an operator: every tenant's, or `tenant`'s), damaged
  // records counted and passed over.
  Result<SchedulePage> all(const Caller& who, const std::optional<std::string>& tenant) const;

 private:
  Result<recurring::ScheduleBook> book() const;
  recurring::ScheduleServiceDeps deps(recurring::ScheduleBook& book) const;
  ScheduleView view(recurring::Schedule s, const Caller& who) const;

  const Services& s_;
};

// The rules' caller for a front door's: a tenant's key rights, or an operator acting for
// `owner` (empty: for whoever owns the schedule).
recurring::Caller schedule_caller(const Caller& who, const std::string& owner = "");

}  // namespace nmcp::service
