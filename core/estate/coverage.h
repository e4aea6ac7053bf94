#pragma once
// When a finding's absence from a later scan proves it fixed (issue 26; the rule Tenable VM
// calls mitigation). A finding missing from a scan is fixed only when that scan looked where
// the finding was, in the way that finds it: it covered the asset, scanned that port and
// protocol, ran the plugin's family, and, for a local check (one that runs on the host and
// needs a login), logged in to that host. Otherwise the absence proves nothing and the finding
// stays open, "not re-checked" for the reason given. The estate's fold and compare_scans both
// decide with this one rule. Pure; thread-safe.

#include <string>
#include <string_view>

namespace nmcp::estate {

// What a finding was observed to be in one completed scan.
enum class Sighting {
  Seen,          // in the scan's results
  Absent,        // missing, and the scan would have found it: evidence of a fix
  NotRechecked,  // missing, but the scan could not have found it (see AbsenceVerdict::reason)
};

// When one scan says several things of a finding (a host listed twice, observations joined by
// a merge), the strongest counts: seen (0), then absent (1), then not re-checked (2). Also the
// engines' stored number of a sighting.
int strength(Sighting sighting);
Sighting sighting_of_strength(int n);

// What a later scan did where the finding was.
struct AbsenceFacts {
  bool host_covered = false;  // the scan covered the asset
  bool port_covered = false;  // it scanned the finding's port and protocol there (port 0 always)
  bool family_ran = false;    // its policy ran the plugin's family
  bool needs_login = false;   // the plugin is a local check
  bool logged_in = false;     // the scan logged in to the host (success or partial)
};

struct AbsenceVerdict {
  Sighting sighting = Sighting::NotRechecked;
  std::string reason;  // for NotRechecked: why the absence proves nothing, in words for the agent
};

AbsenceVerdict judge_absence(const AbsenceFacts& facts);

std::string_view to_string(Sighting sighting);

}  // namespace nmcp::estate
