// SPDX-License-Identifier: Apache-2.0
// A container's rootfs: the image layers under the container's upper dir,
// merged by overlayfs, by fuse-overlayfs, or copied (vfs) where neither works.
#include "berth/runtime/rootfs.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string_view>

#include "berth/base/child_process.hpp"
#include "berth/base/error.hpp"
#include "berth/base/fs.hpp"
#include "berth/base/log.hpp"
#include "berth/base/programs.hpp"
#include "berth/base/scope_exit.hpp"
#include "berth/runtime/layer_apply.hpp"

namespace berth::runtime {

namespace {

constexpr std::string_view kVfsPartialMarker = "berth-vfs-partial";

void requireAbsolute(const std::string& path, std::string_view what) {
  if (path.empty() || path.front() != '/')
    throwError(Errc::InvalidArgument, "rootfs {} '{}': expected an absolute path", what, path);
  if (path.find('\0') != std::string::npos)
    throwError(Errc::InvalidArgument, "rootfs {} '{}': a path cannot hold a NUL byte", what,
               path.c_str());
}

std::string joinLowerDirs(const std::vector<std::string>& dirs, bool escape) {
  std::string out;
  for (const auto& dir : dirs) {
    if (!out.empty()) out += ':';
    out += escape ? escapeOverlayPath(dir) : dir;
  }
  return out;
}

/// The options after lowerdir=...: upper, work and flags.
std::string overlayTail(const RootfsSpec& spec) {
  std::string tail = ",upperdir=" + escapeOverlayPath(spec.upperDir) +
                     ",workdir=" + escapeOverlayPath(spec.workDir);
  // Without user namespace privilege over the files, overlay cannot use
  // trusted.overlay.* xattrs (kernel >= 5.11 has userxattr); the store marks
  // opaque dirs with user.overlay.opaque for rootless.
  if (spec.rootless) tail += ",userxattr";
  if (spec.volatileUpper) tail += ",volatile";
  return tail;
}

std::size_t systemPageSize() {
  const long size = ::sysconf(_SC_PAGESIZE);
  return size > 0 ? static_cast<std::size_t>(size) : 4096;
}

bool isEmptyDirectory(const std::string& path) {
  DIR* dir = ::opendir(path.c_str());
  if (dir == nullptr) throwErrno("open '{}'", path);
  ScopeExit close([dir] { ::closedir(dir); });
  while (dirent* entry = ::readdir(dir)) {
    const std::string_view name = entry->d_name;
    if (name != "." && name != "..") return false;
  }
  return true;
}

/// The upper dir's root is the merged root: give a new one the mode and
/// owner of the top layer's root, as containers/storage does.
void prepareUpperDir(const RootfsPlan& plan) {
  const std::string& upper = plan.spec.upperDir;
  if (pathExists(upper)) return;
  makeDirs(dirName(upper), 0700);
  struct stat top {};
  top.st_mode = 0755;
  top.st_uid = ::geteuid();
  top.st_gid = ::getegid();
  // A missing layer is left for the mount to report.
  if (!plan.spec.layerDirs.empty() && ::stat(plan.spec.layerDirs.back().c_str(), &top) != 0 &&
      errno != ENOENT)
    throwErrno("stat layer '{}'", plan.spec.layerDirs.back());
  if (::mkdir(upper.c_str(), 0700) != 0 && errno != EEXIST) throwErrno("mkdir '{}'", upper);
  if (::chown(upper.c_str(), top.st_uid, top.st_gid) != 0)
    throwErrno("chown '{}' to {}:{}", upper, top.st_uid, top.st_gid);
  if (::chmod(upper.c_str(), top.st_mode & 07777) != 0) throwErrno("chmod '{}'", upper);
}

void prepareDirs(const RootfsPlan& plan) {
  makeDirs(plan.spec.target, 0700);
  makeDirs(plan.spec.workDir, 0700);
  if (!plan.emptyLowerDir.empty()) makeDirs(plan.emptyLowerDir, 0755);
  prepareUpperDir(plan);
}

/// Whether a failed overlay mount means "overlay cannot work here" (so
/// another driver may) rather than "this input is wrong".
bool overlayUnusable(int err) {
  switch (err) {
    case EPERM:
    case EACCES:
    case EINVAL:
    case ENODEV:
    case ENOTSUP:
    case ENOSYS:
      return true;
    default:
      return false;
  }
}

void mountOverlay(const RootfsPlan& plan) {
  const RootfsSpec& spec = plan.spec;
  // A volatile mount leaves work/work/incompat/volatile behind, and overlay
  // refuses the work dir while it is there (kernel >= 5.10). The container
  // is started again only under its lock, so it is ours to remove.
  removeAll(spec.workDir + "/work/incompat/volatile");

  if (plan.linkDir.empty()) {
    if (::mount(plan.source.c_str(), spec.target.c_str(), plan.fsType.c_str(), 0,
                plan.overlayData.c_str()) != 0)
      throwErrno("mount overlay on {}", spec.target);
    return;
  }

  // The short links are only needed while mount(2) resolves them: overlay
  // holds the layers themselves afterwards.
  removeAll(plan.linkDir);
  makeDirs(plan.linkDir, 0700);
  ScopeExit removeLinks([&plan] {
    try {
      removeAll(plan.linkDir);
    } catch (const Error& e) {
      logDebug("{}, ignoring", e.what());
    }
  });
  for (std::size_t i = 0; i < plan.lowerDirs.size(); ++i) {
    const std::string link = plan.linkDir + "/" + std::to_string(i);
    if (::symlink(plan.lowerDirs[i].c_str(), link.c_str()) != 0)
      throwErrno("symlink '{}' to '{}'", link, plan.lowerDirs[i]);
  }
  UniqueFd oldCwd(::open(".", O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!oldCwd) throwErrno("open the working directory");
  if (::chdir(plan.linkDir.c_str()) != 0) throwErrno("chdir '{}'", plan.linkDir);
  const int rc = ::mount(plan.source.c_str(), spec.target.c_str(), plan.fsType.c_str(), 0,
                         plan.overlayData.c_str());
  const int err = errno;
  if (::fchdir(oldCwd.get()) != 0) throwErrno("return to the working directory");
  if (rc != 0) throwErrnoValue(err, "mount overlay on " + spec.target);
}

void mountFuseOverlayfs(const RootfsPlan& plan, const std::string& program) {
  removeAll(plan.spec.workDir + "/work/incompat/volatile");
  UniqueFd errors(::memfd_create("berth-fuse-overlayfs-stderr", MFD_CLOEXEC));
  if (!errors) throwErrno("memfd_create");
  SpawnStdio stdio;
  stdio.err = errors.get();
  const int code =
      ChildProcess::spawn({program, "-o", plan.fuseOptions, plan.spec.target}, stdio).wait();
  if (code == 0) return;
  std::string message(2048, '\0');
  const ssize_t n = ::pread(errors.get(), message.data(), message.size(), 0);
  message.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  // fuse-overlayfs warns about fstab-only options on every run; keep the rest.
  std::string kept;
  std::size_t start = 0;
  while (start < message.size()) {
    std::size_t end = message.find('\n', start);
    if (end == std::string::npos) end = message.size();
    const std::string_view line(message.data() + start, end - start);
    if (!line.empty() && !line.starts_with("unknown argument ignored")) {
      if (!kept.empty()) kept += ' ';
      kept += line;
    }
    start = end + 1;
  }
  throwError(Errc::Internal, "mount fuse-overlayfs on {}: exit status {}: {}", plan.spec.target,
             code, kept.empty() ? "no error output" : kept);
}

/// Fills the upper dir with a copy of the layers unless it holds one
/// already. A copy that was interrupted is redone from scratch.
void populateVfs(const RootfsPlan& plan) {
  const RootfsSpec& spec = plan.spec;
  const std::string complete = spec.workDir + "/" + std::string(kVfsCompleteMarker);
  const std::string partial = spec.workDir + "/" + std::string(kVfsPartialMarker);
  if (pathExists(complete)) return;
  if (!isEmptyDirectory(spec.upperDir)) {
    if (!pathExists(partial))
      throwError(Errc::InvalidState,
                 "vfs copy into '{}': the directory holds an overlay layer, which a copy of the "
                 "image would hide",
                 spec.upperDir);
    UniqueFd upper = openFile(spec.upperDir, O_RDONLY | O_DIRECTORY);
    clearDirectory(upper.get(), spec.upperDir);
  }
  UniqueFd marker = openFile(partial, O_WRONLY | O_CREAT, 0600);
  marker.reset();
  applyLayers(spec.layerDirs, spec.upperDir);
  UniqueFd upper = openFile(spec.upperDir, O_RDONLY | O_DIRECTORY);
  if (::syncfs(upper.get()) != 0) throwErrno("syncfs '{}'", spec.upperDir);
  if (::rename(partial.c_str(), complete.c_str()) != 0)
    throwErrno("rename '{}' to '{}'", partial, complete);
  syncPath(spec.workDir);
}

void mountVfs(const RootfsPlan& plan) {
  populateVfs(plan);
  // pivot_root needs the new root to be a mount point; the copy is one too.
  if (::mount(plan.spec.upperDir.c_str(), plan.spec.target.c_str(), nullptr, MS_BIND, nullptr) != 0)
    throwErrno("bind mount {} on {}", plan.spec.upperDir, plan.spec.target);
}

}  // namespace

std::string_view rootfsDriverName(RootfsDriver driver) noexcept {
  switch (driver) {
    case RootfsDriver::Overlay:
      return "overlay";
    case RootfsDriver::FuseOverlayfs:
      return "fuse-overlayfs";
    case RootfsDriver::Vfs:
      return "vfs";
  }
  return "unknown";
}

std::string escapeOverlayPath(std::string_view path) {
  std::string out;
  out.reserve(path.size());
  for (const char c : path) {
    // overlay splits options at ',' and lower dirs at ':', and unescapes
    // '\x' to 'x' in every dir option (fs/overlayfs/params.c).
    if (c == ',' || c == ':' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

RootfsPlan planRootfs(const RootfsSpec& spec, std::size_t pageSize) {
  if (pageSize == 0) pageSize = systemPageSize();
  for (const auto& dir : spec.layerDirs)
    requireAbsolute(dir, "layer dir");
  requireAbsolute(spec.upperDir, "upper dir");
  requireAbsolute(spec.workDir, "work dir");
  requireAbsolute(spec.target, "target");

  RootfsPlan plan;
  plan.spec = spec;
  if (plan.spec.privateDir.empty()) plan.spec.privateDir = dirName(spec.upperDir);
  requireAbsolute(plan.spec.privateDir, "private dir");

  plan.lowerDirs.assign(spec.layerDirs.rbegin(), spec.layerDirs.rend());
  if (plan.lowerDirs.empty()) {
    // overlay needs at least one lower dir (containers/storage: "empty").
    plan.emptyLowerDir = plan.spec.privateDir + "/empty";
    plan.lowerDirs.push_back(plan.emptyLowerDir);
  }

  const std::string tail = overlayTail(plan.spec);
  // The kernel copies one page of mount data and cuts it at its last byte
  // (fs/namespace.c: path_mount), so the string must be shorter than a page.
  const std::size_t limit = pageSize - 1;
  plan.overlayData = "lowerdir=" + joinLowerDirs(plan.lowerDirs, true) + tail;
  if (plan.overlayData.size() > limit) {
    plan.linkDir = plan.spec.privateDir + "/l";
    std::string names;
    for (std::size_t i = 0; i < plan.lowerDirs.size(); ++i) {
      if (i != 0) names += ':';
      names += std::to_string(i);
    }
    plan.overlayData = "lowerdir=" + names + tail;
    if (plan.overlayData.size() > limit)
      throwError(Errc::InvalidArgument,
                 "overlay options for '{}' need {} bytes even with short layer links, more than "
                 "the kernel's {}: the upper and work dir paths are too long",
                 spec.target, plan.overlayData.size(), limit);
  }

  const auto unfit = [](const std::string& path) {
    return path.find_first_of(":,\\") != std::string::npos;
  };
  std::vector<std::string> paths = plan.lowerDirs;
  paths.push_back(spec.upperDir);
  paths.push_back(spec.workDir);
  for (const auto& path : paths)
    if (unfit(path)) {
      plan.fuseUnsupported =
          fmt::format("fuse-overlayfs cannot take the path '{}' (it holds ':', ',' or '\\')", path);
      break;
    }
  if (plan.fuseUnsupported.empty()) {
    plan.fuseOptions = "lowerdir=" + joinLowerDirs(plan.lowerDirs, false) +
                       ",upperdir=" + spec.upperDir + ",workdir=" + spec.workDir;
    if (spec.volatileUpper) plan.fuseOptions += ",fsync=0";
  }
  return plan;
}

RootfsDriver mountRootfs(const RootfsPlan& plan, const MountRootfsOptions& options) {
  prepareDirs(plan);
  const RootfsSpec& spec = plan.spec;

  // A vfs copy stays a vfs copy: overlay over it would show the image twice.
  const bool vfsCopied = pathExists(spec.workDir + "/" + std::string(kVfsCompleteMarker)) ||
                         pathExists(spec.workDir + "/" + std::string(kVfsPartialMarker));
  if (vfsCopied) {
    if (options.driver && *options.driver != RootfsDriver::Vfs)
      throwError(Errc::InvalidState, "mount {} on {}: '{}' holds a vfs copy of the image",
                 rootfsDriverName(*options.driver), spec.target, spec.upperDir);
    mountVfs(plan);
    return RootfsDriver::Vfs;
  }

  if (options.driver) {
    switch (*options.driver) {
      case RootfsDriver::Overlay:
        mountOverlay(plan);
        break;
      case RootfsDriver::FuseOverlayfs: {
        if (!plan.fuseUnsupported.empty())
          throwError(Errc::InvalidArgument, "mount fuse-overlayfs on {}: {}", spec.target,
                     plan.fuseUnsupported);
        const std::string program = findInPath("fuse-overlayfs");
        if (program.empty())
          throwError(Errc::Unsupported, "mount fuse-overlayfs on {}: fuse-overlayfs not found",
                     spec.target);
        mountFuseOverlayfs(plan, program);
        break;
      }
      case RootfsDriver::Vfs:
        mountVfs(plan);
        break;
    }
    return *options.driver;
  }

  std::optional<Error> overlayError;
  try {
    mountOverlay(plan);
    return RootfsDriver::Overlay;
  } catch (const Error& e) {
    if (!overlayUnusable(e.sysErrno())) throw;
    logDebug("{}: trying the next driver", e.what());
    overlayError = e;
  }

  const std::string program = findInPath("fuse-overlayfs");
  if (!program.empty() && plan.fuseUnsupported.empty()) {
    try {
      mountFuseOverlayfs(plan, program);
      return RootfsDriver::FuseOverlayfs;
    } catch (const Error& e) {
      logDebug("{}: trying the next driver", e.what());
    }
  } else if (!program.empty()) {
    logDebug("{}: trying the next driver", plan.fuseUnsupported);
  }

  // An upper dir with an overlay diff in it cannot become a vfs copy: the
  // error that matters is why overlay failed.
  if (!isEmptyDirectory(spec.upperDir)) throw *overlayError;
  try {
    mountVfs(plan);
  } catch (const Error& e) {
    throw Error(e.kind(), fmt::format("{} (after {})", e.message(), overlayError->message()),
                e.sysErrno());
  }
  return RootfsDriver::Vfs;
}

bool unmountRootfs(const std::string& target) {
  if (::umount2(target.c_str(), MNT_DETACH) == 0) return true;
  if (errno == EINVAL || errno == ENOENT) return false;
  throwErrno("unmount {}", target);
}

}  // namespace berth::runtime
