// SPDX-License-Identifier: Apache-2.0
// The container's mounts as data: planned from the runtime spec without
// touching the system (and unit-tested so), then applied in the container's
// init (sandbox2's Mounts, bubblewrap's SetupOp).
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

#include "berth/oci/runtime_spec.hpp"

namespace berth::runtime {

/// mount(8)-style options turned into what mount(2) takes (crun's table).
struct MountOptions {
  unsigned long flags = 0;        ///< MS_RDONLY, MS_NOSUID, MS_BIND, MS_REC, ... to set
  unsigned long clearFlags = 0;   ///< flags an option turned off ("rw", "suid", "exec", ...)
  unsigned long propagation = 0;  ///< MS_PRIVATE, MS_SHARED, MS_SLAVE, MS_UNBINDABLE (+ MS_REC)
  /// Attributes to set on the mount and every mount below it ("rro",
  /// "rnosuid", ...; and "ro" of an "rbind"): MS_RDONLY, MS_NOSUID, ...
  unsigned long recursiveFlags = 0;
  bool tmpcopyup = false;  ///< copy what the image has under a tmpfs into it
  std::string data;        ///< filesystem options: "mode=755,size=65536k"

  bool isBind() const noexcept;
};

/// Parses the options of one mount. `fsType` decides which words are
/// filesystem data: anything with '=' and a few bare words (devpts'
/// "newinstance", tmpfs' "inode64", ...); a bind mount takes no data.
/// Throws Error(InvalidArgument) naming the option and the destination:
/// `unknown mount option "foo" for /data`.
MountOptions parseMountOptions(const std::vector<std::string>& options, std::string_view fsType,
                               std::string_view destination);

enum class MountStepKind {
  Mount,         ///< mount(source, target, fsType, flags, data); proc, tmpfs, devpts, ...
  Bind,          ///< bind `source` (a host path) on target, then remount with flags
  Cgroup,        ///< cgroup2 in the cgroup namespace; a read-only bind of the host's otherwise
  MakeDevice,    ///< mknod a character device (as root)
  BindDevice,    ///< bind the host's device node on an empty file (rootless: no mknod)
  Symlink,       ///< target -> source (/dev/fd -> /proc/self/fd)
  Mask,          ///< hide: /dev/null bound on a file, an empty read-only tmpfs on a dir
  ReadOnly,      ///< bind a path on itself, read-only
  RootReadOnly,  ///< remount the container's / read-only
};

/// Where a step runs: under the new root before pivot_root (targets are
/// container paths, applied below the rootfs), or in the container's view
/// after it.
enum class MountPhase { BeforePivot, AfterPivot };

/// What a step creates at its target when nothing is there.
enum class MountPointKind {
  Directory,
  File,
  LikeSource,  ///< a directory or a file, whichever the host source is
};

/// One step of the plan.
struct MountStep {
  MountStepKind kind = MountStepKind::Mount;
  MountPhase phase = MountPhase::BeforePivot;
  std::string target;  ///< container path, absolute and clean: "/dev/pts"
  std::string source;  ///< host path (Bind, BindDevice), fs source, link text (Symlink)
  std::string fsType;
  MountOptions options;
  MountPointKind mountPoint = MountPointKind::Directory;
  /// For Mount: when the kernel refuses it (EPERM in a user namespace that
  /// does not own the network or ipc namespace: sysfs, mqueue), bind this
  /// host path instead, with the same flags, as crun does.
  std::string fallbackBindSource;
  mode_t mode = 0;  ///< MakeDevice: permission bits
  unsigned major = 0, minor = 0;
  /// Mask and ReadOnly: a missing path is skipped (not every kernel has
  /// /proc/timer_stats); a missing source of a bind is an error.
  bool optional = false;
  /// Bind of a new volume, when its source directory is still empty: copy
  /// what the image has at the target into it (Podman's copy-up)...
  bool copyUp = false;
  /// ...and give it the owner and mode of the image's directory there, or
  /// ownerUid/ownerGid (the process user) when the image has none.
  bool initOwner = false;
  uid_t ownerUid = 0;
  gid_t ownerGid = 0;
};

/// The whole plan, in the order the steps run.
struct MountPlan {
  std::string rootfs;  ///< root.path
  std::vector<MountStep> steps;
};

/// A volume the engine wants prepared on first use (MountStep::copyUp,
/// initOwner), named by its destination.
struct VolumeInit {
  std::string destination;
  bool copyUp = false;
  bool initOwner = false;

  bool operator==(const VolumeInit&) const = default;
};

struct MountPlanOptions {
  /// No mknod (a user namespace): device nodes are bound from the host.
  bool rootless = false;
  /// Volumes to prepare; a destination that is no bind mount of the spec is
  /// an Error(InvalidArgument).
  std::vector<VolumeInit> volumeInits;
  uid_t processUid = 0;  ///< the owner of a new volume the image has no directory for
  gid_t processGid = 0;
};

/// Plans the mounts of `spec`: the spec's mounts ordered parents first
/// (stable by path depth, as Podman sorts them), the default devices and
/// /dev symlinks after a /dev that is not a bind of the host's, then (after
/// pivot_root) the masked paths, the read-only paths and a read-only root
/// when root.readonly. Pure: reads nothing from the system.
/// Throws Error(InvalidArgument) naming the bad value: a relative or
/// escaping ("..") destination, a relative host source, an unknown option,
/// a mount without a type, a missing root.path.
MountPlan planMounts(const oci::Spec& spec, const MountPlanOptions& options);

/// `path` made absolute-clean: "//a/./b/" -> "/a/b". Throws
/// Error(InvalidArgument) `<what> "<path>" ...` for a relative path or a ".."
/// component.
std::string cleanContainerPath(std::string_view path, std::string_view what);

/// Runs the steps of `phase`, in the container's init (a fresh mount
/// namespace, privileged there). Before pivot, targets resolve inside
/// `plan.rootfs` without following symlinks out of it (openat2
/// RESOLVE_IN_ROOT); after it, in "/". Missing mount points are created.
/// Throws Error naming the step: "mount proc on /proc: Operation not permitted".
void applyMountPlan(const MountPlan& plan, MountPhase phase);

}  // namespace berth::runtime
