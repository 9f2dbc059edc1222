// SPDX-License-Identifier: Apache-2.0
// Container cgroups: where the cgroup filesystems are, whether berth may
// set resource limits, and a container's own cgroup (limits, placement,
// OOM status, removal), as crun's cgroupfs manager does it.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "berth/oci/runtime_spec.hpp"

namespace berth::runtime {

/// How the host mounts cgroups (systemd's names).
enum class CgroupMode {
  None,     ///< no cgroup filesystem mounted
  Legacy,   ///< v1 controller hierarchies only
  Hybrid,   ///< v1 controller hierarchies plus cgroup2 (no controllers) at .../unified
  Unified,  ///< cgroup2 only, holding the controllers
};

/// "none", "legacy", "hybrid", "unified".
std::string_view cgroupModeName(CgroupMode mode) noexcept;

/// One mounted cgroup hierarchy.
struct CgroupHierarchy {
  std::string mountPoint;  ///< "/sys/fs/cgroup/memory"
  std::string root = "/";  ///< the mount's root within the hierarchy (mountinfo field 4)
  std::vector<std::string> controllers;  ///< v1: {"cpu", "cpuacct"}; empty for cgroup2

  bool operator==(const CgroupHierarchy&) const = default;
};

/// The cgroup filesystems of a mount namespace.
struct CgroupMounts {
  std::optional<CgroupHierarchy> unified;  ///< the cgroup2 mount
  std::vector<CgroupHierarchy>
      v1;  ///< controller hierarchies (named ones like name=systemd left out)

  CgroupMode mode() const noexcept;
  /// The v1 hierarchy holding `controller`, or nullptr.
  const CgroupHierarchy* v1Hierarchy(std::string_view controller) const noexcept;
};

/// Finds the cgroup mounts in /proc/<pid>/mountinfo text. Where a
/// hierarchy is mounted more than once, the mount under /sys/fs/cgroup
/// wins, else the first. Octal escapes in mount points ("\040") are
/// decoded. Pure; malformed lines are skipped.
CgroupMounts parseCgroupMounts(std::string_view mountinfo);

/// A process's cgroups, from /proc/<pid>/cgroup.
struct ProcessCgroups {
  std::optional<std::string> unified;     ///< the "0::/path" line
  std::map<std::string, std::string> v1;  ///< controller (or "name=systemd") -> path

  bool operator==(const ProcessCgroups&) const = default;
};

/// Parses /proc/<pid>/cgroup text ("4:memory:/a", "2:cpu,cpuacct:/",
/// "0::/user.slice"). Pure; malformed lines are skipped.
ProcessCgroups parseProcessCgroups(std::string_view text);

/// The directory of cgroup `cgroupPath` (as /proc/<pid>/cgroup shows it)
/// in `hierarchy`: mountPoint joined with the path relative to the mount's
/// root; std::nullopt when the path is outside what the mount shows.
std::optional<std::string> cgroupDirectory(const CgroupHierarchy& hierarchy,
                                           std::string_view cgroupPath);

/// parseCgroupMounts of /proc/self/mountinfo. Throws Error when unreadable.
CgroupMounts readCgroupMounts();

/// parseProcessCgroups of /proc/self/cgroup (pid 0) or /proc/<pid>/cgroup.
/// Throws Error when unreadable.
ProcessCgroups readProcessCgroups(pid_t pid = 0);

/// Whether berth can set resource limits here, and why not.
struct CgroupSupport {
  bool available = false;
  CgroupMode mode = CgroupMode::None;
  /// Why not, for messages: "rootless containers cannot use cgroup v1
  /// controllers (cgroups are in hybrid mode)". Empty when available.
  std::string reason;
};

/// Probes this process's view (mountinfo, own cgroup, access rights):
/// - root: v2 unified with memory, pids or cpu in the root's
///   cgroup.controllers, or v1 memory, pids or cpu hierarchies mounted,
///   writable;
/// - rootless (`rootless`: berth runs in a user namespace): only a
///   delegated v2 subtree: the parent of the process's own cgroup (where
///   the container's cgroup goes, as a sibling) is writable, as is its
///   cgroup.procs, and its cgroup.subtree_control enables memory, pids and
///   cpu (systemd's user@UID.service delegation). v1 is never usable.
/// Never throws.
CgroupSupport probeCgroups(bool rootless) noexcept;

/// probeCgroups(rootless).available.
bool cgroupsAvailable(bool rootless) noexcept;

/// One write to a control file, as planned from a spec's resources.
struct CgroupWrite {
  std::string controller;  ///< "memory", "pids", "cpu", "cpuset": v1 hierarchy / v2 controller
  std::string file;        ///< "memory.max"
  std::string value;       ///< "104857600", "max", "50000 100000"
  /// ENOENT is not an error: memory.swap.max and memory.memsw.limit_in_bytes
  /// do not exist without swap accounting (crun ignores them then).
  bool optional = false;
  /// v1 only: on EINVAL, write this again after the next write (a lower
  /// memory limit than memsw must come after memsw is lowered, a shorter
  /// cfs period after the quota; crun's order).
  bool retryAfterNext = false;

  bool operator==(const CgroupWrite&) const = default;
};

/// The value of `key` in a flat-keyed cgroup file ("oom 0\noom_kill 2\n"),
/// or std::nullopt when absent or not a number. Pure.
std::optional<std::uint64_t> cgroupKeyedValue(std::string_view text, std::string_view key);

/// crun's cpu.shares -> cpu.weight conversion: 1 + ((shares-2)*9999)/262142
/// (shares 2..262144 onto weight 1..10000); 0 stays 0 (not set).
std::uint64_t cpuSharesToWeight(std::uint64_t shares) noexcept;

/// The control-file writes for `resources`, in order, on v2 (`unified`)
/// or v1, as crun converts them:
/// - memory.limit: v2 memory.max ("max" when negative), v1 memory.limit_in_bytes;
/// - memory.swap (memory+swap): v2 memory.swap.max = swap - limit (0 stays
///   0, negative "max"), v1 memory.memsw.limit_in_bytes; both optional;
/// - memory.reservation: v2 memory.low, v1 memory.soft_limit_in_bytes;
/// - pidsLimit (non-zero): pids.max ("max" when negative);
/// - cpu.shares (non-zero): v2 cpu.weight (cpuSharesToWeight), v1 cpu.shares;
/// - cpu.quota/period (non-zero): v2 cpu.max "QUOTA PERIOD" ("max" for a
///   negative quota, period 100000 by default), v1 cpu.cfs_period_us then
///   cpu.cfs_quota_us;
/// - cpu.cpus/mems: cpuset.cpus, cpuset.mems.
/// Pure. Throws Error(InvalidArgument) for a v2 swap limit without a
/// memory limit or below it.
std::vector<CgroupWrite> planCgroupWrites(const oci::LinuxResources& resources, bool unified);

/// A container's cgroup: one directory on v2, one per used hierarchy on v1,
/// all at the same cgroup path. A value: nothing happens when it goes away;
/// remove() deletes the cgroup (the cgroup outlives the monitor that made
/// it when cleanup runs in another process).
class ContainerCgroup {
 public:
  /// Makes the cgroup of container `containerId` and writes the limits of
  /// `resources` (planCgroupWrites) into it. Runs in the monitor, root or
  /// rootless (in the user namespace); call probeCgroups first.
  /// - root, v2 (unified mode): <mount>/berth/berth-<id>, with memory, pids,
  ///   cpu, cpuset, io enabled in the subtree_control of / and /berth
  ///   where available;
  /// - root, v1 (legacy or hybrid): <hierarchy>/berth/berth-<id> in each
  ///   mounted hierarchy of memory, pids, cpu, cpuacct, cpuset, freezer,
  ///   blkio, devices (cpuset.cpus/mems copied from the parent first);
  /// - rootless: a sibling of the process's own v2 cgroup, berth-<id>.
  /// An existing cgroup (a restart) is reused. On failure, what it made is
  /// removed again. Throws Error(Unsupported) when there is nowhere to put
  /// the cgroup, Error naming the file and value when a write fails
  /// ("write 12345 to /sys/fs/cgroup/memory/berth/berth-x/memory.limit_in_bytes:
  /// Device or resource busy").
  static ContainerCgroup create(const std::string& containerId,
                                const oci::LinuxResources& resources, bool rootless);

  /// The existing cgroup at `cgroupPath` (what path() returned, as stored
  /// for the container), for cleanup from another process: its
  /// directories in this mount namespace that exist. std::nullopt when
  /// none exists. Throws Error when mountinfo is unreadable.
  static std::optional<ContainerCgroup> open(const std::string& cgroupPath);

  /// Moves process `pid` into the cgroup (cgroup.procs of every directory).
  /// Throws Error naming the file.
  void addProcess(pid_t pid) const;

  /// The cgroup path as /proc/<pid>/cgroup shows it and Podman's inspect
  /// reports it (CgroupPath): "/berth/berth-<id>".
  const std::string& path() const noexcept { return path_; }

  /// True on v2, false on v1.
  bool unified() const noexcept { return unified_; }

  /// The directories: one on v2, one per hierarchy on v1.
  std::vector<std::string> directories() const;

  /// The directory of `controller` ("memory"), or "" when not in the cgroup.
  std::string directory(std::string_view controller) const;

  /// Whether the kernel's OOM killer killed a process of the cgroup: v2
  /// memory.events oom_kill > 0, v1 memory.oom_control oom_kill > 0.
  /// False when the file is missing. Never throws.
  bool oomKilled() const noexcept;

  /// The file to watch (inotify IN_MODIFY) for OOM events: v2 memory.events.
  /// "" on v1 or without the memory controller.
  std::string oomEventsFile() const;

  /// Kills what is left (v2 cgroup.kill, else SIGKILL to each pid in
  /// cgroup.procs), then removes the directories, retrying on EBUSY for
  /// about a second while the processes die. A missing directory is fine.
  /// Throws Error naming the directory when one cannot be removed.
  void remove();

 private:
  struct Directory {
    std::string path;
    std::vector<std::string> controllers;
  };
  ContainerCgroup(std::string path, bool unified, std::vector<Directory> directories)
      : path_(std::move(path)), unified_(unified), directories_(std::move(directories)) {}

  std::string path_;
  bool unified_ = false;
  std::vector<Directory> directories_;
};

/// Removes the cgroup stored as `cgroupPath` if it exists: open + remove.
/// For `berth container cleanup`. Throws like remove().
void removeContainerCgroup(const std::string& cgroupPath);

}  // namespace berth::runtime
