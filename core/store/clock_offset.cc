#include "core/store/clock_offset.h"

#include <cstdlib>

namespace nmcp::store {

bool ClockReading::beyond(Millis bound) const {
  return std::llabs(offset_ms) - uncertainty_ms > bound;
}

nlohmann::json ClockReading::to_json(Millis bound) const {
  return {{"offset_ms", offset_ms},
          {"uncertainty_ms", uncertainty_ms},
          {"bound_ms", bound},
          {"reference", store_has_clock ? "store" : "this host"},
          {"ok", !beyond(bound)}};
}

Result<ClockReading> read_clock_offset(TaskStore& store, const Clock& clock) {
  ClockReading r;
  const Millis before = clock.now();
  auto server = store.server_time();
  const Millis after = clock.now();
  if (!server) return fail(server.error());
  r.read_at = after;
  if (!*server) return r;
  r.store_has_clock = true;
  const Millis mid = before + (after - before) / 2;
  r.offset_ms = **server - mid;
  r.uncertainty_ms = (after - before + 1) / 2;
  return r;
}

}  // namespace nmcp::store
