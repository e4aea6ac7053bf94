#pragma once
// The simulator's world: scans and their run state machine, web sessions, exports, fault
// settings and request counters. All access goes through SimState's methods under one mutex,
// so HTTP threads can call them concurrently.
//
// Scan time: a scan lasts scan_seconds of simulated time; simulated time runs `speed` times
// faster than the wall clock. A run goes pending (first 5%) -> running -> completed, or
// aborted halfway, or hangs at 99% (faults); pause, resume and stop pass through pausing,
// resuming and stopping for two simulated seconds before settling.

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "dev/nessus-sim/export_writer.h"
#include "dev/nessus-sim/faults.h"
#include "dev/nessus-sim/options.h"

namespace nessus_sim {

using Clock = std::chrono::steady_clock;

struct ScanRun {
  int history_id = 0;
  std::string uuid;
  std::time_t started = 0;
  std::string status = "running";
};

struct Scan {
  int id = 0;
  std::string uuid;  // "template-..." until the first launch
  std::string name;
  std::string description;
  std::string targets;
  std::string template_uuid;
  int folder_id = 0;
  std::time_t created = 0;
  std::time_t modified = 0;
  ScanCredentials creds;

  // The current (or last) run.
  enum class Phase {
    Empty,
    Running,
    Pausing,
    Paused,
    Resuming,
    Stopping,
    Canceled,
    Completed,
    Aborted
  };
  Phase phase = Phase::Empty;
  Clock::time_point phase_since;
  double progress_before = 0;  // simulated seconds done before phase_since
  std::string outcome = "complete";
  std::time_t run_start = 0;
  std::time_t run_end = 0;
  int network_epoch = 0;  // with --network-drift: how often its targets were scanned before
  std::vector<ScanRun> history;
};

struct Export {
  int file = 0;
  int scan_id = 0;
  std::string token;
  Clock::time_point ready_at;
  std::string mode;  // export_mode at the time of the request
  ExportSpec spec;
  std::string path;  // a real file to serve, with --exports-dir
};

class SimState {
 public:
  explicit SimState(const Options& options);

  // ---- counters and faults
  void count(const std::string& route);
  nlohmann::json stats();
  Faults faults();
  std::string patch_faults(const nlohmann::json& patch);
  // Consumes one request's worth of the route rules, the error burst and reset schedule.
  struct RequestFate {
    int fail_status = 0;  // non-zero: answer with this status
    std::string error;    // the error text to answer with (empty: the usual one)
    int retry_after = 0;  // with it, a Retry-After of this many seconds
    bool reset = false;   // lose the connection
    bool hold = false;    // wait in hold() before answering
    int latency_ms = 0;
  };
  RequestFate next_request_fate(const std::string& route);
  // Blocks the calling request until release_held() (or 10 minutes, so that nothing is held
  // forever by a test that died).
  void hold();
  // Lets every held request go on; returns how many there were.
  int release_held();

  // ---- the web UI's X-API-Token (changes when Nessus is upgraded; /_sim/rotate-api-token)
  std::string api_token();
  std::string rotate_api_token();

  // ---- sessions
  std::string create_session();
  // True if `token` names a live session; counts the use and applies expiry faults.
  bool use_session(const std::string& token);
  void end_session(const std::string& token);

  // ---- scans; each returns an HTTP status and fills `body` (a JSON value, or an error text)
  int create_scan(const nlohmann::json& request, nlohmann::json& body);
  int list_scans(nlohmann::json& body);
  int get_scan(int id, nlohmann::json& body);
  int delete_scan(int id, nlohmann::json& body);
  int launch_scan(int id, nlohmann::json& body);
  int control_scan(int id, const std::string& action, nlohmann::json& body);
  int request_export(int id, const nlohmann::json& request, nlohmann::json& body);
  int export_status(int id, int file, nlohmann::json& body);
  // The export to stream, if it exists and is ready.
  std::optional<Export> ready_export(int id, int file, int& status, std::string& error);

  nlohmann::json folders() const;

  // ---- POST /file/upload: the file is kept under its name for later payloads to reference
  int upload_file(const std::string& name, const std::string& content, nlohmann::json& body);

 private:
  std::string refresh(Scan& scan, Clock::time_point now);  // advances phases; returns status
  double sim_seconds(Clock::duration d) const;
  nlohmann::json scan_summary(Scan& scan, Clock::time_point now);
  ExportSpec spec_for(const Scan& scan) const;
  std::string next_export_file();

  const Options options_;
  std::mutex mu_;
  Faults faults_;
  std::string api_token_;
  std::map<std::string, long> requests_;
  // Called with mu_ held after a scan became active: records the most scans ever active at once
  // (activity only grows at a launch, so checking there gives the exact peak).
  void note_launch(Clock::time_point now);

  std::map<std::string, int> rescans_;  // launches per targets text (--network-drift)
  long scans_created_ = 0, scans_launched_ = 0, sessions_created_ = 0, exports_requested_ = 0;
  long peak_active_scans_ = 0;
  long relaunched_scans_ = 0;  // launches of a scan that had run before (its history not empty)
  long request_number_ = 0;
  std::condition_variable released_;
  long release_generation_ = 0;
  int held_now_ = 0;
  long held_total_ = 0;
  struct Session {
    Clock::time_point created;
    int uses = 0;
  };
  std::map<std::string, Session> sessions_;
  std::map<int, Scan> scans_;
  std::map<int, Export> exports_;
  std::map<std::string, std::string> uploads_;
  int next_scan_id_ = 41;
  int next_file_ = 1000;
  int next_history_ = 500;
  std::size_t next_real_export_ = 0;
};

bool is_terminal(const std::string& status);

}  // namespace nessus_sim

namespace nessus_sim {
// GET /editor/scan/templates
nlohmann::json templates_json();
// A template's uuid by name ("advanced"), for tests and defaults.
std::string template_uuid(const std::string& name);
}  // namespace nessus_sim
