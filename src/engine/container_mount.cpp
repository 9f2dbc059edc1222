// SPDX-License-Identifier: Apache-2.0
// berth mount / unmount: a container's root filesystem mounted where the
// user can work on it with any tool, at <root>/containers/<id>/merged.
//
// The container's own rootfs lives only in its mount namespace, so the
// user's mount is a second overlay of the same layers and upper dir, with a
// work dir of its own (containers/<id>/mount-work: overlay cleans its work
// dir at mount time, which must not touch the running container's). The
// kernel allows an upper dir in two mounts when the overlay index is off
// (the default) and warns; what one mount writes the other may see late.
// A counter in <root>/containers/<id>/mount-count lets several users
// share the mount: the last unmount unmounts.
//
// Rootless, a mount needs a mount namespace owned by the user namespace:
// berth-pause holds one and `berth unshare` joins it, so mount and unmount
// work only under `berth unshare` (as Podman's need `podman unshare`), and
// the mounts stay visible to every later `berth unshare` until berth-pause
// goes.
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "berth/base/error.hpp"
#include "berth/base/file_lock.hpp"
#include "berth/base/fs.hpp"
#include "berth/engine/engine.hpp"
#include "berth/runtime/rootfs.hpp"
#include "berth/runtime/userns.hpp"
#include "berth/state/container_store.hpp"
#include "container_root.hpp"

namespace berth::engine {

namespace {

// Beside the container's records, not in its run dir: cleanup after an
// exit clears the run dir, the user's mount stays.
std::string mountPoint(const state::StorePaths& paths, const std::string& id) {
  return paths.containerDir(id) + "/merged";
}

std::string countFile(const state::StorePaths& paths, const std::string& id) {
  return paths.containerDir(id) + "/mount-count";
}

/// True when something is mounted on `path` (it is on another device than
/// its parent, or is a mount of the same filesystem: compare mount ids).
bool isMounted(const std::string& path) {
  struct stat self {
  }, parent{};
  if (::stat(path.c_str(), &self) != 0) return false;
  if (::stat(dirName(path).c_str(), &parent) != 0) return false;
  return self.st_dev != parent.st_dev;
}

/// The number of users of the mount; 0 when it is not mounted (any more:
/// berth-pause and its namespace may be gone, or the host rebooted).
int mountCount(const state::StorePaths& paths, const std::string& id) {
  if (!isMounted(mountPoint(paths, id))) return 0;
  const auto text = readFileIfExists(countFile(paths, id));
  if (!text) return 0;
  try {
    return std::max(1, std::stoi(*text));
  } catch (const std::exception&) {
    return 1;
  }
}

void writeCount(const state::StorePaths& paths, const std::string& id, int count) {
  if (count <= 0) {
    ::unlink(countFile(paths, id).c_str());
    return;
  }
  writeFileAtomic(countFile(paths, id), std::to_string(count) + "\n", 0600, false);
}

/// Rootless: refuses outside `berth unshare`, as Podman does outside
/// `podman unshare`.
void requireUnshare(const state::StorePaths& paths, const std::string& command) {
  if (!paths.rootless) return;
  if (runtime::enterUserNamespace(paths) == runtime::UserNamespaceState::Inside) return;
  throwError(Errc::InvalidState,
             "cannot run command \"berth {}\" in rootless mode, must execute `berth unshare` first",
             command);
}

}  // namespace

void detail::releaseUserMount(const state::StorePaths& paths, const std::string& id) {
  const std::string target = mountPoint(paths, id);
  // Mounted in another mount namespace (berth-pause's, rootless): removing
  // the directory detaches it there.
  if (isMounted(target) && ::umount2(target.c_str(), MNT_DETACH) != 0)
    throwErrno("unmount {}", target);
}

std::string Engine::mountContainer(const std::string& nameOrId) const {
  requireUnshare(paths_, "mount");
  state::ContainerStore store(paths_);
  const std::string id = store.resolve(nameOrId);
  FileLock lock = store.lock(id);
  const std::string target = mountPoint(paths_, id);
  const int count = mountCount(paths_, id);
  if (count > 0) {
    writeCount(paths_, id, count + 1);
    return target;
  }
  const detail::ContainerLayers layers = detail::containerLayers(paths_, store.readConfig(id));
  makeDirs(target, 0755);
  if (!layers.vfsCopy.empty()) {
    if (::mount(layers.vfsCopy.c_str(), target.c_str(), nullptr, MS_BIND, nullptr) != 0)
      throwErrno("mount {} on {}", layers.vfsCopy, target);
  } else {
    runtime::RootfsSpec spec;
    spec.layerDirs = layers.layerDirs;
    spec.upperDir = layers.upperDir;
    spec.workDir = paths_.containerDir(id) + "/mount-work";
    spec.target = target;
    spec.privateDir = paths_.containerDir(id) + "/mount-private";
    spec.rootless = layers.rootless;
    makeDirs(spec.privateDir, 0700);
    try {
      runtime::mountRootfs(runtime::planRootfs(spec),
                           runtime::MountRootfsOptions{runtime::RootfsDriver::Overlay});
    } catch (const Error& e) {
      throw e.wrapped("mount " + layers.label);
    }
  }
  writeCount(paths_, id, 1);
  return target;
}

bool Engine::unmountContainer(const std::string& nameOrId, bool force) const {
  requireUnshare(paths_, "unmount");
  state::ContainerStore store(paths_);
  const std::string id = store.resolve(nameOrId);
  FileLock lock = store.lock(id);
  const int count = mountCount(paths_, id);
  if (count == 0) {
    writeCount(paths_, id, 0);
    return false;
  }
  if (count > 1 && !force) {
    writeCount(paths_, id, count - 1);
    return true;
  }
  const std::string target = mountPoint(paths_, id);
  if (::umount2(target.c_str(), 0) != 0 && ::umount2(target.c_str(), MNT_DETACH) != 0)
    throwErrno("unmount {}", target);
  writeCount(paths_, id, 0);
  ::rmdir(target.c_str());
  return true;
}

std::vector<Engine::MountedContainer> Engine::mountedContainers() const {
  requireUnshare(paths_, "mount");
  state::ContainerStore store(paths_);
  std::vector<MountedContainer> out;
  for (const auto& id : store.listIds()) {
    if (mountCount(paths_, id) == 0) continue;
    try {
      out.push_back({id, {store.readConfig(id).name}, mountPoint(paths_, id)});
    } catch (const Error& e) {
      if (e.kind() != Errc::NoSuchContainer) throw;
    }
  }
  return out;
}

}  // namespace berth::engine
