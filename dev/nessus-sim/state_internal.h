#pragma once
// Small helpers the simulator's state files share: random ids as Nessus makes them, which scan
// statuses are active, Nessus's error body, and lenient field reading (Nessus accepts integers
// sent as strings). Thread-safe.

#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

namespace nessus_sim::support {

// The most hosts a scan's targets may expand to.
inline constexpr std::size_t kMaxHosts = 1024;
// Simulated seconds a scan spends pausing, resuming or stopping.
inline constexpr double kTransitionSeconds = 2.0;

std::string random_hex(std::size_t n);
std::string random_uuid();
// pending, running, pausing, paused, resuming, stopping.
bool is_active(const std::string& status);
nlohmann::json error_body(const std::string& message);
std::string str_field(const nlohmann::json& obj, const char* key);
// Integers may arrive as strings ("scanner_id": "1"), as some clients send them.
int int_field(const nlohmann::json& obj, const char* key, int fallback);
bool bool_field(const nlohmann::json& obj, const char* key);

}  // namespace nessus_sim::support
