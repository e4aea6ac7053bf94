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

int strength(Sighting sighting) {
  switch (sighting) {
    case Sighting::Seen:
      return 0;
    case Sighting::Absent:
      return 1;
    case Sighting::NotRechecked:
      return 2;
  }
  return 2;
}

Sighting sighting_of_strength(int n) {
  return n == 0 ? Sighting::Seen : n == 1 ? Sighting::Absent : Sighting::NotRechecked;
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
