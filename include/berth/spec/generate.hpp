// SPDX-License-Identifier: Apache-2.0
// ContainerSpec + image config -> the OCI runtime spec (config.json), with
// Podman 4.3's defaults (pkg/specgen/generate and libpod's generateSpec).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "berth/oci/image_config.hpp"
#include "berth/oci/runtime_spec.hpp"
#include "berth/spec/container_spec.hpp"

namespace berth::spec {

/// The host's limits Podman derives the default RLIMIT_NOFILE/NPROC from.
struct HostLimits {
  std::uint64_t nofileSoft = 1048576;
  std::uint64_t nofileHard = 1048576;
  std::uint64_t nprocSoft = 1048576;
  std::uint64_t nprocHard = 1048576;
  std::uint64_t pidMax = 4194304;  ///< /proc/sys/kernel/pid_max

  /// getrlimit of the calling process and /proc/sys/kernel/pid_max.
  static HostLimits current();
};

/// What a volume's mount is made of.
struct VolumeSource {
  std::string type = "bind";  ///< "bind" (its _data, or device for type=none), else a filesystem
  std::string source;         ///< the host path, or the filesystem's device ("tmpfs")
  std::vector<std::string> options;  ///< the volume's own mount options (--opt o=...)
};

/// What the builder needs to know about the container and the host; the
/// caller (engine create) fills it in. Nothing here is read by the builder
/// itself except `rootfs`/etc/passwd and /etc/group.
struct BuildContext {
  std::string containerId;  ///< 64 hex; the default hostname is its first 12 chars
  std::string rootfs;       ///< root.path; the image's /etc/passwd is read below it
  /// When set, /etc/passwd and /etc/group are read from these layer
  /// directories (top first) instead: the rootfs is not mounted at create.
  std::vector<std::string> userLookupRoots;
  /// Where the engine keeps the container's hosts, hostname, resolv.conf and
  /// .containerenv; "" leaves those bind mounts out.
  std::string runDir;
  std::string shmPath;   ///< a host dir bound on /dev/shm; "" = a tmpfs
  std::string initPath;  ///< the host's init binary for --init (bound on /run/berth-init)
  std::string created;   ///< RFC 3339 creation time (annotation io.kubernetes.cri-o.Created)
  bool rootless = true;
  /// The caller holds CAP_SYS_RESOURCE: default limits may exceed its own
  /// (a root without it is capped like a rootless user).
  bool canRaiseLimits = true;
  /// A cgroup berth may write limits into (root, or a delegated subtree).
  /// Without one, limit flags are refused rather than silently ignored.
  bool cgroupsAvailable = false;
  bool cgroupNamespace = true;           ///< a private cgroup namespace (cgroup v2)
  std::vector<std::string> boundingSet;  ///< "" = the calling process's bounding set
  HostLimits limits = HostLimits::current();
  std::string hostHostname;  ///< for --network host without -h; "" = gethostname()
  /// Where a named or anonymous volume's mount comes from (the engine reads
  /// the volume's record); unset = volumes are refused (Error(Unsupported)).
  std::function<VolumeSource(const MountSpec&)> volumeSource;
  /// -v SRC:DST:O: the upper and work directories of the N-th overlay mount
  /// (0-based, in mount order) are <overlayDir>/<N>/upper and work; the
  /// engine creates them at start. "" = :O is refused.
  std::string overlayDir;
  /// --mount type=image: the layer directories of the mount's image,
  /// bottom first (the engine resolved the image at create); unset = image
  /// mounts are refused (Error(Unsupported)). A read-only one also uses the
  /// empty directory <overlayDir>/empty as its bottom lower dir; a rw=true
  /// one takes the next <overlayDir>/<N> like a :O mount.
  std::function<std::vector<std::string>(const MountSpec&)> imageLayers;
};

/// How many mounts of `spec` use an <overlayDir>/<N> upper: -v ...:O
/// mounts and --mount type=image,rw=true ones.
std::size_t overlayUpperCount(const ContainerSpec& spec);

/// Whether `spec` has a --mount type=image (which needs <overlayDir>/empty).
bool hasImageMounts(const ContainerSpec& spec);

/// process.args as Docker and Podman compute them: the entrypoint (the
/// user's, else the image's; {""} means none) followed by the command (the
/// user's, else the image's Cmd unless the user set an entrypoint); with
/// --init, "/run/berth-init --" in front. Throws Error(InvalidArgument) "no
/// command or entrypoint provided, and no CMD or ENTRYPOINT from image".
std::vector<std::string> containerArgs(const ContainerSpec& spec, const oci::RunConfig& image);

/// Sets KEY of `entry` ("KEY=value") in `env`: in place when present,
/// appended otherwise.
void setEnv(std::vector<std::string>& env, const std::string& entry);

/// process.env: image env over the defaults (PATH, TERM=xterm,
/// container=berth), then --env-file entries, then -e; a later value of a
/// key replaces the earlier one in place. HOME (from `home`) and HOSTNAME
/// are added unless set.
std::vector<std::string> containerEnv(const ContainerSpec& spec, const oci::RunConfig& image,
                                      const std::string& home, const std::string& hostname);

/// The OCI runtime spec for `spec` run from an image with `image` config.
/// Pure apart from reading the image's /etc/passwd and /etc/group (and a
/// seccomp profile file named by --security-opt). Throws Error naming the
/// problem: unknown user, resource limits without cgroups, net.* sysctls
/// with --network host, an unsupported volume.
oci::Spec buildRuntimeSpec(const ContainerSpec& spec, const oci::ImageConfig& image,
                           const BuildContext& context);

}  // namespace berth::spec
