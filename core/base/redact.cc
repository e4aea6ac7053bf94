#include "core/base/redact.h"

#include <algorithm>
#include <array>
#include <cctype>

#include "core/base/secret_values.h"

namespace nmcp {
namespace {

// Lower-case letters and digits only, so "Secret-Key", "secret_key" and "secretKey" compare equal.
std::string normalise(std::string_view key) {
  std::string out;
  out.reserve(key.size());
  for (char c : key) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u)) out.push_back(static_cast<char>(std::tolower(u)));
  }
  return out;
}

// "credential" is deliberately absent: credential *profile names* are not secrets and operators
// need them in logs; the secrets inside a credentials object sit under keys listed here.
constexpr std::array<std::string_view, 13> kSecretFragments = {
    "password",   "passwd",        "passphrase", "secret",     "token",    "apikey", "accesskey",
    "privatekey", "authorization", "cookie",     "sessionkey", "xapikeys", "bearer"};

bool is_key_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  return std::isalnum(u) || c == '_' || c == '-';
}

// Masks the value after "<key><sep>" for secret-looking keys: key=value, key: value,
// "key":"value".
std::string mask_key_values(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    if (!is_key_char(text[i])) {
      out.push_back(text[i++]);
      continue;
    }
    size_t j = i;
    while (j < text.size() && is_key_char(text[j])) ++j;
    const std::string_view key = text.substr(i, j - i);
    const bool in_config_path = i > 0 && text[i - 1] == '.';
    out.append(key);
    i = j;
    if (!is_secret_key(key)) continue;
    // "credentials.x.password: must be ..." names a field of the configuration in a problem
    // report: the words after it are the problem, not the value (values are masked by value).
    if (in_config_path && i + 1 < text.size() && text[i] == ':' && text[i + 1] == ' ') continue;
    // Optional closing quote of a JSON key, then the separator.
    size_t k = i;
    if (k < text.size() && (text[k] == '"' || text[k] == '\'')) ++k;
    while (k < text.size() && text[k] == ' ') ++k;
    if (k >= text.size() || (text[k] != '=' && text[k] != ':')) continue;
    ++k;
    while (k < text.size() && text[k] == ' ') ++k;
    out.append(text.substr(i, k - i));
    i = k;
    // "Bearer <token>" / "Basic <token>": keep the scheme, mask the credential.
    for (std::string_view scheme : {"Bearer ", "Basic ", "bearer ", "basic "}) {
      if (text.substr(i, scheme.size()) == scheme) {
        out.append(scheme);
        i += scheme.size();
        break;
      }
    }
    char quote = 0;
    if (i < text.size() && (text[i] == '"' || text[i] == '\'')) {
      quote = text[i];
      out.push_back(text[i++]);
    }
    size_t end = i;
    if (quote != 0) {
      while (end < text.size() && text[end] != quote) {
        if (text[end] == '\\' && end + 1 < text.size()) ++end;
        ++end;
      }
    } else {
      while (end < text.size() && text[end] != ' ' && text[end] != ',' && text[end] != '&' &&
             text[end] != ';' && text[end] != '\n' && text[end] != '}')
        ++end;
    }
    if (end > i) out.append(kRedacted);
    i = end;
  }
  return out;
}

// Masks what follows a bare "Bearer " anywhere (headers quoted in messages).
std::string mask_bearer(std::string out) {
  for (std::string_view scheme : {"Bearer ", "bearer "}) {
    size_t pos = 0;
    while ((pos = out.find(scheme, pos)) != std::string::npos) {
      const size_t start = pos + scheme.size();
      size_t end = start;
      while (end < out.size() && out[end] != ' ' && out[end] != '"' && out[end] != ',' &&
             out[end] != '\n')
        ++end;
      if (end > start && out.compare(start, kRedacted.size(), kRedacted) != 0) {
        out.replace(start, end - start, kRedacted);
      }
      pos = start;
    }
  }
  return out;
}

}  // namespace

bool is_secret_key(std::string_view key) {
  const std::string k = normalise(key);
  if (k.empty()) return false;
  return std::any_of(kSecretFragments.begin(), kSecretFragments.end(),
                     [&](std::string_view f) { return k.find(f) != std::string::npos; });
}

namespace {

nlohmann::json redact_with(const nlohmann::json& value,
                           std::string (*mask_text)(std::string_view)) {
  if (value.is_object()) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [key, member] : value.items()) {
      if (is_secret_key(key) && !member.is_null()) {
        out[key] = kRedacted;
      } else {
        out[key] = redact_with(member, mask_text);
      }
    }
    return out;
  }
  if (value.is_array()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& member : value) out.push_back(redact_with(member, mask_text));
    return out;
  }
  if (value.is_string()) {
    const auto& s = value.get_ref<const std::string&>();
    std::string masked = mask_text(s);
    if (masked != s) return masked;
  }
  return value;
}

}  // namespace

nlohmann::json redact(const nlohmann::json& value) { return redact_with(value, &redact_text); }

nlohmann::json redact_for_caller(const nlohmann::json& value) {
  return redact_with(value, &redact_shapes);
}

std::string redact_text(std::string_view text) { return redact_shapes(mask_secret_values(text)); }

std::string redact_shapes(std::string_view text) { return mask_bearer(mask_key_values(text)); }

}  // namespace nmcp
