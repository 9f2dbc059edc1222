// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "berth/base/file_lock.hpp"
#include "berth/state/container.hpp"
#include "berth/state/name_registry.hpp"
#include "berth/state/paths.hpp"

namespace berth::state {

/// The containers of one store on disk: containers/<id>/{config,state}.json
/// and names/<name> -> <id>. Reads need no lock (every write is an atomic
/// rename); writes of a container's state need that container's lock.
class ContainerStore {
 public:
  explicit ContainerStore(StorePaths paths);

  const StorePaths& paths() const noexcept { return paths_; }

  /// Validates the name, reserves it, and makes the container visible with
  /// both records at once (written into a hidden directory, then renamed).
  /// Throws Error(InvalidArgument) for a bad name, Error(AlreadyExists) when
  /// the name or id is taken; nothing is left behind on failure.
  /// `files` (name, content) are written beside the records, in the same
  /// hidden directory, so they appear with them.
  /// `durable`: fsync the records before and after the rename.
  void create(const ContainerConfig& config, const ContainerState& initial,
              const std::vector<std::pair<std::string, std::string>>& files = {},
              bool durable = true);

  /// The full id for a full id, a name, or a unique id prefix, in Podman's
  /// order (exact id, exact name, prefix). Throws Error(NoSuchContainer)
  /// `no container with name or ID "x" found: no such container`, or
  /// Error(InvalidArgument) listing the matches of an ambiguous prefix.
  std::string resolve(std::string_view idOrName) const;

  /// Ids of all containers, in no particular order. Hidden (in-creation)
  /// directories are skipped.
  std::vector<std::string> listIds() const;

  bool exists(std::string_view id) const;

  ContainerConfig readConfig(const std::string& id) const;
  ContainerState readState(const std::string& id) const;

  /// readConfig for listings (container_summary.cpp): config.json alone,
  /// without building a DOM: the fields plus spec {"rm"} and extra
  /// {"args"}. Never write it back.
  ContainerConfig readConfigSummary(const std::string& id) const;
  /// readState for listings: the fields, no extra. Never write it back.
  ContainerState readStateSummary(const std::string& id) const;

  /// Replaces state.json atomically. The caller holds lock(id).
  void writeState(const std::string& id, const ContainerState& state, bool durable = true) const;
  /// Replaces config.json (network connect/disconnect); the caller holds
  /// the container's lock.
  void writeConfig(const ContainerConfig& config) const;

  /// The container's lock (runroot/locks/<id>.lock).
  FileLock lock(const std::string& id) const;

  /// Deletes the container's records and frees its name. The caller holds
  /// lock(id) and has already torn down everything the container used.
  void remove(const std::string& id) const;

  /// Gives the container a new name (validated, reserved, then the old one
  /// freed). The caller holds lock(id).
  void rename(const std::string& id, std::string_view newName) const;

 private:
  std::string configPath(const std::string& id) const;
  std::string statePath(const std::string& id) const;

  StorePaths paths_;
  NameRegistry names_;
};

}  // namespace berth::state
