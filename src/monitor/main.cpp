// SPDX-License-Identifier: Apache-2.0
// berth-monitor: one per container, started by `berth` with its whole
// configuration as JSON on fd 3 and the sync socket on fd 4 (DESIGN.md,
// "Monitor protocol"). It double-forks so that the CLI can return, starts a
// session, becomes a subreaper, and runs the Monitor.
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include "berth/base/error.hpp"
#include "berth/base/json.hpp"
#include "monitor.hpp"

namespace {

std::string readAll(int fd) {
  std::string text;
  char buffer[8192];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
  }
  return text;
}

// The CLI's stdio must not be held: a shell pipeline or a test harness
// waits for every writer of its pipe to go away.
void detachStdio() {
  const int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null < 0) return;
  for (int fd = 0; fd < 3; ++fd)
    ::dup2(null, fd);
  if (null > 2) ::close(null);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::strcmp(argv[1], "--version") == 0) {
    std::puts("berth-monitor version " BERTH_MONITOR_VERSION);
    return 0;
  }
  if (::fcntl(berth::runtime::kMonitorConfigFd, F_GETFD) < 0 ||
      ::fcntl(berth::runtime::kMonitorSyncFd, F_GETFD) < 0) {
    std::fprintf(stderr,
                 "Error: berth-monitor is started by berth itself, with its configuration on an "
                 "inherited file descriptor\n");
    return berth::kExitEngineError;
  }
  berth::UniqueFd sync(berth::runtime::kMonitorSyncFd);
  ::fcntl(sync.get(), F_SETFD, FD_CLOEXEC);
  berth::runtime::MonitorConfig config;
  try {
    const std::string text = readAll(berth::runtime::kMonitorConfigFd);
    ::close(berth::runtime::kMonitorConfigFd);
    config = berth::runtime::MonitorConfig::fromJson(
        berth::parseJson(text, "the monitor configuration"));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "Error: %s\n", e.what());
    return berth::kExitEngineError;
  }

  // Double fork: the CLI reaps the first child at once; the monitor is
  // reparented to the nearest subreaper and lives in a session of its own.
  const pid_t child = ::fork();
  if (child < 0) {
    std::perror("Error: fork");
    return berth::kExitEngineError;
  }
  if (child > 0) ::_exit(0);
  ::setsid();
  ::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
  detachStdio();
  if (::chdir("/") != 0) {
    // stays where it was: nothing depends on it
  }

  // SIGCHLD stays pending until the loop's signalfd reads it; terminal and
  // session signals must not end the monitor while its container runs.
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGCHLD);
  ::sigprocmask(SIG_BLOCK, &mask, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  ::signal(SIGHUP, SIG_IGN);
  ::signal(SIGINT, SIG_IGN);
  ::signal(SIGTERM, SIG_IGN);

  berth::monitor::Monitor monitor(std::move(config), std::move(sync));
  return monitor.run();
}
