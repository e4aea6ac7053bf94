#include "tests/support/nessus_sim.h"

#include <stdexcept>

#include "scanners/nessus/https_client.h"

namespace nmcp::testing {
namespace {

std::vector<std::string> command(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {NMCP_SIM_BINARY, "--port", "0", "--speed", "1000"};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

}  // namespace

SimProcess::SimProcess(const std::vector<std::string>& args) : process_(command(args)) {
  for (int i = 0; i < 2; ++i) {
    const auto line = process_.read_line(std::chrono::milliseconds(10000));
    if (!line) throw std::runtime_error("nessus-sim did not start: " + process_.stderr_text());
    if (line->rfind("port=", 0) == 0) port_ = std::stoi(line->substr(5));
    if (line->rfind("fingerprint=sha256:", 0) == 0) fingerprint_ = line->substr(19);
  }
  if (port_ == 0 || fingerprint_.size() != 64)
    throw std::runtime_error("nessus-sim printed no port or fingerprint");
}

config::InstanceConfig SimProcess::api_keys_instance(const std::string& id) const {
  config::InstanceConfig c;
  c.id = id;
  c.url = url();
  c.auth.mode = config::AuthMode::ApiKeys;
  c.auth.access_key = kSimAccessKey;
  c.auth.secret_key = kSimSecretKey;
  c.tls.fingerprint = fingerprint_;
  c.request_timeout = std::chrono::seconds(10);
  return c;
}

config::InstanceConfig SimProcess::session_instance(bool ui_token, const std::string& id) const {
  config::InstanceConfig c = api_keys_instance(id);
  c.auth = {};
  c.auth.mode = config::AuthMode::Session;
  c.auth.username = kSimUser;
  c.auth.password = kSimPassword;
  c.auth.ui_token = ui_token;
  return c;
}

nlohmann::json SimProcess::control(const std::string& method, const std::string& path,
                                   const nlohmann::json& body) {
  scanners::HttpsClient::Options o;
  o.url = url();
  o.tls.fingerprint = fingerprint_;
  auto client = scanners::HttpsClient::create(o);
  if (!client) throw std::runtime_error(client.error().message);
  auto reply = (*client)->send({method, path, {}, body.is_null() ? "" : body.dump(), "", false});
  if (!reply || reply->status != 200)
    throw std::runtime_error("nessus-sim control call failed: " + path);
  return nlohmann::json::parse(reply->body);
}

nlohmann::json SimProcess::stats() { return control("GET", "/_sim/stats", nullptr); }
void SimProcess::set_faults(const nlohmann::json& patch) { control("POST", "/_sim/faults", patch); }
std::string SimProcess::rotate_api_token() {
  return control("POST", "/_sim/rotate-api-token", nlohmann::json::object())["api_token"];
}

}  // namespace nmcp::testing
