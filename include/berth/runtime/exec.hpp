// SPDX-License-Identifier: Apache-2.0
// Running a process inside a running container (`berth exec`, health
// checks): join the namespaces and cgroup of its init, then the same init
// steps as the container's own process (credentials, capabilities,
// no_new_privs, seccomp), and exec.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "berth/base/child_process.hpp"
#include "berth/oci/runtime_spec.hpp"
#include "berth/runtime/capabilities.hpp"

namespace berth::runtime {

/// The running container to exec into.
struct ExecTarget {
  pid_t pid = 0;  ///< the container's init, in the caller's pid namespace
  /// Its runtime spec (runtime-spec.json): the seccomp profile comes from it.
  const oci::Spec* spec = nullptr;
  /// Where compiled seccomp programs are cached (cachedSeccomp); "" none.
  std::string cacheDir;
  /// The container's own compiled program (readSeccompProgram): used when
  /// the file is there, written from the spec's profile when not. Saves
  /// the next exec the profile's hashing; a caller that finds the file may
  /// leave the profile out of `spec`. "" none.
  std::string programFile;
  /// The last component of the container's own cgroup ("berth-<id>"): the
  /// process joins the init's cgroups whose path ends with it. "" or no
  /// such cgroup (rootless without delegation): the caller's cgroup stays.
  std::string cgroupLeaf;
};

/// What to run. `process` holds args (args[0] is looked up on the PATH of
/// env), env, cwd, user (uid, gid, additionalGids, umask), capabilities,
/// noNewPrivileges, rlimits and oomScoreAdj; terminal is ignored.
struct ExecProcess {
  oci::Process process;
  bool seccomp = true;  ///< load the container's seccomp profile (false: --privileged)
};

/// The process's stdin, stdout and stderr (dup'ed onto 0, 1, 2; -1 gives
/// /dev/null) and more fds for 3, 4, ... The caller keeps its fds.
struct ExecStdio {
  int in = -1;
  int out = -1;
  int err = -1;
  std::vector<int> extraFds;
  /// exec -t: the process gets a terminal of the container's devpts
  /// (stdin, stdout, stderr, controlling terminal) and sends its master
  /// over this socket (runtime::receiveConsole). in/out/err are then not
  /// used. -1 = none.
  int consoleSocket = -1;
  std::uint16_t rows = 0;  ///< the terminal's first size; 0 = none
  std::uint16_t columns = 0;
};

/// Starts `exec` inside the container of `target`: a helper child joins the
/// container's cgroup (cgroupLeaf) and every namespace of the init that
/// differs from the caller's (setns on a pidfd, atomic, user namespace
/// included; /proc/PID/ns/* one by one, user first, on kernels before 5.8),
/// then forks the process with CLONE_PARENT so that it is in the pid
/// namespace and the caller's child. That process applies rlimits, stdio,
/// groups, capabilities and ids, umask, cwd, no_new_privs and seccomp in the
/// container init's order and execs. Returns once it has exec'ed; the
/// ChildProcess owns it (wait() gives its exit code).
///
/// Call from a single-threaded process. Throws LaunchError with the exit
/// code Podman gives: 127 command not found, 126 not executable, 125 any
/// other failure ("join the namespaces of pid 12: ...").
ChildProcess execInContainer(const ExecTarget& target, const ExecProcess& exec,
                             const ExecStdio& stdio);

/// The capabilities of an exec'd process as Podman 4.3 gives them:
/// bounding = `boundingSet` when privileged, else the container's;
/// inheritable empty; uid 0: effective = permitted = bounding; the
/// container's own (non-root) user: effective, permitted, inheritable and
/// ambient = the container's effective set; any other user: none. Pure.
CapabilitySets execCapabilities(const CapabilitySets& container, bool rootUser, bool containerUser,
                                bool privileged, const std::vector<std::string>& boundingSet);

}  // namespace berth::runtime
