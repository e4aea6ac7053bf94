#pragma once
// The secret values this process holds, so that text that came from elsewhere (Nessus's errors
// and exports, log lines) is scrubbed by value as well as by field name: a password quoted
// inside an error message or a plugin output is masked even where no "password=" precedes it.
//
// Two kinds, so that no caller can steer what is masked or learn from it (phase 20):
// - the configuration's secrets (credential passwords, keys, passphrases, Nessus API keys):
//   process-wide, remembered as the configuration loads, never forgotten or evicted;
// - a task's own secrets (its inline credentials): a SecretScope on the thread of the worker
//   step that holds them, and gone with it. A scope also names the caller's own text for that
//   task (its name, description, targets): a secret found inside it is not masked on that
//   thread, so what comes back never depends on whether a caller's text equals a secret.
// Masking is never applied to a caller's own text: tool results carry it as given.
//
// Thread-safe: remembering takes a unique lock (rare: configuration loads), masking a shared
// one; scopes are per thread.

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace nmcp {

// Values shorter than this are not remembered: masking every "root" or "admin" in the logs
// would hide more than it protects (field-name redaction still covers them).
inline constexpr std::size_t kMinRememberedSecret = 6;

// Remembers a configured secret `value` for the life of the process, in the forms it takes in
// text (as is, JSON-escaped, XML-escaped) and, for a multi-line value such as a PEM key, each
// line long enough to be recognisable on its own.
void remember_secret(std::string_view value);

// A task's secrets and its caller's own text, for the worker step that runs on this thread.
// Scopes nest; the innermost adds to the outer ones. Not copyable; destroyed on the thread that
// made it, in reverse order.
class SecretScope {
 public:
  SecretScope(const std::vector<std::string>& secrets, const std::vector<std::string>& caller_text);
  ~SecretScope();
  SecretScope(const SecretScope&) = delete;
  SecretScope& operator=(const SecretScope&) = delete;

  struct Forms;  // the values' forms and the caller's exclusions (secret_values.cc)

 private:
  std::unique_ptr<Forms> forms_;
  const SecretScope* outer_;
  friend struct ScopeAccess;
};

// `text` with every secret (configured, and this thread's scopes) replaced by [REDACTED],
// except the ones this thread's scopes found in the caller's own text.
std::string mask_secret_values(std::string_view text);
// Whether `text` holds such a secret (no copy: for scanning large text).
bool contains_secret_value(std::string_view text);

// Masks a stream (an export being downloaded) chunk by chunk: a secret cut by a chunk boundary
// is still found. Uses the secrets and scopes of the thread that builds it, as they are then.
class StreamMasker {
 public:
  using Sink = std::function<bool(std::string_view)>;
  explicit StreamMasker(Sink sink);
  ~StreamMasker();
  StreamMasker(const StreamMasker&) = delete;
  StreamMasker& operator=(const StreamMasker&) = delete;
  // False when the sink refused a piece.
  bool write(std::string_view chunk);
  // Writes what is held back; call once at the end.
  bool finish();

 private:
  struct Snapshot;
  std::unique_ptr<Snapshot> snapshot_;
  Sink sink_;
  std::string held_;
};

// Overwrites the bytes (in a way the compiler may not remove) and empties the string.
void wipe(std::string& secret);

// For tests: forget every configured value.
void forget_secrets_for_tests();

}  // namespace nmcp
