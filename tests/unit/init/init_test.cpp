// SPDX-License-Identifier: Apache-2.0
// berth-init, the built binary, run as a child of the test (not as pid 1:
// it then reaps as a child subreaper).
#include <dirent.h>
#include <elf.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "berth/base/fs.hpp"
#include "catch.hpp"

namespace {

/// A running berth-init with its stdout and stderr on pipes.
class InitProcess {
 public:
  explicit InitProcess(const std::vector<std::string>& args) {
    int out[2];
    int err[2];
    if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0)
      throw std::runtime_error("pipe failed");
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      ::dup2(out[1], 1);
      ::dup2(err[1], 2);
      // A search path of readable directories only: execvp reports EACCES,
      // not ENOENT, when a directory on PATH cannot be searched.
      ::setenv("PATH", "/usr/local/bin:/usr/bin:/bin", 1);
      std::vector<char*> argv;
      argv.push_back(const_cast<char*>(BERTH_INIT_PATH));
      for (const auto& arg : args)
        argv.push_back(const_cast<char*>(arg.c_str()));
      argv.push_back(nullptr);
      ::execv(BERTH_INIT_PATH, argv.data());
      ::_exit(99);
    }
    ::close(out[1]);
    ::close(err[1]);
    out_ = out[0];
    err_ = err[0];
  }
  ~InitProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    ::close(out_);
    ::close(err_);
  }
  InitProcess(const InitProcess&) = delete;
  InitProcess& operator=(const InitProcess&) = delete;

  pid_t pid() const { return pid_; }

  /// One line of stdout (blocking), without the newline.
  std::string readLine() {
    std::string line;
    char c;
    while (::read(out_, &c, 1) == 1 && c != '\n')
      line += c;
    return line;
  }

  /// Waits for exit: the exit code, or 128+signal.
  int wait() {
    int status = 0;
    if (::waitpid(pid_, &status, 0) != pid_) throw std::runtime_error("waitpid failed");
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

  /// What is left on stderr (call after wait()).
  std::string errors() {
    std::string text;
    char buffer[512];
    ssize_t n;
    while ((n = ::read(err_, buffer, sizeof buffer)) > 0)
      text.append(buffer, n);
    return text;
  }

 private:
  pid_t pid_ = -1;
  int out_ = -1;
  int err_ = -1;
};

int run(const std::vector<std::string>& args) {
  InitProcess init(args);
  return init.wait();
}

/// Zombie children of `parent`, from /proc/*/stat.
int zombieChildren(pid_t parent) {
  int zombies = 0;
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) return -1;
  while (dirent* entry = ::readdir(proc)) {
    if (entry->d_name[0] < '0' || entry->d_name[0] > '9') continue;
    const auto stat = berth::readFileIfExists(std::string("/proc/") + entry->d_name + "/stat");
    if (!stat) continue;
    const auto paren = stat->rfind(')');
    if (paren == std::string::npos || paren + 4 > stat->size()) continue;
    const char state = (*stat)[paren + 2];
    const pid_t ppid = static_cast<pid_t>(std::atoi(stat->c_str() + paren + 4));
    if (ppid == parent && state == 'Z') ++zombies;
  }
  ::closedir(proc);
  return zombies;
}

}  // namespace

TEST_CASE("berth-init exits with the command's code") {
  CHECK(run({"--", "sh", "-c", "exit 3"}) == 3);
  CHECK(run({"--", "true"}) == 0);
  CHECK(run({"--", "sh", "-c", "kill -KILL $$"}) == 128 + SIGKILL);
}

TEST_CASE("berth-init forwards signals to the command") {
  InitProcess init(
      {"--", "sh", "-c", "trap 'exit 7' TERM; echo ready; while :; do sleep 0.1; done"});
  REQUIRE(init.readLine() == "ready");
  REQUIRE(::kill(init.pid(), SIGTERM) == 0);
  CHECK(init.wait() == 7);

  InitProcess usr1(
      {"--", "sh", "-c", "trap 'exit 9' USR1; echo ready; while :; do sleep 0.1; done"});
  REQUIRE(usr1.readLine() == "ready");
  REQUIRE(::kill(usr1.pid(), SIGUSR1) == 0);
  CHECK(usr1.wait() == 9);

  // A command that does not catch the signal dies of it: 128+15.
  InitProcess plain({"--", "sh", "-c", "echo ready; exec sleep 30"});
  REQUIRE(plain.readLine() == "ready");
  REQUIRE(::kill(plain.pid(), SIGTERM) == 0);
  CHECK(plain.wait() == 128 + SIGTERM);
}

TEST_CASE("berth-init: a command that cannot run") {
  InitProcess missing({"--", "/nonexistent/berth-test-command", "arg"});
  CHECK(missing.wait() == 127);
  CHECK(missing.errors() ==
        "berth-init: exec /nonexistent/berth-test-command: No such file or directory\n");

  InitProcess notOnPath({"--", "berth-test-no-such-command"});
  CHECK(notOnPath.wait() == 127);

  InitProcess directory({"--", "/"});
  CHECK(directory.wait() == 126);
  CHECK(directory.errors() == "berth-init: exec /: Permission denied\n");
}

TEST_CASE("berth-init usage errors exit 125") {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {}, {"--"}, {"sh", "-c", "true"}, {"-x", "--", "true"}}) {
    InitProcess init(args);
    CHECK(init.wait() == 125);
    CHECK(init.errors().starts_with("Usage: berth-init -- COMMAND"));
  }
}

TEST_CASE("berth-init returns when the command exits, not waiting for its orphans") {
  InitProcess init({"--", "sh", "-c", "sleep 30 & echo $!; exit 0"});
  const pid_t orphan = static_cast<pid_t>(std::atoi(init.readLine().c_str()));
  const auto start = std::chrono::steady_clock::now();
  CHECK(init.wait() == 0);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(10));
  if (orphan > 0) ::kill(orphan, SIGKILL);
}

TEST_CASE("berth-init reaps orphans re-parented to it") {
  // The subshell exits at once, so its `sleep 0.1` is orphaned: as a
  // subreaper berth-init adopts it, and must reap it when it exits while
  // the command still runs.
  InitProcess init({"--", "sh", "-c", "(sleep 0.1 &); echo ready; sleep 1.5"});
  REQUIRE(init.readLine() == "ready");
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  CHECK(zombieChildren(init.pid()) == 0);
  CHECK(init.wait() == 0);
}

TEST_CASE("berth-init is static") {
  // An image without a C library can run it: no PT_INTERP (dynamic loader)
  // and no PT_DYNAMIC in the ELF file.
  const std::string elf = berth::readFile(BERTH_INIT_PATH);
  REQUIRE(elf.size() >= sizeof(Elf64_Ehdr));
  Elf64_Ehdr header;
  std::memcpy(&header, elf.data(), sizeof header);
  REQUIRE(std::memcmp(header.e_ident, ELFMAG, SELFMAG) == 0);
  REQUIRE(header.e_ident[EI_CLASS] == ELFCLASS64);
  REQUIRE(header.e_phoff + std::size_t{header.e_phnum} * sizeof(Elf64_Phdr) <= elf.size());
  for (unsigned i = 0; i < header.e_phnum; ++i) {
    Elf64_Phdr program;
    std::memcpy(&program, elf.data() + header.e_phoff + i * sizeof(Elf64_Phdr), sizeof program);
    CHECK(program.p_type != PT_INTERP);
    CHECK(program.p_type != PT_DYNAMIC);
  }
}
