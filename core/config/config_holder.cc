#include "core/config/config_holder.h"

#include <utility>

namespace nmcp::config {

ConfigHolder::ConfigHolder(std::string path, EnvLookup env)
    : path_(std::move(path)), env_(std::move(env)) {}

Status ConfigHolder::reload() {
  auto loaded = load_config(path_, env_);
  if (!loaded) return fail(loaded.error());
  auto next = std::make_shared<const ScannerConfig>(std::move(*loaded));
  std::vector<Listener> listeners;
  {
    std::lock_guard lock(mu_);
    current_ = next;
    listeners = listeners_;
  }
  for (const auto& l : listeners) l(next);
  return ok();
}

std::shared_ptr<const ScannerConfig> ConfigHolder::current() const {
  std::lock_guard lock(mu_);
  return current_;
}

void ConfigHolder::on_change(Listener listener) {
  std::lock_guard lock(mu_);
  listeners_.push_back(std::move(listener));
}

}  // namespace nmcp::config
