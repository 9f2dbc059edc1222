// SPDX-License-Identifier: Apache-2.0
// berth exec: a process in a running container, started by the CLI itself
// (no monitor: the CLI is its parent and waits for it), and the exec
// session records inspect lists as ExecIDs.
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <tuple>

#include "berth/base/child_process.hpp"
#include "berth/base/detach_keys.hpp"
#include "berth/base/error.hpp"
#include "berth/base/fs.hpp"
#include "berth/base/ids.hpp"
#include "berth/base/json.hpp"
#include "berth/base/scope_exit.hpp"
#include "berth/engine/engine.hpp"
#include "berth/oci/runtime_spec.hpp"
#include "berth/runtime/capabilities.hpp"
#include "berth/runtime/exec.hpp"
#include "berth/runtime/launcher.hpp"
#include "berth/runtime/userns.hpp"
#include "berth/spec/generate.hpp"
#include "berth/spec/parse.hpp"
#include "berth/spec/user_lookup.hpp"
#include "container_internal.hpp"

namespace berth::engine {

namespace {

std::string execDir(const state::StorePaths& paths, const std::string& id) {
  return paths.runContainerDir(id) + "/exec";
}

/// The session's record: written once its process runs, removed when it
/// has exited. Volatile (the run dir is tmpfs): no fsync.
void writeSession(const std::string& path, const std::string& sessionId,
                  const std::vector<std::string>& command, pid_t pid, bool detached) {
  Json record = {
      {"version", 1},
      {"id", sessionId},
      {"command", command},
      {"pid", pid},
      {"pidStartTime", runtime::processStartTime(pid)},
      {"detached", detached},
  };
  writeJsonFileAtomic(path, record, false, 0600);
}

/// runtime-spec.json without linux.seccomp.
Json specWithoutSeccomp(const std::string& path) {
  const std::string text = readFile(path);
  try {
    return Json::parse(text, [](int depth, Json::parse_event_t event, Json& parsed) {
      return !(event == Json::parse_event_t::key && depth == 2 && parsed == "seccomp");
    });
  } catch (const Json::exception& e) {
    throwError(Errc::InvalidArgument, "{}: {}", path, e.what());
  }
}

runtime::CapabilitySets setsOf(const oci::Process& process) {
  runtime::CapabilitySets sets;
  if (process.capabilities) {
    const auto& caps = *process.capabilities;
    sets = {caps.bounding, caps.effective, caps.inheritable, caps.permitted, caps.ambient};
  }
  return sets;
}

/// The exec'd process: the container's process with the request's
/// command, user, env, cwd and capabilities.
runtime::ExecProcess execProcess(const Engine::ExecRequest& request, const oci::Process& base,
                                 const std::string& containerUser, pid_t initPid) {
  runtime::ExecProcess exec;
  oci::Process& process = exec.process;
  process.args = request.command;
  process.env = base.env;
  const auto hostEnv = spec::hostEnvironment();
  std::vector<std::string> added;
  for (const auto& file : request.envFiles)
    spec::readEnvFile(file, hostEnv, added);
  for (const auto& entry : request.env)
    spec::parseEnvEntry(entry, hostEnv, added);
  for (const auto& entry : added)
    spec::setEnv(process.env, entry);

  process.cwd = request.workdir.empty() ? base.cwd : request.workdir;
  if (process.cwd.empty() || process.cwd.front() != '/')
    throwError(Errc::InvalidArgument, "workdir \"{}\" must be an absolute path", request.workdir);

  process.user = base.user;
  if (!request.user.empty()) {
    // The container's files, as it sees them: through its init's root.
    const spec::ResolvedUser user =
        spec::resolveUser(request.user, fmt::format("/proc/{}/root", initPid));
    process.user.uid = user.uid;
    process.user.gid = user.gid;
    process.user.additionalGids = user.additionalGids;
  }
  const bool sameUser = request.user.empty() || request.user == containerUser;
  const runtime::CapabilitySets caps = runtime::execCapabilities(
      setsOf(base), process.user.uid == 0, sameUser, request.privileged,
      request.privileged ? runtime::currentBoundingSet() : std::vector<std::string>{});
  process.capabilities = oci::LinuxCapabilities{caps.bounding, caps.effective, caps.inheritable,
                                                caps.permitted, caps.ambient};
  process.noNewPrivileges = base.noNewPrivileges;
  process.rlimits = base.rlimits;
  process.oomScoreAdj = base.oomScoreAdj;
  exec.seccomp = !request.privileged;
  return exec;
}

[[noreturn]] void throwLaunchError(const runtime::LaunchError& error) {
  throw ExitCodeError(error.kind(), error.message(), error.exitCode(), error.sysErrno());
}

/// Waits for the foreground process, forwarding the proxied signals that
/// arrive on `signals` (-1: none).
int waitForeground(ChildProcess& process, int signals) {
  for (;;) {
    pollfd fds[2] = {{process.pidfd(), POLLIN, 0}, {signals, POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      throwErrno("poll");
    }
    if (fds[1].revents & POLLIN) {
      signalfd_siginfo info{};
      if (::read(signals, &info, sizeof(info)) == sizeof(info))
        process.kill(static_cast<int>(info.ssi_signo));
    }
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) return process.wait();
  }
}

/// exec -t in the foreground: copies between the user's terminal and the
/// process's (the pty master) until the process exits, with raw mode,
/// window size (SIGWINCH), forwarded signals and the detach keys. Detached:
/// a keeper forked here holds the master (the process would get SIGHUP if
/// it closed), drains it, and removes the session record once the process
/// is gone; `detached` is set and 0 returned.
int relayTerminal(ChildProcess& process, int master, const Engine::ExecRequest& request,
                  int signals, const std::string& recordPath, bool& detached) {
  const int in = request.stdinFd;
  std::optional<detail::RawMode> raw;
  if (in >= 0 && ::isatty(in)) raw.emplace(in);
  DetachKeyMatcher keys(request.detachKeys);
  bool inputOpen = in >= 0;
  bool masterOpen = true;
  std::string buffer(32 * 1024, '\0');
  std::string forward;
  for (;;) {
    pollfd fds[4] = {{process.pidfd(), POLLIN, 0},
                     {signals, POLLIN, 0},
                     {masterOpen ? master : -1, POLLIN, 0},
                     {inputOpen ? in : -1, POLLIN, 0}};
    if (::poll(fds, 4, -1) < 0) {
      if (errno == EINTR) continue;
      throwErrno("poll");
    }
    if (fds[1].revents & POLLIN) {
      signalfd_siginfo info{};
      if (::read(signals, &info, sizeof(info)) == sizeof(info)) {
        if (info.ssi_signo == SIGWINCH) {
          const auto [rows, columns] = detail::terminalSize(request.stdoutFd);
          winsize window{};
          window.ws_row = rows;
          window.ws_col = columns;
          if (rows != 0) ::ioctl(master, TIOCSWINSZ, &window);
        } else {
          process.kill(static_cast<int>(info.ssi_signo));
        }
      }
    }
    // Output before the exit: what the process wrote last is not lost.
    if (fds[2].revents & (POLLIN | POLLHUP | POLLERR)) {
      const ssize_t n = ::read(master, buffer.data(), buffer.size());
      if (n > 0) {
        try {
          writeAll(request.stdoutFd, std::string_view(buffer.data(), static_cast<std::size_t>(n)),
                   "stdout");
        } catch (const Error&) {
          // our reader went away: the process runs on
        }
      } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
        masterOpen = false;  // EIO: every slave fd is closed
      }
    }
    if (fds[3].revents & (POLLIN | POLLHUP | POLLERR)) {
      const ssize_t n = ::read(in, buffer.data(), buffer.size());
      if (n > 0) {
        forward.clear();
        const bool detach =
            keys.feed(std::string_view(buffer.data(), static_cast<std::size_t>(n)), forward);
        try {
          if (!forward.empty()) writeAll(master, forward, "the exec terminal");
        } catch (const Error&) {
          inputOpen = false;
        }
        if (detach) {
          const pid_t keeper = ::fork();
          if (keeper < 0) throwErrno("fork the exec session keeper");
          if (keeper == 0) {
            ::setsid();
            const int devNull = ::open("/dev/null", O_RDWR | O_CLOEXEC);
            for (int fd = 0; fd < 3 && devNull >= 0; ++fd)
              ::dup2(devNull, fd);
            for (;;) {
              pollfd keep[2] = {{process.pidfd(), POLLIN, 0}, {master, POLLIN, 0}};
              if (::poll(keep, 2, -1) < 0 && errno != EINTR) break;
              if (keep[0].revents != 0) break;
              if (keep[1].revents != 0 && ::read(master, buffer.data(), buffer.size()) <= 0)
                keep[1].fd = -1;
            }
            ::unlink(recordPath.c_str());
            ::_exit(0);
          }
          [[maybe_unused]] const pid_t released = process.release();
          detached = true;
          return 0;
        }
      } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
        inputOpen = false;  // a terminal has no end of input: nothing to send
      }
    }
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      // Gone: drain what its terminal still holds, then its exit code.
      ::fcntl(master, F_SETFL, ::fcntl(master, F_GETFL) | O_NONBLOCK);
      for (ssize_t n; masterOpen && (n = ::read(master, buffer.data(), buffer.size())) > 0;) {
        try {
          writeAll(request.stdoutFd, std::string_view(buffer.data(), static_cast<std::size_t>(n)),
                   "stdout");
        } catch (const Error&) {
          break;
        }
      }
      return process.wait();
    }
  }
}

/// Podman's exec and exec_died events of one session (execID attribute).
struct ExecEvents {
  const state::StorePaths& paths;
  const state::ContainerConfig& config;
  std::string sessionId;
  void started() const noexcept {
    detail::emitContainerEvent(paths, config, "exec", {{"execID", sessionId}});
  }
  void died(int exitCode) const noexcept {
    detail::emitContainerEvent(paths, config, "exec_died", {{"execID", sessionId}}, exitCode);
  }
};

/// -d: a session keeper, detached from the CLI (double fork, new session),
/// starts the process, reports, waits for it and removes the record. The
/// CLI returns once the keeper has reported the start.
void runDetached(const runtime::ExecTarget& target, const runtime::ExecProcess& exec,
                 const std::string& recordPath, const std::string& sessionId,
                 const std::vector<std::string>& command, const ExecEvents& events) {
  int pipeFds[2];
  if (::pipe2(pipeFds, O_CLOEXEC) != 0) throwErrno("pipe");
  UniqueFd readEnd(pipeFds[0]), writeEnd(pipeFds[1]);
  const pid_t first = ::fork();
  if (first < 0) throwErrno("fork the exec session");
  if (first == 0) {
    readEnd.reset();
    ::setsid();
    if (::fork() != 0) ::_exit(0);
    // Nothing of the CLI's stdio stays open: a `$(berth exec -d ...)`
    // would wait for the session to end.
    const int devNull = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    for (int fd = 0; fd < 3 && devNull >= 0; ++fd)
      ::dup2(devNull, fd);
    Json result;
    try {
      runtime::ExecStdio stdio;  // all /dev/null
      ChildProcess process = runtime::execInContainer(target, exec, stdio);
      writeSession(recordPath, sessionId, command, process.pid(), true);
      result = {{"exitCode", 0}};
      writeAll(writeEnd.get(), result.dump(), "the exec report");
      writeEnd.reset();
      events.started();
      events.died(process.wait());
    } catch (const runtime::LaunchError& error) {
      result = {{"exitCode", error.exitCode()}, {"error", error.message()}};
    } catch (const std::exception& error) {
      result = {{"exitCode", kExitEngineError}, {"error", error.what()}};
    }
    if (writeEnd) {
      try {
        writeAll(writeEnd.get(), result.dump(), "the exec report");
      } catch (...) {
      }
    }
    ::unlink(recordPath.c_str());
    ::_exit(0);
  }
  writeEnd.reset();
  int status = 0;
  while (::waitpid(first, &status, 0) < 0 && errno == EINTR) {
  }
  std::string text;
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::read(readEnd.get(), buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
  }
  if (text.empty()) throwError(Errc::Internal, "the exec session ended without a report");
  const Json result = parseJson(text, "the exec report");
  const int code = result.value("exitCode", kExitEngineError);
  if (code != 0)
    throw ExitCodeError(code == kExitCommandNotFound || code == kExitCannotInvoke
                            ? Errc::InvalidArgument
                            : Errc::Internal,
                        result.value("error", std::string("exec failed")), code);
}

}  // namespace

std::vector<std::string> detail::execSessionIds(const state::StorePaths& paths,
                                                const std::string& id) {
  std::vector<std::string> ids;
  const std::string dir = execDir(paths, id);
  DIR* stream = ::opendir(dir.c_str());
  if (stream == nullptr) return ids;
  ScopeExit close([stream] { ::closedir(stream); });
  while (const dirent* entry = ::readdir(stream)) {
    const std::string name = entry->d_name;
    if (!name.ends_with(".json") || !isFullId(name.substr(0, name.size() - 5))) continue;
    try {
      const auto record = readJsonFileIfExists(dir + "/" + name);
      if (!record) continue;
      if (!processAlive(record->value("pid", 0), record->value("pidStartTime", std::uint64_t{0})))
        continue;  // its keeper or CLI was killed: stale
      ids.push_back(name.substr(0, name.size() - 5));
    } catch (const Error&) {
      // a record being replaced or unreadable: not listed
    }
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::unique_ptr<detail::ExecPlan> detail::planExec(const state::StorePaths& paths,
                                                   const ContainerRecord& record,
                                                   const Engine::ExecRequest& request) {
  const std::string& id = record.config.id;
  if (record.state.status != state::ContainerStatus::Running || record.stale ||
      !processAlive(record.state.pid, record.state.pidStartTime))
    throwError(Errc::InvalidState,
               "can only create exec sessions on running containers: container state improper");
  const std::string specPath = runtimeSpecPath(paths, id);
  // With the container's compiled seccomp program at hand, its profile (most
  // of the spec) is not even built into the JSON tree.
  const std::string programFile = paths.runContainerDir(id) + "/seccomp.bpf";
  auto plan = std::make_unique<ExecPlan>();
  plan->spec = oci::Spec::fromJson(
      pathExists(programFile) ? specWithoutSeccomp(specPath) : readJsonFile(specPath), specPath);
  if (!plan->spec.process) throwError(Errc::Internal, "{}: the container has no process", specPath);

  const pid_t initPid = record.state.pid;
  plan->process =
      execProcess(request, *plan->spec.process, containerSpec(record.config).user, initPid);
  plan->target.pid = initPid;
  plan->target.spec = &plan->spec;
  plan->target.cacheDir = paths.runRoot + "/cache";
  plan->target.cgroupLeaf = "berth-" + id;
  plan->target.programFile = programFile;
  return plan;
}

Engine::ExecReport Engine::execContainer(const ExecRequest& request) const {
  enterUserNamespace();
  if (request.command.empty())
    throwError(Errc::InvalidArgument,
               "must provide a non-empty command to start an exec session: invalid argument");
  state::ContainerStore store(paths_);
  const std::string id = store.resolve(request.container);
  const detail::ContainerRecord record = detail::loadContainer(store, id);
  const auto plan = detail::planExec(paths_, record, request);
  const runtime::ExecTarget& target = plan->target;
  const runtime::ExecProcess& exec = plan->process;

  ExecReport report;
  report.sessionId = generateId();
  const std::string dir = execDir(paths_, id);
  makeDirs(dir, 0700);
  const std::string recordPath = dir + "/" + report.sessionId + ".json";
  const ExecEvents events{paths_, record.config, report.sessionId};
  if (request.detach) {
    runDetached(target, exec, recordPath, report.sessionId, request.command, events);
    return report;
  }

  runtime::ExecStdio stdio;
  stdio.in = request.stdinFd;
  stdio.out = request.stdoutFd;
  stdio.err = request.stderrFd;
  for (unsigned i = 0; i < request.preserveFds; ++i)
    stdio.extraFds.push_back(3 + static_cast<int>(i));

  // Blocked before the fork (the process unblocks them before exec), so
  // that none arriving meanwhile is lost.
  sigset_t proxied;
  sigemptyset(&proxied);
  UniqueFd signals;
  if (request.sigProxy)
    for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2})
      sigaddset(&proxied, sig);
  if (request.tty) sigaddset(&proxied, SIGWINCH);
  if (request.sigProxy || request.tty) {
    ::sigprocmask(SIG_BLOCK, &proxied, nullptr);
    signals.reset(::signalfd(-1, &proxied, SFD_CLOEXEC));
  }
  ScopeExit unblock([&] {
    if (request.sigProxy || request.tty) ::sigprocmask(SIG_UNBLOCK, &proxied, nullptr);
  });

  // -t: the process opens a terminal in the container's devpts and sends
  // its master back over this socket.
  UniqueFd consoleOurs;
  UniqueFd consoleTheirs;
  if (request.tty) {
    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0)
      throwErrno("create the console socket");
    consoleOurs.reset(pair[0]);
    consoleTheirs.reset(pair[1]);
    stdio.consoleSocket = consoleTheirs.get();
    std::tie(stdio.rows, stdio.columns) = detail::terminalSize(request.stdoutFd);
  }

  ChildProcess process;
  try {
    process = runtime::execInContainer(target, exec, stdio);
  } catch (const runtime::LaunchError& error) {
    throwLaunchError(error);
  }
  writeSession(recordPath, report.sessionId, request.command, process.pid(), false);
  events.started();
  bool detached = false;
  ScopeExit removeRecord([&recordPath, &detached] {
    if (!detached) ::unlink(recordPath.c_str());
  });
  if (request.tty) {
    consoleTheirs.reset();
    const UniqueFd master = runtime::receiveConsole(consoleOurs.get());
    report.exitCode =
        relayTerminal(process, master.get(), request, signals.get(), recordPath, detached);
    if (!detached) events.died(report.exitCode);
    return report;
  }
  report.exitCode = waitForeground(process, signals ? signals.get() : -1);
  events.died(report.exitCode);
  return report;
}

}  // namespace berth::engine
