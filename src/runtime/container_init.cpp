// SPDX-License-Identifier: Apache-2.0
// The container's init, between clone3 and execve, as one flat sequence in
// crun's order (nsjail's containProc): namespaces, rootfs, mounts,
// pivot_root, hostname, sysctls, masked paths, rlimits, stdio, credentials,
// exec. Runs in a fresh child of a single-threaded process: allocating is
// safe, but kept small; every failure goes to the parent over the sync
// socket as {stage, errno, message}, then the child exits.
#include <fcntl.h>
#include <grp.h>
#include <linux/close_range.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "berth/base/error.hpp"
#include "berth/base/unique_fd.hpp"
#include "launcher_internal.hpp"

namespace berth::runtime::detail {

namespace {

/// An exec failure, reported with its own exit code (126 or 127).
struct ExecFailure {
  int err;
  std::string message;
};

void resetSignals() noexcept {
  // The monitor blocks signals for its signalfd; the container must not
  // inherit that, nor ignored SIGPIPE.
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  for (int sig = 1; sig < NSIG; ++sig)
    if (sig != SIGKILL && sig != SIGSTOP) ::signal(sig, SIG_DFL);
}

void waitForParent(int syncFd) {
  const auto message = receiveSync(syncFd);
  // The parent gave up (its launch threw): nothing to report to.
  if (!message || message->type != SyncType::Continue) ::_exit(kExitEngineError);
}

void joinNamespaces(const InitConfig& config) {
  for (const auto& join : config.joins)
    if (::setns(join.fd, join.type) != 0) throwErrno("join namespace {}", join.what);
  if (config.namespaces.newCgroup && ::unshare(CLONE_NEWCGROUP) != 0)
    throwErrno("create the cgroup namespace");
}

void mountRootfs(const InitConfig& config) {
  // Nothing mounted here may propagate back to the host (crun's
  // rootfsPropagation default); / is not necessarily shared anyway.
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
    throwErrno("make / private");
  const std::string& root = config.mounts.rootfs;
  if (config.options->mountRootfs) {
    config.options->mountRootfs(root);
    return;
  }
  // pivot_root needs a mount point: the directory bound on itself.
  if (::mount(root.c_str(), root.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0)
    throwErrno("bind mount the root {}", root);
}

/// crun's do_pivot: pivot_root(".", ".") stacks the old root on the new
/// one, which a lazy unmount then takes away.
void pivotRoot(const std::string& root) {
  const UniqueFd oldRoot(::open("/", O_DIRECTORY | O_PATH | O_CLOEXEC));
  const UniqueFd newRoot(::open(root.c_str(), O_DIRECTORY | O_RDONLY | O_CLOEXEC));
  if (!oldRoot || !newRoot) throwErrno("open the root {}", root);
  if (::fchdir(newRoot.get()) != 0) throwErrno("chdir into {}", root);
  if (::syscall(SYS_pivot_root, ".", ".") != 0) throwErrno("pivot_root into {}", root);
  if (::fchdir(oldRoot.get()) != 0) throwErrno("chdir into the old root");
  // The old root's mounts must not propagate the unmount to the host.
  if (::mount(nullptr, ".", nullptr, MS_SLAVE | MS_REC, nullptr) != 0)
    throwErrno("make the old root a slave");
  if (::umount2(".", MNT_DETACH) != 0) throwErrno("unmount the old root");
  if (::chdir("/") != 0) throwErrno("chdir /");
}

void writeProcFile(const std::string& path, const std::string& value, const std::string& what) {
  const UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd || ::write(fd.get(), value.data(), value.size()) != static_cast<ssize_t>(value.size()))
    throwErrno("{}", what);
}

void bringLoopbackUp() {
  const UniqueFd sock(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!sock) throwErrno("socket for the loopback interface");
  ifreq request{};
  std::strncpy(request.ifr_name, "lo", IFNAMSIZ - 1);
  if (::ioctl(sock.get(), SIOCGIFFLAGS, &request) != 0) throwErrno("get the flags of lo");
  request.ifr_flags = static_cast<short>(request.ifr_flags | IFF_UP | IFF_RUNNING);
  if (::ioctl(sock.get(), SIOCSIFFLAGS, &request) != 0) throwErrno("bring lo up");
}

void setHostnameAndSysctls(const InitConfig& config) {
  if (!config.hostname.empty() &&
      ::sethostname(config.hostname.data(), config.hostname.size()) != 0)
    throwErrno("sethostname {}", config.hostname);
  for (const auto& sysctl : config.sysctls)
    writeProcFile(sysctl.path, sysctl.value,
                  fmt::format("set sysctl {}={}", sysctl.key, sysctl.value));
  if (config.namespaces.newNetwork) bringLoopbackUp();
}

void setLimits(const InitConfig& config) {
  for (const auto& limit : config.rlimits)
    if (::setrlimit(limit.resource, &limit.limit) != 0)
      throwErrno("setrlimit {} (soft {}, hard {})", limit.name, limit.limit.rlim_cur,
                 limit.limit.rlim_max);
  if (config.oomScoreAdj)
    writeProcFile("/proc/self/oom_score_adj", std::to_string(*config.oomScoreAdj),
                  fmt::format("set oom_score_adj to {}", *config.oomScoreAdj));
}

/// The container's terminal: a pty of its own devpts (/dev/ptmx is
/// pts/ptmx after pivot_root), the slave bound on /dev/console (for the
/// container's init), the master sent over `consoleSocket` to the monitor
/// or the exec'ing CLI. Returns the slave.
UniqueFd openConsole(const InitConfig& config) {
  const LaunchOptions& options = *config.options;
  UniqueFd master(::open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!master) throwErrno("open /dev/ptmx");
  int unlock = 0;
  if (::ioctl(master.get(), TIOCSPTLCK, &unlock) != 0) throwErrno("unlock the pty");
  unsigned number = 0;
  if (::ioctl(master.get(), TIOCGPTN, &number) != 0) throwErrno("get the pty number");
  // The peer by fd, not by path: nothing in the container can swap it.
  UniqueFd slave(::ioctl(master.get(), TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!slave) throwErrno("open the pty slave");
  if (options.consoleRows != 0 && options.consoleColumns != 0) {
    winsize window{};
    window.ws_row = options.consoleRows;
    window.ws_col = options.consoleColumns;
    ::ioctl(slave.get(), TIOCSWINSZ, &window);
  }
  if (config.bindConsole) {
    const std::string slavePath = fmt::format("/dev/pts/{}", number);
    // /dev/console: an empty file to bind the slave on, as crun does.
    const UniqueFd console(::open("/dev/console", O_CREAT | O_WRONLY | O_NOCTTY | O_CLOEXEC, 0600));
    if (console && ::mount(slavePath.c_str(), "/dev/console", nullptr, MS_BIND, nullptr) != 0)
      throwErrno("bind {} on /dev/console", slavePath);
  }

  char data = 0;
  iovec iov{&data, 1};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr message{};
  message.msg_iov = &iov;
  message.msg_iovlen = 1;
  message.msg_control = control;
  message.msg_controllen = sizeof(control);
  cmsghdr* header = CMSG_FIRSTHDR(&message);
  header->cmsg_level = SOL_SOCKET;
  header->cmsg_type = SCM_RIGHTS;
  header->cmsg_len = CMSG_LEN(sizeof(int));
  const int fd = master.get();
  std::memcpy(CMSG_DATA(header), &fd, sizeof(int));
  if (::sendmsg(options.consoleSocket, &message, MSG_NOSIGNAL) != 1)
    throwErrno("send the pty master to the monitor");
  return slave;
}

/// stdio onto 0, 1, 2, the extra fds onto 3.., every other fd CLOEXEC.
/// Returns the sync fd, moved above the fds the container gets.
int setUpFds(const InitConfig& config, int syncFd) {
  const LaunchOptions& options = *config.options;
  UniqueFd console;
  if (config.terminal && options.consoleSocket >= 0) console = openConsole(config);
  const int base = 3 + static_cast<int>(options.extraFds.size());
  const auto moveAbove = [base](int fd) {
    const int moved = ::fcntl(fd, F_DUPFD_CLOEXEC, base);
    if (moved < 0) throwErrno("dup fd {}", fd);
    return moved;
  };
  const int sync = moveAbove(syncFd);
  ::close(syncFd);
  std::vector<int> sources{options.stdinFd, options.stdoutFd, options.stderrFd};
  if (console) sources = {console.get(), console.get(), console.get()};
  for (int& fd : sources)
    if (fd < 0) fd = config.devNullFd;
  sources.insert(sources.end(), options.extraFds.begin(), options.extraFds.end());
  std::vector<int> moved;
  for (const int fd : sources)
    moved.push_back(moveAbove(fd));
  for (std::size_t i = 0; i < moved.size(); ++i) {
    if (::dup2(moved[i], static_cast<int>(i)) < 0) throwErrno("dup2 onto fd {}", i);
    ::close(moved[i]);
  }
  if (::syscall(SYS_close_range, base, ~0U, CLOSE_RANGE_CLOEXEC) != 0)
    throwErrno("mark fds close-on-exec");
  // Session leader; with a terminal (the pty slave on stdin) it becomes the
  // controlling one.
  ::setsid();
  if (config.terminal && ::ioctl(0, TIOCSCTTY, 0) != 0) throwErrno("set the controlling terminal");
  return sync;
}

void setGroups(const InitConfig& config) {
  if (::setgroups(config.additionalGids.size(), config.additionalGids.data()) == 0) return;
  // A user namespace with setgroups denied (a single-id mapping) cannot
  // have supplementary groups, and has none to drop either.
  if (errno == EPERM && config.additionalGids.empty()) return;
  throwErrno("setgroups");
}

void switchUser(const InitConfig& config) {
  setGroups(config);
  if (config.options->applyCapabilities) {
    config.options->applyCapabilities(config.uid, config.gid);
    return;
  }
  if (::setresgid(config.gid, config.gid, config.gid) != 0) throwErrno("setgid {}", config.gid);
  if (::setresuid(config.uid, config.uid, config.uid) != 0) throwErrno("setuid {}", config.uid);
}

/// 0 when `path` is an executable regular file, else an errno.
int checkExecutable(const std::string& path) {
  if (::faccessat(AT_FDCWD, path.c_str(), X_OK, AT_EACCESS) != 0) return errno;
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return errno;
  return S_ISREG(st.st_mode) ? 0 : EACCES;
}

/// crun's find_executable: a name with a '/' is taken as it is (relative
/// to the cwd), any other is looked up on the container's PATH.
std::string findExecutable(const InitConfig& config) {
  const std::string& name = config.command;
  if (name.empty()) throw ExecFailure{ENOENT, "executable file `` not found"};
  if (name.find('/') != std::string::npos) {
    if (const int err = checkExecutable(name); err != 0)
      throw ExecFailure{err, err == ENOENT || err == ENOTDIR
                                 ? fmt::format("executable file `{}` not found", name)
                                 : fmt::format("open executable `{}`", name)};
    return name;
  }
  int lastError = ENOENT;
  std::string_view rest = config.searchPath;
  for (bool more = true; more;) {
    const auto colon = rest.find(':');
    more = colon != std::string_view::npos;
    std::string dir(rest.substr(0, colon));
    rest.remove_prefix(more ? colon + 1 : rest.size());
    const std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + name;
    const int err = checkExecutable(candidate);
    if (err == 0) return candidate;
    if (err != ENOENT && err != ENOTDIR) lastError = err;
  }
  throw ExecFailure{lastError, fmt::format("executable file `{}` not found in $PATH", name)};
}

}  // namespace

void reportFailure(int syncFd, LaunchStage stage, int err, std::string_view text,
                   int exitCode) noexcept {
  SyncMessage message;
  message.type = SyncType::Error;
  message.stage = static_cast<std::int32_t>(stage);
  message.sysErrno = err;
  message.exitCode = exitCode;
  const std::size_t n = std::min(text.size(), sizeof(message.message) - 1);
  std::memcpy(message.message, text.data(), n);
  sendSync(syncFd, message);
}

int execFailureExitCode(int err) noexcept {
  return err == ENOENT || err == ENOTDIR ? kExitCommandNotFound : kExitCannotInvoke;
}

namespace {

/// The steps the container's init and an exec'd process share, from
/// rlimits to execve: stdio, credentials, umask, cwd, the command looked up,
/// no_new_privs, seccomp. Throws; `syncFd` and `stage` follow along for the
/// report.
void setUpAndExec(const InitConfig& config, int& syncFd, LaunchStage& stage) {
  stage = LaunchStage::Environment;
  setLimits(config);
  syncFd = setUpFds(config, syncFd);

  stage = LaunchStage::Credentials;
  // Without no_new_privs the kernel wants CAP_SYS_ADMIN for seccomp:
  // load it while the capabilities are still there (crun).
  if (!config.noNewPrivileges && config.options->installSeccomp) config.options->installSeccomp();
  switchUser(config);
  ::umask(config.umask);

  stage = LaunchStage::Environment;
  if (::chdir(config.cwd.c_str()) != 0) throwErrno("chdir to cwd `{}`", config.cwd);

  stage = LaunchStage::Exec;
  const std::string executable = findExecutable(config);

  if (config.options->waitForStart) {
    if (!sendSync(syncFd, SyncType::Ready)) ::_exit(kExitEngineError);
    const auto go = receiveSync(syncFd);
    if (!go || go->type != SyncType::Start) ::_exit(kExitEngineError);
  }
  if (!sendSync(syncFd, SyncType::Exec)) ::_exit(kExitEngineError);

  stage = LaunchStage::Credentials;
  if (config.noNewPrivileges && ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
    throwErrno("set no_new_privs");
  if (config.noNewPrivileges && config.options->installSeccomp) config.options->installSeccomp();

  if (config.options->parentDeathSignal != 0 &&
      ::prctl(PR_SET_PDEATHSIG, config.options->parentDeathSignal, 0, 0, 0) != 0)
    throwErrno("set the parent death signal");

  stage = LaunchStage::Exec;
  ::execve(executable.c_str(), config.argv.data(), config.envp.data());
  const int err = errno;
  reportFailure(syncFd, stage, err, fmt::format("exec `{}`: {}", executable, errnoText(err)),
                execFailureExitCode(err));
  ::_exit(execFailureExitCode(err));
}

/// Runs `body` (which execs or throws); reports what it throws over the
/// sync socket and exits with the matching code.
template <class Body>
[[noreturn]] void guarded(int& syncFd, LaunchStage& stage, Body body) noexcept {
  try {
    body();
  } catch (const ExecFailure& failure) {
    const int code = execFailureExitCode(failure.err);
    try {
      reportFailure(syncFd, stage, failure.err,
                    fmt::format("{}: {}", failure.message, errnoText(failure.err)), code);
    } catch (...) {
    }
    ::_exit(code);
  } catch (const Error& error) {
    reportFailure(syncFd, stage, error.sysErrno(), error.message(), kExitEngineError);
  } catch (const std::exception& error) {
    reportFailure(syncFd, stage, 0, error.what(), kExitEngineError);
  } catch (...) {
    reportFailure(syncFd, stage, 0, "unknown error", kExitEngineError);
  }
  ::_exit(kExitEngineError);
}

}  // namespace

void runContainerInit(const InitConfig& config) noexcept {
  int syncFd = config.syncFd;
  LaunchStage stage = LaunchStage::Namespaces;
  guarded(syncFd, stage, [&] {
    ::close(config.parentSyncFd);
    resetSignals();
    waitForParent(syncFd);
    joinNamespaces(config);
    // Modes in the plan (devices 0666, dirs 0755) are meant as written.
    ::umask(0);

    stage = LaunchStage::Rootfs;
    mountRootfs(config);
    stage = LaunchStage::Mounts;
    applyMountPlan(config.mounts, MountPhase::BeforePivot);
    stage = LaunchStage::PivotRoot;
    pivotRoot(config.mounts.rootfs);

    // Sysctls go through /proc/sys before the read-only paths cover it.
    stage = LaunchStage::Environment;
    setHostnameAndSysctls(config);
    stage = LaunchStage::Finalize;
    applyMountPlan(config.mounts, MountPhase::AfterPivot);

    setUpAndExec(config, syncFd, stage);
  });
}

void runExecProcess(const InitConfig& config) noexcept {
  int syncFd = config.syncFd;
  LaunchStage stage = LaunchStage::Environment;
  guarded(syncFd, stage, [&] {
    resetSignals();
    setUpAndExec(config, syncFd, stage);
  });
}

}  // namespace berth::runtime::detail
