// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>

#include "berth/runtime/rootfs.hpp"

namespace berth::runtime {

/// Which rootfs driver works for a store, and how Podman would name it.
struct GraphDriverInfo {
  RootfsDriver driver = RootfsDriver::Vfs;  ///< what mountRootfs will manage to use
  /// Podman's graphDriverName: "overlay" for native overlay and for
  /// fuse-overlayfs (its overlay driver with a mount_program), else "vfs".
  std::string name;
  std::string mountProgram;         ///< fuse-overlayfs's path, for FuseOverlayfs
  std::string mountProgramVersion;  ///< its `--version` output, for FuseOverlayfs
  std::string backingFilesystem;    ///< graph root's filesystem: "extfs", "xfs", "tmpfs", ...
};

/// Finds out which driver mounts a rootfs under `graphRoot`: native overlay
/// if a test mount succeeds (with userxattr when `rootless`), else
/// fuse-overlayfs if it is on PATH and its test mount succeeds, else vfs.
///
/// The test mounts run in a forked child in a new mount namespace (and a new
/// user namespace when not root), on a scratch dir made under graphRoot, or
/// its nearest existing parent when the store does not exist yet; nothing
/// stays mounted or on disk. The result is cached in `cacheFile` (when set
/// and its directory exists: put it on the run root, a tmpfs, so a reboot
/// into another kernel probes again) for this graph root, mode and
/// fuse-overlayfs path. Never throws: what cannot be probed is vfs.
GraphDriverInfo detectGraphDriver(bool rootless, const std::string& graphRoot,
                                  const std::string& cacheFile = "");

/// The name containers/storage gives a filesystem magic (statfs f_type):
/// "extfs", "xfs", "btrfs", "tmpfs", "overlayfs", ...; else "0x<hex>".
std::string backingFilesystemName(unsigned long magic);

}  // namespace berth::runtime
