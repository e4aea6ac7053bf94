#include "core/estate/coverage.h"

namespace nmcp::estate {

AbsenceVerdict judge_absence(const AbsenceFacts& f) {
  if (!f.host_covered) return {Sighting::NotRechecked, "the scan did not cover the host"};
  if (!f.port_covered) {
    return {Sighting::NotRechecked, "the scan did not scan that port and protocol"};
  }
  if (!f.family_ran) return {Sighting::NotRechecked, "the scan did not run the plugin's family"};
  if (f.needs_login && !f.logged_in) {
    return {Sighting::NotRechecked,
            "a local check, and the scan did not log in to the host (unauthenticated, or the "
            "login failed)"};
  }
  return {Sighting::Absent, {}};
}

std::string_view to_string(Sighting sighting) {
  switch (sighting) {
    case Sighting::Seen:
      return "seen";
    case Sighting::Absent:
      return "absent";
    case Sighting::NotRechecked:
      return "not_rechecked";
  }
  return "not_rechecked";
}

}  // namespace nmcp::estate
