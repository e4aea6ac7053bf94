#include "service/action_words.h"

namespace nmcp::service {

Error worded(Error e, ActionWords words) {
  if (words == nullptr || e.action == Action::None) return e;
  if (std::string w = words(e.action); !w.empty()) e.hint = std::move(w);
  return e;
}

}  // namespace nmcp::service
