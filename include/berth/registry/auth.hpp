// SPDX-License-Identifier: Apache-2.0
// Registry credentials: the WWW-Authenticate challenge, --creds, and the
// auth files Podman and Docker write. Pure (no libcurl): the CLI's login,
// logout and the engine use it without loading the registry plugin.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace berth::registry {

/// One challenge of a WWW-Authenticate header (RFC 7235): the scheme in
/// lower case ("basic", "bearer") and its parameters, names in lower case
/// ("realm", "service", "scope", "error").
struct Challenge {
  std::string scheme;
  std::map<std::string, std::string> params;

  std::string param(const std::string& name) const {
    auto it = params.find(name);
    return it == params.end() ? std::string() : it->second;
  }
};

/// Parses a WWW-Authenticate header value, which may hold several
/// challenges ("Bearer realm=\"https://a/token\",service=\"reg\", Basic
/// realm=x"). Quoted strings may hold commas and escaped quotes. Malformed
/// parts are skipped, never thrown on: a registry's header is input.
std::vector<Challenge> parseWwwAuthenticate(std::string_view header);

std::string base64Encode(std::string_view data);
/// std::nullopt for text that is not standard base64 (padding optional).
std::optional<std::string> base64Decode(std::string_view text);

struct Credentials {
  std::string username;
  std::string password;
  bool empty() const noexcept { return username.empty() && password.empty(); }
};

/// `--creds USERNAME[:PASSWORD]` as Podman parses it (the first ':'
/// splits). Podman prompts for a missing password; berth cannot prompt, so
/// Error(InvalidArgument) for an empty username or a missing password.
Credentials parseCredsFlag(std::string_view text);

/// Where `login` writes and `logout` removes by default, as Podman 4.3:
/// $REGISTRY_AUTH_FILE when set; else rootless
/// $XDG_RUNTIME_DIR/containers/auth.json, root /run/containers/0/auth.json.
std::string defaultAuthFile(bool rootless);

/// The files credentials are read from, in order: only `authFile` when the
/// user named one (--authfile or $REGISTRY_AUTH_FILE); else the default
/// auth file, $XDG_CONFIG_HOME/containers/auth.json (~/.config/...), and
/// Docker's $DOCKER_CONFIG/config.json (~/.docker/config.json).
std::vector<std::string> authFilesToRead(const std::string& authFile, bool rootless);

/// The key of an auth file entry, normalized as containers/image does:
/// without "http://"/"https://"; Docker's legacy "index.docker.io/v1/" is
/// "docker.io"; a path after the host is kept only for a namespaced key
/// ("quay.io/org/repo"), not for Docker's "/v1/" suffix.
std::string normalizeAuthKey(std::string_view key);

/// The credentials for `repository` ("host/path/of/repo") from the first
/// file that has a matching entry: the most specific key wins ("host/a/b",
/// then "host/a", then "host"). Unreadable or malformed files are
/// Error(InvalidArgument) naming the file; missing files are skipped.
std::optional<Credentials> lookupCredentials(const std::vector<std::string>& files,
                                             std::string_view repository);

/// Writes `key` -> base64(user:password) into `file` (Podman's
/// {"auths":{key:{"auth":...}}}, tab-indented), keeping every other entry
/// and field; creates the directory (0700) and the file (0600); atomic.
void storeCredentials(const std::string& file, std::string_view key,
                      const Credentials& credentials);

/// Removes `key` from `file`. False when it had no such entry.
bool removeCredentials(const std::string& file, std::string_view key);

/// Removes every entry of `file` (the file is deleted, as Podman's logout --all).
void removeAllCredentials(const std::string& file);

}  // namespace berth::registry
