// SPDX-License-Identifier: Apache-2.0
// Secrets on disk (Podman's file driver, in berth's layout):
// secrets/<id>/secret.json (metadata, never the data) and secrets/<id>/data
// (mode 0600, in a 0700 directory); secret-names/<name> -> <id>.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "berth/base/json.hpp"
#include "berth/state/name_registry.hpp"
#include "berth/state/paths.hpp"

namespace berth::state {

inline constexpr int kSecretRecordVersion = 1;
/// Podman's limit: data must be larger than 0 and less than 512000 bytes.
inline constexpr std::size_t kSecretMaxSize = 512000;

struct SecretRecord {
  std::string id;  ///< 25 hex characters, as Podman's
  std::string name;
  std::string driver = "file";
  std::int64_t createdNs = 0;
  std::map<std::string, std::string> labels;
  Json extra = Json::object();

  Json toJson() const;
  static SecretRecord fromJson(const Json& json, std::string_view what);
};

/// Podman's secret name rule: 1 to 253 of [a-zA-Z0-9-_.], starting and
/// ending with [a-zA-Z0-9]. Error(InvalidArgument) with Podman's message.
void validateSecretName(std::string_view name);

class SecretStore {
 public:
  explicit SecretStore(StorePaths paths);

  /// Records a new secret with its data, both appearing at once (a hidden
  /// directory renamed into place). Error(AlreadyExists) "NAME: secret name
  /// in use"; Error(InvalidArgument) for a bad name or size.
  void create(const SecretRecord& record, std::string_view data) const;

  /// The id for a name, a full id or a unique id prefix.
  /// Error(NoSuchObject) `no secret with name or id "x": no such secret`.
  std::string resolve(std::string_view nameOrId) const;
  bool exists(std::string_view nameOrId) const;
  SecretRecord read(const std::string& id) const;
  /// The secret's data (for a container's start only).
  std::string readData(const std::string& id) const;
  std::vector<std::string> listIds() const;
  void remove(const std::string& id) const;

 private:
  std::string dir(const std::string& id) const;
  StorePaths paths_;
  NameRegistry names_;
};

}  // namespace berth::state
