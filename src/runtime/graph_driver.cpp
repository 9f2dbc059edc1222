// SPDX-License-Identifier: Apache-2.0
// Which rootfs driver a store can use, found by test mounts in a throwaway
// mount namespace and remembered on the run root until the next boot.
#include "berth/runtime/graph_driver.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "berth/base/child_process.hpp"
#include "berth/base/error.hpp"
#include "berth/base/fs.hpp"
#include "berth/base/json.hpp"
#include "berth/base/log.hpp"
#include "berth/base/programs.hpp"
#include "berth/base/unique_fd.hpp"

namespace berth::runtime {

namespace {

constexpr int kCacheVersion = 1;

/// What the probe child reports: the step that failed and its errno.
struct ProbeResult {
  int step = 0;  ///< 0: the mount worked
  int err = 0;
};

enum ProbeStep { kStepNamespace = 1, kStepMaps, kStepPrivate, kStepMount, kStepUnmount };

bool writeProcFile(const char* path, const char* text) noexcept {
  const int fd = ::open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const std::size_t length = std::char_traits<char>::length(text);
  const bool ok = ::write(fd, text, length) == static_cast<ssize_t>(length);
  ::close(fd);
  return ok;
}

/// A mount namespace of our own: a new one if we are root (of the host or
/// of a user namespace), else a new user namespace mapping only us to 0.
ProbeResult enterProbeNamespace() noexcept {
  const uid_t uid = ::geteuid();
  const gid_t gid = ::getegid();
  if (uid != 0 || ::unshare(CLONE_NEWNS) != 0) {
    if (::unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) return {kStepNamespace, errno};
    char uidMap[64];
    char gidMap[64];
    std::snprintf(uidMap, sizeof(uidMap), "0 %u 1\n", static_cast<unsigned>(uid));
    std::snprintf(gidMap, sizeof(gidMap), "0 %u 1\n", static_cast<unsigned>(gid));
    if (!writeProcFile("/proc/self/setgroups", "deny") ||
        !writeProcFile("/proc/self/uid_map", uidMap) ||
        !writeProcFile("/proc/self/gid_map", gidMap))
      return {kStepMaps, errno};
  }
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
    return {kStepPrivate, errno};
  return {};
}

ProbeResult probeInChild(const RootfsPlan& plan, const std::string& fuseProgram) noexcept {
  ProbeResult result = enterProbeNamespace();
  if (result.step != 0) return result;
  const std::string& target = plan.spec.target;
  if (fuseProgram.empty()) {
    if (::mount("overlay", target.c_str(), "overlay", 0, plan.overlayData.c_str()) != 0)
      return {kStepMount, errno};
  } else {
    try {
      UniqueFd devNull(::open("/dev/null", O_WRONLY | O_CLOEXEC));
      SpawnStdio stdio;
      stdio.out = stdio.err = devNull.get();
      if (ChildProcess::spawn({fuseProgram, "-o", plan.fuseOptions, target}, stdio).wait() != 0)
        return {kStepMount, EIO};
    } catch (const Error& e) {
      return {kStepMount, e.sysErrno() != 0 ? e.sysErrno() : EIO};
    }
  }
  if (::umount2(target.c_str(), MNT_DETACH) != 0) return {kStepUnmount, errno};
  return {};
}

/// Runs one test mount in a forked child. The child only makes syscalls and
/// the spawn of fuse-overlayfs; everything it reads was built before fork.
ProbeResult runProbe(const RootfsPlan& plan, const std::string& fuseProgram) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return {kStepNamespace, errno};
  UniqueFd readEnd(fds[0]);
  UniqueFd writeEnd(fds[1]);
  const pid_t pid = ::fork();
  if (pid < 0) return {kStepNamespace, errno};
  if (pid == 0) {
    const ProbeResult result = probeInChild(plan, fuseProgram);
    [[maybe_unused]] const ssize_t ignored = ::write(writeEnd.get(), &result, sizeof(result));
    ::_exit(0);
  }
  writeEnd.reset();
  ProbeResult result{kStepNamespace, EPIPE};
  ssize_t n;
  while ((n = ::read(readEnd.get(), &result, sizeof(result))) < 0 && errno == EINTR) {
  }
  if (n != sizeof(result)) result = {kStepNamespace, EPIPE};
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return result;
}

std::string existingAncestor(std::string path) {
  struct stat st;
  while (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    if (path == "/" || path.empty()) return "/";
    path = dirName(path);
  }
  return path;
}

/// A scratch dir for the test mounts, removed with everything in it.
class ProbeDir {
 public:
  explicit ProbeDir(const std::string& base) {
    std::string pattern = base + (base.ends_with('/') ? "" : "/") + ".berth-probe-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) throwErrno("mkdtemp '{}'", pattern);
    path_ = pattern;
  }
  ~ProbeDir() {
    // overlay leaves work/work (and fuse-overlayfs its own dirs) mode 000:
    // the owner may chmod them, then remove them.
    for (const char* sub : {"/work/work", "/work/index", "/fwork/work"})
      ::chmod((path_ + sub).c_str(), 0700);
    try {
      removeAll(path_);
    } catch (const Error& e) {
      logDebug("{}, ignoring", e.what());
    }
  }
  ProbeDir(const ProbeDir&) = delete;
  ProbeDir& operator=(const ProbeDir&) = delete;
  const std::string& path() const noexcept { return path_; }

 private:
  std::string path_;
};

RootfsPlan probePlan(const std::string& dir, bool rootless, const std::string& suffix) {
  RootfsSpec spec;
  spec.layerDirs = {dir + "/lower"};
  spec.upperDir = dir + "/" + suffix + "upper";
  spec.workDir = dir + "/" + suffix + "work";
  spec.target = dir + "/" + suffix + "merged";
  spec.privateDir = dir;
  spec.rootless = rootless;
  for (const auto& path : {spec.layerDirs[0], spec.upperDir, spec.workDir, spec.target})
    makeDirs(path, 0700);
  return planRootfs(spec);
}

std::string programVersion(const std::string& program) {
  try {
    UniqueFd output(::memfd_create("berth-version", MFD_CLOEXEC));
    UniqueFd devNull(::open("/dev/null", O_WRONLY | O_CLOEXEC));
    SpawnStdio stdio;
    stdio.out = output.get();
    stdio.err = devNull.get();
    if (ChildProcess::spawn({program, "--version"}, stdio).wait() != 0) return "";
    std::string text(4096, '\0');
    const ssize_t n = ::pread(output.get(), text.data(), text.size(), 0);
    text.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
    while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
      text.pop_back();
    return text;
  } catch (const Error& e) {
    logDebug("{}, ignoring", e.what());
    return "";
  }
}

GraphDriverInfo probe(bool rootless, const std::string& graphRoot, const std::string& fuse) {
  GraphDriverInfo info;
  info.driver = RootfsDriver::Vfs;
  try {
    const ProbeDir dir(existingAncestor(graphRoot));
    const ProbeResult native = runProbe(probePlan(dir.path(), rootless, ""), "");
    if (native.step == 0) {
      info.driver = RootfsDriver::Overlay;
      return info;
    }
    logDebug("native overlay under '{}' does not work (step {}: {})", graphRoot, native.step,
             errnoText(native.err));
    if (fuse.empty()) return info;
    const ProbeResult viaFuse = runProbe(probePlan(dir.path(), rootless, "f"), fuse);
    if (viaFuse.step == 0) {
      info.driver = RootfsDriver::FuseOverlayfs;
      info.mountProgram = fuse;
      info.mountProgramVersion = programVersion(fuse);
      return info;
    }
    logDebug("fuse-overlayfs under '{}' does not work (step {}: {})", graphRoot, viaFuse.step,
             errnoText(viaFuse.err));
  } catch (const Error& e) {
    logDebug("probe of the graph driver under '{}': {}, using vfs", graphRoot, e.what());
  }
  return info;
}

std::optional<GraphDriverInfo> readCache(const std::string& cacheFile, bool rootless,
                                         const std::string& graphRoot, const std::string& fuse) {
  if (cacheFile.empty()) return std::nullopt;
  try {
    const auto cached = readJsonFileIfExists(cacheFile);
    if (!cached || !cached->is_object() || cached->value("version", 0) != kCacheVersion ||
        cached->value("graphRoot", "") != graphRoot ||
        cached->value("rootless", !rootless) != rootless ||
        cached->value("fuseOverlayfs", "-") != fuse)
      return std::nullopt;
    GraphDriverInfo info;
    const std::string driver = cached->value("driver", "");
    if (driver == rootfsDriverName(RootfsDriver::Overlay)) {
      info.driver = RootfsDriver::Overlay;
    } else if (driver == rootfsDriverName(RootfsDriver::FuseOverlayfs)) {
      info.driver = RootfsDriver::FuseOverlayfs;
      info.mountProgram = fuse;
      info.mountProgramVersion = cached->value("mountProgramVersion", "");
    } else if (driver == rootfsDriverName(RootfsDriver::Vfs)) {
      info.driver = RootfsDriver::Vfs;
    } else {
      return std::nullopt;
    }
    return info;
  } catch (const std::exception& e) {
    logDebug("graph driver cache '{}': {}, ignoring", cacheFile, e.what());
    return std::nullopt;
  }
}

void writeCache(const std::string& cacheFile, bool rootless, const std::string& graphRoot,
                const std::string& fuse, const GraphDriverInfo& info) {
  if (cacheFile.empty() || !pathExists(dirName(cacheFile))) return;
  Json record{{"version", kCacheVersion},
              {"graphRoot", graphRoot},
              {"rootless", rootless},
              {"fuseOverlayfs", fuse},
              {"driver", rootfsDriverName(info.driver)},
              {"mountProgramVersion", info.mountProgramVersion}};
  try {
    // On the run root (tmpfs): nothing to make durable.
    writeJsonFileAtomic(cacheFile, record, false, 0600);
  } catch (const Error& e) {
    logDebug("{}, ignoring", e.what());
  }
}

}  // namespace

std::string backingFilesystemName(unsigned long magic) {
  // containers/storage drivers/driver_linux.go FsNames.
  switch (magic) {
    case 0x61756673:
      return "aufs";
    case 0x9123683E:
      return "btrfs";
    case 0x28cd3d45:
      return "cramfs";
    case 0xf15f:
      return "ecryptfs";
    case 0xEF53:
      return "extfs";
    case 0xF2F52010:
      return "f2fs";
    case 0x47504653:
      return "gpfs";
    case 0x72b6:
      return "jffs2";
    case 0x3153464a:
      return "jfs";
    case 0x6969:
      return "nfs";
    case 0x858458f6:
      return "ramfs";
    case 0x52654973:
      return "reiserfs";
    case 0x517B:
      return "smb";
    case 0x73717368:
      return "squashfs";
    case 0x01021994:
      return "tmpfs";
    case 0xa501fcf5:
      return "vxfs";
    case 0x58465342:
      return "xfs";
    case 0x2fc12fc1:
      return "zfs";
    case 0x794C7630:
      return "overlayfs";
    case 0x65735546:
      return "fuse";
    default:
      return fmt::format("{:#x}", magic);
  }
}

GraphDriverInfo detectGraphDriver(bool rootless, const std::string& graphRoot,
                                  const std::string& cacheFile) {
  const std::string fuse = findInPath("fuse-overlayfs");
  GraphDriverInfo info;
  if (auto cached = readCache(cacheFile, rootless, graphRoot, fuse)) {
    info = std::move(*cached);
  } else {
    info = probe(rootless, graphRoot, fuse);
    writeCache(cacheFile, rootless, graphRoot, fuse, info);
  }
  info.name = info.driver == RootfsDriver::Vfs ? "vfs" : "overlay";
  struct statfs fs {};
  if (::statfs(existingAncestor(graphRoot).c_str(), &fs) == 0)
    info.backingFilesystem = backingFilesystemName(static_cast<unsigned long>(fs.f_type));
  return info;
}

}  // namespace berth::runtime
