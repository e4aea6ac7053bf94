#pragma once
// The findings index's SQLite schema, shared by its writer and its reader. Version 2 added
// hosts.credential_protocols (per-protocol credential outcomes, JSON); version 1 files still
// open, without them.
// Internal to core/findings.

namespace nmcp::findings::schema {

inline constexpr int kVersion = 2;
inline constexpr int kOldestReadable = 1;

inline constexpr const char* kCreate = R"sql(
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE hosts (
  id INTEGER PRIMARY KEY, name TEXT NOT NULL, ip TEXT NOT NULL, fqdn TEXT NOT NULL,
  netbios TEXT NOT NULL, os TEXT NOT NULL, mac TEXT NOT NULL, start TEXT NOT NULL,
  end TEXT NOT NULL, credential_status TEXT NOT NULL, credential_account TEXT NOT NULL,
  credential_reason TEXT NOT NULL, critical INTEGER NOT NULL, high INTEGER NOT NULL,
  medium INTEGER NOT NULL, low INTEGER NOT NULL, info INTEGER NOT NULL,
  properties TEXT NOT NULL, credential_protocols TEXT NOT NULL);
CREATE TABLE plugins (
  id INTEGER PRIMARY KEY, plugin_id INTEGER NOT NULL, name TEXT NOT NULL, family TEXT NOT NULL,
  children TEXT NOT NULL);
CREATE TABLE findings (
  id INTEGER PRIMARY KEY, host INTEGER NOT NULL, plugin INTEGER NOT NULL, port INTEGER NOT NULL,
  protocol TEXT NOT NULL, service TEXT NOT NULL, severity INTEGER NOT NULL,
  reported_severity INTEGER NOT NULL, output TEXT NOT NULL);
)sql";

}  // namespace nmcp::findings::schema
