#pragma once
// A side-effect gate that always admits: for tests that drive the Nessus client directly,
// outside any lease. Production code has no such gate: every caller holds a lease or a term.

#include "core/base/side_effect_gate.h"

namespace nmcp::testing {

inline SideEffectGate& open_gate() {
  struct Open final : SideEffectGate {
    Status may_act() override { return ok(); }
  };
  static Open gate;
  return gate;
}

}  // namespace nmcp::testing
