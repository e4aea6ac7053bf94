#pragma once
// Records: small named documents of one kind (a schedule, a tenant's quota bucket) that core's
// rules keep in the store so every process of a deployment sees the same state. The store
// gives them storage and one atomic read-modify-write each, nothing more: what a record means
// and when it may change is the rule's, written once in core (core/recurring, core/quota).
//   kind  1-32 characters of a-z, 0-9 and '_'
//   key   1-200 printable ASCII characters without spaces
//   body  any text up to 1 MiB (the rules store JSON)
//
// Thread-safety: pure values and functions.

#include <cstddef>
#include <functional>
#include <optional>
#include <string>

#include "core/base/result.h"

namespace nmcp::store {

inline constexpr std::size_t kMaxRecordBody = 1 << 20;

struct Record {
  std::string key;
  std::string body;
  bool operator==(const Record&) const = default;
};

// What a change decides about a record: keep it as it is, store a new body, or erase it.
struct RecordEdit {
  enum class Action { Keep, Put, Erase };
  Action action = Action::Keep;
  std::string body;

  static RecordEdit keep() { return {}; }
  static RecordEdit put(std::string body) { return {Action::Put, std::move(body)}; }
  static RecordEdit erase() { return {Action::Erase, {}}; }
};

// Runs on the record as stored (nullopt: there is none). An error writes nothing and is
// returned to the caller. A backend may run it more than once (an optimistic retry), so it
// must not act outside the record.
using RecordChange = std::function<Result<RecordEdit>(const std::optional<std::string>& current)>;

namespace records {

Status validate_kind(const std::string& kind);
Status validate_key(const std::string& key);
Status validate_body(const std::string& body);

}  // namespace records
}  // namespace nmcp::store
