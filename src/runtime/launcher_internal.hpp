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
};

struct SyncMessage {
  SyncType type = SyncType::Error;
  std::int32_t stage = 0;     ///< LaunchStage
  std::int32_t sysErrno = 0;  ///< 0 when not a syscall's failure
  std::int32_t exitCode = kExitEngineError;
  char message[3072] = {};
};

/// Sends one message (MSG_NOSIGNAL); false when the peer is gone.
bool sendSync(int fd, const SyncMessage& message) noexcept;
bool sendSync(int fd, SyncType type) noexcept;
/// Receives one message; std::nullopt on EOF (or error).
std::optional<SyncMessage> receiveSync(int fd) noexcept;

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

/// Which exit code an exec failure gets: 127 when not found, 126 when not
/// executable (Podman's mapping of the runtime's error).
int execFailureExitCode(int err) noexcept;

}  // namespace berth::runtime::detail
