#include "core/store/leadership.h"

namespace nmcp::store::leadership {

namespace {

constexpr task::Millis kMinTtl = 1'000;
constexpr task::Millis kMaxTtl = 24 * 3'600'000;

bool still_mine(const std::optional<Leadership>& current, const Leadership& mine,
                task::Millis now) {
  return current && current->held_at(now) && current->holder == mine.holder &&
         current->token == mine.token;
}

}  // namespace

Status validate_name(const std::string& what, const std::string& name) {
  bool good = !name.empty() && name.size() <= 128;
  for (const char c : name) good = good && c > ' ' && c < 127;
  if (good) return ok();
  return fail(ErrorCode::InvalidArgument,
              "the leader " + what + " must be 1-128 printable characters without spaces",
              "name it like housekeeping or host-1:worker-42");
}

Status validate_ttl(task::Millis ttl_ms) {
  if (ttl_ms >= kMinTtl && ttl_ms <= kMaxTtl) return ok();
  return fail(ErrorCode::InvalidArgument,
              "a leader term is between 1 s and 1 day, not " + std::to_string(ttl_ms) + " ms",
              "renew well within the term: a term of 30 s renewed every 10 s survives two lost "
              "renewals");
}

std::optional<Leadership> lead(const std::optional<Leadership>& current, const std::string& role,
                               const std::string& holder, task::Millis now, task::Millis ttl_ms) {
  if (current && current->held_at(now)) {
    if (current->holder != holder) return std::nullopt;
    Leadership extended = *current;
    extended.expires_at = now + ttl_ms;
    return extended;
  }
  return Leadership{role, holder, (current ? current->token : 0) + 1, now + ttl_ms};
}

Result<Leadership> renew(const std::optional<Leadership>& current, const Leadership& mine,
                         task::Millis now, task::Millis ttl_ms) {
  if (!still_mine(current, mine, now)) {
    return fail(ErrorCode::FailedPrecondition,
                mine.holder + " no longer leads " + mine.role + " (token " +
                    std::to_string(mine.token) + ")",
                "stop the leader's work and ask to lead again");
  }
  Leadership renewed = *current;
  renewed.expires_at = now + ttl_ms;
  return renewed;
}

std::optional<Leadership> resign(const std::optional<Leadership>& current, const Leadership& mine,
                                 task::Millis now) {
  if (!still_mine(current, mine, now)) return std::nullopt;
  Leadership vacant = *current;
  vacant.holder.clear();
  vacant.expires_at = 0;
  return vacant;
}

}  // namespace nmcp::store::leadership
