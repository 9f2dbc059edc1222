// SPDX-License-Identifier: Apache-2.0
#include "berth/state/container_store.hpp"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "berth/base/error.hpp"
#include "berth/base/fs.hpp"
#include "berth/base/ids.hpp"
#include "berth/base/json.hpp"
#include "berth/base/scope_exit.hpp"

namespace berth::state {

namespace {

constexpr std::string_view kHiddenPrefix = ".creating-";

std::string quoteList(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += ", ";
    out += item;
  }
  return out;
}

// config.json without the spec, which lives in spec.json: listings read
// config.json alone, so it stays small. It keeps spec.rm as "autoRemove".
Json configRecord(const ContainerConfig& config) {
  Json json = config.toJson();
  json.erase("spec");
  json["autoRemove"] = config.spec.is_object() && config.spec.value("rm", false);
  return json;
}

}  // namespace

ContainerStore::ContainerStore(StorePaths paths)
    : paths_(std::move(paths)),
      names_("container", paths_.containerNamesDir(), paths_.containersDir(),
             paths_.locksDir() + "/container-names.lock") {}

std::string ContainerStore::configPath(const std::string& id) const {
  return paths_.containerDir(id) + "/config.json";
}

std::string ContainerStore::statePath(const std::string& id) const {
  return paths_.containerDir(id) + "/state.json";
}

bool ContainerStore::exists(std::string_view id) const {
  return isFullId(id) && pathExists(paths_.containerDir(std::string(id)));
}

void ContainerStore::create(const ContainerConfig& config, const ContainerState& initial,
                            const std::vector<std::pair<std::string, std::string>>& files,
                            bool durable) {
  // Not durable: nothing is fsynced (a --rm container is not worth the
  // milliseconds; after a crash it is gone or half there, and rm clears it).
  const auto sync = [durable](const std::string& path) {
    if (durable) syncPath(path);
  };
  validateContainerName(config.name);
  if (!isFullId(config.id))
    throwError(Errc::InvalidArgument, "container id \"{}\" is not 64 hex characters", config.id);
  FileLock registryLock = names_.lock();
  if (exists(config.id))
    throwError(Errc::AlreadyExists, "container id {} is already in use", config.id);
  names_.reserve(config.name, config.id);
  ScopeExit releaseName([&] { names_.release(config.name, config.id); });

  const std::string hidden = paths_.containersDir() + "/" + std::string(kHiddenPrefix) + config.id;
  if (::mkdir(hidden.c_str(), 0700) != 0) throwErrno("mkdir '{}'", hidden);
  ScopeExit removeHidden([&] {
    try {
      removeAll(hidden);
    } catch (...) {
    }
  });
  // Nobody sees the hidden directory: the records go in place, each
  // synced before the rename makes them visible together.
  const auto record = [&](const std::string& name, std::string_view content) {
    writeFile(hidden + "/" + name, content, 0600, durable);
  };
  record("config.json", configRecord(config).dump() + "\n");
  record("spec.json", config.spec.dump() + "\n");
  record("state.json", initial.toJson().dump() + "\n");
  for (const auto& [name, content] : files)
    record(name, content);
  // Then the rename itself is made durable with the parent directory.
  sync(hidden);
  const std::string final = paths_.containerDir(config.id);
  if (::rename(hidden.c_str(), final.c_str()) != 0)
    throwErrno("rename '{}' to '{}'", hidden, final);
  removeHidden.dismiss();
  releaseName.dismiss();
  sync(paths_.containersDir());
}

std::string ContainerStore::resolve(std::string_view idOrName) const {
  if (idOrName.empty()) throwError(Errc::InvalidArgument, "container name or ID cannot be empty");
  if (exists(idOrName)) return std::string(idOrName);
  if (auto id = names_.lookup(idOrName); id && exists(*id)) return *id;
  if (isIdPrefix(idOrName)) {
    std::vector<std::string> matches;
    for (auto& id : listIds())
      if (id.compare(0, idOrName.size(), idOrName) == 0) matches.push_back(std::move(id));
    if (matches.size() == 1) return matches.front();
    if (matches.size() > 1) {
      std::sort(matches.begin(), matches.end());
      throwError(Errc::InvalidArgument, "more than one container matches ID prefix \"{}\": {}",
                 idOrName, quoteList(matches));
    }
  }
  throwError(Errc::NoSuchContainer, "no container with name or ID \"{}\" found: no such container",
             idOrName);
}

std::vector<std::string> ContainerStore::listIds() const {
  std::vector<std::string> ids;
  DIR* dir = ::opendir(paths_.containersDir().c_str());
  if (dir == nullptr) {
    if (errno == ENOENT) return ids;
    throwErrno("open '{}'", paths_.containersDir());
  }
  ScopeExit closeDir([dir] { ::closedir(dir); });
  while (dirent* entry = ::readdir(dir)) {
    if (isFullId(entry->d_name)) ids.emplace_back(entry->d_name);
  }
  return ids;
}

ContainerConfig ContainerStore::readConfig(const std::string& id) const {
  const std::string path = configPath(id);
  auto json = readJsonFileIfExists(path);
  if (!json)
    throwError(Errc::NoSuchContainer,
               "no container with name or ID \"{}\" found: no such container", id);
  if (json->is_object()) json->erase("autoRemove");
  ContainerConfig config = ContainerConfig::fromJson(std::move(*json), path);
  // Records written before spec.json existed carry the spec inline.
  if (auto spec = readJsonFileIfExists(paths_.containerDir(id) + "/spec.json")) {
    config.spec = std::move(*spec);
    config.extra.erase("spec");
  }
  return config;
}

ContainerState ContainerStore::readState(const std::string& id) const {
  const std::string path = statePath(id);
  auto json = readJsonFileIfExists(path);
  if (!json)
    throwError(Errc::NoSuchContainer,
               "no container with name or ID \"{}\" found: no such container", id);
  return ContainerState::fromJson(*json, path);
}

void ContainerStore::writeState(const std::string& id, const ContainerState& state,
                                bool durable) const {
  // `state` carries the record it was read from (extra), so fields a newer
  // berth wrote survive this rewrite.
  writeJsonFileAtomic(statePath(id), state.toJson(), durable, 0600);
}

FileLock ContainerStore::lock(const std::string& id) const {
  return FileLock(paths_.locksDir() + "/" + id + ".lock");
}

void ContainerStore::remove(const std::string& id) const {
  std::optional<std::string> name;
  if (auto json = readJsonFileIfExists(configPath(id)); json && json->contains("name"))
    name = (*json)["name"].get<std::string>();
  // Hide first (one rename), so a crash half-way through the delete never
  // leaves a container that looks alive but has lost files.
  const std::string dir = paths_.containerDir(id);
  const std::string doomed = paths_.containersDir() + "/.removing-" + id;
  if (::rename(dir.c_str(), doomed.c_str()) != 0 && errno != ENOENT)
    throwErrno("rename '{}' to '{}'", dir, doomed);
  if (name) names_.release(*name, id);
  ::unlink((paths_.locksDir() + "/" + id + ".lock").c_str());
  // Deleted in the background: gone for every reader already, and
  // deleting it is most of the time of a `run --rm` on a filesystem that
  // discards freed blocks synchronously. Trees a killed remover left a
  // minute or more ago go with it.
  removeRenamed(paths_.containersDir(), ".removing-", doomed);
}

void ContainerStore::writeConfig(const ContainerConfig& config) const {
  writeJsonFileAtomic(paths_.containerDir(config.id) + "/spec.json", config.spec, true, 0600);
  writeJsonFileAtomic(configPath(config.id), configRecord(config), true, 0600);
}

void ContainerStore::rename(const std::string& id, std::string_view newName) const {
  validateContainerName(newName);
  ContainerConfig config = readConfig(id);
  if (config.name == newName) return;
  FileLock registryLock = names_.lock();
  names_.reserve(newName, id);
  ScopeExit releaseNew([&] { names_.release(newName, id); });
  const std::string oldName = config.name;
  config.name = std::string(newName);
  writeJsonFileAtomic(configPath(id), configRecord(config), true, 0600);
  releaseNew.dismiss();
  names_.release(oldName, id);
}

}  // namespace berth::state
