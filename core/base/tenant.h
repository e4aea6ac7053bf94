#pragma once
// The tenant of a caller without an API key (stdio, key-less HTTP on loopback), and the owner
// admin_cli gives an imported scan unless told otherwise: one name for the whole product.

namespace nmcp {

inline constexpr const char* kLocalTenant = "local";

}  // namespace nmcp
