#pragma once
// A child process with piped stdin/stdout/stderr, for tests that drive real binaries: write
// lines, read lines with a deadline, collect stderr, stop it. Not thread-safe: one test thread
// owns a Subprocess.

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace nmcp::testing {

class Subprocess {
 public:
  // Starts argv[0] (a path) with the given arguments. Throws std::runtime_error on failure.
  explicit Subprocess(std::vector<std::string> argv);
  ~Subprocess();
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  void write(const std::string& data);
  void write_line(const std::string& line) { write(line + "\n"); }
  void close_stdin();

  // The next stdout line (without '\n'), or nullopt if none arrives before the deadline or
  // stdout closes.
  std::optional<std::string> read_line(std::chrono::milliseconds timeout);
  // The next stderr line matching `needle`, waiting up to `timeout`.
  std::optional<std::string> wait_stderr(const std::string& needle,
                                         std::chrono::milliseconds timeout);
  // Everything read from stderr so far (plus whatever is available now).
  std::string stderr_text();

  void signal(int sig);
  // Waits for exit; returns the exit status (128+signal if killed), or nullopt on timeout.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  pid_t pid() const { return pid_; }

 private:
  bool fill(int fd, std::string& buffer, std::chrono::milliseconds timeout);

  pid_t pid_ = -1;
  int in_ = -1;
  int out_ = -1;
  int err_ = -1;
  std::string out_buf_;
  std::string err_buf_;
  std::string err_all_;
  std::optional<int> status_;
};

// A fresh directory under $TMPDIR, removed with its contents on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name, const std::string& content) const;

 private:
  std::string path_;
};

}  // namespace nmcp::testing
