// SPDX-License-Identifier: Apache-2.0
// Attaching a CLI to a running container's monitor: run -i/-t in the
// foreground, start -a, attach. The monitor's attach socket carries the
// streams (DESIGN.md, "Monitor protocol"); this side copies them to and
// from the user's fds, with raw mode, window size and detach keys for a
// terminal.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>

#include "berth/base/detach_keys.hpp"
#include "berth/base/error.hpp"
#include "berth/base/file_lock.hpp"
#include "berth/base/fs.hpp"
#include "berth/engine/engine.hpp"
#include "berth/runtime/monitor_protocol.hpp"
#include "container_internal.hpp"

namespace berth::engine {

namespace detail {

namespace {

void sendResize(int attachFd, std::pair<std::uint16_t, std::uint16_t> size) {
  if (size.first == 0 || size.second == 0) return;
  char message[1 + sizeof(runtime::WindowSize)];
  message[0] = static_cast<char>(runtime::AttachMessage::Resize);
  const runtime::WindowSize window{size.first, size.second};
  std::memcpy(message + 1, &window, sizeof(window));
  ::send(attachFd, message, sizeof(message), MSG_NOSIGNAL);
}

}  // namespace

UniqueFd connectAttach(const std::string& runDir) {
  UniqueFd dir = openFile(runDir, O_PATH | O_DIRECTORY);
  UniqueFd fd(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
  if (!fd) throwErrno("create a socket");
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  const std::string path = runtime::socketPath(runDir + "/attach", dir.get());
  std::strncpy(address.sun_path, path.c_str(), sizeof(address.sun_path) - 1);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0)
    throwErrno("connect to the container's attach socket {}/attach", runDir);
  return fd;
}

RawMode::RawMode(int fd) : fd_(fd) {
  if (::tcgetattr(fd_, &saved_) != 0) return;
  termios raw = saved_;
  ::cfmakeraw(&raw);
  active_ = ::tcsetattr(fd_, TCSANOW, &raw) == 0;
}

RawMode::~RawMode() {
  if (active_) ::tcsetattr(fd_, TCSANOW, &saved_);
}

std::pair<std::uint16_t, std::uint16_t> terminalSize(int fd) {
  for (const int candidate : {fd, 1, 0}) {
    winsize window{};
    if (candidate >= 0 && ::ioctl(candidate, TIOCGWINSZ, &window) == 0 && window.ws_row != 0)
      return {window.ws_row, window.ws_col};
  }
  return {0, 0};
}

AttachOutcome attachSession(int attachFd, int containerPidfd, const AttachIo& io) {
  AttachOutcome outcome;
  const bool resize = io.terminal && (::isatty(io.stdoutFd) || ::isatty(io.stdinFd));
  std::optional<RawMode> raw;
  if (io.terminal && io.stdinFd >= 0 && ::isatty(io.stdinFd)) raw.emplace(io.stdinFd);

  // Forwarded signals and SIGWINCH arrive on a signalfd, so none is lost
  // between polls.
  sigset_t handled;
  sigemptyset(&handled);
  if (io.sigProxy)
    for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2})
      sigaddset(&handled, sig);
  if (resize) sigaddset(&handled, SIGWINCH);
  sigset_t previous;
  ::sigprocmask(SIG_BLOCK, &handled, &previous);
  UniqueFd signals(::signalfd(-1, &handled, SFD_CLOEXEC));
  struct RestoreMask {
    sigset_t mask;
    ~RestoreMask() { ::sigprocmask(SIG_SETMASK, &mask, nullptr); }
  } restore{previous};
  if (resize) sendResize(attachFd, terminalSize(io.stdoutFd));

  DetachKeyMatcher detach(io.detachKeys);
  bool stdinOpen = io.stdinFd >= 0;
  std::string buffer(64 * 1024 + 1, '\0');
  std::string forward;
  for (;;) {
    pollfd fds[3] = {{attachFd, POLLIN, 0},
                     {signals.get(), POLLIN, 0},
                     {stdinOpen ? io.stdinFd : -1, POLLIN, 0}};
    if (::poll(fds, 3, -1) < 0) {
      if (errno == EINTR) continue;
      throwErrno("poll");
    }
    if (fds[1].revents & POLLIN) {
      signalfd_siginfo info{};
      if (::read(signals.get(), &info, sizeof(info)) == sizeof(info)) {
        if (info.ssi_signo == SIGWINCH)
          sendResize(attachFd, terminalSize(io.stdoutFd));
        else if (containerPidfd >= 0)
          sendSignal(containerPidfd, static_cast<int>(info.ssi_signo));
      }
    }
    if (fds[2].revents & (POLLIN | POLLHUP | POLLERR)) {
      const ssize_t n = ::read(io.stdinFd, buffer.data(), buffer.size() - 1);
      if (n > 0) {
        forward.assign(1, static_cast<char>(runtime::AttachMessage::Stdin));
        const bool detached =
            detach.feed(std::string_view(buffer.data(), static_cast<std::size_t>(n)), forward);
        if (forward.size() > 1) ::send(attachFd, forward.data(), forward.size(), MSG_NOSIGNAL);
        if (detached) {
          outcome.detached = true;
          return outcome;
        }
      } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
        const char close = static_cast<char>(runtime::AttachMessage::CloseStdin);
        ::send(attachFd, &close, 1, MSG_NOSIGNAL);
        stdinOpen = false;
      }
    }
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      const ssize_t n = ::recv(attachFd, buffer.data(), buffer.size(), 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return outcome;  // the monitor is gone without an exit record
      const auto type = static_cast<runtime::AttachMessage>(buffer[0]);
      const std::string_view data(buffer.data() + 1, static_cast<std::size_t>(n - 1));
      try {
        if (type == runtime::AttachMessage::Stdout) writeAll(io.stdoutFd, data, "stdout");
        if (type == runtime::AttachMessage::Stderr) writeAll(io.stderrFd, data, "stderr");
      } catch (const Error&) {
        // Our reader went away (a closed pipe): the container runs on.
      }
      if (type == runtime::AttachMessage::Exit) {
        const auto record = runtime::ExitRecord::fromJson(parseJson(data, "the exit record"));
        outcome.hasExit = true;
        outcome.exitCode = record.exitCode;
        return outcome;
      }
    }
  }
}

}  // namespace detail

int Engine::attachContainer(const std::string& nameOrId, const AttachRequest& request) const {
  enterUserNamespace();
  state::ContainerStore store(paths_);
  const std::string id = store.resolve(nameOrId);
  detail::ContainerRecord record = [&] {
    FileLock lock = store.lock(id);
    return detail::loadContainer(store, id);
  }();
  if (record.state.status != state::ContainerStatus::Running || record.stale)
    throwError(Errc::InvalidState, "you can only attach to running containers");
  const spec::ContainerSpec spec = detail::containerSpec(record.config);
  UniqueFd attach = detail::connectAttach(paths_.runContainerDir(id));
  UniqueFd container = detail::openProcess(record.state.pid, record.state.pidStartTime);

  detail::AttachIo io;
  // Input only reaches a container that keeps its stdin open (-i).
  io.stdinFd = spec.interactive ? request.stdinFd : -1;
  io.stdoutFd = request.stdoutFd;
  io.stderrFd = request.stderrFd;
  io.sigProxy = request.sigProxy;
  io.terminal = spec.tty;
  io.detachKeys = request.detachKeys;
  const detail::AttachOutcome outcome =
      detail::attachSession(attach.get(), container ? container.get() : -1, io);
  if (outcome.detached) return 0;
  int exitCode = outcome.exitCode;
  if (!outcome.hasExit) {
    const auto json = readJsonFileIfExists(detail::exitFilePath(paths_, id));
    if (!json) throwError(Errc::Internal, "container {} ended without an exit status", id);
    exitCode = runtime::ExitRecord::fromJson(*json).exitCode;
  }
  cleanupContainer(id);
  return exitCode;
}

}  // namespace berth::engine
