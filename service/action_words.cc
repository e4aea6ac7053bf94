#include "service/action_words.h"

namespace nmcp::service {

std::string word(ActionWords words, Action a, const std::string& neutral) {
  if (words == nullptr || a == Action::None) return neutral;
  std::string w = words(a);
  return w.empty() ? neutral : w;
}

Error worded(Error e, ActionWords words) {
  e.hint = word(words, e.action, e.hint);
  return e;
}

}  // namespace nmcp::service
