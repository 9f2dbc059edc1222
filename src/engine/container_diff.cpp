// SPDX-License-Identifier: Apache-2.0
// berth diff: what a container changed, read from its overlay upper dir
// against its image's layers, with containers/storage's rules and Podman's
// filter of the files the runtime mounts over.
#include <dirent.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>

#include "berth/base/error.hpp"
#include "berth/base/fs.hpp"
#include "berth/engine/changes.hpp"
#include "berth/engine/engine.hpp"
#include "berth/image/store.hpp"
#include "berth/state/container_store.hpp"
#include "container_root.hpp"

namespace berth::engine {

namespace {

struct Walk {
  const std::vector<std::string>& lowerDirs;
  const std::string& opaqueXattr;
  std::vector<LayerChange> changes;
  std::set<std::string> changedDirs;

  bool isDeleted(const std::string& full, const struct stat& st) const {
    if (S_ISCHR(st.st_mode) && major(st.st_rdev) == 0 && minor(st.st_rdev) == 0) return true;
    if (!S_ISDIR(st.st_mode)) return false;
    char value[2];
    const ssize_t n = ::lgetxattr(full.c_str(), opaqueXattr.c_str(), value, sizeof(value));
    return n == 1 && value[0] == 'y';
  }

  /// 'A', 'C', or 0 for a directory the same as below.
  char kindOf(const std::string& path, const struct stat& st) const {
    for (const auto& layer : lowerDirs) {
      struct stat lower {};
      if (::lstat((layer + path).c_str(), &lower) != 0) {
        if (errno == ENOENT || errno == ENOTDIR) continue;
        throwErrno("stat {}", layer + path);
      }
      // If you modify /foo/bar/baz, /foo is only a parent of the change.
      if (S_ISDIR(lower.st_mode) && S_ISDIR(st.st_mode) && lower.st_size == st.st_size &&
          lower.st_mode == st.st_mode && lower.st_mtim.tv_sec == st.st_mtim.tv_sec &&
          (lower.st_mtim.tv_nsec == st.st_mtim.tv_nsec || lower.st_mtim.tv_nsec == 0 ||
           st.st_mtim.tv_nsec == 0))
        return 0;
      return 'C';
    }
    return 'A';
  }

  void visit(const std::string& upper, const std::string& path) {
    const std::string dir = upper + path;
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) throwErrno("open directory {}", dir);
    std::vector<std::string> names;
    while (const dirent* e = ::readdir(d))
      if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0)
        names.emplace_back(e->d_name);
    ::closedir(d);
    std::sort(names.begin(), names.end());
    for (const auto& name : names) {
      const std::string child = (path == "/" ? "" : path) + "/" + name;
      const std::string full = upper + child;
      struct stat st {};
      if (::lstat(full.c_str(), &st) != 0) throwErrno("stat {}", full);
      char kind = isDeleted(full, st) ? 'D' : kindOf(child, st);
      if (S_ISDIR(st.st_mode)) changedDirs.insert(child);
      if (kind == 'A' || kind == 'D') {
        const std::string parent = child.substr(0, child.rfind('/'));
        if (!parent.empty() && changedDirs.insert(parent).second) changes.push_back({'C', parent});
      }
      if (kind != 0) changes.push_back({kind, child});
      if (S_ISDIR(st.st_mode)) visit(upper, child);
    }
  }
};

/// What the runtime mounts over (Podman's initInodes): not the user's changes.
bool runtimeFile(const std::string& path) {
  static const std::set<std::string> files = {
      "/dev",  "/etc/hostname", "/etc/hosts",         "/etc/resolv.conf",
      "/proc", "/run",          "/run/.containerenv", "/run/secrets",
      "/sys",  "/etc/mtab"};
  return files.count(path) != 0;
}

}  // namespace

std::vector<LayerChange> overlayChanges(const std::string& upperDir,
                                        const std::vector<std::string>& lowerDirs,
                                        const std::string& opaqueXattr) {
  Walk walk{lowerDirs, opaqueXattr, {}, {}};
  if (pathExists(upperDir)) walk.visit(upperDir, "/");
  return std::move(walk.changes);
}

std::vector<Engine::FileChange> Engine::containerChanges(const std::string& nameOrId) const {
  enterUserNamespace();
  const std::string opaque = paths_.rootless ? "user.overlay.opaque" : "trusted.overlay.opaque";
  std::vector<FileChange> out;
  state::ContainerStore store(paths_);
  std::string id;
  try {
    id = store.resolve(nameOrId);
  } catch (const Error& e) {
    // As Podman: an image's top layer against the layers below it.
    image::ImageStore images(paths_);
    const auto found = e.kind() == Errc::NoSuchContainer ? images.lookup(nameOrId) : std::nullopt;
    if (!found) throw;
    std::vector<std::string> lowers;  // top first
    for (const auto& chain : images.layerChainIds(*found))
      lowers.insert(lowers.begin(), images.layerPath(chain));
    if (lowers.empty()) return out;
    const std::string top = lowers.front();
    lowers.erase(lowers.begin());
    for (auto& change : overlayChanges(top, lowers, opaque))
      if (!runtimeFile(change.path)) out.push_back({change.kind, std::move(change.path)});
    return out;
  }
  const detail::ContainerLayers layers = detail::containerLayers(paths_, store.readConfig(id));
  if (!layers.vfsCopy.empty())
    throwError(Errc::Unsupported, "diff of {}: its layers are a vfs copy, which berth cannot diff",
               layers.label);
  const std::vector<std::string> lowers(layers.layerDirs.rbegin(), layers.layerDirs.rend());
  for (auto& change :
       overlayChanges(layers.upperDir, lowers,
                      layers.rootless ? "user.overlay.opaque" : "trusted.overlay.opaque"))
    if (!runtimeFile(change.path)) out.push_back({change.kind, std::move(change.path)});
  return out;
}

}  // namespace berth::engine
