// SPDX-License-Identifier: Apache-2.0
// The vfs driver's copy: layers applied one over the other into one tree,
// with overlay's whiteouts and opaque directories honoured.
#include "berth/runtime/layer_apply.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <string_view>
#include <utility>

#include "berth/base/error.hpp"
#include "berth/base/log.hpp"
#include "berth/base/scope_exit.hpp"
#include "berth/base/unique_fd.hpp"

namespace berth::runtime {

namespace {

constexpr int kDirFlags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;

bool isWhiteout(const struct stat& st) {
  return S_ISCHR(st.st_mode) && major(st.st_rdev) == 0 && minor(st.st_rdev) == 0;
}

bool isOverlayXattr(std::string_view name) {
  return name.starts_with("trusted.overlay.") || name.starts_with("user.overlay.");
}

bool isOpaque(int dirFd) {
  for (const char* name : {"trusted.overlay.opaque", "user.overlay.opaque"}) {
    char value[2];
    if (::fgetxattr(dirFd, name, value, sizeof(value)) == 1 && value[0] == 'y') return true;
  }
  return false;
}

std::vector<std::string> listDirectory(int dirFd, const std::string& shownPath) {
  const int copy = ::fcntl(dirFd, F_DUPFD_CLOEXEC, 0);
  if (copy < 0) throwErrno("dup '{}'", shownPath);
  DIR* dir = ::fdopendir(copy);
  if (dir == nullptr) {
    const int err = errno;
    ::close(copy);
    throwErrnoValue(err, "opendir '" + shownPath + "'");
  }
  ScopeExit close([dir] { ::closedir(dir); });
  ::rewinddir(dir);
  std::vector<std::string> names;
  errno = 0;
  while (dirent* entry = ::readdir(dir)) {
    const std::string_view name = entry->d_name;
    if (name != "." && name != "..") names.emplace_back(name);
    errno = 0;
  }
  if (errno != 0) throwErrno("read directory '{}'", shownPath);
  // Sorted: the copy is the same whatever order the filesystem lists.
  std::sort(names.begin(), names.end());
  return names;
}

void removeEntry(int dirFd, const std::string& name, const std::string& shownPath) {
  if (::unlinkat(dirFd, name.c_str(), 0) == 0 || errno == ENOENT) return;
  if (errno != EISDIR && errno != EPERM) throwErrno("remove '{}'", shownPath);
  UniqueFd child(::openat(dirFd, name.c_str(), kDirFlags));
  if (!child) throwErrno("open '{}'", shownPath);
  clearDirectory(child.get(), shownPath);
  if (::unlinkat(dirFd, name.c_str(), AT_REMOVEDIR) != 0) throwErrno("remove '{}'", shownPath);
}

/// Names of the extended attributes of `fd`, overlay's own left out.
std::vector<std::string> xattrNames(int fd, const std::string& shownPath) {
  std::string buffer(256, '\0');
  while (true) {
    const ssize_t n = ::flistxattr(fd, buffer.data(), buffer.size());
    if (n >= 0) {
      buffer.resize(static_cast<std::size_t>(n));
      break;
    }
    if (errno == ENOTSUP) return {};
    if (errno != ERANGE) throwErrno("list xattrs of '{}'", shownPath);
    buffer.resize(buffer.size() * 4);
  }
  std::vector<std::string> names;
  for (std::size_t start = 0; start < buffer.size();) {
    const std::size_t end = buffer.find('\0', start);
    const std::string name = buffer.substr(start, end - start);
    if (!name.empty() && !isOverlayXattr(name)) names.push_back(name);
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return names;
}

/// Makes dest's extended attributes those of src. What the kernel does not
/// let us set (trusted.* without host privilege, a filesystem without
/// xattrs) is skipped, as Podman's vfs does.
void copyXattrs(int src, int dest, const std::string& srcPath, const std::string& destPath) {
  const std::vector<std::string> wanted = xattrNames(src, srcPath);
  for (const auto& name : xattrNames(dest, destPath))
    if (std::find(wanted.begin(), wanted.end(), name) == wanted.end() &&
        ::fremovexattr(dest, name.c_str()) != 0 && errno != ENODATA)
      logDebug("remove xattr {} of '{}': {}, ignoring", name, destPath, errnoText(errno));
  std::string value;
  for (const auto& name : wanted) {
    ssize_t n = ::fgetxattr(src, name.c_str(), nullptr, 0);
    if (n < 0) {
      if (errno == ENODATA) continue;
      throwErrno("read xattr {} of '{}'", name, srcPath);
    }
    value.resize(static_cast<std::size_t>(n));
    n = ::fgetxattr(src, name.c_str(), value.data(), value.size());
    if (n < 0) throwErrno("read xattr {} of '{}'", name, srcPath);
    value.resize(static_cast<std::size_t>(n));
    if (::fsetxattr(dest, name.c_str(), value.data(), value.size(), 0) != 0) {
      const int err = errno;
      if (err != EPERM && err != EACCES && err != ENOTSUP && err != EINVAL)
        throwErrnoValue(err, fmt::format("set xattr {} of '{}'", name, destPath));
      logDebug("set xattr {} of '{}': {}, ignoring", name, destPath, errnoText(err));
    }
  }
}

void copyData(int src, int dest, const std::string& srcPath, const std::string& destPath) {
  // copy_file_range shares extents where the filesystem can (btrfs, xfs).
  bool fallback = false;
  while (!fallback) {
    const ssize_t n = ::copy_file_range(src, nullptr, dest, nullptr, 1 << 30, 0);
    if (n == 0) return;
    if (n > 0) continue;
    if (errno == EINTR) continue;
    if (errno != EXDEV && errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
      throwErrno("copy '{}' to '{}'", srcPath, destPath);
    fallback = true;
  }
  std::string buffer(128 * 1024, '\0');
  while (true) {
    const ssize_t n = ::read(src, buffer.data(), buffer.size());
    if (n == 0) return;
    if (n < 0) {
      if (errno == EINTR) continue;
      throwErrno("read '{}'", srcPath);
    }
    for (ssize_t done = 0; done < n;) {
      const ssize_t w = ::write(dest, buffer.data() + done, static_cast<std::size_t>(n - done));
      if (w < 0) {
        if (errno == EINTR) continue;
        throwErrno("write '{}'", destPath);
      }
      done += w;
    }
  }
}

class LayerApplier {
 public:
  LayerApplier(int destRoot, std::string destPath)
      : destRoot_(destRoot), destPath_(std::move(destPath)) {}

  void apply(const std::string& layerDir) {
    layerDir_ = layerDir;
    links_.clear();
    UniqueFd src(::open(layerDir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!src) throwErrno("open layer '{}'", layerDir);
    struct stat st;
    if (::fstat(src.get(), &st) != 0) throwErrno("stat '{}'", layerDir);
    applyContents(src.get(), destRoot_, "");
    // The root's own attributes come from the topmost layer, as overlay's do
    // from the upper dir.
    setMetadata(src.get(), destRoot_, st, "");
  }

 private:
  std::string srcPath(const std::string& rel) const { return layerDir_ + "/" + rel; }
  std::string destPathOf(const std::string& rel) const { return destPath_ + "/" + rel; }

  void applyContents(int src, int dest, const std::string& rel) {
    for (const auto& name : listDirectory(src, rel.empty() ? layerDir_ : srcPath(rel)))
      applyEntry(src, dest, name, rel.empty() ? name : rel + "/" + name);
  }

  void setMetadata(int srcFd, int destFd, const struct stat& st, const std::string& rel) {
    const std::string shown = rel.empty() ? destPath_ : destPathOf(rel);
    if (::fchown(destFd, st.st_uid, st.st_gid) != 0)
      throwErrno("chown '{}' to {}:{}", shown, st.st_uid, st.st_gid);
    // After chown, which drops security.capability and setuid bits.
    copyXattrs(srcFd, destFd, rel.empty() ? layerDir_ : srcPath(rel), shown);
    if (::fchmod(destFd, st.st_mode & 07777) != 0) throwErrno("chmod '{}'", shown);
    const struct timespec times[2] = {st.st_atim, st.st_mtim};
    if (::futimens(destFd, times) != 0) throwErrno("set times of '{}'", shown);
  }

  void applyEntry(int srcDir, int destDir, const std::string& name, const std::string& rel) {
    struct stat st;
    if (::fstatat(srcDir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
      throwErrno("stat '{}'", srcPath(rel));
    struct stat existing;
    bool exists = ::fstatat(destDir, name.c_str(), &existing, AT_SYMLINK_NOFOLLOW) == 0;
    if (!exists && errno != ENOENT) throwErrno("stat '{}'", destPathOf(rel));

    if (isWhiteout(st)) {
      if (exists) removeEntry(destDir, name, destPathOf(rel));
      return;
    }
    if (S_ISDIR(st.st_mode)) {
      applyDirectory(srcDir, destDir, name, rel, st, exists && S_ISDIR(existing.st_mode), exists);
      return;
    }
    if (exists) removeEntry(destDir, name, destPathOf(rel));

    const auto key = std::make_pair(st.st_dev, st.st_ino);
    if (S_ISREG(st.st_mode) && st.st_nlink > 1) {
      const auto found = links_.find(key);
      if (found != links_.end()) {
        // The first name was written in this layer, through directories
        // this layer made or checked: the path has no symlink in it.
        if (::linkat(destRoot_, found->second.c_str(), destDir, name.c_str(), 0) != 0)
          throwErrno("link '{}' to '{}'", destPathOf(rel), destPathOf(found->second));
        return;
      }
      links_.emplace(key, rel);
    }

    switch (st.st_mode & S_IFMT) {
      case S_IFREG:
        copyFile(srcDir, destDir, name, rel, st);
        return;
      case S_IFLNK:
        copySymlink(srcDir, destDir, name, rel, st);
        return;
      case S_IFIFO:
      case S_IFCHR:
      case S_IFBLK:
        copyNode(destDir, name, rel, st);
        return;
      default:
        logDebug("'{}': a socket is not copied, ignoring", srcPath(rel));
    }
  }

  void applyDirectory(int srcDir, int destDir, const std::string& name, const std::string& rel,
                      const struct stat& st, bool isDir, bool exists) {
    UniqueFd src(::openat(srcDir, name.c_str(), kDirFlags));
    if (!src) throwErrno("open '{}'", srcPath(rel));
    if (exists && !isDir) removeEntry(destDir, name, destPathOf(rel));
    if (!isDir && ::mkdirat(destDir, name.c_str(), 0700) != 0)
      throwErrno("mkdir '{}'", destPathOf(rel));
    UniqueFd dest(::openat(destDir, name.c_str(), kDirFlags));
    if (!dest) throwErrno("open '{}'", destPathOf(rel));
    if (isDir && isOpaque(src.get())) clearDirectory(dest.get(), destPathOf(rel));
    applyContents(src.get(), dest.get(), rel);
    setMetadata(src.get(), dest.get(), st, rel);
  }

  void copyFile(int srcDir, int destDir, const std::string& name, const std::string& rel,
                const struct stat& st) {
    UniqueFd src(::openat(srcDir, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!src) throwErrno("open '{}'", srcPath(rel));
    UniqueFd dest(::openat(destDir, name.c_str(),
                           O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!dest) throwErrno("create '{}'", destPathOf(rel));
    copyData(src.get(), dest.get(), srcPath(rel), destPathOf(rel));
    setMetadata(src.get(), dest.get(), st, rel);
  }

  void copySymlink(int srcDir, int destDir, const std::string& name, const std::string& rel,
                   const struct stat& st) {
    std::string target(static_cast<std::size_t>(st.st_size) + 1, '\0');
    const ssize_t n = ::readlinkat(srcDir, name.c_str(), target.data(), target.size());
    if (n < 0) throwErrno("readlink '{}'", srcPath(rel));
    target.resize(static_cast<std::size_t>(n));
    if (::symlinkat(target.c_str(), destDir, name.c_str()) != 0)
      throwErrno("symlink '{}'", destPathOf(rel));
    setPathMetadata(destDir, name, rel, st, false);
  }

  void copyNode(int destDir, const std::string& name, const std::string& rel,
                const struct stat& st) {
    if (::mknodat(destDir, name.c_str(), (st.st_mode & S_IFMT) | 0600, st.st_rdev) != 0)
      throwErrno("mknod '{}'", destPathOf(rel));
    setPathMetadata(destDir, name, rel, st, true);
  }

  /// Owner, mode and times of an entry that cannot be opened (symlink,
  /// device, fifo); their xattrs are not copied.
  void setPathMetadata(int destDir, const std::string& name, const std::string& rel,
                       const struct stat& st, bool chmod) {
    if (::fchownat(destDir, name.c_str(), st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) != 0)
      throwErrno("chown '{}' to {}:{}", destPathOf(rel), st.st_uid, st.st_gid);
    // Just created by us in a directory no one else writes: not a symlink.
    if (chmod && ::fchmodat(destDir, name.c_str(), st.st_mode & 07777, 0) != 0)
      throwErrno("chmod '{}'", destPathOf(rel));
    const struct timespec times[2] = {st.st_atim, st.st_mtim};
    if (::utimensat(destDir, name.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0)
      throwErrno("set times of '{}'", destPathOf(rel));
  }

  int destRoot_;
  std::string destPath_;
  std::string layerDir_;
  /// Inodes with several names in the current layer: where the first went.
  std::map<std::pair<dev_t, ino_t>, std::string> links_;
};

}  // namespace

void clearDirectory(int dirFd, const std::string& shownPath) {
  for (const auto& name : listDirectory(dirFd, shownPath))
    removeEntry(dirFd, name, shownPath + "/" + name);
}

void applyLayers(const std::vector<std::string>& layerDirs, const std::string& dest) {
  UniqueFd root(::open(dest.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!root) throwErrno("open '{}'", dest);
  LayerApplier applier(root.get(), dest);
  for (const auto& layer : layerDirs)
    applier.apply(layer);
}

}  // namespace berth::runtime
