#pragma once
// The credentials part of POST /scans as Nessus takes it (credentials.add.Host.{SSH,Windows,
// SNMPv3}[] plus the Windows scan settings), checked the way Nessus checks it (a malformed entry
// is a 400 naming the field), and what the simulated hosts make of it: which SSH, Windows and
// SNMPv3 logins work, given the accounts, keys and CA in Options. Key material arrives as the
// names of files uploaded earlier with POST /file/upload.

#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "dev/nessus-sim/export_writer.h"
#include "dev/nessus-sim/options.h"

namespace nessus_sim {

// "" when the payload is well formed (and `out` filled); otherwise the 400's error text.
std::string evaluate_credentials(const nlohmann::json& request, const Options& options,
                                 const std::map<std::string, std::string>& uploads, std::time_t now,
                                 ScanCredentials& out);

}  // namespace nessus_sim
