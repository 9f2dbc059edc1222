// SPDX-License-Identifier: Apache-2.0
// A container's root filesystem as a directory fd, for the operations that
// read or write files in it (export, cp, mount): the running container's
// own root, or its layers mounted for the time of the operation.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "berth/state/container.hpp"
#include "berth/state/paths.hpp"

namespace berth::engine::detail {

/// What a container's root filesystem is made of on disk.
struct ContainerLayers {
  std::string label;                   ///< "container <12-hex id>", for messages
  std::vector<std::string> layerDirs;  ///< image layers, bottom first
  std::string upperDir;                ///< containers/<id>/upper (may not exist yet)
  std::string workDir;                 ///< containers/<id>/work
  std::string vfsCopy;                 ///< set when upperDir is a complete copy (vfs driver)
  bool rootless = false;
};

/// The layers of `config`. Throws Error(Internal) naming a missing layer dir.
ContainerLayers containerLayers(const state::StorePaths& paths,
                                const state::ContainerConfig& config);

/// How runWithRootfs mounts a stopped container's root filesystem.
enum class RootfsAccess {
  ReadOnly,  ///< a read-only overlay of the upper dir over the layers (export)
  Writable,  ///< the container's own overlay, upper and work dirs included (cp into)
};

/// Runs `body(rootFd)` in a forked child that has mounted the container's
/// root filesystem in a mount namespace of its own (so the mount is never
/// seen elsewhere and vanishes with the child), with `rootFd` an O_PATH-free
/// directory fd of its root; the mount itself is detached before `body`
/// runs. The child's Error (or any exception) is rethrown here with its
/// kind, errno and message; a child killed by SIGPIPE is EPIPE. `scratchParent`
/// is a directory of the container's (in the run dir) where an empty
/// scratch dir is made and removed again. The caller holds the container's
/// lock: nothing else may mount the upper dir meanwhile. CLI process only;
/// `body` runs after fork (no threads), with stdio inherited.
void runWithRootfs(const ContainerLayers& layers, RootfsAccess access,
                   const std::string& scratchParent, const std::function<void(int rootFd)>& body);

/// Before a container is removed: detaches the mount `berth mount` made
/// of it, whoever still holds it (container_mount.cpp). Caller holds the
/// container's lock.
void releaseUserMount(const state::StorePaths& paths, const std::string& id);

}  // namespace berth::engine::detail
