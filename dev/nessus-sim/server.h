#pragma once
// The simulator's HTTPS front: authentication (API keys, web sessions, the web-UI X-API-Token),
// edition rules (412 for scan control on Professional and Essentials without the UI token),
// fault injection, request counting, and the Nessus routes over SimState. A loopback-only
// control API lives under /_sim: GET /_sim/stats, POST /_sim/faults.

#include <memory>
#include <string>

#include "dev/nessus-sim/cert.h"
#include "dev/nessus-sim/options.h"

namespace nessus_sim {

class SimServer {
 public:
  SimServer(const Options& options, const TlsIdentity& identity);
  ~SimServer();
  SimServer(const SimServer&) = delete;
  SimServer& operator=(const SimServer&) = delete;

  // Binds the listener; returns the port or -1 (with `error`).
  int bind(std::string& error);
  void serve();
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace nessus_sim
