// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace berth::runtime {

/// How a container's root filesystem is put together.
enum class RootfsDriver {
  Overlay,        ///< the kernel's overlayfs (mount(2))
  FuseOverlayfs,  ///< the fuse-overlayfs program, same layers and options
  Vfs,            ///< a full copy of the layers in the upper dir, bind-mounted
};

/// "overlay", "fuse-overlayfs", "vfs".
std::string_view rootfsDriverName(RootfsDriver driver) noexcept;

/// What a container's rootfs is made of. Paths are absolute.
struct RootfsSpec {
  std::vector<std::string> layerDirs;  ///< extracted image layers, bottom first; may be empty
  std::string upperDir;                ///< the container's writable layer (containers/<id>/upper)
  std::string workDir;                 ///< overlay's work dir, same filesystem as upperDir
  std::string target;                  ///< where the merged rootfs appears
  /// A directory of the container's own for helpers of the mount: the empty
  /// lower dir of an image without layers ("empty") and the short links of
  /// a long layer list ("l"). Default (""): the parent of upperDir.
  std::string privateDir;
  bool rootless = false;  ///< in a user namespace: overlay reads user.overlay.* xattrs
  /// Mount with `volatile` (no fsync of the upper layer). For containers
  /// that are removed when they exit: after a crash the upper is not
  /// trustworthy, and overlay refuses it until work/incompat is removed.
  bool volatileUpper = false;
};

/// The overlay mount for a RootfsSpec, computed without touching the system.
struct RootfsPlan {
  RootfsSpec spec;                     ///< privateDir filled in
  std::vector<std::string> lowerDirs;  ///< as overlay stacks them: top layer first
  std::string emptyLowerDir;  ///< set for an image without layers: create it, it is lowerDirs[0]
  std::string source = "overlay";
  std::string fsType = "overlay";
  /// The mount(2) data: lowerdir=top:...:bottom,upperdir=...,workdir=...
  /// [,userxattr][,volatile], with ':' ',' and '\' in paths escaped by '\'.
  std::string overlayData;
  /// Set when the data with absolute lower dirs would not fit in the one
  /// page the kernel copies: overlayData then names the lower dirs by short
  /// relative links "0", "1", ... (lowerDirs[i] is link "i") in this
  /// directory, and the mount runs with it as the working directory, as
  /// containers/storage does with its l/ links.
  std::string linkDir;
  /// `-o` for fuse-overlayfs (absolute paths, no page limit; `fsync=0` for
  /// volatile). Empty when a path holds ':' ',' or '\', which
  /// fuse-overlayfs cannot take; fuseUnsupported says why.
  std::string fuseOptions;
  std::string fuseUnsupported;
};

/// Plans the overlay mount of `spec`. `pageSize` is the kernel's limit on
/// mount data (0: the system's page size). Throws Error(InvalidArgument)
/// naming the bad value for a relative or empty path, a NUL in a path, or
/// upper and work paths too long to fit the data even with short links.
RootfsPlan planRootfs(const RootfsSpec& spec, std::size_t pageSize = 0);

/// Escapes a path for overlay's mount options: '\' before ',' ':' and '\'.
std::string escapeOverlayPath(std::string_view path);

struct MountRootfsOptions {
  /// Use only this driver (and fail if it fails). Default: overlay, then
  /// fuse-overlayfs if it is on PATH, then vfs.
  std::optional<RootfsDriver> driver;
};

/// Mounts the planned rootfs on plan.spec.target; returns the driver used.
/// Creates target, work and upper dirs if missing (a new upper gets the
/// mode and owner of the top layer's root, as overlay shows the upper's
/// root). Automatic fallback happens only when overlay says it cannot work
/// here (EPERM, EACCES, EINVAL, ENODEV, ENOTSUP, ENOSYS), not for a missing
/// layer, and never onto an upper dir holding another driver's data: a vfs
/// copy is recorded in the work dir and always reused, an upper with an
/// overlay diff never gets a vfs copy.
///
/// Runs where the rootfs is needed: in the container's mount namespace
/// (a mount here is not seen by the host), with privilege over it (root,
/// or root of the user namespace). Temporarily changes the working
/// directory for a long layer list: single-threaded callers only. Throws
/// Error naming the mount and errno: "mount overlay on /x/merged: Invalid argument".
RootfsDriver mountRootfs(const RootfsPlan& plan, const MountRootfsOptions& options = {});

/// Unmounts a rootfs mounted by mountRootfs (lazily: MNT_DETACH). Returns
/// false when nothing was mounted there. Throws Error naming the target.
bool unmountRootfs(const std::string& target);

/// The name of the vfs marker in the work dir: the upper dir holds a
/// complete copy of the layers.
inline constexpr std::string_view kVfsCompleteMarker = "berth-vfs-complete";

}  // namespace berth::runtime
