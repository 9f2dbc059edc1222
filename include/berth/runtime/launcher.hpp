// SPDX-License-Identifier: Apache-2.0
// The container launcher: turns an OCI runtime spec into a running process
// in new namespaces, like a small crun. The parent side (clone, sync, error
// reports) is launcher.cpp; the child's init sequence is container_init.cpp.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "berth/base/child_process.hpp"
#include "berth/base/error.hpp"
#include "berth/base/unique_fd.hpp"
#include "berth/oci/runtime_spec.hpp"
#include "berth/runtime/mount_plan.hpp"

namespace berth::runtime {

/// The step of the container's init that failed.
enum class LaunchStage {
  Clone,       ///< parent: clone3, id maps, the beforeInit hook
  Namespaces,  ///< joining namespaces by path, the cgroup namespace
  Rootfs,      ///< making / private, the rootfs hook
  Mounts,      ///< the mount plan before pivot_root
  PivotRoot,
  Finalize,     ///< masked and read-only paths, read-only root
  Environment,  ///< hostname, sysctl, loopback, rlimits, oom score, stdio, fds
  Credentials,  ///< groups, uid/gid, capabilities, seccomp, no_new_privs
  Exec,         ///< finding and executing the command
};

/// "mounts", "pivot_root", ...: for messages and the monitor protocol.
std::string_view launchStageName(LaunchStage stage) noexcept;

/// A failed launch: what failed (the message), at which stage, and the exit
/// code Podman gives it: 127 when the command is not found, 126 when it
/// cannot be executed, 125 for everything else.
class LaunchError : public Error {
 public:
  LaunchError(Errc kind, std::string message, int sysErrno, LaunchStage stage, int exitCode)
      : Error(kind, std::move(message), sysErrno), stage_(stage), exitCode_(exitCode) {}
  LaunchStage stage() const noexcept { return stage_; }
  int exitCode() const noexcept { return exitCode_; }

 private:
  LaunchStage stage_;
  int exitCode_;
};

/// How to launch, beyond what the spec says.
struct LaunchOptions {
  /// No mknod, /dev nodes bound from the host. Default: when berth runs in
  /// a user namespace (or not as root). A user namespace in the spec implies it.
  std::optional<bool> rootless;

  /// The container's stdin, stdout and stderr: dup'ed onto 0, 1, 2. -1
  /// gives /dev/null. The caller keeps its fds.
  int stdinFd = -1;
  int stdoutFd = -1;
  int stderrFd = -1;
  /// More fds handed to the process as 3, 4, ... (--preserve-fds, socket
  /// activation). Every other fd is closed at exec.
  std::vector<int> extraFds;

  /// process.terminal: the container's own pseudo-terminal. The init opens
  /// /dev/ptmx of the container's devpts after pivot_root, binds the slave
  /// on /dev/console, makes it stdin, stdout, stderr and the controlling
  /// terminal, and sends the master over this socket (SCM_RIGHTS, one
  /// datagram; receiveConsole reads it), as an OCI runtime's
  /// --console-socket. stdinFd/stdoutFd/stderrFd are then not used.
  int consoleSocket = -1;
  /// The terminal's first window size, set before the command runs; 0 =
  /// none.
  std::uint16_t consoleRows = 0;
  std::uint16_t consoleColumns = 0;

  /// Volumes to prepare on first use before they are bound (copy-up and
  /// ownership, see MountStep); the process user's ids come from the spec.
  std::vector<VolumeInit> volumeInits;

  /// Join this network namespace (an fd, kept by the caller) instead of
  /// what the spec's "network" entry says: for a network namespace the
  /// monitor set up before.
  int networkNamespaceFd = -1;

  /// Mounts the root filesystem at `rootPath` (the spec's root.path), in
  /// the container's mount namespace, before the mount plan runs: the
  /// overlay of runtime::mountRootfs plugs in here. Empty: root.path is
  /// bind-mounted on itself (a plain directory, as crun does).
  std::function<void(const std::string& rootPath)> mountRootfs;

  /// Drops capabilities and switches to `uid`/`gid` in one go, in crun's
  /// order (runtime::applyCapabilities(masks, ProcessUser{uid, gid})),
  /// after the supplementary groups are set. Empty: only the ids are
  /// switched (setresgid, setresuid) and capabilities stay as they are.
  /// Runs in the child: prepare (compute masks) before launch.
  std::function<void(uid_t uid, gid_t gid)> applyCapabilities;

  /// Loads the seccomp filter (runtime::loadSeccomp of a program compiled
  /// before launch). Called last before exec, after no_new_privs; without
  /// noNewPrivileges in the spec, before the capabilities are dropped, as
  /// the kernel then needs CAP_SYS_ADMIN (crun's order).
  std::function<void()> installSeccomp;

  /// Runs in the parent once the process exists and before its init
  /// starts: cgroup placement, network set up against the pid. The
  /// container's cgroup namespace is created after this, so it is rooted at
  /// the cgroup the hook put the process in.
  std::function<void(pid_t pid)> beforeInit;

  /// create/start: when set, launch returns once the process is ready to
  /// exec (everything set up, the command found), and it waits for
  /// LaunchedProcess::start. Otherwise launch returns after exec.
  bool waitForStart = false;

  /// Sent to the container's init when the launching thread dies
  /// (PR_SET_PDEATHSIG, set last before exec: a credential change clears
  /// it). The monitor uses SIGKILL: a container never outlives the process
  /// that records its exit. 0 = none.
  int parentDeathSignal = 0;
};

/// A launched container process. Owns it: unless released, it is killed
/// and reaped when this object goes away (ChildProcess).
class LaunchedProcess {
 public:
  /// Made by launch: adopts child `pid` (opening its pidfd), the parent's
  /// end of the sync socket, and whether the child waits for start().
  LaunchedProcess(pid_t pid, UniqueFd sync, bool waiting)
      : process_(pid), sync_(std::move(sync)), waiting_(waiting) {}

  pid_t pid() const noexcept { return process_.pid(); }
  int pidfd() const noexcept { return process_.pidfd(); }
  ChildProcess& process() noexcept { return process_; }

  /// True while the process waits for start().
  bool waitingForStart() const noexcept { return waiting_; }

  /// Lets a process launched with waitForStart exec the command, and
  /// returns once it has. Throws LaunchError when the exec fails (the
  /// process has then exited), Error(InvalidState) when not waiting.
  void start();

  /// Waits for the process to exit: its exit code, or 128+signal.
  int wait() { return process_.wait(); }

 private:
  ChildProcess process_;
  UniqueFd sync_;
  bool waiting_;
};

/// Launches the process of `spec`: clone3 into new mount, pid, uts, ipc,
/// cgroup and (unless the spec has no "network" entry: the host's, or it
/// names one to join) network namespaces, and a user namespace when the
/// spec has one (mapped from uidMappings/gidMappings). The child runs
/// crun's init sequence: / private, rootfs, mount plan, pivot_root, masked
/// and read-only paths, hostname, sysctls, loopback up, rlimits, oom score,
/// stdio and fds, groups, capabilities and ids, umask, cwd, no_new_privs,
/// seccomp, exec of args[0] looked up on the container's PATH.
///
/// Call from a single-threaded process (the monitor). Throws
/// Error(InvalidArgument) for a spec it cannot run (before cloning), and
/// LaunchError with the child's message ("mount proc on /proc: Operation
/// not permitted", "executable file `foo` not found in $PATH: No such file
/// or directory") when the init fails; the child is reaped then.
LaunchedProcess launch(const oci::Spec& spec, const LaunchOptions& options = {});

/// The pty master a container init sent over `consoleSocket`'s peer.
/// Throws Error when none arrives (the socket closed first).
UniqueFd receiveConsole(int socket);

/// What launch does with the namespaces of a spec, worked out before cloning.
struct NamespacePlan {
  unsigned long cloneFlags = 0;  ///< CLONE_NEW* given to clone3
  bool newCgroup = false;        ///< unshare(CLONE_NEWCGROUP) after beforeInit
  bool newNetwork = false;       ///< a fresh network namespace: bring lo up
  bool newUser = false;          ///< write the spec's id maps
  bool newUts = false;
  struct Join {
    int type;  ///< CLONE_NEWNET, CLONE_NEWIPC, ...
    std::string path;
  };
  std::vector<Join> joins;  ///< setns in the child (pid: in the parent, around clone3)
};

/// Checks the spec's linux.namespaces: known types, no duplicates, a mount
/// namespace present and new; joining a user or mount namespace by path is
/// not supported. Pure. Throws Error(InvalidArgument or Unsupported)
/// naming the entry.
NamespacePlan planNamespaces(const oci::Spec& spec);

/// Checks that each sysctl is namespaced and that the container has its
/// own namespace for it (net.* needs a network namespace of its own,
/// kernel.shm*, kernel.msg*, kernel.sem and fs.mqueue.* an ipc one,
/// kernel.hostname and kernel.domainname a uts one), as Podman's
/// validation does. Pure. Throws Error(InvalidArgument)
/// `sysctl "vm.swappiness" is not namespaced: not allowed in a container`.
void checkSysctls(const oci::Spec& spec, const NamespacePlan& namespaces);

/// The RLIMIT_* number of "RLIMIT_NOFILE"; throws Error(InvalidArgument)
/// for an unknown name.
int rlimitResource(std::string_view name);

}  // namespace berth::runtime
