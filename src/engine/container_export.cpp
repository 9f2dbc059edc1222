// SPDX-License-Identifier: Apache-2.0
// berth export: the container's root filesystem (its image layers under its
// writable layer, as the container sees them, without volumes and bind
// mounts) as a tar, as `podman export` writes it.
//
// The merged view is a read-only overlay whose lower dirs are the upper dir
// and the layers (no upperdir/workdir: the running container may be using
// them), mounted by a forked child in a mount namespace of its own, so the
// mount is never seen elsewhere and vanishes with the child whatever happens
// to it. The child streams the tar through the archive plugin. Rootless, all
// of this runs in the user's namespace, where stat shows the container's ids.
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <string_view>

#include "berth/base/child_process.hpp"
#include "berth/base/error.hpp"
#include "berth/base/file_lock.hpp"
#include "berth/base/fs.hpp"
#include "berth/base/ids.hpp"
#include "berth/base/log.hpp"
#include "berth/base/programs.hpp"
#include "berth/base/scope_exit.hpp"
#include "berth/engine/engine.hpp"
#include "berth/format/template.hpp"
#include "berth/image/archive_plugin.hpp"
#include "berth/runtime/rootfs.hpp"
#include "berth/state/container_store.hpp"

namespace berth::engine {

namespace {

/// What the child archives.
struct ExportSource {
  std::string label;                   ///< "container <12-hex id>", for messages
  std::vector<std::string> lowerDirs;  ///< as overlay stacks them: top first
  std::string vfsCopy;                 ///< set when the upper dir is a complete copy (vfs driver)
  std::string scratch;                 ///< an empty dir of ours: the child mounts a tmpfs on it
  bool rootless = false;
};

ExportSource exportSource(const state::StorePaths& paths, const state::ContainerConfig& config) {
  ExportSource source;
  const std::string& id = config.id;
  source.label = "container " + id.substr(0, 12);
  source.rootless = paths.rootless;
  const std::string containerDir = paths.containerDir(id);
  const std::string upper = containerDir + "/upper";
  const std::string work = containerDir + "/work";
  if (pathExists(work + "/" + std::string(runtime::kVfsCompleteMarker))) {
    source.vfsCopy = upper;
    return source;
  }
  if (pathExists(upper)) source.lowerDirs.push_back(upper);
  std::vector<std::string> layers;
  if (auto it = config.extra.find("layers"); it != config.extra.end() && it->is_array())
    layers = it->get<std::vector<std::string>>();
  source.lowerDirs.insert(source.lowerDirs.end(), layers.rbegin(), layers.rend());
  for (const auto& dir : source.lowerDirs)
    if (!pathExists(dir))
      throwError(Errc::Internal, "export {}: layer directory '{}' is missing", source.label, dir);
  return source;
}

// ------------------------------------------------------------ the child

/// Mounts the overlay of `lowerDirs` read-only on `target`. overlay needs
/// two lower dirs without an upper dir: empty ones fill up the stack (a
/// container of a one-layer image that never ran, or of an image without
/// layers). Lower dirs that do not fit the one page of mount data are named
/// by short links, as runtime::planRootfs does.
void mountOverlayView(const ExportSource& source, const std::string& scratch,
                      const std::string& target) {
  std::vector<std::string> lowers = source.lowerDirs;
  for (int i = 0; lowers.size() < 2; ++i) {
    lowers.push_back(scratch + "/empty" + std::to_string(i));
    makeDirs(lowers.back(), 0755);
  }
  const std::string tail = source.rootless ? ",userxattr" : "";
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
void mountFuseView(const ExportSource& source, const std::string& scratch,
                   const std::string& target, const std::string& program) {
  std::string lowers;
  for (const auto& dir : source.lowerDirs) {
    if (dir.find_first_of(":,\\") != std::string::npos)
      throwError(Errc::Unsupported,
                 "fuse-overlayfs cannot take the path '{}' (it holds ':', ',' or '\\')", dir);
    if (!lowers.empty()) lowers += ':';
    lowers += dir;
  }
  if (source.lowerDirs.size() < 2) {
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

/// Mounts the merged view and returns an fd of its root. The mount itself
/// is detached at once: the fd keeps it alive until the child exits.
UniqueFd openMergedView(const ExportSource& source) {
  if (::unshare(CLONE_NEWNS) != 0) throwErrno("unshare the mount namespace");
  // Nothing mounted from here on may propagate back to the host.
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
    throwErrno("make / a private mount");
  if (!source.vfsCopy.empty()) return openFile(source.vfsCopy, O_RDONLY | O_DIRECTORY);

  // A tmpfs for the helpers of the mount, so nothing is written to disk.
  const std::string& scratch = source.scratch;
  if (::mount("tmpfs", scratch.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "mode=0700") != 0)
    throwErrno("mount tmpfs on {}", scratch);
  const std::string target = scratch + "/merged";
  makeDirs(target, 0700);
  try {
    mountOverlayView(source, scratch, target);
  } catch (const Error& e) {
    const int err = e.sysErrno();
    const bool unusable = err == EPERM || err == EACCES || err == EINVAL || err == ENODEV ||
                          err == ENOTSUP || err == ENOSYS;
    const std::string program = unusable ? findInPath("fuse-overlayfs") : std::string();
    if (program.empty()) throw;
    logDebug("{}: trying fuse-overlayfs", e.what());
    try {
      mountFuseView(source, scratch, target, program);
    } catch (const Error& fuseError) {
      throw Error(e.kind(), fmt::format("{} (and {})", e.message(), fuseError.message()), err);
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

[[noreturn]] void runChild(const ExportSource& source, const image::ArchivePlugin& plugin,
                           int outputFd, const std::string& outputLabel, int errorFd) {
  try {
    UniqueFd root;
    try {
      root = openMergedView(source);
    } catch (const Error& e) {
      throw e.wrapped("export " + source.label);
    }
    image::TreeTarOptions options;
    options.rootFd = root.get();
    options.outputFd = outputFd;
    options.source = source.label;
    options.output = outputLabel;
    plugin.writeTreeTar(options);
    ::_exit(0);
  } catch (const Error& e) {
    reportError(errorFd, e);
  } catch (const std::exception& e) {
    reportError(errorFd, Error(Errc::Internal, e.what()));
  }
  ::_exit(1);
}

/// Forks the child, waits for it, and rethrows its error.
void streamTree(const ExportSource& source, const image::ArchivePlugin& plugin, int outputFd,
                const std::string& outputLabel) {
  int pipeFds[2];
  if (::pipe2(pipeFds, O_CLOEXEC) != 0) throwErrno("pipe");
  UniqueFd errorRead(pipeFds[0]);
  UniqueFd errorWrite(pipeFds[1]);
  std::fflush(nullptr);  // nothing buffered may be written twice
  const pid_t pid = ::fork();
  if (pid < 0) throwErrno("fork");
  if (pid == 0) {
    errorRead.reset();
    runChild(source, plugin, outputFd, outputLabel, errorWrite.get());
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
  if (code == 128 + SIGPIPE)
    throwErrnoValue(EPIPE, fmt::format("export {}: write {}", source.label, outputLabel));
  throwError(Errc::Internal, "export {}: the exporting process ended with status {}", source.label,
             code);
}

// ------------------------------------------------------------ the output

/// Where the tar goes. Standard output as it is; a new or regular file is
/// written under a temporary name beside it and renamed into place only
/// when complete (an existing file keeps its mode), so a failed export
/// leaves nothing half-written; anything else (a fifo, /dev/null, a
/// terminal named on purpose) is opened and written directly.
class ExportOutput {
 public:
  explicit ExportOutput(const std::string& path) {
    if (path.empty()) {
      label_ = "standard output";
      fd_ = STDOUT_FILENO;
      return;
    }
    label_ = "'" + path + "'";
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
      // O_TRUNC is ignored by fifos and devices; a directory fails here.
      owned_ = openFile(path, O_WRONLY | O_NOCTTY);
      fd_ = owned_.get();
      return;
    }
    const bool exists = S_ISREG(st.st_mode);
    target_ = path;
    if (exists) {
      // Through a symlink: replace the file it names, not the link.
      char* real = ::realpath(path.c_str(), nullptr);
      if (real == nullptr) throwErrno("resolve '{}'", path);
      target_ = real;
      std::free(real);
    }
    std::string base = target_.substr(target_.rfind('/') + 1);
    temp_ = dirName(target_) + "/." + base + ".tmp-" + generateId().substr(0, 12);
    owned_.reset(::open(temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666));
    if (!owned_) throwErrno("open '{}'", path);  // the name the user gave
    fd_ = owned_.get();
    if (exists && ::fchmod(fd_, st.st_mode & 07777) != 0) {
      const int err = errno;
      ::unlink(temp_.c_str());
      throwErrnoValue(err, "chmod '" + temp_ + "'");
    }
  }

  ~ExportOutput() {
    if (!temp_.empty()) ::unlink(temp_.c_str());
  }
  ExportOutput(const ExportOutput&) = delete;
  ExportOutput& operator=(const ExportOutput&) = delete;

  int fd() const noexcept { return fd_; }
  const std::string& label() const noexcept { return label_; }

  void commit() {
    if (owned_ && ::close(owned_.release()) != 0) throwErrno("write {}", label_);
    if (temp_.empty()) return;
    if (::rename(temp_.c_str(), target_.c_str()) != 0)
      throwErrno("rename '{}' to '{}'", temp_, target_);
    temp_.clear();
  }

 private:
  std::string label_;
  std::string target_;
  std::string temp_;
  UniqueFd owned_;
  int fd_ = -1;
};

}  // namespace

void Engine::exportContainer(const std::string& nameOrId, const std::string& output) const {
  // Podman's parse.ValidateFileName.
  if (output.find(':') != std::string::npos)
    throwError(Errc::InvalidArgument, "invalid filename (should not contain ':') {}",
               format::goQuote(output));
  enterUserNamespace();
  state::ContainerStore store(paths_);
  const std::string id = store.resolve(nameOrId);
  // Loaded before the fork, so the child only calls into it.
  const image::ArchivePlugin& plugin = image::archivePlugin();
  // Held throughout, as Podman does: rm, start and cleanup wait for the
  // export; the layers under the mount do not change (but for what the
  // running container writes to its upper dir).
  FileLock lock = store.lock(id);
  if (!store.exists(id))
    throwError(Errc::NoSuchContainer,
               "no container with name or ID \"{}\" found: no such container", nameOrId);
  ExportSource source = exportSource(paths_, store.readConfig(id));

  ExportOutput out(output);
  const std::string runDir = paths_.runContainerDir(id);
  makeDirs(runDir, 0700);
  source.scratch = runDir + "/export-" + generateId().substr(0, 12);
  if (::mkdir(source.scratch.c_str(), 0700) != 0) throwErrno("mkdir '{}'", source.scratch);
  ScopeExit removeScratch([&source] { ::rmdir(source.scratch.c_str()); });
  streamTree(source, plugin, out.fd(), out.label());
  out.commit();
}

}  // namespace berth::engine
