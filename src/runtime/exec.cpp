// SPDX-License-Identifier: Apache-2.0
// exec into a running container: the parent prepares everything (the
// process's init configuration, the seccomp program, which namespaces and
// cgroup to join), a helper child joins them and forks the process into the
// pid namespace as the parent's child, and that process runs the same tail
// of the init sequence as the container's own (container_init.cpp).
#include "berth/runtime/exec.hpp"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <optional>

#include "berth/base/error.hpp"
#include "berth/base/fs.hpp"
#include "berth/runtime/cgroups.hpp"
#include "berth/runtime/launcher.hpp"
#include "berth/runtime/seccomp.hpp"
#include "launcher_internal.hpp"

namespace berth::runtime {

namespace {

struct NamespaceKind {
  const char* name;  ///< in /proc/PID/ns
  int flag;
};
// The user namespace first: the others are owned by it, and joining it
// grants the capabilities over them (setns(2)).
constexpr std::array kNamespaces{
    NamespaceKind{"user", CLONE_NEWUSER},     NamespaceKind{"mnt", CLONE_NEWNS},
    NamespaceKind{"pid", CLONE_NEWPID},       NamespaceKind{"net", CLONE_NEWNET},
    NamespaceKind{"ipc", CLONE_NEWIPC},       NamespaceKind{"uts", CLONE_NEWUTS},
    NamespaceKind{"cgroup", CLONE_NEWCGROUP},
};

/// The namespaces of `pid` that are not the caller's: the CLONE_NEW* flags.
/// setns into one's own user namespace is EINVAL, and joining the others
/// again would be wasted work.
int differingNamespaces(pid_t pid) {
  int flags = 0;
  const std::string base = fmt::format("/proc/{}/ns/", pid);
  for (const auto& ns : kNamespaces) {
    struct stat theirs {};
    struct stat ours {};
    const std::string path = base + ns.name;
    if (::stat(path.c_str(), &theirs) != 0) {
      if (errno == ENOENT && ns.flag == CLONE_NEWCGROUP) continue;  // kernel without it
      throwErrno("stat {}", path);
    }
    const std::string self = std::string("/proc/self/ns/") + ns.name;
    if (::stat(self.c_str(), &ours) != 0) throwErrno("stat {}", self);
    if (theirs.st_dev != ours.st_dev || theirs.st_ino != ours.st_ino) flags |= ns.flag;
  }
  return flags;
}

/// The cgroup.procs files of the init's cgroup named `leaf`, in this mount
/// namespace; empty when the container has no cgroup of its own.
std::vector<std::string> cgroupProcsFiles(pid_t pid, const std::string& leaf) {
  if (leaf.empty()) return {};
  const ProcessCgroups cgroups = readProcessCgroups(pid);
  std::optional<std::string> path;
  const auto isOurs = [&leaf](const std::string& p) { return p.ends_with("/" + leaf); };
  if (cgroups.unified && isOurs(*cgroups.unified)) path = cgroups.unified;
  for (const auto& [controller, p] : cgroups.v1)
    if (!path && isOurs(p)) path = p;
  if (!path) return {};
  std::vector<std::string> files;
  if (const auto cgroup = ContainerCgroup::open(*path))
    for (const auto& dir : cgroup->directories())
      files.push_back(dir + "/cgroup.procs");
  return files;
}

/// What the helper child needs besides the process's InitConfig.
struct JoinPlan {
  pid_t pid = 0;
  int pidfd = -1;
  int flags = 0;
  std::vector<std::string> cgroupProcs;
};

/// The namespaces one by one through /proc/PID/ns (kernels before 5.8
/// take no pidfd in setns), the user namespace first.
void joinNamespacesByPath(const JoinPlan& plan) {
  for (const auto& ns : kNamespaces) {
    if (!(plan.flags & ns.flag)) continue;
    const std::string path = fmt::format("/proc/{}/ns/{}", plan.pid, ns.name);
    const UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) throwErrno("open {}", path);
    if (::setns(fd.get(), ns.flag) != 0) throwErrno("join {}", path);
  }
}

/// The helper: cgroup, namespaces, then the process (CLONE_PARENT: the
/// caller's child, inside the pid namespace), whose pid it reports.
[[noreturn]] void runJoiner(const JoinPlan& plan, const detail::InitConfig& config) noexcept {
  const int syncFd = config.syncFd;
  try {
    ::close(config.parentSyncFd);
    for (const auto& file : plan.cgroupProcs) {
      const UniqueFd fd(::open(file.c_str(), O_WRONLY | O_CLOEXEC));
      if (!fd || ::write(fd.get(), "0", 1) != 1) throwErrno("join the cgroup {}", file);
    }
    if (plan.flags != 0 && ::setns(plan.pidfd, plan.flags) != 0) {
      // COMPAT(kernel 5.8): setns on a pidfd; remove when baseline >= 5.8.
      if (errno != EINVAL) throwErrno("join the namespaces of pid {}", plan.pid);
      joinNamespacesByPath(plan);
    }
    detail::CloneArgs args;
    args.flags = CLONE_PARENT;
    const long pid = ::syscall(SYS_clone3, &args, sizeof(args));
    if (pid == 0) detail::runExecProcess(config);
    if (pid < 0) throwErrno("fork into the pid namespace of pid {}", plan.pid);
    detail::SyncMessage message;
    message.type = detail::SyncType::Pid;
    message.pid = static_cast<std::int32_t>(pid);
    detail::sendSync(syncFd, message);
    ::_exit(0);
  } catch (const Error& error) {
    detail::reportFailure(syncFd, LaunchStage::Namespaces, error.sysErrno(), error.message(),
                          kExitEngineError);
  } catch (const std::exception& error) {
    detail::reportFailure(syncFd, LaunchStage::Namespaces, 0, error.what(), kExitEngineError);
  }
  ::_exit(kExitEngineError);
}

void reap(pid_t pid) noexcept {
  int status;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
}

}  // namespace

CapabilitySets execCapabilities(const CapabilitySets& container, bool rootUser, bool containerUser,
                                bool privileged, const std::vector<std::string>& boundingSet) {
  CapabilitySets sets;
  sets.bounding = privileged ? boundingSet : container.bounding;
  if (rootUser) {
    sets.effective = sets.bounding;
    sets.permitted = sets.bounding;
  } else if (containerUser) {
    sets.effective = container.effective;
    sets.permitted = container.effective;
    sets.inheritable = container.effective;
    sets.ambient = container.effective;
  }
  return sets;
}

ChildProcess execInContainer(const ExecTarget& target, const ExecProcess& exec,
                             const ExecStdio& stdio) {
  if (target.pid <= 0) throwError(Errc::InvalidArgument, "exec: no container process to join");
  LaunchOptions options;
  options.stdinFd = stdio.in;
  options.stdoutFd = stdio.out;
  options.stderrFd = stdio.err;
  options.extraFds = stdio.extraFds;
  options.consoleSocket = stdio.consoleSocket;
  options.consoleRows = stdio.rows;
  options.consoleColumns = stdio.columns;
  detail::InitConfig config;
  config.options = &options;
  detail::prepareProcess(exec.process, config);
  config.terminal = stdio.consoleSocket >= 0;
  config.bindConsole = false;

  CapabilitySets sets;
  if (exec.process.capabilities) {
    const auto& caps = *exec.process.capabilities;
    sets = {caps.bounding, caps.effective, caps.inheritable, caps.permitted, caps.ambient};
  }
  const CapabilityMasks masks = capabilityMasks(sets);
  options.applyCapabilities = [&masks](uid_t uid, gid_t gid) {
    applyCapabilities(masks, ProcessUser{uid, gid});
  };
  std::optional<SeccompProgram> seccomp;
  if (exec.seccomp && !target.programFile.empty()) seccomp = readSeccompProgram(target.programFile);
  if (exec.seccomp && !seccomp && target.spec && target.spec->linuxConfig &&
      target.spec->linuxConfig->seccomp) {
    seccomp = cachedSeccomp(*target.spec->linuxConfig->seccomp, target.cacheDir);
    if (!target.programFile.empty()) {
      try {
        writeSeccompProgram(target.programFile, *seccomp);
      } catch (const Error&) {
        // a cache: the next exec hashes the profile again
      }
    }
  }
  if (seccomp) options.installSeccomp = [&seccomp] { loadSeccomp(*seccomp); };

  JoinPlan plan;
  plan.pid = target.pid;
  const UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, target.pid, 0)));
  if (!pidfd) throwErrno("open the container process {}", target.pid);
  plan.pidfd = pidfd.get();
  plan.flags = differingNamespaces(target.pid);
  plan.cgroupProcs = cgroupProcsFiles(target.pid, target.cgroupLeaf);

  const UniqueFd devNull(::open("/dev/null", O_RDWR | O_CLOEXEC));
  if (!devNull) throwErrno("open /dev/null");
  config.devNullFd = devNull.get();
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0)
    throwErrno("socketpair for exec");
  UniqueFd parentEnd(pair[0]), childEnd(pair[1]);
  config.syncFd = childEnd.get();
  config.parentSyncFd = parentEnd.get();

  const pid_t joiner = ::fork();
  if (joiner < 0) throwErrno("fork to join the container of pid {}", target.pid);
  if (joiner == 0) runJoiner(plan, config);
  childEnd.reset();

  // The joiner reports the pid (or its failure) and exits; the process
  // reports Exec, then its CLOEXEC end closes at exec (EOF), or an Error.
  ChildProcess process;
  bool execing = false;
  std::optional<LaunchError> failure;
  while (const auto message = detail::receiveSync(parentEnd.get())) {
    if (message->type == detail::SyncType::Pid) {
      process = ChildProcess(static_cast<pid_t>(message->pid));
    } else if (message->type == detail::SyncType::Exec) {
      execing = true;
    } else if (message->type == detail::SyncType::Error) {
      failure = detail::launchErrorFrom(*message);
      break;
    }
  }
  reap(joiner);
  if (failure) {
    if (process.running()) process.wait();
    throw *failure;
  }
  if (!execing || !process.running())
    throw LaunchError(Errc::Internal,
                      fmt::format("the process exec'd in the container of pid {} exited before "
                                  "exec",
                                  target.pid),
                      0, LaunchStage::Exec, kExitEngineError);
  return process;
}

}  // namespace berth::runtime
