// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <linux/filter.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "berth/oci/seccomp.hpp"

namespace berth::runtime {

/// The host facts the conditions of a Docker/Podman profile test.
struct SeccompHost {
  /// libseccomp's (Go's) name of the native architecture, as profiles write
  /// it in includes/excludes.arches: "amd64", "arm64", "s390x", "ppc64le", ...
  std::string arch;
  unsigned kernelMajor = 0;  ///< 6 for "6.1.0-13-amd64"
  unsigned kernelMinor = 0;  ///< 1 for "6.1.0-13-amd64"

  /// The architecture berth was built for and the running kernel (uname).
  static SeccompHost current();
};

/// The default profile in the Docker/Podman profile format: the one Podman
/// 4.3 ships (containers-common 0.50.1 /usr/share/containers/seccomp.json):
/// ENOSYS for any syscall not listed, an allow list, EPERM for a list of
/// sensitive calls and for the capability-gated ones whose capability the
/// container lacks. Data only; parseSeccompProfile turns it into OCI form.
std::string_view defaultSeccompProfileJson();

/// The default profile in OCI form for a container whose bounding set is
/// `boundingCaps` (Podman decides includes/excludes.caps on the bounding
/// set, and so does berth), resolved for `host`'s architecture.
oci::LinuxSeccomp defaultSeccompProfile(const std::vector<std::string>& boundingCaps,
                                        const SeccompHost& host = SeccompHost::current());

/// Converts a Docker/Podman seccomp profile (defaultAction, defaultErrnoRet
/// or defaultErrno, architectures or archMap, flags, syscalls with names or
/// name, action, errnoRet or errno, args, includes/excludes with caps,
/// arches and minKernel) into OCI form as containers/common does: rules
/// whose conditions fail for `host` and `boundingCaps` are left out,
/// archMap gives the native architecture and its sub-architectures.
/// std::nullopt for a profile with neither defaultAction nor syscalls
/// (seccomp disabled, as in Podman). Unknown actions, operators and
/// architectures are rejected here rather than at start. Throws
/// Error(InvalidArgument), one line naming `source` (a path):
/// "loading seccomp profile (/x.json) failed: decoding seccomp profile
/// failed: invalid JSON: ...".
std::optional<oci::LinuxSeccomp> parseSeccompProfile(
    std::string_view json, std::string_view source, const std::vector<std::string>& boundingCaps,
    const SeccompHost& host = SeccompHost::current());

/// The filter for `--security-opt seccomp=<profile>` as Podman chooses it:
/// "unconfined" -> none; "" -> none when privileged, else the default
/// profile; otherwise the profile file at that path (read errors:
/// "opening seccomp profile failed: ..."). Runs in the CLI.
std::optional<oci::LinuxSeccomp> seccompForContainer(std::string_view profile,
                                                     const std::vector<std::string>& boundingCaps,
                                                     bool privileged);

/// A seccomp filter compiled to classic BPF, ready for the kernel.
struct SeccompProgram {
  std::vector<sock_filter> instructions;
  unsigned int flags = 0;  ///< SECCOMP_FILTER_FLAG_* from the spec's flags
};

/// Builds the filter with libseccomp: the default action, the listed
/// architectures (the native one is always in), one rule per syscall name
/// (names neither libseccomp nor the kernel knows are skipped, as crun does;
/// several comparisons on the same argument become separate rules, as runc
/// and crun do; rules with the default action are redundant and skipped).
/// Runs in the parent, before clone, so that the child only makes one
/// syscall. Throws Error(InvalidArgument) for an unknown action, operator,
/// architecture or flag, Error(Unsupported) for a listenerPath.
SeccompProgram compileSeccomp(const oci::LinuxSeccomp& seccomp);

/// Loads a compiled filter into the calling thread with seccomp(2)
/// (prctl(PR_SET_SECCOMP) on kernels without it). The kernel requires
/// no_new_privs or CAP_SYS_ADMIN (in the process's user namespace): set
/// no_new_privs first, or, like crun without no-new-privileges, load it
/// before the capabilities are dropped. The child's last step before exec;
/// allocates nothing on success, throws Error on failure.
void loadSeccomp(const SeccompProgram& program);

/// A program stored by writeSeccompProgram (4 bytes of flags, then the
/// instructions); std::nullopt when the file is missing or malformed.
std::optional<SeccompProgram> readSeccompProgram(const std::string& path);

/// Stores `program` at `path` atomically, without fsync (the run root is
/// tmpfs). Throws Error naming the path.
void writeSeccompProgram(const std::string& path, const SeccompProgram& program);

/// compileSeccomp through a cache: compiling Podman's default profile takes
/// milliseconds and nearly every container uses that same profile, so the
/// program is kept in `cacheDir` (the run root's cache, tmpfs) under the
/// hash of the profile's JSON (file: 4 bytes of flags, then the
/// instructions). A cache that cannot be written is skipped; "" compiles
/// without one. Throws like compileSeccomp.
SeccompProgram cachedSeccomp(const oci::LinuxSeccomp& profile, const std::string& cacheDir);

/// compileSeccomp then loadSeccomp.
void installSeccomp(const oci::LinuxSeccomp& seccomp);

}  // namespace berth::runtime
