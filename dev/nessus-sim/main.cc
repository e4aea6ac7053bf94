// nessus-sim: a Nessus REST API simulator over HTTPS (see README.md).

#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <string>
#include <thread>

#include "dev/nessus-sim/cert.h"
#include "dev/nessus-sim/options.h"
#include "dev/nessus-sim/server.h"

int main(int argc, char** argv) {
  nessus_sim::Options options;
  std::string error;
  if (!nessus_sim::parse_options(argc, argv, options, error)) {
    std::fprintf(stderr, "nessus-sim: %s\nTry 'nessus-sim --help'.\n", error.c_str());
    return 2;
  }
  if (options.help) {
    std::fputs(nessus_sim::usage().c_str(), stdout);
    return 0;
  }
  if (options.version) {
    std::printf("nessus-sim %s (simulates the Nessus 10.8.3 REST API)\n", NESSUS_SIM_VERSION);
    return 0;
  }
  nessus_sim::TlsIdentity identity;
  const bool ok =
      options.cert_path.empty()
          ? nessus_sim::generate_identity(options.cert_seed, identity, error)
          : nessus_sim::load_identity(options.cert_path, options.key_path, identity, error);
  if (!ok) {
    std::fprintf(stderr, "nessus-sim: %s\n", error.c_str());
    return 1;
  }

  if (!options.write_cert.empty() &&
      !nessus_sim::write_certificate(identity.cert.get(), options.write_cert, error)) {
    std::fprintf(stderr, "nessus-sim: %s\n", error.c_str());
    return 1;
  }

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  nessus_sim::SimServer server(options, identity);
  const int port = server.bind(error);
  if (port <= 0) {
    std::fprintf(stderr, "nessus-sim: %s\n", error.c_str());
    return 1;
  }
  std::printf("port=%d\nfingerprint=%s\n", port, identity.fingerprint.c_str());
  std::fflush(stdout);
  std::fprintf(stderr, "nessus-sim: %s edition listening on https://%s:%d (speed %g)\n",
               options.edition.c_str(), options.host.c_str(), port, options.speed);

  std::thread watcher([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    server.stop();
  });
  server.serve();
  // serve() also returns if the listener fails; wake the watcher so it can be joined.
  pthread_kill(watcher.native_handle(), SIGTERM);
  watcher.join();
  return 0;
}
