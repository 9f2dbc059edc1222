// SPDX-License-Identifier: Apache-2.0
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <set>
#include <string>

#include "berth/base/child_process.hpp"
#include "berth/base/detach_keys.hpp"
#include "berth/base/error.hpp"
#include "berth/base/file_lock.hpp"
#include "berth/base/fs.hpp"
#include "berth/base/ids.hpp"
#include "berth/base/json.hpp"
#include "berth/base/log.hpp"
#include "berth/base/scope_exit.hpp"
#include "catch.hpp"
#include "test_dir.hpp"

using namespace berth;

TEST_CASE("throwErrno names the operation, the path and the cause") {
  errno = ENOENT;
  try {
    throwErrno("open '{}'", "/no/such");
    FAIL("no throw");
  } catch (const Error& e) {
    CHECK(std::string(e.what()) == "open '/no/such': No such file or directory");
    CHECK(e.sysErrno() == ENOENT);
    CHECK(e.kind() == Errc::Internal);
    const Error outer = e.wrapped("load image");
    CHECK(std::string(outer.what()) == "load image: open '/no/such': No such file or directory");
    CHECK(outer.sysErrno() == ENOENT);
  }
  try {
    throwErrnoValue(EACCES, "mkdir '/x'");
  } catch (const Error& e) {
    CHECK(e.kind() == Errc::PermissionDenied);
  }
}

TEST_CASE("ids are 64 hex characters, unique, and their short form is not all digits") {
  std::set<std::string> seen;
  for (int i = 0; i < 2000; ++i) {
    const std::string id = generateId();
    REQUIRE(isFullId(id));
    REQUIRE(seen.insert(id).second);
    const auto shortForm = shortId(id);
    REQUIRE(shortForm.size() == 12);
    REQUIRE(shortForm.find_first_not_of("0123456789") != std::string_view::npos);
  }
  CHECK_FALSE(isFullId("abc"));
  CHECK_FALSE(isFullId(std::string(64, 'g')));
  CHECK_FALSE(isFullId(std::string(64, 'A')));
  CHECK(isIdPrefix("abc123"));
  CHECK_FALSE(isIdPrefix(""));
  CHECK_FALSE(isIdPrefix("web"));
  CHECK_FALSE(isIdPrefix(std::string(65, 'a')));
}

TEST_CASE("writeFileAtomic replaces content, keeps the mode, leaves no temp file") {
  TestDir dir;
  const std::string path = dir.path() + "/record.json";
  writeFileAtomic(path, "one", 0600);
  CHECK(readFile(path) == "one");
  writeFileAtomic(path, "two", 0600);
  CHECK(readFile(path) == "two");
  struct stat st;
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0600);
  CHECK(dir.entries() == std::vector<std::string>{"record.json"});
}

TEST_CASE("writeFileAtomic into a missing directory throws and names the path") {
  TestDir dir;
  const std::string path = dir.path() + "/missing/record.json";
  try {
    writeFileAtomic(path, "x");
    FAIL("no throw");
  } catch (const Error& e) {
    CHECK(std::string(e.what()).find(dir.path() + "/missing/record.json.tmp-") !=
          std::string::npos);
  }
}

TEST_CASE("makeDirs and removeAll") {
  TestDir dir;
  const std::string deep = dir.path() + "/a/b/c";
  makeDirs(deep, 0700);
  CHECK(pathExists(deep));
  makeDirs(deep, 0700);  // existing is fine
  writeFileAtomic(deep + "/f", "x");
  REQUIRE(::symlink("/etc", (dir.path() + "/a/link").c_str()) == 0);
  removeAll(dir.path() + "/a");
  CHECK_FALSE(pathExists(dir.path() + "/a"));
  CHECK(pathExists("/etc/passwd"));  // the symlink was removed, not followed
  removeAll(dir.path() + "/a");      // missing is fine
  writeFileAtomic(dir.path() + "/file", "x");
  CHECK_THROWS_AS(makeDirs(dir.path() + "/file"), Error);
}

TEST_CASE("removeAllDetached: trees go in the background, no lock held, stale ones found") {
  TestDir dir;
  std::vector<std::string> trees;
  for (const char* name : {"/.removing-a", "/.removing-b"}) {
    makeDirs(dir.path() + name + "/x/y", 0700);
    for (int i = 0; i < 200; ++i)
      writeFile(dir.path() + name + "/x/f" + std::to_string(i), "data", 0600, false);
    trees.push_back(dir.path() + name);
  }
  makeDirs(dir.path() + "/kept", 0700);
  CHECK(staleRemovals(dir.path(), ".removing-", 0).size() == 2);
  std::size_t younger = 0;
  CHECK(staleRemovals(dir.path(), ".removing-", 3600, &younger).empty());  // just renamed
  CHECK(younger == 2);
  const std::string lockPath = dir.path() + "/held.lock";
  {
    FileLock held(lockPath);
    removeAllDetached(trees);
  }
  // The remover must not have kept the caller's lock description open.
  const int fd = ::open(lockPath.c_str(), O_RDWR | O_CLOEXEC);
  REQUIRE(fd >= 0);
  CHECK(::flock(fd, LOCK_EX | LOCK_NB) == 0);
  ::close(fd);
  for (int i = 0; i < 500 && (pathExists(trees[0]) || pathExists(trees[1])); ++i)
    ::usleep(10000);
  CHECK_FALSE(pathExists(trees[0]));
  CHECK_FALSE(pathExists(trees[1]));
  CHECK(pathExists(dir.path() + "/kept"));
}

TEST_CASE("removeRenamed removes in place when many removals are at work") {
  TestDir dir;
  for (int i = 0; i < 17; ++i)
    makeDirs(dir.path() + "/.removing-busy" + std::to_string(i), 0700);
  const std::string doomed = dir.path() + "/.removing-doomed";
  makeDirs(doomed + "/a/b", 0700);
  writeFile(doomed + "/a/f", "data", 0600, false);
  removeRenamed(dir.path(), ".removing-", doomed);
  CHECK_FALSE(pathExists(doomed));                     // gone on return: no remover was started
  CHECK(pathExists(dir.path() + "/.removing-busy0"));  // young: another remover's
}

TEST_CASE("dirName") {
  CHECK(dirName("/a/b") == "/a");
  CHECK(dirName("/a/b/") == "/a");
  CHECK(dirName("/a") == "/");
  CHECK(dirName("b") == ".");
}

TEST_CASE("readFileIfExists distinguishes missing from unreadable") {
  TestDir dir;
  CHECK_FALSE(readFileIfExists(dir.path() + "/none").has_value());
  CHECK_THROWS_AS(readFile(dir.path() + "/none"), Error);
  CHECK_THROWS_AS(readFileIfExists(dir.path()), Error);  // a directory: EISDIR
}

TEST_CASE("parseJson reports where a document is broken") {
  CHECK(parseJson(R"({"b":1,"a":2})", "x").dump() == R"({"b":1,"a":2})");  // order kept
  try {
    parseJson("{not json", "/path/state.json");
    FAIL("no throw");
  } catch (const Error& e) {
    CHECK(e.kind() == Errc::InvalidArgument);
    const std::string message = e.what();
    CHECK(message.rfind("/path/state.json: invalid JSON: ", 0) == 0);
    CHECK(message.find('\n') == std::string::npos);
  }
}

TEST_CASE("FileLock excludes other holders until released") {
  TestDir dir;
  const std::string path = dir.path() + "/lock";
  {
    FileLock first(path);
    REQUIRE(first.held());
    // Another open file description, as another process would have.
    FileLock second = FileLock::tryLock(path);
    CHECK_FALSE(second.held());
    const pid_t pid = ::fork();
    if (pid == 0) _exit(FileLock::tryLock(path).held() ? 1 : 0);
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    CHECK(WEXITSTATUS(status) == 0);
    FileLock shared = FileLock::tryLock(path, FileLock::Mode::Shared);
    CHECK_FALSE(shared.held());
  }
  CHECK(FileLock::tryLock(path).held());
  FileLock readerA(path, FileLock::Mode::Shared);
  CHECK(FileLock::tryLock(path, FileLock::Mode::Shared).held());
  CHECK_FALSE(FileLock::tryLock(path).held());
}

TEST_CASE("ChildProcess runs, reports exit codes, and kills on scope exit") {
  CHECK(ChildProcess::spawn({"/bin/sh", "-c", "exit 3"}).wait() == 3);
  CHECK(ChildProcess::spawn({"/bin/sh", "-c", "kill -TERM $$"}).wait() == 128 + 15);
  try {
    ChildProcess::spawn({"/no/such/program"});
    FAIL("no throw");
  } catch (const Error& e) {
    CHECK(e.sysErrno() == ENOENT);
    CHECK(std::string(e.what()) == "execute '/no/such/program': No such file or directory");
  }
  pid_t pid;
  {
    ChildProcess sleeper = ChildProcess::spawn({"sleep", "100"});
    pid = sleeper.pid();
    CHECK(::kill(pid, 0) == 0);
  }
  // Killed and reaped: the pid no longer names our child.
  CHECK(::waitpid(pid, nullptr, WNOHANG) < 0);
  ChildProcess released = ChildProcess::spawn({"true"});
  const pid_t keep = released.release();
  int status;
  REQUIRE(::waitpid(keep, &status, 0) == keep);
  CHECK(exitCodeFromWaitStatus(status) == 0);
}

TEST_CASE("ChildProcess keeps its pidfd when moved") {
  ChildProcess first = ChildProcess::spawn({"sleep", "100"});
  const int pidfd = first.pidfd();
  const pid_t pid = first.pid();
  ChildProcess moved(std::move(first));
  CHECK(moved.pid() == pid);
  CHECK(moved.pidfd() == pidfd);
  CHECK(first.pid() == -1);
  ChildProcess assigned = ChildProcess::spawn({"true"});
  assigned = std::move(moved);
  CHECK(assigned.pid() == pid);
  CHECK(assigned.pidfd() == pidfd);
  CHECK(assigned.kill(SIGKILL));
  CHECK(assigned.wait() == 128 + SIGKILL);
}

TEST_CASE("ChildProcess redirects stdio") {
  TestDir dir;
  const std::string out = dir.path() + "/out";
  UniqueFd fd = openFile(out, O_WRONLY | O_CREAT, 0600);
  SpawnStdio stdio;
  stdio.out = fd.get();
  CHECK(ChildProcess::spawn({"echo", "hello"}, stdio).wait() == 0);
  CHECK(readFile(out) == "hello\n");
}

TEST_CASE("log levels parse and reject bad values") {
  CHECK(parseLogLevel("debug") == LogLevel::Debug);
  CHECK(parseLogLevel("warning") == LogLevel::Warn);
  try {
    parseLogLevel("loud");
    FAIL("no throw");
  } catch (const Error& e) {
    CHECK(e.kind() == Errc::InvalidArgument);
    CHECK(std::string(e.what()).find("\"loud\"") != std::string::npos);
  }
}

TEST_CASE("ScopeExit runs unless dismissed") {
  int runs = 0;
  {
    ScopeExit a([&] { ++runs; });
  }
  {
    ScopeExit b([&] { ++runs; });
    b.dismiss();
  }
  CHECK(runs == 1);
}

TEST_CASE("parseDetachKeys reads Podman's --detach-keys sequences") {
  CHECK(parseDetachKeys("ctrl-p,ctrl-q") == std::string("\x10\x11"));
  CHECK(parseDetachKeys("") == "");
  CHECK(parseDetachKeys("a,ctrl-@,ctrl-[,ctrl-_,DEL") == std::string("a\0\x1b\x1f\x7f", 5));
  CHECK(parseDetachKeys("ctrl-z") == "\x1a");
  for (const char* bad : {"ctrl-1", "ctrl-", "ab", "ctrl-A", "a,,b", "ctrl-p,"}) {
    INFO(bad);
    CHECK_THROWS_WITH(parseDetachKeys(bad),
                      Catch::Matchers::StartsWith(std::string("invalid detach keys \"") + bad));
  }
}

TEST_CASE("DetachKeyMatcher holds back a partial sequence and detaches on the whole one") {
  DetachKeyMatcher matcher(parseDetachKeys("ctrl-p,ctrl-q"));
  std::string out;
  CHECK_FALSE(matcher.feed("ab\x10", out));
  CHECK(out == "ab");  // ctrl-p held back
  CHECK_FALSE(matcher.feed("x", out));
  CHECK(out == "ab\x10x");  // not the sequence: passed on
  out.clear();
  CHECK_FALSE(matcher.feed("\x10\x10", out));
  CHECK(out == "\x10");  // the second ctrl-p may still start it
  CHECK(matcher.feed("\x11rest", out));
  CHECK(out == "\x10");  // the sequence and what follows are dropped
  out.clear();
  DetachKeyMatcher off("");
  CHECK_FALSE(off.feed("\x10\x11", out));
  CHECK(out == "\x10\x11");
  DetachKeyMatcher single("q");
  out.clear();
  CHECK(single.feed("aq", out));
  CHECK(out == "a");
}
