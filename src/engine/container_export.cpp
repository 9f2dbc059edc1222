// SPDX-License-Identifier: Apache-2.0
// berth export: the container's root filesystem (its image layers under its
// writable layer, as the container sees them, without volumes and bind
// mounts) as a tar, as `podman export` writes it.
//
// The merged view is a read-only overlay whose lower dirs are the upper dir
// and the layers (no upperdir/workdir: the running container may be using
// them), mounted by a forked child (container_root.cpp), which streams the
// tar through the archive plugin.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include "berth/base/error.hpp"
#include "berth/base/file_lock.hpp"
#include "berth/base/fs.hpp"
#include "berth/base/ids.hpp"
#include "berth/engine/engine.hpp"
#include "berth/format/template.hpp"
#include "berth/image/archive_plugin.hpp"
#include "berth/state/container_store.hpp"
#include "container_root.hpp"

namespace berth::engine {

namespace {

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
  const detail::ContainerLayers layers = detail::containerLayers(paths_, store.readConfig(id));

  ExportOutput out(output);
  detail::runWithRootfs(layers, detail::RootfsAccess::ReadOnly, paths_.runContainerDir(id),
                        [&](int rootFd) {
                          image::TreeTarOptions options;
                          options.rootFd = rootFd;
                          options.outputFd = out.fd();
                          options.source = layers.label;
                          options.output = out.label();
                          plugin.writeTreeTar(options);
                        });
  out.commit();
}

}  // namespace berth::engine
