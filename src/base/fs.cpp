// SPDX-License-Identifier: Apache-2.0
#include "berth/base/fs.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>

#include "berth/base/error.hpp"
#include "berth/base/ids.hpp"
#include "berth/base/scope_exit.hpp"

namespace berth {

UniqueFd openFile(const std::string& path, int flags, mode_t mode) {
  UniqueFd fd(::open(path.c_str(), flags | O_CLOEXEC, mode));
  if (!fd) throwErrno("open '{}'", path);
  return fd;
}

namespace {

std::string readAll(int fd, const std::string& path) {
  std::string data;
  char buffer[16384];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n < 0) {
      if (errno == EINTR) continue;
      throwErrno("read '{}'", path);
    }
    if (n == 0) break;
    data.append(buffer, static_cast<std::size_t>(n));
  }
  return data;
}

}  // namespace

std::string readFile(const std::string& path) {
  UniqueFd fd = openFile(path, O_RDONLY);
  return readAll(fd.get(), path);
}

std::optional<std::string> readFileIfExists(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    if (errno == ENOENT) return std::nullopt;
    throwErrno("open '{}'", path);
  }
  return readAll(fd.get(), path);
}

bool pathExists(const std::string& path) noexcept {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

void makeDirs(const std::string& path, mode_t mode) {
  if (path.empty()) return;
  if (::mkdir(path.c_str(), mode) == 0) return;
  if (errno == EEXIST) {
    struct stat st;
    if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return;
    throwErrnoValue(ENOTDIR, "mkdir '" + path + "'");
  }
  if (errno != ENOENT) throwErrno("mkdir '{}'", path);
  const std::string parent = dirName(path);
  if (parent == path) throwErrno("mkdir '{}'", path);
  makeDirs(parent, mode);
  if (::mkdir(path.c_str(), mode) != 0 && errno != EEXIST) throwErrno("mkdir '{}'", path);
}

namespace {

void removeAt(int dirFd, const char* name, const std::string& shownPath) {
  if (::unlinkat(dirFd, name, 0) == 0 || errno == ENOENT) return;
  if (errno != EISDIR && errno != EPERM) throwErrno("remove '{}'", shownPath);
  UniqueFd child(::openat(dirFd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!child) {
    if (errno == ENOENT) return;
    throwErrno("open '{}'", shownPath);
  }
  DIR* dir = ::fdopendir(child.get());
  if (dir == nullptr) throwErrno("opendir '{}'", shownPath);
  (void)child.release();  // owned by dir now
  ScopeExit closeDir([dir] { ::closedir(dir); });
  while (dirent* entry = ::readdir(dir)) {
    const std::string_view entryName = entry->d_name;
    if (entryName == "." || entryName == "..") continue;
    removeAt(::dirfd(dir), entry->d_name, shownPath + "/" + entry->d_name);
  }
  if (::unlinkat(dirFd, name, AT_REMOVEDIR) != 0 && errno != ENOENT)
    throwErrno("remove '{}'", shownPath);
}

}  // namespace

void removeAll(const std::string& path) {
  removeAt(AT_FDCWD, path.c_str(), path);
}

namespace {

// Blanks this process's command line (the argument area /proc/self/stat
// names: fields 48 and 49) and writes `title` at its start, as
// setproctitle does: what ps and pgrep -f then see.
void retitle(std::string_view title) noexcept {
  char buffer[4096];
  const int fd = ::open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  const ssize_t n = ::read(fd, buffer, sizeof buffer - 1);
  ::close(fd);
  if (n <= 0) return;
  buffer[n] = '\0';
  // Fields count from after the command, whose ")" ends field 2.
  const char* p = std::strrchr(buffer, ')');
  if (p == nullptr) return;
  unsigned long start = 0, end = 0;
  for (int field = 3; field <= 49 && *p != '\0'; ++field) {
    p = std::strchr(p + 1, ' ');
    if (p == nullptr) return;
    if (field == 48) start = std::strtoul(p + 1, nullptr, 10);
    if (field == 49) end = std::strtoul(p + 1, nullptr, 10);
  }
  if (start == 0 || end <= start + title.size()) return;
  char* area = reinterpret_cast<char*>(start);
  std::memset(area, 0, end - start);
  std::memcpy(area, title.data(), title.size());
}

}  // namespace

void removeAllDetached(std::vector<std::string> paths) {
  if (paths.empty()) return;
  const pid_t child = ::fork();
  if (child < 0) {
    for (const auto& path : paths)
      removeAll(path);
    return;
  }
  if (child == 0) {
    // The remover, reparented away from the caller, which waits only for
    // this intermediate child.
    ::close_range(3, ~0U, 0);  // the caller's locks go with their fds
    if (::fork() != 0) ::_exit(0);
    ::setsid();
    const int null = ::open("/dev/null", O_RDWR);
    if (null >= 0) {
      ::dup2(null, 0);
      ::dup2(null, 1);
      ::dup2(null, 2);
      if (null > 2) ::close(null);
    }
    retitle("berth-rm");
    ::prctl(PR_SET_NAME, "berth-rm", 0, 0, 0);
    for (const auto& path : paths) {
      try {
        removeAll(path);
      } catch (...) {
        // left for the next sweep
      }
    }
    ::_exit(0);
  }
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
}

std::vector<std::string> staleRemovals(const std::string& dir, std::string_view prefix,
                                       int minAgeSeconds, std::size_t* younger) {
  if (younger != nullptr) *younger = 0;
  std::vector<std::string> stale;
  DIR* listing = ::opendir(dir.c_str());
  if (listing == nullptr) return stale;
  ScopeExit closeDir([listing] { ::closedir(listing); });
  timespec now{};
  ::clock_gettime(CLOCK_REALTIME, &now);
  while (dirent* entry = ::readdir(listing)) {
    if (!std::string_view(entry->d_name).starts_with(prefix)) continue;
    struct stat st {};
    if (::fstatat(::dirfd(listing), entry->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
    if (now.tv_sec - st.st_ctim.tv_sec >= minAgeSeconds)
      stale.push_back(dir + "/" + entry->d_name);
    else if (younger != nullptr)
      ++*younger;
  }
  return stale;
}

void removeRenamed(const std::string& dir, std::string_view prefix, const std::string& doomed) {
  constexpr std::size_t kMaxRemovers = 16;
  std::size_t atWork = 0;
  std::vector<std::string> trees = staleRemovals(dir, prefix, 60, &atWork);
  trees.push_back(doomed);
  if (atWork > kMaxRemovers) {
    for (const auto& tree : trees)
      removeAll(tree);
    return;
  }
  removeAllDetached(std::move(trees));
}

std::string dirName(std::string_view path) {
  while (path.size() > 1 && path.back() == '/')
    path.remove_suffix(1);
  const auto slash = path.rfind('/');
  if (slash == std::string_view::npos) return ".";
  if (slash == 0) return "/";
  return std::string(path.substr(0, slash));
}

void writeAll(int fd, std::string_view data, std::string_view what) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throwErrno("write '{}'", what);
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

void syncPath(const std::string& path) {
  UniqueFd fd = openFile(path, O_RDONLY);
  if (::fsync(fd.get()) != 0) throwErrno("fsync '{}'", path);
}

void writeFile(const std::string& path, std::string_view data, mode_t mode, bool durable) {
  UniqueFd fd = openFile(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
  writeAll(fd.get(), data, path);
  if (durable && ::fsync(fd.get()) != 0) throwErrno("fsync '{}'", path);
}

void writeFileAtomic(const std::string& path, std::string_view data, mode_t mode, bool durable) {
  const std::string dir = dirName(path);
  // A unique temp name per writer: concurrent writers must not share one.
  const std::string temp = path + ".tmp-" + generateId().substr(0, 16);
  UniqueFd fd = openFile(temp, O_WRONLY | O_CREAT | O_EXCL, mode);
  ScopeExit removeTemp([&temp] { ::unlink(temp.c_str()); });
  writeAll(fd.get(), data, temp);
  if (::fchmod(fd.get(), mode) != 0) throwErrno("chmod '{}'", temp);
  if (durable && ::fdatasync(fd.get()) != 0) throwErrno("fsync '{}'", temp);
  if (::close(fd.release()) != 0) throwErrno("close '{}'", temp);
  if (::rename(temp.c_str(), path.c_str()) != 0) throwErrno("rename '{}' to '{}'", temp, path);
  removeTemp.dismiss();
  if (durable) {
    UniqueFd dirFd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dirFd && ::fsync(dirFd.get()) != 0) throwErrno("fsync '{}'", dir);
  }
}

}  // namespace berth
