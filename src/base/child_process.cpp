// SPDX-License-Identifier: Apache-2.0
#include "berth/base/child_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "berth/base/error.hpp"

namespace berth {

namespace {

int openPidfd(pid_t pid) noexcept {
#ifdef SYS_pidfd_open
  const long fd = ::syscall(SYS_pidfd_open, pid, 0);
  if (fd >= 0) ::fcntl(static_cast<int>(fd), F_SETFD, FD_CLOEXEC);
  return static_cast<int>(fd);
#else
  (void)pid;
  return -1;
#endif
}

}  // namespace

int exitCodeFromWaitStatus(int status) noexcept {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 255;
}

ChildProcess::ChildProcess(pid_t pid) : pid_(pid), pidfd_(openPidfd(pid)) {}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)), pidfd_(std::move(other.pidfd_)) {}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    terminate();
    pid_ = std::exchange(other.pid_, -1);
    pidfd_ = std::move(other.pidfd_);
  }
  return *this;
}

ChildProcess::~ChildProcess() {
  terminate();
}

void ChildProcess::terminate() noexcept {
  if (pid_ <= 0) return;
  kill(SIGKILL);
  int status;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
  pidfd_.reset();
}

pid_t ChildProcess::release() noexcept {
  pidfd_.reset();
  return std::exchange(pid_, -1);
}

bool ChildProcess::kill(int signal) noexcept {
  if (pid_ <= 0) return false;
#ifdef SYS_pidfd_send_signal
  // Through the pidfd the signal cannot reach a recycled pid.
  if (pidfd_ && ::syscall(SYS_pidfd_send_signal, pidfd_.get(), signal, nullptr, 0) == 0)
    return true;
  if (pidfd_ && errno == ESRCH) return false;
#endif
  return ::kill(pid_, signal) == 0;
}

int ChildProcess::wait() {
  if (pid_ <= 0) throwError(Errc::Internal, "wait for a child process that is not running");
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0) {
    if (errno != EINTR) throwErrno("waitpid {}", pid_);
  }
  pid_ = -1;
  pidfd_.reset();
  return exitCodeFromWaitStatus(status);
}

ChildProcess ChildProcess::spawn(const std::vector<std::string>& argv, const SpawnStdio& stdio) {
  if (argv.empty()) throwError(Errc::InvalidArgument, "spawn: empty command");
  // Everything the child needs is prepared before fork: no allocation after.
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& arg : argv)
    args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);

  int errorPipe[2];
  if (::pipe2(errorPipe, O_CLOEXEC) != 0) throwErrno("pipe");
  UniqueFd readEnd(errorPipe[0]);
  UniqueFd writeEnd(errorPipe[1]);

  const pid_t pid = ::fork();
  if (pid < 0) throwErrno("fork for '{}'", argv[0]);
  if (pid == 0) {
    if (stdio.in >= 0) ::dup2(stdio.in, STDIN_FILENO);
    if (stdio.out >= 0) ::dup2(stdio.out, STDOUT_FILENO);
    if (stdio.err >= 0) ::dup2(stdio.err, STDERR_FILENO);
    if (stdio.unblockSignals) {
      sigset_t none;
      sigemptyset(&none);
      ::sigprocmask(SIG_SETMASK, &none, nullptr);
    }
    ::execvp(args[0], args.data());
    const int err = errno;
    [[maybe_unused]] const ssize_t ignored = ::write(writeEnd.get(), &err, sizeof(err));
    ::_exit(127);
  }
  writeEnd.reset();
  ChildProcess child(pid);
  int childErrno = 0;
  ssize_t n;
  while ((n = ::read(readEnd.get(), &childErrno, sizeof(childErrno))) < 0 && errno == EINTR) {
  }
  if (n == sizeof(childErrno)) {
    child.wait();
    throwErrnoValue(childErrno, "execute '" + argv[0] + "'");
  }
  return child;
}

}  // namespace berth
