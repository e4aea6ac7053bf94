#pragma once
// A completed scan's findings index as the estate folds it in (core/estate/scan_fold.h): each
// host with its identifiers, its login outcome and the ports and protocols the scan reported
// anything on; each finding with its plugin's facts and what searches read. The policy's
// plugin families are not in the index: the fold takes every family as run (a fix by a scan
// whose policy left a family out is then possible; noted in phases/17). Pure; thread-safe.

#include <cstdint>
#include <string>

#include "core/estate/scan_fold.h"
#include "core/findings/findings_index.h"

namespace nmcp::findings {

estate::ScanFold scan_fold_of(const FindingsIndex& index, std::string tenant, std::string scan_id,
                              std::int64_t scan_time);

}  // namespace nmcp::findings
