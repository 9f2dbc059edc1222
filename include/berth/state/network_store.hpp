// SPDX-License-Identifier: Apache-2.0
// Bridge networks on disk: networks/<name>.json in netavark's own format
// (what `network inspect` prints), and the volatile table of the
// containers attached to each (runroot/networks/<name>.json).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "berth/base/file_lock.hpp"
#include "berth/base/json.hpp"
#include "berth/state/paths.hpp"

namespace berth::state {

/// The network every bridge container gets when it names none, listed even
/// though never created (Podman's "podman": 10.88.0.0/16; berth's bridge
/// is berth0).
inline constexpr std::string_view kDefaultNetworkName = "podman";
inline constexpr std::string_view kDefaultNetworkId =
    "2f259bab93aaaaa2542ba43ef33eb990d0999ee1b9924b557b7be53c0b7a1bb9";

/// Podman's name rule [a-zA-Z0-9][a-zA-Z0-9_.-]*: throws
/// Error(InvalidArgument) "network name X invalid: names must match ...".
void validateNetworkName(std::string_view name);

/// The networks of one store. Creating, removing, and attaching or
/// detaching containers take lock(); reading needs none.
class NetworkStore {
 public:
  explicit NetworkStore(StorePaths paths);

  /// runroot/locks/networks.lock: one lock for all networks (attaching a
  /// container reads every network's subnets). Never taken before a
  /// container's lock is released by the same process... it may be taken
  /// while a container's lock is held, never the other way round.
  FileLock lock() const;

  /// The record of `nameOrId` (a name, a full id or a unique id prefix).
  /// Throws Error(NoSuchObject) "unable to find network with name or ID X:
  /// network not found".
  Json find(std::string_view nameOrId) const;
  /// The record by exact name, nullopt if none.
  std::optional<Json> read(std::string_view name) const;
  /// Every network, the default one included, sorted by name.
  std::vector<Json> list() const;
  /// Writes a new record (the caller holds lock() and checked the name).
  void write(const Json& record) const;
  /// Deletes the record (the caller holds lock()).
  void remove(std::string_view name) const;

  /// The containers attached to `name` while they run: an object keyed by
  /// container id ({} when none). The caller holds lock().
  Json members(std::string_view name) const;
  void writeMembers(std::string_view name, const Json& members) const;

  /// The default network's record (not stored until written).
  static Json defaultNetwork();

 private:
  std::string recordPath(std::string_view name) const;
  StorePaths paths_;
};

}  // namespace berth::state
