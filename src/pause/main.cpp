// SPDX-License-Identifier: Apache-2.0
// berth-pause: holds the rootless user namespace (and later the per-user
// network namespace) open by simply existing inside it. It does nothing but
// wait for SIGTERM/SIGINT, reaping anything re-parented to it. The Run issue
// starts it; the holding loop is complete already.
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

int main(int argc, char** argv) {
  if (argc == 2 && std::strcmp(argv[1], "--version") == 0) {
    std::puts("berth-pause version " BERTH_PAUSE_VERSION);
    return 0;
  }
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGCHLD);
  sigprocmask(SIG_BLOCK, &signals, nullptr);
  for (;;) {
    int signal = 0;
    if (sigwait(&signals, &signal) != 0) continue;
    if (signal == SIGCHLD) {
      while (waitpid(-1, nullptr, WNOHANG) > 0) {
      }
      continue;
    }
    return 0;
  }
}
