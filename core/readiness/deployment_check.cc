#include "core/readiness/deployment_check.h"

#include <unistd.h>

#include "core/base/logging.h"
#include "core/store/lease_timing.h"
#include "core/store/presence.h"

namespace nmcp::readiness {

namespace {

std::string host_name() {
  char host[256] = {0};
  if (::gethostname(host, sizeof host - 1) != 0) return "";
  return host;
}

std::string reasons_of(const std::optional<store::ClockReading>& clock,
                       const std::optional<ResultsBinding>& results, task::Millis bound) {
  std::string out;
  if (clock && clock->beyond(bound)) {
    out = "this process's clock is " + std::to_string(clock->offset_ms) +
          " ms away from the store's (at most " + std::to_string(bound) +
          " ms are allowed): it neither claims scans nor leads until its clock is synchronised "
          "(NTP)";
  }
  if (results && !results->shared) out += (out.empty() ? "" : "; ") + results->reason;
  return out;
}

}  // namespace

DeploymentCheck::DeploymentCheck(store::TaskStore& store, Options options, const Clock& clock)
    : store_(store),
      options_(std::move(options)),
      clock_(clock),
      bound_(store::LeaseTiming{options_.lease_ms}.max_clock_offset()) {}

void DeploymentCheck::refresh() {
  auto reading = store::read_clock_offset(store_, clock_);
  auto binding = bind_results_dir(store_, options_.data_dir);
  std::string reasons, hint;
  nlohmann::json checks;
  {
    std::lock_guard lock(mu_);
    if (reading) clock_reading_ = *reading;  // a store that did not answer keeps the last one
    if (binding) results_ = *binding;
    reasons = reasons_of(clock_reading_, results_, bound_);
    if (results_ && !results_->shared) hint = results_->hint;
    if (reasons != verdict_) {
      if (!reasons.empty()) {
        log::error("deployment", "this process takes no work: " + reasons, {{"hint", hint}});
      } else if (!verdict_.empty()) {
        log::info("deployment", "this process takes work again");
      }
      verdict_ = reasons;
    }
  }
  const auto now = clock_.now();
  store::Presence me;
  me.id = options_.holder;
  me.host = host_name();
  me.pid = ::getpid();
  me.seen_at = now;
  me.live_until = now + options_.lease_ms;
  me.checks = report();
  if (auto s = store::announce(store_, me); !s) {
    log::warn("deployment", "could not announce this process in the store",
              {{"error", s.error().message}});
  }
}

Status DeploymentCheck::may_take_work() const {
  std::lock_guard lock(mu_);
  if (verdict_.empty()) return ok();
  return fail(ErrorCode::FailedPrecondition, verdict_,
              results_ && !results_->shared ? results_->hint : "synchronise this host's clock");
}

nlohmann::json DeploymentCheck::report() const {
  std::lock_guard lock(mu_);
  nlohmann::json r = nlohmann::json::object();
  r["clock"] = clock_reading_ ? clock_reading_->to_json(bound_)
                              : nlohmann::json{{"ok", true},
                                               {"offset_ms", nullptr},
                                               {"bound_ms", bound_},
                                               {"note", "not measured yet"}};
  if (results_) {
    r["results_dir"] = {{"ok", results_->shared}, {"reason", results_->reason}};
  } else {
    r["results_dir"] = {{"ok", true}, {"note", "not checked yet"}};
  }
  return r;
}

std::optional<task::Millis> DeploymentCheck::clock_offset() const {
  std::lock_guard lock(mu_);
  if (!clock_reading_) return std::nullopt;
  return clock_reading_->offset_ms;
}

std::optional<bool> DeploymentCheck::results_shared() const {
  std::lock_guard lock(mu_);
  if (!results_) return std::nullopt;
  return results_->shared;
}

void DeploymentCheck::withdraw() { (void)store::withdraw(store_, options_.holder); }

}  // namespace nmcp::readiness
