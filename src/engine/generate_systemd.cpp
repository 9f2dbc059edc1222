// SPDX-License-Identifier: Apache-2.0
// generate systemd: the facts of a container, handed to the unit writer.
#include <time.h>
#include <unistd.h>

#include "berth/base/error.hpp"
#include "berth/base/fs.hpp"
#include "berth/base/json.hpp"
#include "berth/engine/systemd.hpp"
#include "berth/state/pod.hpp"
#include "berth_config.h"
#include "container_internal.hpp"

namespace berth::engine {

namespace {

std::string executablePath() {
  char buffer[4096];
  const ssize_t n = ::readlink("/proc/self/exe", buffer, sizeof(buffer) - 1);
  if (n <= 0) throwErrno("readlink /proc/self/exe");
  return std::string(buffer, static_cast<std::size_t>(n));
}

systemd::ContainerFacts containerFacts(const Engine& engine, const state::ContainerStore& store,
                                       const std::string& id,
                                       const systemd::GenerateOptions& options) {
  const state::StorePaths& paths = engine.paths();
  const detail::ContainerRecord record = detail::loadContainer(store, id);
  const spec::ContainerSpec spec = detail::containerSpec(record.config);
  const Json runtime =
      readJsonFileIfExists(detail::runtimeSpecPath(paths, id)).value_or(Json::object());

  systemd::ContainerFacts facts;
  facts.id = id;
  facts.name = record.config.name;
  facts.createCommand = record.config.command;
  if (options.newContainer && facts.createCommand.empty())
    throwError(Errc::InvalidArgument,
               "cannot use --new on container \"{}\": no create command found: only works on "
               "containers created directly with berth",
               id);
  facts.environment = runtime.value("process", Json::object())
                          .value("env", Json::array())
                          .get<std::vector<std::string>>();
  facts.stopTimeout = spec.stopTimeout.value_or(10);
  facts.runRoot = paths.runRoot;
  facts.monitorPidFile = paths.runContainerDir(id) + "/monitor.pid";
  facts.executable = executablePath();
  facts.version = BERTH_VERSION;
  if (!options.noHeader) facts.timestamp = systemd::unixDate(::time(nullptr));
  return facts;
}

// Podman's PodUnits: the pod's unit, then one per member bound to it.
std::vector<systemd::Unit> podUnits(const Engine& engine, const std::string& podId,
                                    const systemd::GenerateOptions& options) {
  const state::StorePaths& paths = engine.paths();
  const state::PodConfig pod = state::PodStore(paths).read(podId);
  if (options.templateUnit)
    throwError(Errc::InvalidArgument, "--template is not supported for pods");
  if (pod.infraId.empty())
    throwError(Errc::InvalidArgument,
               "error generating systemd unit files: Pod \"{}\" has no infra container", pod.name);
  state::ContainerStore store(paths);
  systemd::PodFacts facts;
  facts.id = pod.id;
  facts.name = pod.name;
  facts.createCommand = pod.createCommand;
  if (options.newContainer && facts.createCommand.empty())
    throwError(Errc::InvalidArgument, "cannot use --new on pod \"{}\": no create command found",
               pod.id);
  const systemd::ContainerFacts infra = containerFacts(engine, store, pod.infraId, {});
  facts.infraId = infra.id;
  facts.infraName = infra.name;
  facts.stopTimeout = infra.stopTimeout;
  facts.runRoot = paths.runRoot;
  facts.infraPidFile = infra.monitorPidFile;
  facts.executable = infra.executable;
  facts.version = BERTH_VERSION;
  if (!options.noHeader) facts.timestamp = systemd::unixDate(::time(nullptr));
  const std::string podService = systemd::podServiceName(facts, options);

  std::vector<systemd::Unit> units;
  for (const auto& id : engine.podContainers(pod.id)) {
    if (id == pod.infraId) continue;
    systemd::ContainerFacts member = containerFacts(engine, store, id, options);
    member.podService = podService;
    if (options.newContainer) member.podIdFile = "%t/" + podService + ".pod-id";
    units.push_back(systemd::containerUnit(member, options));
    facts.memberServices.push_back(units.back().name);
  }
  units.insert(units.begin(), systemd::podUnit(facts, options));
  return units;
}

}  // namespace

std::vector<systemd::Unit> generateSystemd(const Engine& engine, const std::string& nameOrId,
                                           const systemd::GenerateOptions& options) {
  state::ContainerStore store(engine.paths());
  std::string id;
  try {
    id = store.resolve(nameOrId);
  } catch (const Error& error) {
    if (error.kind() != Errc::NoSuchContainer) throw;
    std::string podId;
    try {
      podId = engine.resolvePod(nameOrId);
    } catch (const Error& podError) {
      if (podError.kind() != Errc::NoSuchObject) throw;
      // Podman looks for a container, then a pod, and names both failures.
      throwError(Errc::NoSuchContainer,
                 "{} does not refer to a container or pod: no pod with name or ID {} found: no "
                 "such pod: {}",
                 nameOrId, nameOrId, error.message());
    }
    return podUnits(engine, podId, options);
  }
  return {systemd::containerUnit(containerFacts(engine, store, id, options), options)};
}

systemd::Unit generateQuadlet(const Engine& engine, const std::string& nameOrId) {
  state::ContainerStore store(engine.paths());
  std::string id;
  try {
    id = store.resolve(nameOrId);
  } catch (const Error& error) {
    if (error.kind() != Errc::NoSuchContainer) throw;
    // Then a pod, a volume, a network, as Podman looks them up.
    try {
      const state::PodConfig pod =
          state::PodStore(engine.paths()).read(engine.resolvePod(nameOrId));
      return systemd::quadletPodFile(pod.name, pod.createCommand);
    } catch (const Error& podError) {
      if (podError.kind() != Errc::NoSuchObject) throw;
    }
    try {
      return systemd::quadletVolumeFile(nameOrId, engine.inspectVolume(nameOrId));
    } catch (const Error&) {
    }
    try {
      return systemd::quadletNetworkFile(engine.inspectNetwork(nameOrId));
    } catch (const Error&) {
      throwError(Errc::NoSuchContainer,
                 "{} does not refer to a container, pod, volume or network: {}", nameOrId,
                 error.message());
    }
  }
  const detail::ContainerRecord record = detail::loadContainer(store, id);
  std::string pod;
  if (const std::string podId = record.config.extra.value("pod", ""); !podId.empty())
    pod = state::PodStore(engine.paths()).read(podId).name;
  return systemd::quadletContainerFile(record.config.name, record.config.command, pod);
}

std::vector<std::string> writeUnitFiles(const std::vector<systemd::Unit>& units,
                                        const std::string& directory) {
  std::vector<std::string> paths;
  for (const auto& unit : units) {
    paths.push_back(directory + "/" + unit.name + ".service");
    writeFileAtomic(paths.back(), unit.content, 0644, false);
  }
  return paths;
}

}  // namespace berth::engine
