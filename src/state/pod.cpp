// SPDX-License-Identifier: Apache-2.0
#include "berth/state/pod.hpp"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "berth/base/error.hpp"
#include "berth/base/fs.hpp"
#include "berth/base/ids.hpp"
#include "berth/base/scope_exit.hpp"

namespace berth::state {

namespace {

template <class T>
T get(const Json& json, const char* key, T fallback, std::string_view what) {
  const auto it = json.find(key);
  if (it == json.end() || it->is_null()) return fallback;
  try {
    return it->get<T>();
  } catch (const Json::exception&) {
    throwError(Errc::InvalidArgument, "{}: field \"{}\" has the wrong type", what, key);
  }
}

[[noreturn]] void noSuchPod(std::string_view idOrName) {
  throwError(Errc::NoSuchObject, "no pod with name or ID {} found: no such pod", idOrName);
}

}  // namespace

bool PodConfig::shares(std::string_view ns) const {
  return std::find(sharedNamespaces.begin(), sharedNamespaces.end(), ns) != sharedNamespaces.end();
}

Json PodConfig::toJson() const {
  Json json = extra.is_object() ? extra : Json::object();
  json["version"] = kPodConfigVersion;
  json["id"] = id;
  json["name"] = name;
  json["created"] = createdNs;
  json["createCommand"] = createCommand;
  json["labels"] = labels;
  json["hostname"] = hostname;
  json["sharedNamespaces"] = sharedNamespaces;
  json["createInfra"] = createInfra;
  json["infraId"] = infraId;
  json["exitPolicy"] = exitPolicy;
  json["ports"] = ports.is_array() ? ports : Json::array();
  json["network"] = network;
  json["cgroupParent"] = cgroupParent;
  return json;
}

PodConfig PodConfig::fromJson(const Json& json, std::string_view what) {
  if (!json.is_object()) throwError(Errc::InvalidArgument, "{}: not a JSON object", what);
  const int version = json.value("version", 0);
  if (version > kPodConfigVersion)
    throwError(Errc::InvalidArgument,
               "{}: schema version {} is newer than this berth understands ({})", what, version,
               kPodConfigVersion);
  PodConfig config;
  config.id = get<std::string>(json, "id", "", what);
  config.name = get<std::string>(json, "name", "", what);
  if (config.id.empty() || config.name.empty())
    throwError(Errc::InvalidArgument, "{}: the record has no id or name", what);
  config.createdNs = get<std::int64_t>(json, "created", 0, what);
  config.createCommand = get<std::vector<std::string>>(json, "createCommand", {}, what);
  config.labels = get<std::map<std::string, std::string>>(json, "labels", {}, what);
  config.hostname = get<std::string>(json, "hostname", "", what);
  config.sharedNamespaces = get<std::vector<std::string>>(json, "sharedNamespaces", {}, what);
  config.createInfra = get<bool>(json, "createInfra", true, what);
  config.infraId = get<std::string>(json, "infraId", "", what);
  config.exitPolicy = get<std::string>(json, "exitPolicy", "continue", what);
  config.ports = get<Json>(json, "ports", Json::array(), what);
  if (!config.ports.is_array())
    throwError(Errc::InvalidArgument, "{}: field \"ports\" has the wrong type", what);
  config.network = get<std::string>(json, "network", "", what);
  config.cgroupParent = get<std::string>(json, "cgroupParent", "", what);
  config.extra = json;
  return config;
}

std::string podStatus(const std::vector<ContainerStatus>& members) {
  if (members.empty()) return "Created";
  std::size_t stopped = 0, running = 0, paused = 0, errored = 0;
  for (const ContainerStatus status : members) {
    switch (status) {
      case ContainerStatus::Exited:
      case ContainerStatus::Stopped:
        ++stopped;
        break;
      case ContainerStatus::Running:
        ++running;
        break;
      case ContainerStatus::Paused:
        ++paused;
        break;
      case ContainerStatus::Created:
      case ContainerStatus::Configured:
        break;
      default:
        ++errored;
    }
  }
  const std::size_t n = members.size();
  if (running == n) return "Running";
  if (running > 0) return "Degraded";
  if (paused == n) return "Paused";
  if (stopped == n) return "Exited";
  if (stopped > 0) return "Stopped";
  if (errored > 0) return "Error";
  return "Created";
}

PodStore::PodStore(StorePaths paths)
    : paths_(std::move(paths)),
      names_("pod", paths_.podNamesDir(), paths_.podsDir(), paths_.locksDir() + "/pod-names.lock") {
}

std::string PodStore::dir(const std::string& id) const {
  return paths_.podDir(id);
}

bool PodStore::exists(std::string_view id) const {
  return isFullId(id) && pathExists(dir(std::string(id)) + "/pod.json");
}

void PodStore::create(const PodConfig& config) {
  validateContainerName(config.name);
  if (!isFullId(config.id))
    throwError(Errc::InvalidArgument, "pod id \"{}\" is not 64 hex characters", config.id);
  makeDirs(paths_.podsDir(), 0700);
  makeDirs(paths_.podNamesDir(), 0700);
  makeDirs(paths_.locksDir(), 0700);
  FileLock registryLock = names_.lock();
  if (exists(config.id)) throwError(Errc::AlreadyExists, "pod id {} is already in use", config.id);
  names_.reserve(config.name, config.id);
  ScopeExit releaseName([&] { names_.release(config.name, config.id); });
  const std::string hidden = paths_.podsDir() + "/.creating-" + config.id;
  if (::mkdir(hidden.c_str(), 0700) != 0) throwErrno("mkdir '{}'", hidden);
  ScopeExit removeHidden([&] {
    try {
      removeAll(hidden);
    } catch (...) {
    }
  });
  writeFile(hidden + "/pod.json", config.toJson().dump() + "\n", 0600, true);
  syncPath(hidden);
  const std::string final = dir(config.id);
  if (::rename(hidden.c_str(), final.c_str()) != 0)
    throwErrno("rename '{}' to '{}'", hidden, final);
  removeHidden.dismiss();
  releaseName.dismiss();
  syncPath(paths_.podsDir());
}

std::string PodStore::resolve(std::string_view idOrName) const {
  if (idOrName.empty()) throwError(Errc::InvalidArgument, "pod name or ID cannot be empty");
  if (exists(idOrName)) return std::string(idOrName);
  if (auto id = names_.lookup(idOrName); id && exists(*id)) return *id;
  if (isIdPrefix(idOrName)) {
    std::vector<std::string> matches;
    for (auto& id : listIds())
      if (id.compare(0, idOrName.size(), idOrName) == 0) matches.push_back(std::move(id));
    if (matches.size() == 1) return matches.front();
    if (matches.size() > 1)
      throwError(Errc::InvalidArgument, "more than one result for pod ID {}", idOrName);
  }
  noSuchPod(idOrName);
}

std::vector<std::string> PodStore::listIds() const {
  std::vector<std::string> ids;
  DIR* d = ::opendir(paths_.podsDir().c_str());
  if (d == nullptr) {
    if (errno == ENOENT) return ids;
    throwErrno("open '{}'", paths_.podsDir());
  }
  ScopeExit closeDir([d] { ::closedir(d); });
  while (dirent* entry = ::readdir(d))
    if (isFullId(entry->d_name)) ids.emplace_back(entry->d_name);
  return ids;
}

PodConfig PodStore::read(const std::string& id) const {
  const std::string path = dir(id) + "/pod.json";
  auto json = readJsonFileIfExists(path);
  if (!json) noSuchPod(id);
  return PodConfig::fromJson(*json, path);
}

void PodStore::write(const PodConfig& config) const {
  writeJsonFileAtomic(dir(config.id) + "/pod.json", config.toJson(), true, 0600);
}

FileLock PodStore::lock(const std::string& id) const {
  makeDirs(paths_.locksDir(), 0700);
  return FileLock(paths_.locksDir() + "/pod-" + id + ".lock");
}

void PodStore::remove(const std::string& id) const {
  std::optional<std::string> name;
  if (auto json = readJsonFileIfExists(dir(id) + "/pod.json"); json && json->contains("name"))
    name = (*json)["name"].get<std::string>();
  const std::string doomed = paths_.podsDir() + "/.removing-" + id;
  if (::rename(dir(id).c_str(), doomed.c_str()) != 0 && errno != ENOENT)
    throwErrno("rename '{}' to '{}'", dir(id), doomed);
  if (name) names_.release(*name, id);
  removeAll(doomed);
  ::unlink((paths_.locksDir() + "/pod-" + id + ".lock").c_str());
}

}  // namespace berth::state
