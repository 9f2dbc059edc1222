// SPDX-License-Identifier: Apache-2.0
// Named and anonymous volumes on disk: volumes/<name>/volume.json (the
// record) and volumes/<name>/_data (what containers see), as Podman's local
// driver lays them out.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "berth/base/file_lock.hpp"
#include "berth/base/json.hpp"
#include "berth/state/paths.hpp"

namespace berth::state {

inline constexpr int kVolumeRecordVersion = 1;

/// volume.json. Written whole and atomically.
struct VolumeRecord {
  std::string name;
  std::string driver = "local";
  std::int64_t createdNs = 0;
  std::map<std::string, std::string> labels;
  /// --opt KEY=VALUE as given (type, o, device), plus "UID"/"GID" as Podman
  /// records --uid/--gid and o=uid=/gid=.
  std::map<std::string, std::string> options;
  std::optional<uid_t> uid;  ///< the owner of _data, when the user chose one
  std::optional<gid_t> gid;
  bool anonymous = false;   ///< made for one container (-v /dst, an image VOLUME)
  bool needsCopyUp = true;  ///< the first container fills it from its image
  bool needsChown = true;   ///< the first container gives it its owner
  Json extra = Json::object();

  Json toJson() const;
  /// Throws Error(InvalidArgument) naming `what` for a malformed record.
  static VolumeRecord fromJson(const Json& json, std::string_view what);
};

/// Podman's volume name rule: [a-zA-Z0-9][a-zA-Z0-9_.-]*. Throws
/// Error(InvalidArgument) "names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*:
/// invalid argument" (with the name, as `what` says it).
void validateVolumeName(std::string_view name);

/// The volumes of one store. Creation and removal take lock(); reading
/// needs none (records are replaced atomically).
class VolumeStore {
 public:
  explicit VolumeStore(StorePaths paths);

  /// The lock every creation and removal of a volume holds, and container
  /// create while it makes the volumes it uses (runroot/locks/volumes.lock).
  /// Never taken while a container's lock is held.
  FileLock lock() const;

  /// Makes volumes/<name> with volume.json and an empty _data (mode 0755,
  /// owned by `record.uid`/`gid` when set) at once: built in a hidden
  /// directory, then renamed into place. Throws Error(AlreadyExists)
  /// "volume with name X already exists: volume already exists"; nothing is
  /// left behind on failure. The caller holds lock().
  void create(const VolumeRecord& record) const;

  bool exists(std::string_view name) const;

  /// Throws Error(NoSuchObject) `no volume with name "x" found: no such volume`.
  VolumeRecord read(const std::string& name) const;

  /// Replaces volume.json of an existing volume.
  void write(const VolumeRecord& record) const;

  /// Names of all volumes, sorted. Hidden (in-creation) entries are skipped.
  std::vector<std::string> list() const;

  /// Deletes the volume and its data. The caller holds lock() and checked
  /// that no container uses it. A missing volume is not an error.
  void remove(const std::string& name) const;

  std::string dir(const std::string& name) const;
  /// volumes/<name>/_data: the Mountpoint.
  std::string dataPath(const std::string& name) const;

 private:
  StorePaths paths_;
};

}  // namespace berth::state
