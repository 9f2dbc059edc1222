// SPDX-License-Identifier: Apache-2.0
// The rootless user namespace, held by berth-pause and joined with setns by
// every later call: one setns instead of a newuidmap run per command.
#include "berth/runtime/userns.hpp"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "berth/base/child_process.hpp"
#include "berth/base/error.hpp"
#include "berth/base/file_lock.hpp"
#include "berth/base/fs.hpp"
#include "berth/base/log.hpp"
#include "berth/base/programs.hpp"
#include "berth_config.h"

namespace berth::runtime {

namespace {

/// Kills and reaps a pid on scope exit unless `pid` was set to 0.
struct ScopeExitKill {
  pid_t pid;
  ~ScopeExitKill() {
    if (pid <= 0) return;
    ::kill(pid, SIGKILL);
    // It is not our child (double fork): nothing to reap.
  }
};

struct PauseRecord {
  pid_t pid = 0;
  unsigned long long startTime = 0;
};

std::optional<PauseRecord> readPauseRecord(const std::string& path) {
  const auto text = readFileIfExists(path);
  if (!text) return std::nullopt;
  PauseRecord record;
  if (std::sscanf(text->c_str(), "%d %llu", &record.pid, &record.startTime) != 2 || record.pid <= 0)
    return std::nullopt;
  return record;
}

/// Reads what a forked child reports: 0 for success or an errno.
int readChildStatus(int fd) {
  int value = 0;
  ssize_t n;
  while ((n = ::read(fd, &value, sizeof(value))) < 0 && errno == EINTR) {
  }
  return n == sizeof(value) ? value : EPIPE;
}

void writeChildStatus(int fd, int value) noexcept {
  [[maybe_unused]] const ssize_t ignored = ::write(fd, &value, sizeof(value));
}

/// Runs newuidmap/newgidmap on `pid`; their stderr becomes the error text.
void runIdMapper(const std::string& program, pid_t pid, const std::vector<IdMapEntry>& map) {
  const std::string path = findInPath(program);
  if (path.empty())
    throwError(Errc::Unsupported,
               "{} not found: install the uidmap package to use subordinate ids from /etc/sub{}id",
               program, program == "newuidmap" ? "u" : "g");
  std::vector<std::string> argv{path, std::to_string(pid)};
  for (const auto& entry : map) {
    argv.push_back(std::to_string(entry.containerId));
    argv.push_back(std::to_string(entry.hostId));
    argv.push_back(std::to_string(entry.size));
  }
  UniqueFd errors(::memfd_create("berth-idmap-stderr", MFD_CLOEXEC));
  SpawnStdio stdio;
  stdio.err = errors.get();
  const int code = ChildProcess::spawn(argv, stdio).wait();
  if (code != 0) {
    std::string message(4096, '\0');
    const ssize_t n = ::pread(errors.get(), message.data(), message.size(), 0);
    message.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
    while (!message.empty() && (message.back() == '\n' || message.back() == ' '))
      message.pop_back();
    for (char& c : message)
      if (c == '\n') c = ' ';
    throwError(Errc::PermissionDenied, "{} {}: exit status {}: {}", program, pid, code, message);
  }
}

/// Without subordinate ids: the kernel allows a process to map its own ids
/// only, and the gid map only after setgroups is denied.
void writeSingleIdMaps(pid_t pid, uid_t uid, gid_t gid) {
  const std::string proc = "/proc/" + std::to_string(pid);
  const auto write = [](const std::string& path, const std::string& text) {
    UniqueFd fd = openFile(path, O_WRONLY);
    writeAll(fd.get(), text, path);
  };
  write(proc + "/setgroups", "deny");
  write(proc + "/uid_map", fmt::format("0 {} 1\n", uid));
  write(proc + "/gid_map", fmt::format("0 {} 1\n", gid));
}

void joinUserNamespace(int nsFd, pid_t holder) {
  if (::setns(nsFd, CLONE_NEWUSER) != 0) throwErrno("join the user namespace of pid {}", holder);
  // Our own uid is 0 in there; take it (and gid 0) for real.
  if (::setresgid(0, 0, 0) != 0) throwErrno("setresgid 0 in the user namespace");
  if (::setresuid(0, 0, 0) != 0) throwErrno("setresuid 0 in the user namespace");
}

/// Creates the namespace: a grandchild (so berth-pause is never our child)
/// unshares, we map it, record it, and let it exec berth-pause.
pid_t createUserNamespace(const state::StorePaths& paths, UniqueFd& nsFd) {
  const std::string pausePath = findBerthHelper("berth-pause");
  if (pausePath.empty())
    throwError(Errc::Internal, "berth-pause not found next to berth or in {}", BERTH_LIBEXECDIR);
  const UserNamespaceMaps maps = currentUserMaps();

  int report[2], go[2];
  if (::pipe2(report, O_CLOEXEC) != 0 || ::pipe2(go, O_CLOEXEC) != 0) throwErrno("pipe");
  UniqueFd reportRead(report[0]), reportWrite(report[1]), goRead(go[0]), goWrite(go[1]);
  std::vector<char*> pauseArgv{const_cast<char*>("berth-pause"), nullptr};

  const pid_t middle = ::fork();
  if (middle < 0) throwErrno("fork");
  if (middle == 0) {
    ::setsid();
    const pid_t holder = ::fork();
    if (holder != 0) {
      writeChildStatus(reportWrite.get(), holder < 0 ? -errno : holder);
      ::_exit(0);
    }
    goWrite.reset();
    writeChildStatus(reportWrite.get(), ::unshare(CLONE_NEWUSER) == 0 ? 0 : errno);
    char token;
    if (::read(goRead.get(), &token, 1) != 1) ::_exit(1);  // parent gave up
    // Mapped now, so root in the namespace: a mount namespace of its own,
    // owned by it, for the mounts `berth mount` makes under `berth unshare`
    // (which joins it). Host mounts still propagate in (they became slaves).
    if (::unshare(CLONE_NEWNS) != 0) ::_exit(1);
    const int devNull = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    if (devNull >= 0)
      for (int fd = 0; fd < 3; ++fd)
        ::dup2(devNull, fd);
    // Nothing else inherited may stay open in a process that lives on: a
    // caller's pipe (bats' fd 3, a shell's `| tee`) would never see EOF.
    ::syscall(SYS_close_range, 3U, ~0U, 0U);
    if (::chdir("/") != 0) ::_exit(1);
    ::execv(pausePath.c_str(), pauseArgv.data());
    ::_exit(127);
  }
  reportWrite.reset();
  goRead.reset();
  const int holderOrError = readChildStatus(reportRead.get());
  int status;
  while (::waitpid(middle, &status, 0) < 0 && errno == EINTR) {
  }
  if (holderOrError <= 0) throwErrnoValue(-holderOrError, "fork the user namespace holder");
  const pid_t holder = holderOrError;
  // Until it execs berth-pause, the holder dies with us if we fail.
  ScopeExitKill killHolder{holder};
  if (const int err = readChildStatus(reportRead.get()); err != 0)
    throwErrnoValue(err, "unshare(CLONE_NEWUSER)");

  if (!maps.warning.empty()) logWarn("{}", maps.warning);
  if (maps.uidMap.size() > 1) {
    runIdMapper("newuidmap", holder, maps.uidMap);
    runIdMapper("newgidmap", holder, maps.gidMap);
  } else {
    writeSingleIdMaps(holder, maps.uidMap.front().hostId, maps.gidMap.front().hostId);
  }
  nsFd = openFile("/proc/" + std::to_string(holder) + "/ns/user", O_RDONLY);
  writeFileAtomic(paths.pausePidFile(), fmt::format("{} {}\n", holder, processStartTime(holder)),
                  0600, false);
  if (::write(goWrite.get(), "x", 1) != 1) throwErrno("start berth-pause");
  killHolder.pid = 0;
  logDebug("created the user namespace held by berth-pause pid {}", holder);
  return holder;
}

}  // namespace

unsigned long long processStartTime(pid_t pid) {
  std::optional<std::string> text;
  try {
    text = readFileIfExists("/proc/" + std::to_string(pid) + "/stat");
  } catch (const Error& e) {
    // Gone between open and read: ESRCH.
    if (e.sysErrno() == ESRCH) return 0;
    throw;
  }
  if (!text) return 0;
  // The command name (field 2) may hold spaces and parentheses: skip past
  // the last ')'. Fields 3.. follow, space-separated; start time is 22.
  const auto close = text->rfind(')');
  if (close == std::string::npos) return 0;
  std::string_view rest = std::string_view(*text).substr(close + 1);
  // A zombie (Z) or dead (X) process holds nothing any more.
  if (rest.size() > 1 && (rest[1] == 'Z' || rest[1] == 'X')) return 0;
  for (int field = 3; field < 22; ++field) {
    const auto space = rest.find(' ', 1);
    if (space == std::string_view::npos) return 0;
    rest.remove_prefix(space);
  }
  return std::strtoull(std::string(rest.substr(1)).c_str(), nullptr, 10);
}

bool inUserNamespace() {
  const auto map = readFileIfExists("/proc/self/uid_map");
  if (!map) return false;
  unsigned long inside = 0, outside = 0, count = 0;
  if (std::sscanf(map->c_str(), "%lu %lu %lu", &inside, &outside, &count) != 3) return true;
  return !(inside == 0 && outside == 0 && count == 4294967295UL);
}

UserNamespaceMaps currentUserMaps() {
  UserNamespaceMaps maps;
  const uid_t uid = ::getuid();
  const gid_t gid = ::getgid();
  const auto subUids = readSubordinateIds("/etc/subuid", uid);
  const auto subGids = readSubordinateIds("/etc/subgid", uid);
  if (subUids.empty() || subGids.empty()) {
    maps.uidMap = rootlessIdMap(uid, {});
    maps.gidMap = rootlessIdMap(gid, {});
    maps.warning = fmt::format(
        "no subordinate uid/gid ranges for uid {} in /etc/subuid and /etc/subgid: using a "
        "single-id mapping; images with files owned by other users will not work",
        uid);
    return maps;
  }
  maps.uidMap = rootlessIdMap(uid, subUids);
  maps.gidMap = rootlessIdMap(gid, subGids);
  return maps;
}

UserNamespaceState enterUserNamespace(const state::StorePaths& paths) {
  if (inUserNamespace()) return UserNamespaceState::Inside;
  if (::geteuid() == 0) return UserNamespaceState::Host;
  makeDirs(paths.runRoot, 0700);
  FileLock lock(paths.runRoot + "/pause.lock");
  if (const auto record = readPauseRecord(paths.pausePidFile());
      record && processStartTime(record->pid) == record->startTime) {
    UniqueFd nsFd(::open(("/proc/" + std::to_string(record->pid) + "/ns/user").c_str(),
                         O_RDONLY | O_CLOEXEC));
    // Checked again after opening: the pid could have been reused between.
    if (nsFd && processStartTime(record->pid) == record->startTime) {
      joinUserNamespace(nsFd.get(), record->pid);
      return UserNamespaceState::Joined;
    }
  }
  UniqueFd nsFd;
  const pid_t holder = createUserNamespace(paths, nsFd);
  joinUserNamespace(nsFd.get(), holder);
  return UserNamespaceState::Joined;
}

bool joinPauseMountNamespace(const state::StorePaths& paths) {
  const auto record = readPauseRecord(paths.pausePidFile());
  if (!record || processStartTime(record->pid) != record->startTime) return false;
  const std::string proc = "/proc/" + std::to_string(record->pid) + "/ns/mnt";
  UniqueFd nsFd(::open(proc.c_str(), O_RDONLY | O_CLOEXEC));
  if (!nsFd || processStartTime(record->pid) != record->startTime) return false;
  struct stat theirs {
  }, ours{};
  if (::fstat(nsFd.get(), &theirs) != 0 || ::stat("/proc/self/ns/mnt", &ours) != 0) return false;
  if (theirs.st_ino == ours.st_ino && theirs.st_dev == ours.st_dev) return true;
  // A berth-pause from before it held a mount namespace holds the host's,
  // which a user namespace cannot join (EPERM): then there is none to join.
  if (::setns(nsFd.get(), CLONE_NEWNS) != 0) {
    logDebug("join the mount namespace of berth-pause pid {}: {}", record->pid,
             std::strerror(errno));
    return false;
  }
  return true;
}

}  // namespace berth::runtime
