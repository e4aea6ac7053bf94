#pragma once
// How a front door words what the application layer suggests doing next (core/base/error.h's
// Action): a tool for an agent, a command for an operator. The layer below never names either.
// Pure; thread-safe.

#include <string>

#include "core/base/error.h"

namespace nmcp::service {

// A front door's sentence for an action; empty when it has none (the neutral words are used).
using ActionWords = std::string (*)(Action);

// `e` with its hint in the front door's words when it has words for its action.
Error worded(Error e, ActionWords words);

}  // namespace nmcp::service
