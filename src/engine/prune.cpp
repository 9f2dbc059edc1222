// SPDX-License-Identifier: Apache-2.0
// container prune and system prune: what is unused goes, in Podman's order
// (containers first, so that the volumes and images they held are unused
// when their turn comes).
#include <algorithm>
#include <string>

#include "berth/base/error.hpp"
#include "berth/engine/engine.hpp"
#include "berth/state/volume_store.hpp"
#include "container_internal.hpp"

namespace berth::engine {

Engine::PruneReport Engine::pruneContainers() const {
  PruneReport report;
  for (const auto& container : listContainers(true, {})) {
    const std::string state = container["State"].get<std::string>();
    // An infra container goes with its pod (pod prune), not alone.
    if (state == "running" || state == "paused" || container.value("IsInfra", false)) continue;
    const std::string id = container["Id"].get<std::string>();
    const std::int64_t bytes = detail::treeSize(paths_.containerDir(id) + "/upper");
    try {
      removeContainer(id, false, std::nullopt);
      report.removed.push_back(id);
      report.reclaimedBytes += bytes;
    } catch (const Error& e) {
      // A container started or removed meanwhile is not an error of ours.
      if (e.kind() == Errc::NoSuchContainer) continue;
      report.errors.push_back(e.what());
    }
  }
  return report;
}

Engine::SystemPruneReport Engine::pruneSystem(bool all, bool volumes) const {
  SystemPruneReport report;
  report.containers = pruneContainers();
  // Pods none of whose containers run; their infra containers go with them.
  report.pods.removed = prunePods();
  // Volumes and images are measured as a whole before and after: what the
  // removed ones held is the difference (blobs and layers are shared
  // between images, so a per-image sum would count them twice).
  if (volumes) {
    // A volume's size is its data, as Podman counts it.
    const state::VolumeStore store(paths_);
    const auto dataBytes = [&store] {
      std::int64_t total = 0;
      for (const auto& name : store.list())
        total += detail::treeSize(store.dataPath(name));
      return total;
    };
    const std::int64_t before = dataBytes();
    report.volumes.removed = pruneVolumes({});
    report.volumes.reclaimedBytes = std::max<std::int64_t>(0, before - dataBytes());
  }
  const auto imageBytes = [this] {
    return detail::treeSize(paths_.imagesDir()) + detail::treeSize(paths_.layersDir());
  };
  const std::int64_t before = imageBytes();
  report.images.removed = pruneImages(all);
  report.images.reclaimedBytes = std::max<std::int64_t>(0, before - imageBytes());
  report.networks.removed = pruneNetworks({});
  return report;
}

}  // namespace berth::engine
