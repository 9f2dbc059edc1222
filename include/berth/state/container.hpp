// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "berth/base/json.hpp"

namespace berth::state {

/// Schema versions of the on-disk records. A reader accepts its own version
/// and older ones; a newer one is refused rather than misread.
inline constexpr int kContainerConfigVersion = 1;
inline constexpr int kContainerStateVersion = 1;

/// Podman's container states (libpod define.ContainerStatus).
enum class ContainerStatus {
  Configured,
  Created,
  Running,
  Paused,
  Stopping,
  Stopped,
  Exited,
  Removing,
  Unknown,
};

/// "created", "running", ... as Podman prints them.
std::string_view toString(ContainerStatus status) noexcept;
/// The inverse; Unknown for anything else.
ContainerStatus parseContainerStatus(std::string_view text) noexcept;

/// Written once by create (config.json); never changes afterwards except by
/// rename. `extra` holds the record as read, so fields berth does not know
/// are written back unchanged and in their place.
struct ContainerConfig {
  std::string id;
  std::string name;
  std::int64_t createdNs = 0;  ///< nanoseconds since the epoch
  std::string imageName;       ///< as the user named it, normalised
  std::string imageId;
  std::vector<std::string> command;  ///< the full command line of create/run
  std::map<std::string, std::string> labels;
  Json spec = Json::object();   ///< the container's full specification
  Json extra = Json::object();  ///< the record as read; unknown fields survive

  Json toJson() const;
  /// Throws Error(InvalidArgument) naming `what` for a record that is not an
  /// object, lacks id/name, or has a newer schema version.
  static ContainerConfig fromJson(const Json& json, std::string_view what);
  /// The same without copying the record (extra keeps it, spec is moved out).
  static ContainerConfig fromJson(Json&& json, std::string_view what);
};

/// The mutable part (state.json), written only by a CLI process that holds
/// the container's lock.
struct ContainerState {
  ContainerStatus status = ContainerStatus::Configured;
  pid_t pid = 0;                   ///< container init, host pid namespace
  std::uint64_t pidStartTime = 0;  ///< /proc/<pid>/stat field 22: detects pid reuse
  pid_t monitorPid = 0;
  std::uint64_t monitorStartTime = 0;
  std::string bootId;  ///< /proc/sys/kernel/random/boot_id when started
  std::optional<int> exitCode;
  std::int64_t startedNs = 0;
  std::int64_t finishedNs = 0;
  bool oomKilled = false;
  int restartCount = 0;
  Json extra = Json::object();

  Json toJson() const;
  static ContainerState fromJson(const Json& json, std::string_view what);
};

/// Podman's name rule: [a-zA-Z0-9][a-zA-Z0-9_.-]*, and not longer than 253
/// characters. Throws Error(InvalidArgument) naming the bad name.
void validateContainerName(std::string_view name);

}  // namespace berth::state
