#pragma once
// The rights of the API keys this server loads, published in the store (recurring::KeyRights)
// at start and after each reload, so that the process leading the schedules (perhaps a worker,
// which has no keys file) fires a schedule only while the key that made it still allows it.
// A composition-root helper: it maps the MCP layer's principals (tools=, pools=, role=) to the
// kinds of scan and pools core checks.
//
// Thread-safety: publish() from one thread at a time (start, then the signal thread).

#include <memory>

#include "core/base/result.h"
#include "core/store/task_store.h"
#include "mcp/http/api_keys.h"

namespace nmcp::app {

// Publishes `keys` (null: no keys file, nothing to publish). Logs what it did or why it could
// not; the error is returned too.
Status publish_key_rights(const std::shared_ptr<mcp::ApiKeys>& keys, store::RecordStore& store);

}  // namespace nmcp::app
