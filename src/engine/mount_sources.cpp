// SPDX-License-Identifier: Apache-2.0
// What a container's mounts need on the host: --volumes-from at create;
// :O and image-mount overlay directories, :U ownership and secret files at
// start.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "berth/base/error.hpp"
#include "berth/base/fs.hpp"
#include "berth/base/scope_exit.hpp"
#include "berth/oci/runtime_spec.hpp"
#include "berth/spec/generate.hpp"
#include "berth/state/container_store.hpp"
#include "berth/state/secret_store.hpp"
#include "container_internal.hpp"
#include "volume_internal.hpp"

namespace berth::engine::detail {

namespace {

bool hasOption(const spec::MountSpec& mount, std::string_view word) {
  return std::find(mount.options.begin(), mount.options.end(), word) != mount.options.end();
}

// lchown of everything below (and including) the directory `fd` is.
void chownTree(int fd, const std::string& path, uid_t uid, gid_t gid) {
  if (::fchown(fd, uid, gid) != 0) throwErrno("chown '{}' to {}:{}", path, uid, gid);
  struct stat st {};
  if (::fstat(fd, &st) != 0) throwErrno("stat '{}'", path);
  if (!S_ISDIR(st.st_mode)) return;
  const int listFd = ::openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (listFd < 0) throwErrno("open '{}'", path);
  DIR* dir = ::fdopendir(listFd);
  if (dir == nullptr) {
    ::close(listFd);
    throwErrno("open '{}'", path);
  }
  ScopeExit close([dir] { ::closedir(dir); });
  while (const dirent* entry = ::readdir(dir)) {
    const std::string name = entry->d_name;
    if (name == "." || name == "..") continue;
    const std::string child = path + "/" + name;
    if (entry->d_type == DT_DIR) {
      const UniqueFd sub(
          ::openat(listFd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!sub) throwErrno("open '{}'", child);
      chownTree(sub.get(), child, uid, gid);
    } else if (::fchownat(listFd, name.c_str(), uid, gid, AT_SYMLINK_NOFOLLOW) != 0) {
      throwErrno("chown '{}' to {}:{}", child, uid, gid);
    }
  }
}

}  // namespace

void applyVolumesFrom(const state::ContainerStore& store, spec::ContainerSpec& spec) {
  for (const auto& value : spec.volumesFrom) {
    const auto colon = value.find(':');
    const std::string container = value.substr(0, colon);
    std::string readWrite;
    if (colon != std::string::npos) {
      std::string_view rest = std::string_view(value).substr(colon + 1);
      while (!rest.empty()) {
        const auto comma = rest.find(',');
        const std::string word(rest.substr(0, comma));
        rest.remove_prefix(comma == std::string_view::npos ? rest.size() : comma + 1);
        if (word == "ro" || word == "rw") {
          if (!readWrite.empty())
            throwError(Errc::InvalidArgument,
                       "invalid options \"{}\" in --volumes-from {}: can only specify 1 'rw' or "
                       "'ro' option",
                       value.substr(colon + 1), value);
          readWrite = word;
        } else if (word != "z" && word != "Z") {
          throwError(Errc::InvalidArgument,
                     "invalid option \"{}\" in --volumes-from {}: expected ro, rw or z", word,
                     value);
        }
      }
    }
    const std::string id = store.resolve(container);
    const spec::ContainerSpec from = containerSpec(store.readConfig(id));
    auto taken = [&](const std::string& destination) {
      for (const auto* list : {&spec.volumes, &spec.mounts, &spec.tmpfs})
        for (const auto& m : *list)
          if (m.destination == destination) return true;
      return false;
    };
    for (const auto* list : {&from.mounts, &from.volumes}) {
      for (auto m : *list) {
        if (m.type != "bind" && m.type != "volume") continue;
        if (taken(m.destination)) continue;
        if (!readWrite.empty()) {
          m.options.erase(
              std::remove_if(m.options.begin(), m.options.end(),
                             [](const std::string& o) { return o == "ro" || o == "rw"; }),
              m.options.end());
          m.options.push_back(readWrite);
        }
        spec.volumes.push_back(std::move(m));
      }
    }
  }
}

void prepareMountSources(const state::StorePaths& paths, const std::string& id,
                         const spec::ContainerSpec& spec) {
  // :O and --mount type=image,rw=true: what the container wrote last time
  // is gone (Podman discards it).
  const std::size_t overlays = spec::overlayUpperCount(spec);
  const bool imageMounts = spec::hasImageMounts(spec);
  const std::string overlayDir = paths.containerDir(id) + "/overlay";
  if (overlays > 0 || imageMounts || pathExists(overlayDir)) removeAll(overlayDir);
  for (std::size_t i = 0; i < overlays; ++i) {
    makeDirs(overlayDir + "/" + std::to_string(i) + "/upper", 0755);
    makeDirs(overlayDir + "/" + std::to_string(i) + "/work", 0700);
  }
  if (imageMounts) makeDirs(overlayDir + "/empty", 0755);

  const bool chown = std::any_of(spec.volumes.begin(), spec.volumes.end(),
                                 [](const spec::MountSpec& m) { return hasOption(m, "U"); }) ||
                     std::any_of(spec.mounts.begin(), spec.mounts.end(),
                                 [](const spec::MountSpec& m) { return hasOption(m, "U"); });
  const bool secretFiles = std::any_of(spec.secrets.begin(), spec.secrets.end(),
                                       [](const spec::SecretSpec& s) { return s.type == "mount"; });
  if (!chown && !secretFiles) return;

  if (chown) {
    // The process user as the runtime spec has it: the ids inside the
    // container. Rootless, berth runs in the user namespace, so chown
    // gives the host the mapped ids, as Podman's :U does.
    const std::string specPath = runtimeSpecPath(paths, id);
    const oci::Spec runtime = oci::Spec::fromJson(readJsonFile(specPath), specPath);
    const uid_t uid = runtime.process ? runtime.process->user.uid : 0;
    const gid_t gid = runtime.process ? runtime.process->user.gid : 0;
    // Counted as spec::overlayUpperCount and the runtime spec number them.
    std::size_t overlay = 0;
    for (const auto* list : {&spec.mounts, &spec.volumes}) {
      for (const auto& m : *list) {
        const bool ownUpper = hasOption(m, "O") || (m.type == "image" && hasOption(m, "rw"));
        const std::size_t index = ownUpper ? overlay++ : 0;
        if (!hasOption(m, "U")) continue;
        // :O,U: the container's upper is chowned, as Podman does; :O
        // promises the source is never changed.
        const std::string source = ownUpper ? overlayDir + "/" + std::to_string(index) + "/upper"
                                   : m.type == "volume" ? volumeSource(paths, m).source
                                                        : m.source;
        const UniqueFd fd(::open(source.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
        if (!fd) throwErrno("open '{}' to chown it for {}", source, m.destination);
        chownTree(fd.get(), source, uid, gid);
      }
    }
  }

  if (secretFiles) {
    const state::SecretStore secrets(paths);
    const std::string dir = paths.runContainerDir(id) + "/secrets";
    makeDirs(dir, 0700);
    for (const auto& secret : spec.secrets) {
      if (secret.type != "mount") continue;
      const std::string secretId = secrets.resolve(secret.name);
      const std::string path = dir + "/" + secret.name;  // the runtime spec's bind source
      ::unlink(path.c_str());
      const UniqueFd fd = openFile(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
      writeAll(fd.get(), secrets.readData(secretId), "secret " + secret.name);
      if (::fchown(fd.get(), secret.uid, secret.gid) != 0)
        throwErrno("chown secret {} to {}:{}", secret.name, secret.uid, secret.gid);
      if (::fchmod(fd.get(), secret.mode) != 0) throwErrno("chmod secret {}", secret.name);
    }
  }
}

std::vector<std::string> secretEnvironment(const state::StorePaths& paths,
                                           const spec::ContainerSpec& spec) {
  std::vector<std::string> env;
  const state::SecretStore secrets(paths);
  for (const auto& secret : spec.secrets) {
    if (secret.type != "env") continue;
    const std::string target = secret.target.empty() ? secret.name : secret.target;
    env.push_back(target + "=" + secrets.readData(secrets.resolve(secret.name)));
  }
  return env;
}

void checkSecrets(const state::StorePaths& paths, const spec::ContainerSpec& spec) {
  const state::SecretStore secrets(paths);
  for (const auto& secret : spec.secrets)
    secrets.resolve(secret.name);
}

}  // namespace berth::engine::detail
