// SPDX-License-Identifier: Apache-2.0
// Shared by the launcher's parent side (launcher.cpp) and the child's init
// sequence (container_init.cpp): the sync socket protocol and the init's
// configuration, prepared in the parent so the child mostly makes syscalls.
#pragma once

#include <sys/resource.h>
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "berth/runtime/launcher.hpp"
#include "berth/runtime/mount_plan.hpp"

namespace berth::runtime::detail {

/// Messages on the SOCK_SEQPACKET socketpair between launch() and the child.
enum class SyncType : std::uint32_t {
  Continue = 1,  ///< parent -> child: maps written, beforeInit done: run the init
  Ready = 2,     ///< child -> parent: set up, command found; waiting for Start
  Start = 3,     ///< parent -> child: exec now
  Exec = 4,      ///< child -> parent: about to execve (EOF next means it worked)
  Error = 5,     ///< child -> parent: failed; the child exits
  Pid = 6,       ///< exec's namespace joiner -> parent: the process it forked (pid)
};

struct SyncMessage {
  SyncType type = SyncType::Error;
  std::int32_t stage = 0;     ///< LaunchStage
  std::int32_t sysErrno = 0;  ///< 0 when not a syscall's failure
  std::int32_t exitCode = kExitEngineError;
  std::int32_t pid = 0;  ///< Pid: in the parent's pid namespace
  char message[3072] = {};
};

/// Sends one message (MSG_NOSIGNAL); false when the peer is gone.
bool sendSync(int fd, const SyncMessage& message) noexcept;
bool sendSync(int fd, SyncType type) noexcept;
/// Receives one message; std::nullopt on EOF (or error).
std::optional<SyncMessage> receiveSync(int fd) noexcept;

/// The kernel's struct clone_args (linux/sched.h), versions 0-2.
struct CloneArgs {
  std::uint64_t flags = 0;
  std::uint64_t pidfd = 0;
  std::uint64_t childTid = 0;
  std::uint64_t parentTid = 0;
  std::uint64_t exitSignal = 0;
  std::uint64_t stack = 0;
  std::uint64_t stackSize = 0;
  std::uint64_t tls = 0;
  std::uint64_t setTid = 0;
  std::uint64_t setTidSize = 0;
  std::uint64_t cgroup = 0;
};

/// A namespace to setns into, opened by the parent.
struct NamespaceJoin {
  int type = 0;  ///< CLONE_NEW*
  int fd = -1;
  std::string what;  ///< the path, for messages
};

struct Rlimit {
  int resource = 0;
  std::string name;
  rlimit limit{};
};

struct Sysctl {
  std::string path;  ///< /proc/sys/net/ipv4/ping_group_range
  std::string key;
  std::string value;
};

/// Everything the child's init needs. Lives in the parent's memory, which
/// the child sees as a copy (clone3 without CLONE_VM).
struct InitConfig {
  const oci::Spec* spec = nullptr;
  const LaunchOptions* options = nullptr;
  MountPlan mounts;
  NamespacePlan namespaces;
  std::vector<NamespaceJoin> joins;  ///< setns in the child, in this order
  int syncFd = -1;                   ///< the child's end of the socketpair
  int parentSyncFd = -1;             ///< the parent's end: closed first in the child
  int devNullFd = -1;                ///< the host's /dev/null, for stdio not given

  std::string hostname;
  std::vector<Sysctl> sysctls;
  std::vector<Rlimit> rlimits;
  std::optional<int> oomScoreAdj;
  bool terminal = false;
  bool bindConsole = true;  ///< bind the terminal on /dev/console (not for exec)

  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> additionalGids;
  mode_t umask = 022;
  bool noNewPrivileges = false;
  std::string cwd;

  std::string command;                  ///< args[0]
  std::string searchPath;               ///< PATH from env, or the default
  std::vector<std::string> argStorage;  ///< argv and envp point into these
  std::vector<std::string> envStorage;
  std::vector<char*> argv;
  std::vector<char*> envp;
};

/// The child's init sequence (container_init.cpp). Never returns: execs the
/// command, or reports the failure over syncFd and exits. No exception
/// leaves it.
[[noreturn]] void runContainerInit(const InitConfig& config) noexcept;

/// An exec'd process's part of the init sequence (container_init.cpp),
/// run in the container's namespaces: rlimits, stdio, credentials, umask,
/// cwd, no_new_privs, seccomp, exec. Like runContainerInit, never returns.
[[noreturn]] void runExecProcess(const InitConfig& config) noexcept;

/// Fills the process part of `config` (cwd, ids, umask, no_new_privs, oom
/// score, rlimits, argv, envp, PATH) from `process`. Throws
/// Error(InvalidArgument) for an empty args, a relative cwd, a bad rlimit.
void prepareProcess(const oci::Process& process, InitConfig& config);

/// The LaunchError an Error message stands for.
LaunchError launchErrorFrom(const SyncMessage& message);

/// Sends an Error message (stage, errno, text cut to fit, exit code).
void reportFailure(int syncFd, LaunchStage stage, int err, std::string_view text,
                   int exitCode) noexcept;

/// Which exit code an exec failure gets: 127 when not found, 126 when not
/// executable (Podman's mapping of the runtime's error).
int execFailureExitCode(int err) noexcept;

}  // namespace berth::runtime::detail
