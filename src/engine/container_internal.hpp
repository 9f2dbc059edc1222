// SPDX-License-Identifier: Apache-2.0
// Shared by the container operations of the engine (containers.cpp,
// container_list.cpp): records with their state reconciled, and the
// container's files.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

#include "berth/spec/container_spec.hpp"
#include "berth/state/container.hpp"
#include "berth/state/container_store.hpp"

namespace berth::engine::detail {

/// One container as read from disk, with the state as it really is: a
/// "running" record whose process is gone (or was started before the last
/// boot) reads as exited, with the code from exit.json when the monitor
/// wrote one, else -1. Reading never writes; cleanup folds it in.
struct ContainerRecord {
  state::ContainerConfig config;
  state::ContainerState state;
  bool stale = false;  ///< state differs from state.json: cleanup is due
};

/// `summary`: the config as readConfigSummary gives it (for listings).
ContainerRecord loadContainer(const state::ContainerStore& store, const std::string& id,
                              bool summary = false);

/// The container's spec as recorded at create.
spec::ContainerSpec containerSpec(const state::ContainerConfig& config);

/// /proc/sys/kernel/random/boot_id.
std::string currentBootId();

/// True when `pid` runs and is the process that started at `startTime`.
bool processAlive(pid_t pid, std::uint64_t startTime);

/// Files of a container.
std::string runtimeSpecPath(const state::StorePaths& paths, const std::string& id);
std::string exitFilePath(const state::StorePaths& paths, const std::string& id);
std::string logFilePath(const state::StorePaths& paths, const std::string& id);

/// The ids of the container's exec sessions whose process still runs
/// (container_exec.cpp), sorted. A record whose process is gone is left out.
std::vector<std::string> execSessionIds(const state::StorePaths& paths, const std::string& id);

/// A generated name, Docker's and Podman's adjective_surname style.
std::string generateContainerName();

/// The status line of `ps` ("Up 5 seconds ago", "Exited (0) 2 minutes ago",
/// "Created").
std::string statusText(const state::ContainerState& state, std::int64_t nowNs);

}  // namespace berth::engine::detail
