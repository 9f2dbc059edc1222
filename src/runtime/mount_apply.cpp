// SPDX-License-Identifier: Apache-2.0
// Applies a MountPlan in the container's init. Every target is resolved
// inside the root with openat2(RESOLVE_IN_ROOT), so a symlink in the image
// (/etc/hosts -> /host/etc/passwd) cannot redirect a mount out of the
// container (CVE-2019-19921 and kin), and mounts go to /proc/self/fd/N.
// Mount attributes are changed with mount_setattr (kernel >= 5.12), which
// sets and clears only what is asked: flags locked by a user namespace
// (nosuid, nodev of the host's mount) need no read-back-and-repeat dance.
#include <dirent.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <string_view>
#include <vector>

#include "berth/base/error.hpp"
#include "berth/base/unique_fd.hpp"
#include "berth/runtime/mount_plan.hpp"

#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif

namespace berth::runtime {

namespace {

constexpr unsigned long kAttributeFlags = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC |
                                          MS_NOATIME | MS_NODIRATIME | MS_RELATIME | MS_STRICTATIME;

std::string fdPath(int fd) {
  return "/proc/self/fd/" + std::to_string(fd);
}

/// "dev/pts" for "/dev/pts", "." for "/".
std::string relativePath(const std::string& target) {
  const auto rel = target.substr(target.find_first_not_of('/') == std::string::npos
                                     ? target.size()
                                     : target.find_first_not_of('/'));
  return rel.empty() ? "." : rel;
}

std::string parentOf(const std::string& target) {
  const auto slash = target.rfind('/');
  return slash == 0 || slash == std::string::npos ? "/" : target.substr(0, slash);
}

std::string baseName(const std::string& target) {
  return target.substr(target.rfind('/') + 1);
}

/// `path` made absolute and clean, ".." stopping at "/" (as the kernel
/// resolves it inside a root).
std::string cleanInRoot(const std::string& path) {
  std::vector<std::string_view> parts;
  std::string_view rest = path;
  while (!rest.empty()) {
    const auto slash = rest.find('/');
    const std::string_view part = rest.substr(0, slash);
    rest.remove_prefix(slash == std::string_view::npos ? rest.size() : slash + 1);
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
      continue;
    }
    parts.push_back(part);
  }
  std::string clean;
  for (const auto part : parts) {
    clean += '/';
    clean += part;
  }
  return clean.empty() ? "/" : clean;
}

std::string fdTarget(int fd) {
  char buffer[4096];
  const ssize_t n = ::readlink(fdPath(fd).c_str(), buffer, sizeof(buffer) - 1);
  return n > 0 ? std::string(buffer, static_cast<std::size_t>(n)) : std::string();
}

/// The container's filesystem tree as seen from its root directory fd.
class Root {
 public:
  explicit Root(int fd) : fd_(fd) {}

  /// openat2 inside the root; an invalid fd with errno set on failure.
  UniqueFd tryOpen(const std::string& target, int flags, mode_t mode = 0) const {
    open_how how{};
    how.flags = static_cast<std::uint64_t>(flags | O_CLOEXEC);
    how.mode = (flags & O_CREAT) ? mode : 0;
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    const std::string rel = relativePath(target);
    long fd;
    do {
      fd = ::syscall(SYS_openat2, fd_, rel.c_str(), &how, sizeof(how));
    } while (fd < 0 && (errno == EAGAIN || errno == EINTR));
    return UniqueFd(static_cast<int>(fd));
  }

  UniqueFd open(const std::string& target, int flags) const {
    UniqueFd fd = tryOpen(target, flags);
    if (!fd) throwErrno("open {} in the container", target);
    return fd;
  }

  /// Creates the directories down to `dir` (mkdir -p inside the root).
  UniqueFd makeDirs(const std::string& dir) const {
    UniqueFd fd = tryOpen(dir, O_PATH | O_DIRECTORY);
    if (fd || errno != ENOENT) {
      if (!fd) throwErrno("open {} in the container", dir);
      return fd;
    }
    const UniqueFd parent = makeDirs(parentOf(dir));
    if (::mkdirat(parent.get(), baseName(dir).c_str(), 0755) != 0 && errno != EEXIST)
      throwErrno("mkdir {} in the container", dir);
    return open(dir, O_PATH | O_DIRECTORY);
  }

  /// An O_PATH fd of `target`, created as `kind` when missing. A dangling
  /// symlink in the image (/etc/resolv.conf -> ../run/...) is followed, in
  /// the root, and what it names is created (securejoin's behaviour).
  UniqueFd mountPoint(const std::string& target, MountPointKind kind, int hops = 0) const {
    UniqueFd fd = tryOpen(target, O_PATH);
    if (fd) return fd;
    if (errno != ENOENT) throwErrno("open {} in the container", target);
    const UniqueFd parent = makeDirs(parentOf(target));
    const std::string name = baseName(target);
    char link[4096];
    const ssize_t n = ::readlinkat(parent.get(), name.c_str(), link, sizeof(link) - 1);
    if (n >= 0) {
      if (hops >= 40) throwErrnoValue(ELOOP, fmt::format("resolve {} in the container", target));
      link[n] = '\0';
      const std::string base = link[0] == '/' ? "" : pathInRoot(parent.get(), parentOf(target));
      return mountPoint(cleanInRoot(base + "/" + link), kind, hops + 1);
    }
    if (kind == MountPointKind::Directory) {
      if (::mkdirat(parent.get(), name.c_str(), 0755) != 0 && errno != EEXIST)
        throwErrno("mkdir {} in the container", target);
    } else {
      const UniqueFd file(
          ::openat(parent.get(), name.c_str(), O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644));
      if (!file && errno != EEXIST) throwErrno("create {} in the container", target);
    }
    return open(target, O_PATH);
  }

  int fd() const noexcept { return fd_; }

 private:
  /// Where directory `dirFd` is in the container (a path in the root that
  /// led there may have gone through symlinks); `lexical` if unknown.
  std::string pathInRoot(int dirFd, const std::string& lexical) const {
    const std::string root = fdTarget(fd_);
    const std::string dir = fdTarget(dirFd);
    if (root.empty() || dir.empty()) return lexical;
    if (root == "/") return dir;
    if (dir == root) return "/";
    if (dir.starts_with(root + "/")) return dir.substr(root.size());
    return lexical;
  }

  int fd_;
};

unsigned long long toMountAttributes(unsigned long flags, unsigned long long& clearAtime) {
  unsigned long long attributes = 0;
  if (flags & MS_RDONLY) attributes |= MOUNT_ATTR_RDONLY;
  if (flags & MS_NOSUID) attributes |= MOUNT_ATTR_NOSUID;
  if (flags & MS_NODEV) attributes |= MOUNT_ATTR_NODEV;
  if (flags & MS_NOEXEC) attributes |= MOUNT_ATTR_NOEXEC;
  if (flags & MS_NODIRATIME) attributes |= MOUNT_ATTR_NODIRATIME;
  clearAtime = 0;
  if (flags & (MS_NOATIME | MS_STRICTATIME | MS_RELATIME)) {
    clearAtime = MOUNT_ATTR__ATIME;
    if (flags & MS_NOATIME)
      attributes |= MOUNT_ATTR_NOATIME;
    else if (flags & MS_STRICTATIME)
      attributes |= MOUNT_ATTR_STRICTATIME;
    else
      attributes |= MOUNT_ATTR_RELATIME;
  }
  return attributes;
}

/// Sets (and clears) per-mount attributes of the mount `fd` is the root
/// of, and with `recursive` of every mount below it.
void setAttributes(int fd, unsigned long set, unsigned long clear, bool recursive,
                   const std::string& target) {
  set &= kAttributeFlags;
  clear &= kAttributeFlags & ~(MS_NOATIME | MS_STRICTATIME | MS_RELATIME);
  if (set == 0 && clear == 0) return;
  mount_attr attr{};
  unsigned long long clearAtime = 0;
  attr.attr_set = toMountAttributes(set, clearAtime);
  unsigned long long unused = 0;
  attr.attr_clr = toMountAttributes(clear, unused) | clearAtime;
  if (::mount_setattr(fd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr,
                      sizeof(attr)) != 0)
    throwErrno("remount {}{}", target, (set & MS_RDONLY) ? " read-only" : "");
}

void setPropagation(int fd, unsigned long propagation, const std::string& target) {
  if (propagation == 0) return;
  mount_attr attr{};
  attr.propagation = propagation & ~MS_REC;
  if (::mount_setattr(fd, "", AT_EMPTY_PATH | ((propagation & MS_REC) ? AT_RECURSIVE : 0), &attr,
                      sizeof(attr)) != 0)
    throwErrno("set the propagation of {}", target);
}

void copyFile(int fromDir, int toDir, const char* name, const struct stat& st) {
  UniqueFd in(::openat(fromDir, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  UniqueFd out(::openat(toDir, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
                        st.st_mode & 07777));
  if (!in || !out) throwErrno("copy {} into the tmpfs", name);
  // In the kernel where it can (one call for a small file); plain reads
  // and writes where it cannot (EXDEV before 5.3, special files).
  for (;;) {
    const ssize_t copied = ::copy_file_range(in.get(), nullptr, out.get(), nullptr, 1 << 30, 0);
    if (copied > 0) continue;
    if (copied == 0) return;
    if (errno != EXDEV && errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
      throwErrno("copy {}", name);
    break;
  }
  char buffer[65536];
  ssize_t n;
  while ((n = ::read(in.get(), buffer, sizeof(buffer))) > 0) {
    for (ssize_t done = 0; done < n;) {
      const ssize_t w = ::write(out.get(), buffer + done, static_cast<std::size_t>(n - done));
      if (w < 0) throwErrno("copy {} into the tmpfs", name);
      done += w;
    }
  }
  if (n < 0) throwErrno("copy {} into the tmpfs", name);
}

/// Modes are copied exactly: no umask while a tree is copied.
class NoUmask {
 public:
  NoUmask() : old_(::umask(0)) {}
  ~NoUmask() { ::umask(old_); }
  NoUmask(const NoUmask&) = delete;
  NoUmask& operator=(const NoUmask&) = delete;

 private:
  mode_t old_;
};

/// tmpcopyup and volume copy-up: what the image has at a mount point,
/// copied into the tmpfs or volume (files, directories, symlinks; owners
/// and modes kept).
void copyTree(int fromDir, int toDir) {
  const int listFd = ::openat(fromDir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (listFd < 0) throwErrno("read the directory under a tmpfs");
  DIR* dir = ::fdopendir(listFd);
  if (dir == nullptr) {
    ::close(listFd);
    throwErrno("read the directory under a tmpfs");
  }
  struct Closer {
    DIR* d;
    ~Closer() { ::closedir(d); }
  } closer{dir};
  while (const dirent* entry = ::readdir(dir)) {
    const char* name = entry->d_name;
    if (std::string_view(name) == "." || std::string_view(name) == "..") continue;
    struct stat st;
    if (::fstatat(fromDir, name, &st, AT_SYMLINK_NOFOLLOW) != 0) throwErrno("stat {}", name);
    if (S_ISDIR(st.st_mode)) {
      if (::mkdirat(toDir, name, st.st_mode & 07777) != 0 && errno != EEXIST)
        throwErrno("mkdir {} in the tmpfs", name);
      UniqueFd from(::openat(fromDir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      UniqueFd to(::openat(toDir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!from || !to) throwErrno("open {} for the tmpfs copy", name);
      copyTree(from.get(), to.get());
    } else if (S_ISREG(st.st_mode)) {
      copyFile(fromDir, toDir, name, st);
    } else if (S_ISLNK(st.st_mode)) {
      char link[4096];
      const ssize_t n = ::readlinkat(fromDir, name, link, sizeof(link) - 1);
      if (n < 0) throwErrno("readlink {}", name);
      link[n] = '\0';
      if (::symlinkat(link, toDir, name) != 0) throwErrno("symlink {} in the tmpfs", name);
    } else if (::mknodat(toDir, name, st.st_mode, st.st_rdev) != 0 && errno != EPERM) {
      throwErrno("mknod {} in the tmpfs", name);
    }
    // What is created belongs to the init (root): most of an image does
    // already. Owners the user namespace cannot map stay as they come
    // out: ignored.
    if (st.st_uid != 0 || st.st_gid != 0) {
      [[maybe_unused]] const int ignored =
          ::fchownat(toDir, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW);
    }
  }
}

bool directoryIsEmpty(int dirFd) {
  const int listFd = ::openat(dirFd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (listFd < 0) return false;
  DIR* dir = ::fdopendir(listFd);
  if (dir == nullptr) {
    ::close(listFd);
    return false;
  }
  bool empty = true;
  while (const dirent* entry = ::readdir(dir)) {
    const std::string_view name = entry->d_name;
    if (name != "." && name != "..") {
      empty = false;
      break;
    }
  }
  ::closedir(dir);
  return empty;
}

/// A new volume's first use: while its directory is empty, it takes the
/// owner and mode of what the image has at the target (else the process
/// user's ids) and a copy of its content. A volume that is not empty was
/// filled some other way and is left alone (CVE-2020-1726).
void initVolume(const Root& root, const std::string& source, const MountStep& step) {
  const UniqueFd volume(::open(source.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!volume) throwErrno("open volume {} for {}", source, step.target);
  if (!directoryIsEmpty(volume.get())) return;
  const UniqueFd image = root.tryOpen(step.target, O_RDONLY | O_DIRECTORY);
  struct stat st {};
  const bool imageDir = image && ::fstat(image.get(), &st) == 0;
  if (step.initOwner) {
    const uid_t uid = imageDir ? st.st_uid : step.ownerUid;
    const gid_t gid = imageDir ? st.st_gid : step.ownerGid;
    if (::fchown(volume.get(), uid, gid) != 0)
      throwErrno("chown volume {} to {}:{}", source, uid, gid);
    if (imageDir && ::fchmod(volume.get(), st.st_mode & 07777) != 0)
      throwErrno("chmod volume {}", source);
  }
  if (step.copyUp && imageDir) {
    const NoUmask noUmask;
    copyTree(image.get(), volume.get());
  }
}

void bindMount(const Root& root, const std::string& source, const MountStep& step,
               MountPointKind kind) {
  if (step.copyUp || step.initOwner) initVolume(root, source, step);
  const UniqueFd target = root.mountPoint(step.target, kind);
  const unsigned long flags = MS_BIND | (step.options.flags & MS_REC);
  if (::mount(source.c_str(), fdPath(target.get()).c_str(), nullptr, flags, nullptr) != 0)
    throwErrno("bind mount {} on {}", source, step.target);
  const UniqueFd top = root.open(step.target, O_PATH);
  setAttributes(top.get(), step.options.flags, step.options.clearFlags, false, step.target);
  setAttributes(top.get(), step.options.recursiveFlags, 0, true, step.target);
  setPropagation(top.get(), step.options.propagation, step.target);
}

MountPointKind kindOfHostPath(const std::string& source, const std::string& target) {
  struct stat st;
  if (::stat(source.c_str(), &st) != 0) throwErrno("bind mount {} on {}", source, target);
  return S_ISDIR(st.st_mode) ? MountPointKind::Directory : MountPointKind::File;
}

std::string withoutGidOption(const std::string& data) {
  std::string out;
  std::string_view rest = data;
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    const auto word = rest.substr(0, comma);
    rest.remove_prefix(comma == std::string_view::npos ? rest.size() : comma + 1);
    if (word.starts_with("gid=")) continue;
    if (!out.empty()) out += ',';
    out += word;
  }
  return out;
}

void applyMount(const Root& root, const MountStep& step) {
  const UniqueFd target = root.mountPoint(step.target, MountPointKind::Directory);
  UniqueFd copyFrom;
  if (step.options.tmpcopyup) {
    copyFrom.reset(::openat(target.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!copyFrom) throwErrno("open {} for tmpcopyup", step.target);
  }
  unsigned long flags = step.options.flags & ~(MS_BIND | MS_REC);
  // Filled first, made read-only after.
  if (step.options.tmpcopyup) flags &= ~MS_RDONLY;
  std::string data = step.options.data;
  const std::string path = fdPath(target.get());
  int rc = ::mount(step.source.c_str(), path.c_str(), step.fsType.c_str(), flags,
                   data.empty() ? nullptr : data.c_str());
  // devpts refuses a gid= the user namespace does not map (gid 5 under a
  // single-id mapping); crun retries without it.
  if (rc != 0 && errno == EINVAL && step.fsType == "devpts" &&
      data.find("gid=") != std::string::npos) {
    data = withoutGidOption(data);
    rc = ::mount(step.source.c_str(), path.c_str(), step.fsType.c_str(), flags,
                 data.empty() ? nullptr : data.c_str());
  }
  if (rc != 0 && errno == EPERM && !step.fallbackBindSource.empty()) {
    MountStep bind = step;
    bind.options.flags |= MS_BIND | MS_REC;
    bind.options.recursiveFlags |= step.options.flags & kAttributeFlags;
    bindMount(root, step.fallbackBindSource, bind, MountPointKind::Directory);
    return;
  }
  if (rc != 0) throwErrno("mount {} on {}", step.fsType, step.target);
  const UniqueFd top = root.open(step.target, O_PATH);
  if (step.options.tmpcopyup) {
    const UniqueFd into = root.open(step.target, O_RDONLY | O_DIRECTORY);
    const NoUmask noUmask;
    copyTree(copyFrom.get(), into.get());
    setAttributes(top.get(), step.options.flags & MS_RDONLY, 0, false, step.target);
  }
  setAttributes(top.get(), step.options.recursiveFlags, 0, true, step.target);
  setPropagation(top.get(), step.options.propagation, step.target);
}

void applyCgroup(const Root& root, const MountStep& step) {
  struct statfs host;
  const bool unified = ::statfs(step.source.c_str(), &host) == 0 &&
                       host.f_type == static_cast<decltype(host.f_type)>(CGROUP2_SUPER_MAGIC);
  if (unified) {
    const UniqueFd target = root.mountPoint(step.target, MountPointKind::Directory);
    const unsigned long flags = step.options.flags & ~(MS_BIND | MS_REC);
    if (::mount("cgroup2", fdPath(target.get()).c_str(), "cgroup2", flags,
                step.options.data.empty() ? nullptr : step.options.data.c_str()) == 0) {
      const UniqueFd top = root.open(step.target, O_PATH);
      setPropagation(top.get(), step.options.propagation, step.target);
      return;
    }
    if (errno != EPERM && errno != EBUSY) throwErrno("mount cgroup2 on {}", step.target);
  }
  // cgroup v1 (or hybrid) cannot be mounted from a user namespace, and
  // mounting its controllers one by one is not done yet: the host's
  // hierarchy, read-only.
  MountStep bind = step;
  bind.options.flags |= MS_BIND | MS_REC;
  bind.options.recursiveFlags |= step.options.flags & kAttributeFlags;
  bindMount(root, step.source, bind, MountPointKind::Directory);
}

void makeDevice(const Root& root, const MountStep& step) {
  const UniqueFd dir = root.makeDirs(parentOf(step.target));
  const std::string name = baseName(step.target);
  if (::mknodat(dir.get(), name.c_str(), S_IFCHR | step.mode, makedev(step.major, step.minor)) !=
      0) {
    if (errno == EEXIST) return;
    if (errno == EPERM) {  // a user namespace after all: bind the host's node
      bindMount(root, step.source, step, MountPointKind::File);
      return;
    }
    throwErrno("mknod {}", step.target);
  }
  if (::fchmodat(dir.get(), name.c_str(), step.mode, 0) != 0) throwErrno("chmod {}", step.target);
}

void makeSymlink(const Root& root, const MountStep& step) {
  const UniqueFd dir = root.makeDirs(parentOf(step.target));
  if (::symlinkat(step.source.c_str(), dir.get(), baseName(step.target).c_str()) != 0 &&
      errno != EEXIST)
    throwErrno("symlink {} -> {}", step.target, step.source);
}

void mask(const Root& root, const MountStep& step) {
  const UniqueFd target = root.tryOpen(step.target, O_PATH);
  if (!target) {
    if (errno == ENOENT || errno == ENOTDIR) return;
    throwErrno("open {} to mask it", step.target);
  }
  struct stat st;
  if (::fstat(target.get(), &st) != 0) throwErrno("stat {}", step.target);
  const std::string path = fdPath(target.get());
  if (S_ISDIR(st.st_mode)) {
    if (::mount("tmpfs", path.c_str(), "tmpfs", MS_RDONLY, nullptr) != 0)
      throwErrno("mask {} with a read-only tmpfs", step.target);
  } else if (::mount(step.source.c_str(), path.c_str(), nullptr, MS_BIND, nullptr) != 0) {
    throwErrno("mask {} with {}", step.target, step.source);
  }
}

void makeReadOnly(const Root& root, const MountStep& step) {
  const UniqueFd target = root.tryOpen(step.target, O_PATH);
  if (!target) {
    if (step.optional && (errno == ENOENT || errno == ENOTDIR)) return;
    throwErrno("open {} to make it read-only", step.target);
  }
  const std::string path = fdPath(target.get());
  if (::mount(path.c_str(), path.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0)
    throwErrno("bind mount {} on itself", step.target);
  const UniqueFd top = root.open(step.target, O_PATH);
  setAttributes(top.get(), MS_RDONLY, 0, true, step.target);
}

void applyStep(const Root& root, const MountStep& step) {
  switch (step.kind) {
    case MountStepKind::Mount:
      applyMount(root, step);
      break;
    case MountStepKind::Bind:
      bindMount(root, step.source, step,
                step.mountPoint == MountPointKind::LikeSource
                    ? kindOfHostPath(step.source, step.target)
                    : step.mountPoint);
      break;
    case MountStepKind::Cgroup:
      applyCgroup(root, step);
      break;
    case MountStepKind::MakeDevice:
      makeDevice(root, step);
      break;
    case MountStepKind::BindDevice:
      bindMount(root, step.source, step, MountPointKind::File);
      break;
    case MountStepKind::Symlink:
      makeSymlink(root, step);
      break;
    case MountStepKind::Mask:
      mask(root, step);
      break;
    case MountStepKind::ReadOnly:
      makeReadOnly(root, step);
      break;
    case MountStepKind::RootReadOnly: {
      const UniqueFd top = root.open("/", O_PATH);
      setAttributes(top.get(), MS_RDONLY, 0, false, "/");
      break;
    }
  }
}

}  // namespace

void applyMountPlan(const MountPlan& plan, MountPhase phase) {
  const std::string rootPath = phase == MountPhase::BeforePivot ? plan.rootfs : "/";
  const UniqueFd rootFd(::open(rootPath.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!rootFd) throwErrno("open the container's root {}", rootPath);
  const Root root(rootFd.get());
  for (const auto& step : plan.steps)
    if (step.phase == phase) applyStep(root, step);
}

}  // namespace berth::runtime
