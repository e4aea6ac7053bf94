#pragma once
// KeyRights: what each API key may do, published in the store (records of kind "key_rights",
// one per key digest) by the servers that load the keys file, at start and at each reload. A
// schedule remembers the key that made it (its digest, never the key), and whichever process
// leads the schedules (a worker has no keys file) reads that key's rights here at each firing:
// a key deleted from the file, or narrowed in its tools, pools or role, no longer fires it.
//
// Every replica should load the same keys file: the last to publish decides. A key is never
// stored, only its SHA-256 digest, as in the file.
//
// Errors: the store's. Thread-safety: as the store's.

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/base/result.h"
#include "core/store/task_store.h"
#include "core/task/task.h"

namespace nmcp::recurring {

struct KeyRights {
  std::string key_id;  // the key's SHA-256 digest, lower-case hex
  std::string tenant;
  // The kinds of scan the key may start (from its tools= and role); nullopt: every kind.
  std::optional<std::set<task::ScanType>> scan_types;
  // The pools it may use; nullopt: every pool.
  std::optional<std::set<std::string>> pools;
  bool operator==(const KeyRights&) const = default;
};

class KeyRightsBook {
 public:
  explicit KeyRightsBook(store::RecordStore& records) : records_(records) {}

  // Makes the published rights exactly `keys`: each is written, and a key published before
  // that is not among them is erased (it was deleted from the file).
  Status publish(const std::vector<KeyRights>& keys);
  // The key's rights as last published; nullopt when no server publishes it (any more).
  Result<std::optional<KeyRights>> find(const std::string& key_id);

 private:
  store::RecordStore& records_;
};

}  // namespace nmcp::recurring
