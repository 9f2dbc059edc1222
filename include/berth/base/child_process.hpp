// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "berth/base/unique_fd.hpp"

namespace berth {

/// Where a spawned child's stdio goes: -1 keeps the parent's, otherwise the
/// fd is dup2'ed onto 0/1/2 in the child.
struct SpawnStdio {
  int in = -1;
  int out = -1;
  int err = -1;
  /// The child starts with no signal blocked (a parent reading SIGCHLD
  /// from a signalfd keeps it blocked; the program it runs must not).
  bool unblockSignals = false;
};

/// A child process with a pidfd (pidfd_open, kernel >= 5.3). Unless
/// released, the destructor SIGKILLs and reaps it, so an early return or an
/// exception never leaves a stray child behind (crun's cleanup_pid).
class ChildProcess {
 public:
  ChildProcess() = default;
  /// Adopts an existing child pid (opens its pidfd when possible).
  explicit ChildProcess(pid_t pid);
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();

  /// fork + execvp(argv). Throws Error when fork fails or the program cannot
  /// be executed (exec errors come back through a CLOEXEC pipe, with errno).
  static ChildProcess spawn(const std::vector<std::string>& argv,
                            const SpawnStdio& stdio = SpawnStdio{});

  pid_t pid() const noexcept { return pid_; }
  int pidfd() const noexcept { return pidfd_.get(); }
  bool running() const noexcept { return pid_ > 0; }

  /// Waits for exit; returns the exit code, or 128+signal when killed.
  int wait();

  /// Sends a signal; false when the process is already gone.
  bool kill(int signal) noexcept;

  /// Stops owning the child: it is neither killed nor reaped here.
  [[nodiscard]] pid_t release() noexcept;

 private:
  void terminate() noexcept;
  pid_t pid_ = -1;
  UniqueFd pidfd_;
};

/// Decodes a waitpid status: the exit code, or 128+signal.
int exitCodeFromWaitStatus(int status) noexcept;

}  // namespace berth
