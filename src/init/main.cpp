// SPDX-License-Identifier: Apache-2.0
// berth-init: the init of `--init` (like catatonit and tini). Bind-mounted
// into the container at /run/berth-init and run as pid 1:
//   /run/berth-init -- CMD ARGS...
// It runs CMD as its child, forwards the signals it gets to it, reaps every
// zombie re-parented to it, and exits with CMD's status (128+signal when a
// signal killed CMD).
//
// It runs inside arbitrary images, so it is linked statically and written
// as plain C: no exceptions, no libstdc++ at run time, no allocation.
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

constexpr int kExitUsage = 125;
constexpr int kExitCannotInvoke = 126;
constexpr int kExitNotFound = 127;

void usage() {
  fputs("Usage: berth-init -- COMMAND [ARG...]\n", stderr);
}

// The exit status the shell would show for a wait status.
int exitCodeOf(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return kExitCannotInvoke;
}

[[noreturn]] void runChild(char** argv, const sigset_t* original) {
  // The parent blocked everything to sigwait for it; the command starts
  // with the mask and dispositions berth-init was started with.
  sigprocmask(SIG_SETMASK, original, nullptr);
  execvp(argv[0], argv);
  const int err = errno;
  fprintf(stderr, "berth-init: exec %s: %s\n", argv[0], strerror(err));
  _exit(err == ENOENT ? kExitNotFound : kExitCannotInvoke);
}

// Reaps every exited child; returns the exit code of `main` when it was
// among them, else -1.
int reapZombies(pid_t main) {
  int mainCode = -1;
  for (;;) {
    int status = 0;
    const pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid > 0) {
      if (pid == main) mainCode = exitCodeOf(status);
      continue;
    }
    if (pid < 0 && errno == EINTR) continue;
    return mainCode;  // 0: children left, none exited; -1 (ECHILD): none left
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && strcmp(argv[1], "--version") == 0) {
    puts("berth-init version " BERTH_INIT_VERSION);
    return 0;
  }
  if (argc < 3 || strcmp(argv[1], "--") != 0) {
    usage();
    return kExitUsage;
  }
  char** command = argv + 2;

  // Not pid 1 (run by hand, or under another init): still adopt orphans.
  if (getpid() != 1) prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);

  sigset_t all;
  sigset_t original;
  sigfillset(&all);
  if (sigprocmask(SIG_SETMASK, &all, &original) != 0) {
    fprintf(stderr, "berth-init: block signals: %s\n", strerror(errno));
    return kExitUsage;
  }

  const pid_t child = fork();
  if (child < 0) {
    fprintf(stderr, "berth-init: fork: %s\n", strerror(errno));
    return kExitUsage;
  }
  if (child == 0) runChild(command, &original);

  for (;;) {
    siginfo_t info;
    const int signal = sigwaitinfo(&all, &info);
    if (signal < 0) continue;  // EINTR
    if (signal == SIGCHLD) {
      const int code = reapZombies(child);
      if (code >= 0) return code;
      continue;
    }
    // Everything else goes to the command, SIGTSTP, SIGTTIN and SIGTTOU
    // included (waited for, they cannot stop berth-init itself). The
    // command's death, seen as SIGCHLD, ends berth-init.
    if (kill(child, signal) != 0 && errno != ESRCH)
      fprintf(stderr, "berth-init: forward signal %d: %s\n", signal, strerror(errno));
  }
}
