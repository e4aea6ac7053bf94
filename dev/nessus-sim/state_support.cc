#include <random>

#include "dev/nessus-sim/state_internal.h"

namespace nessus_sim::support {

std::string random_hex(std::size_t n) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s(n, '0');
  for (auto& c : s) c = kDigits[rng() % 16];
  return s;
}

std::string random_uuid() {
  return random_hex(8) + "-" + random_hex(4) + "-" + random_hex(4) + "-" + random_hex(4) + "-" +
         random_hex(12);
}

bool is_active(const std::string& status) {
  return status == "pending" || status == "running" || status == "pausing" || status == "paused" ||
         status == "resuming" || status == "stopping";
}

nlohmann::json error_body(const std::string& message) { return {{"error", message}}; }

std::string str_field(const nlohmann::json& obj, const char* key) {
  const auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// Integers may arrive as strings ("scanner_id": "1"), as some clients send them.
int int_field(const nlohmann::json& obj, const char* key, int fallback) {
  const auto it = obj.find(key);
  if (it == obj.end()) return fallback;
  if (it->is_number_integer()) return it->get<int>();
  if (it->is_string()) {
    try {
      return std::stoi(it->get<std::string>());
    } catch (const std::exception&) {
      return fallback;
    }
  }
  return fallback;
}

bool bool_field(const nlohmann::json& obj, const char* key) {
  const auto it = obj.find(key);
  return it != obj.end() && it->is_boolean() && it->get<bool>();
}

}  // namespace nessus_sim::support
