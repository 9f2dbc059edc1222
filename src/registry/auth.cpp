// SPDX-License-Identifier: Apache-2.0
#include "berth/registry/auth.hpp"

#include <unistd.h>

#include <cctype>
#include <cstdlib>

#include "berth/base/error.hpp"
#include "berth/base/fs.hpp"
#include "berth/base/json.hpp"

namespace berth::registry {

namespace {

bool isTokenChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string envOr(const char* name, const std::string& fallback) {
  const char* value = ::getenv(name);
  return value != nullptr && *value != '\0' ? std::string(value) : fallback;
}

std::string homeDir() {
  return envOr("HOME", "/root");
}

}  // namespace

std::vector<Challenge> parseWwwAuthenticate(std::string_view header) {
  // Flat scan: a token followed by '=' is a parameter of the current
  // challenge; any other token starts a new challenge (its scheme).
  std::vector<Challenge> challenges;
  std::size_t i = 0;
  const auto skipSpace = [&] {
    while (i < header.size() && (header[i] == ' ' || header[i] == '\t'))
      ++i;
  };
  while (i < header.size()) {
    skipSpace();
    if (i < header.size() && header[i] == ',') {
      ++i;
      continue;
    }
    const std::size_t start = i;
    while (i < header.size() && isTokenChar(header[i]))
      ++i;
    const std::string token(header.substr(start, i - start));
    if (token.empty()) {  // garbage: skip one character
      ++i;
      continue;
    }
    skipSpace();
    if (i >= header.size() || header[i] != '=') {
      challenges.push_back(Challenge{lower(token), {}});
      continue;
    }
    ++i;  // '='
    skipSpace();
    std::string value;
    if (i < header.size() && header[i] == '"') {
      ++i;
      while (i < header.size() && header[i] != '"') {
        if (header[i] == '\\' && i + 1 < header.size()) ++i;
        value += header[i++];
      }
      if (i < header.size()) ++i;  // the closing quote
    } else {
      while (i < header.size() && header[i] != ',' && header[i] != ' ')
        value += header[i++];
    }
    if (challenges.empty()) continue;  // a parameter without a scheme
    challenges.back().params[lower(token)] = value;
  }
  return challenges;
}

std::string base64Encode(std::string_view data) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(data[i]) << 16) |
                       (static_cast<unsigned char>(data[i + 1]) << 8) |
                       static_cast<unsigned char>(data[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (i + 1 == data.size()) {
    const unsigned v = static_cast<unsigned char>(data[i]) << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == data.size()) {
    const unsigned v = (static_cast<unsigned char>(data[i]) << 16) |
                       (static_cast<unsigned char>(data[i + 1]) << 8);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

std::optional<std::string> base64Decode(std::string_view text) {
  while (!text.empty() && text.back() == '=')
    text.remove_suffix(1);
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (char c : text) {
    int v;
    if (c >= 'A' && c <= 'Z') {
      v = c - 'A';
    } else if (c >= 'a' && c <= 'z') {
      v = c - 'a' + 26;
    } else if (c >= '0' && c <= '9') {
      v = c - '0' + 52;
    } else if (c == '+') {
      v = 62;
    } else if (c == '/') {
      v = 63;
    } else {
      return std::nullopt;
    }
    buffer = (buffer << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xff);
    }
  }
  if (bits >= 6) return std::nullopt;  // a lone trailing character
  return out;
}

Credentials parseCredsFlag(std::string_view text) {
  const auto colon = text.find(':');
  Credentials creds;
  creds.username = std::string(text.substr(0, colon));
  if (creds.username.empty())
    throwError(Errc::InvalidArgument, "invalid --creds \"{}\": username can't be empty", text);
  if (colon == std::string_view::npos)
    throwError(Errc::InvalidArgument,
               "invalid --creds \"{}\": expected USERNAME:PASSWORD (berth cannot prompt for the "
               "password)",
               text);
  creds.password = std::string(text.substr(colon + 1));
  return creds;
}

std::string defaultAuthFile(bool rootless) {
  if (const char* env = ::getenv("REGISTRY_AUTH_FILE"); env != nullptr && *env != '\0') return env;
  if (!rootless) return "/run/containers/0/auth.json";
  const char* runtime = ::getenv("XDG_RUNTIME_DIR");
  const std::string dir = runtime != nullptr && *runtime != '\0'
                              ? std::string(runtime)
                              : "/run/user/" + std::to_string(::getuid());
  return dir + "/containers/auth.json";
}

std::vector<std::string> authFilesToRead(const std::string& authFile, bool rootless) {
  if (!authFile.empty()) return {authFile};
  if (const char* env = ::getenv("REGISTRY_AUTH_FILE"); env != nullptr && *env != '\0')
    return {env};
  std::vector<std::string> files = {defaultAuthFile(rootless)};
  files.push_back(envOr("XDG_CONFIG_HOME", homeDir() + "/.config") + "/containers/auth.json");
  files.push_back(envOr("DOCKER_CONFIG", homeDir() + "/.docker") + "/config.json");
  return files;
}

std::string normalizeAuthKey(std::string_view key) {
  std::string_view k = key;
  bool legacy = false;
  for (std::string_view scheme : {"http://", "https://"})
    if (k.rfind(scheme, 0) == 0) {
      k.remove_prefix(scheme.size());
      legacy = true;
    }
  std::string out(k);
  if (legacy || out.find("/v1/") != std::string::npos || out.find("/v2/") != std::string::npos) {
    // Docker's "https://index.docker.io/v1/": only the host counts.
    out = out.substr(0, out.find('/'));
  }
  while (!out.empty() && out.back() == '/')
    out.pop_back();
  if (out == "index.docker.io" || out == "registry-1.docker.io") out = "docker.io";
  return out;
}

std::optional<Credentials> lookupCredentials(const std::vector<std::string>& files,
                                             std::string_view repository) {
  for (const auto& file : files) {
    const auto content = readFileIfExists(file);
    if (!content) continue;
    const Json json = parseJson(*content, file);
    if (!json.is_object())
      throwError(Errc::InvalidArgument, "reading auth file {}: not a JSON object", file);
    const auto auths = json.find("auths");
    if (auths == json.end() || !auths->is_object()) continue;
    std::size_t bestLength = 0;
    const Json* best = nullptr;
    for (auto it = auths->begin(); it != auths->end(); ++it) {
      const std::string key = normalizeAuthKey(it.key());
      if (key.empty()) continue;
      const bool matches =
          repository == key || (repository.size() > key.size() && repository.rfind(key, 0) == 0 &&
                                repository[key.size()] == '/');
      if (matches && key.size() > bestLength) {
        bestLength = key.size();
        best = &it.value();
      }
    }
    if (best == nullptr || !best->is_object()) continue;
    const std::string encoded = best->value("auth", "");
    if (encoded.empty()) continue;
    const auto decoded = base64Decode(encoded);
    if (!decoded || decoded->find(':') == std::string::npos)
      throwError(Errc::InvalidArgument, "reading auth file {}: invalid auth entry for {}", file,
                 repository);
    const auto colon = decoded->find(':');
    return Credentials{decoded->substr(0, colon), decoded->substr(colon + 1)};
  }
  return std::nullopt;
}

namespace {

Json readAuthFile(const std::string& file) {
  const auto content = readFileIfExists(file);
  Json json = content && !content->empty() ? parseJson(*content, file) : Json::object();
  if (!json.is_object())
    throwError(Errc::InvalidArgument, "reading auth file {}: not a JSON object", file);
  if (!json.contains("auths") || !json["auths"].is_object()) json["auths"] = Json::object();
  return json;
}

void writeAuthFile(const std::string& file, const Json& json) {
  makeDirs(dirName(file), 0700);
  writeFileAtomic(file, json.dump(1, '\t') + "\n", 0600);
}

}  // namespace

void storeCredentials(const std::string& file, std::string_view key,
                      const Credentials& credentials) {
  Json json = readAuthFile(file);
  json["auths"][std::string(key)] =
      Json{{"auth", base64Encode(credentials.username + ":" + credentials.password)}};
  writeAuthFile(file, json);
}

bool removeCredentials(const std::string& file, std::string_view key) {
  if (!pathExists(file)) return false;
  Json json = readAuthFile(file);
  Json& auths = json["auths"];
  bool removed = false;
  for (auto it = auths.begin(); it != auths.end();) {
    if (it.key() == key || normalizeAuthKey(it.key()) == key) {
      it = auths.erase(it);
      removed = true;
    } else {
      ++it;
    }
  }
  if (removed) writeAuthFile(file, json);
  return removed;
}

void removeAllCredentials(const std::string& file) {
  if (::unlink(file.c_str()) != 0 && errno != ENOENT) throwErrno("remove {}", file);
}

}  // namespace berth::registry
