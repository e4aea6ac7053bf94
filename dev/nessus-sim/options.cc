#include "dev/nessus-sim/options.h"

#include <cctype>
#include <cstdlib>
#include <fstream>

namespace nessus_sim {
namespace {

bool to_int(const std::string& s, int min, int max, int& out) {
  char* end = nullptr;
  const long v = std::strtol(s.c_str(), &end, 10);
  if (s.empty() || *end != '\0' || v < min || v > max) return false;
  out = static_cast<int>(v);
  return true;
}

bool is_hex64(const std::string& s) {
  if (s.size() != 64) return false;
  for (const char c : s) {
    if (std::isxdigit(static_cast<unsigned char>(c)) == 0) return false;
  }
  return true;
}

}  // namespace

std::string usage() {
  return R"(Usage: nessus-sim [options]

A Nessus REST API simulator over HTTPS, for development, demos and tests. On start it prints
"port=N" and "fingerprint=sha256:HEX" on stdout; logs go to stderr.

  --host ADDR                  listen address (default 127.0.0.1)
  --port N                     port; 0 picks a free one (default 8834)
  --edition E                  manager | professional | essentials (default manager)
  --speed F                    scan time runs F times faster (default 1; 1000 for tests)
  --scan-seconds N             length of a scan at speed 1 (default 120)
  --cert FILE --key FILE       serve this PEM certificate and key
  --cert-seed S                otherwise generate the certificate from this seed (default
                               "default": always the same certificate and fingerprint)
  --access-key HEX --secret-key HEX   the accepted API keys (64 hex digits each)
  --username U --password P    the accepted web-UI login
  --api-token UUID             the X-API-Token served in /nessus6.js
  --api-token-case upper|lower letter case of that token
  --ssh-user U --ssh-password P --ssh-escalation-password P
                               the SSH credentials that "work" on scanned hosts
  --ssh-authorized-key FILE    public keys (authorized_keys lines) the Linux hosts accept for
                               the SSH user (repeatable; replaces the demo key)
  --ssh-user-ca FILE           the user CA the Linux hosts trust for SSH certificates
  --windows-domain D --windows-admin-user U --windows-admin-password P
  --windows-admin-ntlm-hash H --windows-user U --windows-user-password P
                               the Windows administrator and standard accounts
  --snmp-user U --snmp-auth-password P --snmp-privacy-password P
                               the network devices' SNMPv3 user (SHA1/AES, auth_priv)
  --windows-hosts CIDR --network-hosts CIDR --registry-stopped-hosts CIDR
                               which targets are Windows servers (default 10.50.0.0/16),
                               network devices (10.60.0.0/16), and Windows servers whose
                               Remote Registry service is stopped (10.50.9.0/24)
  --findings-per-host N        findings generated per host (default 12; raise for big exports)
  --network-drift              the network changes between scans: each rescan of the same
                               targets finds one vulnerability fixed and one new per Linux host
  --exports-dir DIR            serve the .nessus files in DIR (in name order) as exports
  --write-cert FILE            write the certificate as PEM to FILE (to trust it as a CA)
  --keep-alive-seconds N       how long an idle connection stays open (default 300, as a real
                               Nessus keeps them for minutes)
Faults (also settable at run time: POST /_sim/faults {"field": value}):
  --session-expire-after-requests N   --session-expire-after-seconds N
  --error-burst N [--error-status S]  the next N API requests fail with S (default 503)
  --latency-ms N                      --reset-every N (every Nth request loses its connection)
  --drop-412-body                     close the connection before a 412 body, as real scanners do
  --scan-outcome complete|abort|hang  --export-mode ok|loading|truncated|malformed
  (run time only) route_rules: [{"route": "GET /scans/{id}", "times": 1, "hold": true}]
                               fail ("status": S, optional "error": text) or hold the next
                               matching requests; a held request is answered after
                               POST /_sim/release
  (run time only) plugin_output_note: text each host's scan information output quotes
  --help
  --version
)";
}

bool parse_options(int argc, char** argv, Options& o, std::string& error) {
  bool authorized_replaced = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) return nullptr;
      return argv[++i];
    };
    auto str = [&](std::string& field) {
      const char* v = value();
      if (v == nullptr) {
        error = a + " needs a value";
        return false;
      }
      field = v;
      return true;
    };
    auto num = [&](int& field, int min, int max) {
      std::string v;
      if (!str(v)) return false;
      if (!to_int(v, min, max, field)) {
        error = a + " must be a whole number from " + std::to_string(min) + " to " +
                std::to_string(max);
        return false;
      }
      return true;
    };
    bool ok = true;
    std::string text;
    if (a == "--help" || a == "-h") {
      o.help = true;
    } else if (a == "--version") {
      o.version = true;
    } else if (a == "--host") {
      ok = str(o.host);
    } else if (a == "--port") {
      ok = num(o.port, 0, 65535);
    } else if (a == "--edition") {
      ok = str(o.edition);
      if (ok && o.edition != "manager" && o.edition != "professional" &&
          o.edition != "essentials") {
        error = "--edition must be manager, professional or essentials";
        ok = false;
      }
    } else if (a == "--speed") {
      ok = str(text);
      char* end = nullptr;
      o.speed = ok ? std::strtod(text.c_str(), &end) : 0;
      if (ok && (end == text.c_str() || *end != '\0' || o.speed <= 0 || o.speed > 1e6)) {
        error = "--speed must be a number above 0";
        ok = false;
      }
    } else if (a == "--scan-seconds") {
      ok = num(o.scan_seconds, 1, 86400);
    } else if (a == "--cert") {
      ok = str(o.cert_path);
    } else if (a == "--key") {
      ok = str(o.key_path);
    } else if (a == "--cert-seed") {
      ok = str(o.cert_seed);
    } else if (a == "--access-key" || a == "--secret-key") {
      ok = str(a == "--access-key" ? o.access_key : o.secret_key);
      if (ok && !is_hex64(a == "--access-key" ? o.access_key : o.secret_key)) {
        error = a + " must be 64 hex digits";
        ok = false;
      }
    } else if (a == "--username") {
      ok = str(o.username);
    } else if (a == "--password") {
      ok = str(o.password);
    } else if (a == "--api-token") {
      ok = str(o.api_token);
    } else if (a == "--api-token-case") {
      ok = str(text);
      if (ok && text == "lower") {
        for (auto& c : o.api_token)
          c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      } else if (ok && text == "upper") {
        for (auto& c : o.api_token)
          c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      } else if (ok) {
        error = "--api-token-case must be upper or lower";
        ok = false;
      }
    } else if (a == "--ssh-user") {
      ok = str(o.ssh_user);
    } else if (a == "--ssh-password") {
      ok = str(o.ssh_password);
    } else if (a == "--ssh-escalation-password") {
      ok = str(o.ssh_escalation_password);
    } else if (a == "--ssh-authorized-key" || a == "--ssh-user-ca") {
      ok = str(text);
      std::ifstream in(text);
      std::string line;
      std::vector<std::string> lines;
      while (ok && std::getline(in, line)) {
        if (!line.empty() && line[0] != '#') lines.push_back(line);
      }
      if (ok && lines.empty()) {
        error = a + ": no key in " + text;
        ok = false;
      } else if (ok && a == "--ssh-user-ca") {
        o.ssh_user_ca = lines.front();
      } else if (ok) {
        if (!authorized_replaced) o.ssh_authorized_keys.clear();
        authorized_replaced = true;
        o.ssh_authorized_keys.insert(o.ssh_authorized_keys.end(), lines.begin(), lines.end());
      }
    } else if (a == "--windows-domain") {
      ok = str(o.windows_domain);
    } else if (a == "--windows-admin-user") {
      ok = str(o.windows_admin_user);
    } else if (a == "--windows-admin-password") {
      ok = str(o.windows_admin_password);
    } else if (a == "--windows-admin-ntlm-hash") {
      ok = str(o.windows_admin_ntlm_hash);
    } else if (a == "--windows-user") {
      ok = str(o.windows_user);
    } else if (a == "--windows-user-password") {
      ok = str(o.windows_user_password);
    } else if (a == "--snmp-user") {
      ok = str(o.snmp_user);
    } else if (a == "--snmp-auth-password") {
      ok = str(o.snmp_auth_password);
    } else if (a == "--snmp-privacy-password") {
      ok = str(o.snmp_privacy_password);
    } else if (a == "--windows-hosts") {
      ok = str(o.windows_hosts);
    } else if (a == "--network-hosts") {
      ok = str(o.network_hosts);
    } else if (a == "--registry-stopped-hosts") {
      ok = str(o.registry_stopped_hosts);
    } else if (a == "--findings-per-host") {
      ok = num(o.findings_per_host, 1, 1000000);
    } else if (a == "--exports-dir") {
      ok = str(o.exports_dir);
    } else if (a == "--write-cert") {
      ok = str(o.write_cert);
    } else if (a == "--keep-alive-seconds") {
      ok = num(o.keep_alive_seconds, 1, 86400);
    } else if (a == "--session-expire-after-requests") {
      ok = num(o.faults.session_expire_after_requests, 0, 1000000);
    } else if (a == "--session-expire-after-seconds") {
      ok = num(o.faults.session_expire_after_seconds, 0, 86400);
    } else if (a == "--error-burst") {
      ok = num(o.faults.error_burst, 0, 1000000);
    } else if (a == "--retry-after-seconds") {
      ok = num(o.faults.retry_after_seconds, 0, 86400);
    } else if (a == "--error-status") {
      ok = num(o.faults.error_status, 400, 599);
    } else if (a == "--latency-ms") {
      ok = num(o.faults.latency_ms, 0, 600000);
    } else if (a == "--reset-every") {
      ok = num(o.faults.reset_every, 0, 1000000);
    } else if (a == "--network-drift") {
      o.network_drift = true;
    } else if (a == "--drop-412-body") {
      o.faults.drop_412_body = true;
    } else if (a == "--scan-outcome" || a == "--export-mode") {
      ok = str(text);
      if (ok) {
        const std::string err =
            apply_patch(o.faults, {{a == "--scan-outcome" ? "scan_outcome" : "export_mode", text}});
        if (!err.empty()) {
          error = err;
          ok = false;
        }
      }
    } else {
      error = "unknown option \"" + a + "\"";
      ok = false;
    }
    if (!ok) return false;
  }
  if (o.cert_path.empty() != o.key_path.empty()) {
    error = "--cert and --key go together";
    return false;
  }
  return true;
}

}  // namespace nessus_sim
