// SPDX-License-Identifier: Apache-2.0
// A stopped container's root filesystem, mounted by a forked child in a
// mount namespace of its own: the mount is never seen elsewhere and
// vanishes with the child whatever happens to it. Rootless, all of this
// runs in the user's namespace, where stat shows the container's ids.
#include "container_root.hpp"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "berth/base/child_process.hpp"
#include "berth/base/error.hpp"
#include "berth/base/fs.hpp"
#include "berth/base/ids.hpp"
#include "berth/base/log.hpp"
#include "berth/base/programs.hpp"
#include "berth/base/scope_exit.hpp"
#include "berth/base/unique_fd.hpp"
#include "berth/runtime/rootfs.hpp"

namespace berth::engine::detail {

namespace {

/// The read-only view's lower dirs, as overlay stacks them: top first.
std::vector<std::string> viewLowerDirs(const ContainerLayers& layers) {
  std::vector<std::string> lowers;
  if (pathExists(layers.upperDir)) lowers.push_back(layers.upperDir);
  lowers.insert(lowers.end(), layers.layerDirs.rbegin(), layers.layerDirs.rend());
  return lowers;
}

/// Mounts the overlay of `lowerDirs` read-only on `target`. overlay needs
/// two lower dirs without an upper dir: empty ones fill up the stack (a
/// container of a one-layer image that never ran, or of an image without
/// layers). Lower dirs that do not fit the one page of mount data are named
/// by short links, as runtime::planRootfs does.
void mountOverlayView(std::vector<std::string> lowers, bool rootless, const std::string& scratch,
                      const std::string& target) {
  for (int i = 0; lowers.size() < 2; ++i) {
    lowers.push_back(scratch + "/empty" + std::to_string(i));
    makeDirs(lowers.back(), 0755);
  }
  const std::string tail = rootless ? ",userxattr" : "";
  std::string data = "lowerdir=";
  for (std::size_t i = 0; i < lowers.size(); ++i) {
    if (i != 0) data += ':';
    data += runtime::escapeOverlayPath(lowers[i]);
  }
  data += tail;
  const auto pageSize = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  if (data.size() < pageSize) {
    if (::mount("overlay", target.c_str(), "overlay", MS_RDONLY, data.c_str()) != 0)
      throwErrno("mount overlay on {}", target);
    return;
  }
  const std::string linkDir = scratch + "/l";
  makeDirs(linkDir, 0700);
  data = "lowerdir=";
  for (std::size_t i = 0; i < lowers.size(); ++i) {
    const std::string link = linkDir + "/" + std::to_string(i);
    if (::symlink(lowers[i].c_str(), link.c_str()) != 0)
      throwErrno("symlink '{}' to '{}'", link, lowers[i]);
    if (i != 0) data += ':';
    data += std::to_string(i);
  }
  data += tail;
  if (::chdir(linkDir.c_str()) != 0) throwErrno("chdir '{}'", linkDir);
  if (::mount("overlay", target.c_str(), "overlay", MS_RDONLY, data.c_str()) != 0)
    throwErrno("mount overlay on {}", target);
}

/// Where kernel overlay cannot mount (an old kernel rootless, an odd
/// filesystem), fuse-overlayfs does, as for the container's own rootfs. It
/// runs until the mount is gone: the lazy unmount after opening it, and the
/// close of the last fd at the child's exit.
void mountFuseView(const std::vector<std::string>& lowerDirs, const std::string& scratch,
                   const std::string& target, const std::string& program) {
  std::string lowers;
  for (const auto& dir : lowerDirs) {
    if (dir.find_first_of(":,\\") != std::string::npos)
      throwError(Errc::Unsupported,
                 "fuse-overlayfs cannot take the path '{}' (it holds ':', ',' or '\\')", dir);
    if (!lowers.empty()) lowers += ':';
    lowers += dir;
  }
  if (lowerDirs.size() < 2) {
    const std::string empty = scratch + "/empty-fuse";
    makeDirs(empty, 0755);
    lowers += ':' + empty;
  }
  UniqueFd null(::open("/dev/null", O_WRONLY | O_CLOEXEC));
  SpawnStdio stdio;
  stdio.out = null.get();
  stdio.err = null.get();
  const int code = ChildProcess::spawn({program, "-o", "lowerdir=" + lowers, target}, stdio).wait();
  if (code != 0)
    throwError(Errc::Internal, "mount fuse-overlayfs on {}: exit status {}", target, code);
}

/// The container's own writable overlay, as its start mounts it.
void mountWritable(const ContainerLayers& layers, const std::string& scratch,
                   const std::string& target) {
  runtime::RootfsSpec spec;
  spec.layerDirs = layers.layerDirs;
  spec.upperDir = layers.upperDir;
  spec.workDir = layers.workDir;
  spec.target = target;
  spec.privateDir = scratch;
  spec.rootless = layers.rootless;
  runtime::mountRootfs(runtime::planRootfs(spec));
}

/// Mounts the root filesystem and returns an fd of its root. The mount
/// itself is detached at once: the fd keeps it alive until the child exits.
UniqueFd openRootfs(const ContainerLayers& layers, RootfsAccess access,
                    const std::string& scratch) {
  if (::unshare(CLONE_NEWNS) != 0) throwErrno("unshare the mount namespace");
  // Nothing mounted from here on may propagate back to the host.
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
    throwErrno("make / a private mount");
  if (!layers.vfsCopy.empty()) return openFile(layers.vfsCopy, O_RDONLY | O_DIRECTORY);

  // A tmpfs for the helpers of the mount, so nothing is written to disk.
  if (::mount("tmpfs", scratch.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "mode=0700") != 0)
    throwErrno("mount tmpfs on {}", scratch);
  const std::string target = scratch + "/merged";
  makeDirs(target, 0700);
  if (access == RootfsAccess::Writable) {
    mountWritable(layers, scratch, target);
  } else {
    const std::vector<std::string> lowers = viewLowerDirs(layers);
    try {
      mountOverlayView(lowers, layers.rootless, scratch, target);
    } catch (const Error& e) {
      const int err = e.sysErrno();
      const bool unusable = err == EPERM || err == EACCES || err == EINVAL || err == ENODEV ||
                            err == ENOTSUP || err == ENOSYS;
      const std::string program = unusable ? findInPath("fuse-overlayfs") : std::string();
      if (program.empty()) throw;
      logDebug("{}: trying fuse-overlayfs", e.what());
      try {
        mountFuseView(lowers, scratch, target, program);
      } catch (const Error& fuseError) {
        throw Error(e.kind(), fmt::format("{} (and {})", e.message(), fuseError.message()), err);
      }
    }
  }
  UniqueFd root = openFile(target, O_RDONLY | O_DIRECTORY);
  if (::umount2(target.c_str(), MNT_DETACH) != 0) throwErrno("unmount {}", target);
  return root;
}

/// The child's failure, as "kind errno message" on the error pipe.
void reportError(int fd, const Error& e) {
  const std::string text =
      fmt::format("{} {} {}", static_cast<int>(e.kind()), e.sysErrno(), e.message());
  ssize_t ignored = ::write(fd, text.data(), text.size());
  (void)ignored;
}

[[noreturn]] void runChild(const ContainerLayers& layers, RootfsAccess access,
                           const std::string& scratch, const std::function<void(int rootFd)>& body,
                           int errorFd) {
  try {
    UniqueFd root;
    try {
      root = openRootfs(layers, access, scratch);
    } catch (const Error& e) {
      throw e.wrapped("mount the root filesystem of " + layers.label);
    }
    body(root.get());
    std::fflush(nullptr);
    ::_exit(0);
  } catch (const Error& e) {
    reportError(errorFd, e);
  } catch (const std::exception& e) {
    reportError(errorFd, Error(Errc::Internal, e.what()));
  }
  ::_exit(1);
}

}  // namespace

ContainerLayers containerLayers(const state::StorePaths& paths,
                                const state::ContainerConfig& config) {
  ContainerLayers layers;
  const std::string& id = config.id;
  layers.label = "container " + id.substr(0, 12);
  layers.rootless = paths.rootless;
  const std::string containerDir = paths.containerDir(id);
  layers.upperDir = containerDir + "/upper";
  layers.workDir = containerDir + "/work";
  if (pathExists(layers.workDir + "/" + std::string(runtime::kVfsCompleteMarker))) {
    layers.vfsCopy = layers.upperDir;
    return layers;
  }
  if (auto it = config.extra.find("layers"); it != config.extra.end() && it->is_array())
    layers.layerDirs = it->get<std::vector<std::string>>();
  for (const auto& dir : layers.layerDirs)
    if (!pathExists(dir))
      throwError(Errc::Internal, "{}: layer directory '{}' is missing", layers.label, dir);
  return layers;
}

void runWithRootfs(const ContainerLayers& layers, RootfsAccess access,
                   const std::string& scratchParent, const std::function<void(int rootFd)>& body) {
  makeDirs(scratchParent, 0700);
  const std::string scratch = scratchParent + "/rootfs-" + generateId().substr(0, 12);
  if (::mkdir(scratch.c_str(), 0700) != 0) throwErrno("mkdir '{}'", scratch);
  ScopeExit removeScratch([&scratch] { ::rmdir(scratch.c_str()); });

  int pipeFds[2];
  if (::pipe2(pipeFds, O_CLOEXEC) != 0) throwErrno("pipe");
  UniqueFd errorRead(pipeFds[0]);
  UniqueFd errorWrite(pipeFds[1]);
  std::fflush(nullptr);  // nothing buffered may be written twice
  const pid_t pid = ::fork();
  if (pid < 0) throwErrno("fork");
  if (pid == 0) {
    errorRead.reset();
    runChild(layers, access, scratch, body, errorWrite.get());
  }
  ChildProcess child(pid);  // killed and reaped if anything below throws
  errorWrite.reset();
  std::string report;
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::read(errorRead.get(), buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    report.append(buffer, static_cast<std::size_t>(n));
  }
  const int code = child.wait();
  if (code == 0) return;
  if (!report.empty()) {
    int kind = 0;
    int err = 0;
    int consumed = 0;
    if (std::sscanf(report.c_str(), "%d %d %n", &kind, &err, &consumed) == 2 && consumed > 0)
      throw Error(static_cast<Errc>(kind), report.substr(static_cast<std::size_t>(consumed)), err);
    throw Error(Errc::Internal, report);
  }
  if (code == 128 + SIGPIPE) throwErrnoValue(EPIPE, layers.label);
  throwError(Errc::Internal, "{}: the process working on it ended with status {}", layers.label,
             code);
}

}  // namespace berth::engine::detail
