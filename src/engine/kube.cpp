// SPDX-License-Identifier: Apache-2.0
// kube generate, play and down: src/kube converts, this reads the store
// and applies the plan.
#include <sys/stat.h>

#include <algorithm>
#include <ctime>
#include <exception>
#include <optional>
#include <thread>

#include <fmt/format.h>

#include "berth/base/error.hpp"
#include "berth/base/fs.hpp"
#include "berth/base/scope_exit.hpp"
#include "berth/engine/engine.hpp"
#include "berth/image/store.hpp"
#include "berth/kube/generate.hpp"
#include "berth/kube/play.hpp"
#include "berth/kube/yaml_parse.hpp"
#include "berth/oci/image_config.hpp"
#include "berth/spec/parse.hpp"
#include "berth/spec/ports.hpp"
#include "berth/state/container_store.hpp"
#include "berth/state/pod.hpp"
#include "berth/state/secret_store.hpp"
#include "berth/state/volume_store.hpp"
#include "berth_config.h"
#include "container_internal.hpp"

namespace berth::engine {
namespace {

std::string hostPathKind(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return "";
  if (S_ISDIR(st.st_mode)) return "Directory";
  if (S_ISREG(st.st_mode)) return "File";
  return "Other";
}

std::string utcSeconds() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&now, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

/// The id of the container named exactly `name`, "" when there is none.
std::string containerNamed(const state::ContainerStore& store, const std::string& name) {
  try {
    const std::string id = store.resolve(name);
    return store.readConfig(id).name == name ? id : "";
  } catch (const Error& e) {
    if (e.kind() == Errc::NoSuchContainer) return "";
    throw;
  }
}

/// The id of the pod named exactly `name`, "" when there is none.
std::string podNamed(const state::StorePaths& paths, const std::string& name) {
  const state::PodStore pods(paths);
  for (const auto& id : pods.listIds()) {
    try {
      if (pods.read(id).name == name) return id;
    } catch (const Error&) {
      // removed meanwhile
    }
  }
  return "";
}

}  // namespace

std::string Engine::generateKube(const KubeGenerateRequest& request) const {
  kube::GenerateRequest gen;
  gen.type = request.type;
  gen.replicas = request.replicas;
  gen.service = request.service;
  gen.version = BERTH_VERSION;
  gen.creationTimestamp = utcSeconds();
  state::ContainerStore store(paths_);
  image::ImageStore images(paths_);
  // A name is a container's, else a pod's: a pod gives its non-infra
  // containers, with the pod's name, labels, hostname and ports.
  std::vector<std::string> ids;
  std::optional<state::PodConfig> pod;
  for (const auto& name : request.names) {
    try {
      ids.push_back(store.resolve(name));
      continue;
    } catch (const Error& e) {
      if (e.kind() != Errc::NoSuchContainer || !podExists(name)) throw;
    }
    if (request.names.size() > 1)
      throwError(Errc::InvalidArgument,
                 "{} is a pod: generate YAML for one pod, or for containers, at a time", name);
    const state::PodStore pods(paths_);
    pod = pods.read(pods.resolve(name));
    for (const auto& id : podContainers(pod->id))
      if (id != pod->infraId) ids.push_back(id);
    if (ids.empty())
      throwError(Errc::InvalidArgument, "pod {} has no containers to generate YAML for", pod->name);
    gen.podName = pod->name;
    gen.podLabels = pod->labels;
    gen.hostname = pod->hostname;
  }
  for (const auto& id : ids) {
    const detail::ContainerRecord record = detail::loadContainer(store, id);
    kube::GenerateContainer ctr;
    ctr.name = record.config.name;
    ctr.imageName = record.config.imageName;
    ctr.spec = detail::containerSpec(record.config);
    if (auto found = images.lookup(record.config.imageId))
      ctr.image =
          oci::ImageConfig::fromJson(images.readConfig(*found), "the image configuration").config;
    for (const auto* list : {&ctr.spec.volumes, &ctr.spec.mounts})
      for (const auto& mount : *list)
        if (mount.type == "bind") ctr.hostPathTypes[mount.source] = hostPathKind(mount.source);
    if (pod) {
      // The pod's ports are its infra's: Podman lists them on the first container.
      ctr.spec.ports.clear();
      if (gen.containers.empty() && !pod->infraId.empty())
        ctr.spec.ports =
            detail::containerSpec(detail::loadContainer(store, pod->infraId).config).ports;
    }
    gen.containers.push_back(std::move(ctr));
  }
  return kube::generateKube(gen);
}

Engine::KubePlayReport Engine::playKube(const KubePlayRequest& request) const {
  const std::vector<Json> documents = kube::parseYamlDocuments(request.text, request.what);
  kube::PlanOptions options;
  for (const auto& file : request.configMapFiles) {
    std::vector<Json> maps = kube::parseYamlDocuments(readFile(file), file);
    options.configMaps.insert(options.configMaps.end(), maps.begin(), maps.end());
  }
  if (!request.network.empty()) options.network = spec::parseNetworkMode(request.network);
  for (const auto& publish : request.publish) {
    const auto mappings = spec::parsePublish(publish);
    options.publish.insert(options.publish.end(), mappings.begin(), mappings.end());
  }
  if (!request.logDriver.empty()) options.logDriver = spec::parseLogDriver(request.logDriver);
  options.hostPathKind = hostPathKind;
  const kube::Plan plan = kube::planKube(documents, options);

  enterUserNamespace();
  state::prepareStore(paths_);
  state::ContainerStore store(paths_);
  const state::SecretStore secrets(paths_);
  const state::VolumeStore volumeStore(paths_);

  // Checks first: nothing is made when a name is taken.
  if (request.replace) {
    downKube(request.text, request.what, /*force=*/false);
  } else {
    for (const auto& pod : plan.pods) {
      if (!podNamed(paths_, pod.name).empty())
        throwError(Errc::AlreadyExists,
                   "{}: the pod name \"{}\" is already in use: use --replace or kube down",
                   request.what, pod.name);
      for (const auto& ctr : pod.containers)
        if (!containerNamed(store, ctr.spec.name).empty())
          throwError(Errc::AlreadyExists,
                     "{}: the container name \"{}\" is already in use: use --replace or kube down",
                     request.what, ctr.spec.name);
    }
    for (const auto& secret : plan.secrets)
      if (secrets.exists(secret.name))
        throwError(Errc::AlreadyExists, "{}: secret \"{}\": secret name in use", request.what,
                   secret.name);
  }

  KubePlayReport report;
  report.warnings = plan.warnings;
  std::vector<std::string> madePods, madeVolumes, madeSecrets;
  ScopeExit undo([&] {
    for (auto it = madePods.rbegin(); it != madePods.rend(); ++it) {
      try {
        removePod(*it, true, 0u);
      } catch (const Error&) {
      }
    }
    for (const auto& name : madeSecrets) {
      try {
        removeSecret(name);
      } catch (const Error&) {
      }
    }
    if (!madeVolumes.empty()) {
      try {
        removeVolumes(madeVolumes, true, false, 0u);
      } catch (const Error&) {
      }
    }
  });

  for (const auto& secret : plan.secrets) {
    SecretCreateRequest create;
    create.name = secret.name;
    create.data = secret.data;
    createSecret(create);
    madeSecrets.push_back(secret.name);
  }
  for (const auto& volume : plan.volumes) {
    if (volume.files.empty() && volumeStore.exists(volume.name)) {
      report.volumes.push_back(volume.name);  // a claim the volume already serves
      continue;
    }
    if (!volume.files.empty() && volumeStore.exists(volume.name))
      removeVolumes({volume.name}, true, false, 0u);
    VolumeCreateRequest create;
    create.name = volume.name;
    for (const auto& [key, value] : volume.labels)
      create.labels.push_back(key + "=" + value);
    createVolume(create);
    madeVolumes.push_back(volume.name);
    for (const auto& [file, content] : volume.files)
      writeFile(volumeStore.dataPath(volume.name) + "/" + file, content, 0644);
    report.volumes.push_back(volume.name);
  }
  for (const auto& pod : plan.pods) {
    for (const auto& dir : pod.hostDirectories)
      makeDirs(dir);
    PodCreateRequest podRequest;
    podRequest.name = pod.name;
    podRequest.labels = pod.labels;
    podRequest.hostname = pod.hostname.empty() ? pod.name : pod.hostname;
    podRequest.ports = pod.ports;
    podRequest.network = pod.network;
    podRequest.commandLine = {"berth", "kube", "play", request.what};
    KubePlayReport::Pod madePod;
    madePod.id = createPod(podRequest);
    madePods.push_back(madePod.id);
    for (const auto& ctr : pod.containers) {
      CreateRequest create;
      create.spec = ctr.spec;
      create.spec.pod = madePod.id;
      create.pull = ctr.pullPolicy;
      create.pullProgress = request.pullProgress;
      create.commandLine = {"berth", "kube", "play", request.what};
      madePod.containers.push_back(createContainer(create));
    }
    report.pods.push_back(std::move(madePod));
  }
  if (request.start) {
    for (const auto& id : madePods) {
      const PodReport started = startPod(id);
      if (!started.errors.empty())
        throwError(Errc::InvalidState, "starting pod {}: {}", id, started.errors.front());
    }
  }
  undo.dismiss();
  return report;
}

Engine::KubeDownReport Engine::downKube(const std::string& text, const std::string& what,
                                        bool force) const {
  const kube::DownTargets targets = kube::downTargets(kube::parseYamlDocuments(text, what));
  KubeDownReport report;
  enterUserNamespace();  // before the threads below
  // Podman's kube down: pod stop with a timeout of 0 (each pod's
  // containers in parallel: SIGTERM, then SIGKILL at once), then pod rm.
  std::vector<std::string> podIds;
  for (const auto& name : targets.pods) {
    const std::string id = podNamed(paths_, name);
    if (!id.empty() && std::find(podIds.begin(), podIds.end(), id) == podIds.end())
      podIds.push_back(id);
  }
  std::vector<std::thread> stoppers;
  std::vector<std::exception_ptr> failures(podIds.size());
  for (std::size_t i = 0; i < podIds.size(); ++i)
    stoppers.emplace_back([this, &podIds, &failures, i] {
      try {
        stopPod(podIds[i], 0u);
      } catch (...) {
        failures[i] = std::current_exception();
      }
    });
  for (auto& thread : stoppers)
    thread.join();
  for (const auto& failure : failures)
    if (failure) std::rethrow_exception(failure);
  for (const auto& id : podIds) {
    const std::vector<std::string> members = podContainers(id);
    const PodReport removed = removePod(id, true, 0u);
    if (!removed.errors.empty())
      throwError(Errc::InvalidState, "removing pod {}: {}", id, removed.errors.front());
    report.pods.push_back(id);
    report.containers.insert(report.containers.end(), members.begin(), members.end());
  }
  // Containers of these names outside a pod (made by an older berth).
  state::ContainerStore store(paths_);
  for (const auto& name : targets.containers) {
    const std::string id = containerNamed(store, name);
    if (id.empty()) continue;
    removeContainer(id, true, 0u);
    report.containers.push_back(id);
  }
  const state::SecretStore secrets(paths_);
  for (const auto& name : targets.secrets) {
    if (!secrets.exists(name)) continue;
    removeSecret(name);
    report.secrets.push_back(name);
  }
  if (force) {
    const state::VolumeStore volumes(paths_);
    for (const auto& name : targets.volumes) {
      if (!volumes.exists(name)) continue;
      const RemoveVolumesReport removed = removeVolumes({name}, true, false, std::nullopt);
      report.volumes.insert(report.volumes.end(), removed.removed.begin(), removed.removed.end());
    }
  }
  return report;
}

}  // namespace berth::engine
