// SPDX-License-Identifier: Apache-2.0
// Runs a piece of test code in a forked child, for what must not touch the
// test process itself (dropping capabilities, loading a seccomp filter).
#pragma once

#include <fcntl.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <exception>
#include <functional>
#include <string>

/// What the child wrote, and how it ended. exitCode 77 means "skipped".
struct ChildResult {
  std::string output;
  int exitCode = -1;
};

inline constexpr int kChildSkipped = 77;

/// Forks; the child runs `body`, writes what it returns to a pipe and exits 0,
/// or writes the exception's text and exits 1. Never returns in the child.
inline ChildResult runInChild(const std::function<std::string()>& body) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) < 0) return {"pipe failed", -1};
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    int code = 0;
    std::string text;
    try {
      text = body();
    } catch (const std::exception& e) {
      text = e.what();
      code = 1;
    } catch (int skip) {
      code = skip;
    }
    const char* data = text.data();
    std::size_t left = text.size();
    while (left > 0) {
      const ssize_t n = ::write(fds[1], data, left);
      if (n <= 0) break;
      data += n;
      left -= static_cast<std::size_t>(n);
    }
    ::_exit(code);
  }
  ::close(fds[1]);
  ChildResult result;
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::read(fds[0], buffer, sizeof(buffer));
    if (n <= 0) break;
    result.output.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fds[0]);
  int status = 0;
  if (pid > 0 && ::waitpid(pid, &status, 0) == pid)
    result.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

inline bool writeWholeFile(const char* path, const std::string& text) {
  const int fd = ::open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  return ok;
}

/// In the child: gets full capabilities to drop. Real root keeps its own;
/// anyone else enters a new user namespace mapping itself to root there.
/// Throws kChildSkipped when user namespaces are unavailable.
inline void becomeRootInChild() {
  if (::geteuid() == 0) return;
  const uid_t uid = ::getuid();
  const gid_t gid = ::getgid();
  if (::unshare(CLONE_NEWUSER) < 0) throw kChildSkipped;
  if (!writeWholeFile("/proc/self/setgroups", "deny") ||
      !writeWholeFile("/proc/self/uid_map", "0 " + std::to_string(uid) + " 1") ||
      !writeWholeFile("/proc/self/gid_map", "0 " + std::to_string(gid) + " 1"))
    throw kChildSkipped;
}
