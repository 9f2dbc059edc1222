// SPDX-License-Identifier: Apache-2.0
// `berth version` and `berth info`: facts about the build, the host and the
// store, gathered without running any helper program (Podman runs
// `conmon --version` and friends on every call; we only look them up).
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "berth/base/error.hpp"
#include "berth/base/fs.hpp"
#include "berth/engine/engine.hpp"
#include "berth/engine/host.hpp"
#include "berth/runtime/graph_driver.hpp"
#include "berth/runtime/subid.hpp"
#include "berth/state/container_store.hpp"
#include "berth_config.h"

namespace berth::engine {

namespace {

constexpr const char* kDefaultCapabilities =
    "CAP_CHOWN,CAP_DAC_OVERRIDE,CAP_FOWNER,CAP_FSETID,CAP_KILL,CAP_NET_BIND_SERVICE,"
    "CAP_SETFCAP,CAP_SETGID,CAP_SETPCAP,CAP_SETUID,CAP_SYS_CHROOT";

Json idMapJson(const std::vector<runtime::IdMapEntry>& map) {
  Json out = Json::array();
  for (const auto& entry : map)
    out.push_back(
        {{"container_id", entry.containerId}, {"host_id", entry.hostId}, {"size", entry.size}});
  return out;
}

std::string uptimeText(long seconds) {
  return fmt::format("{}h {}m {}.00s", seconds / 3600, (seconds % 3600) / 60, seconds % 60);
}

/// statvfs of the path, or of its nearest existing ancestor (the store may
/// not exist yet).
struct statvfs statNearest(std::string path) {
  struct statvfs st {};
  while (::statvfs(path.c_str(), &st) != 0) {
    if (path == "/" || path.empty()) return st;
    path = dirName(path);
  }
  return st;
}

Json containerCounts(const state::StorePaths& paths) {
  state::ContainerStore store(paths);
  int total = 0, paused = 0, running = 0, stopped = 0;
  for (const auto& id : store.listIds()) {
    ++total;
    switch (store.readState(id).status) {
      case state::ContainerStatus::Paused:
        ++paused;
        break;
      case state::ContainerStatus::Running:
        ++running;
        break;
      default:
        ++stopped;
    }
  }
  return {{"number", total}, {"paused", paused}, {"running", running}, {"stopped", stopped}};
}

/// Podman's store.graphOptions: the overlay driver's mount_program when it
/// is fuse-overlayfs (Package as Podman says when it cannot tell).
Json graphOptionsJson(const runtime::GraphDriverInfo& graph) {
  Json options = Json::object();
  if (graph.driver == runtime::RootfsDriver::FuseOverlayfs)
    options["overlay.mount_program"] = {{"Executable", graph.mountProgram},
                                        {"Package", "Unknown"},
                                        {"Version", graph.mountProgramVersion}};
  return options;
}

/// Podman's store.graphStatus: the overlay driver's Status(); vfs has none.
Json graphStatusJson(const runtime::GraphDriverInfo& graph) {
  Json status = Json::object();
  if (graph.driver == runtime::RootfsDriver::Vfs) return status;
  status["Backing Filesystem"] = graph.backingFilesystem;
  status["Native Overlay Diff"] = graph.driver == runtime::RootfsDriver::Overlay ? "true" : "false";
  status["Supports d_type"] = "true";  // overlay does not mount without it
  status["Using metacopy"] = "false";
  return status;
}

}  // namespace

Json Engine::version() const {
  Json client;
  client["APIVersion"] = BERTH_VERSION;
  client["Version"] = BERTH_VERSION;
  client["CompilerVersion"] = compilerVersion();
  client["GitCommit"] = "";
  client["BuiltTime"] = "Thu Jan  1 00:00:00 1970";
  client["Built"] = 0;
  client["OsArch"] = "linux/" + goArch();
  client["Os"] = "linux";
  return Json{{"Client", client}};
}

Json Engine::info() const {
  const HostFacts facts = probeHost();
  Json host;
  host["arch"] = goArch();
  host["cgroupControllers"] = paths_.rootless && facts.cgroupVersion == "v1"
                                  ? Json::array()
                                  : Json(facts.cgroupControllers);
  host["cgroupManager"] = "cgroupfs";
  host["cgroupVersion"] = facts.cgroupVersion;
  host["cpus"] = facts.cpus;
  host["distribution"] = {{"codename", facts.distributionCodename},
                          {"distribution", facts.distribution},
                          {"version", facts.distributionVersion}};
  host["eventLogger"] = "file";
  host["helpers"] = facts.helpers;
  host["hostname"] = facts.hostname;
  if (paths_.rootless) {
    const uid_t uid = ::getuid();
    const gid_t gid = ::getgid();
    host["idMappings"] = {
        {"gidmap",
         idMapJson(runtime::rootlessIdMap(gid, runtime::readSubordinateIds("/etc/subgid", uid)))},
        {"uidmap",
         idMapJson(runtime::rootlessIdMap(uid, runtime::readSubordinateIds("/etc/subuid", uid)))},
    };
  }
  host["kernel"] = facts.kernel;
  host["logDriver"] = "k8s-file";
  host["memFree"] = facts.memFree;
  host["memTotal"] = facts.memTotal;
  host["monitor"] = {{"path", facts.monitorPath}};
  host["os"] = "linux";
  host["security"] = {{"capabilities", kDefaultCapabilities},
                      {"rootless", paths_.rootless},
                      {"seccompEnabled", facts.seccompEnabled}};
  host["swapFree"] = facts.swapFree;
  host["swapTotal"] = facts.swapTotal;
  host["uptime"] = uptimeText(facts.uptimeSeconds);

  const struct statvfs disk = statNearest(paths_.graphRoot);
  Json store;
  store["containerStore"] = containerCounts(paths_);
  // Probed with test mounts once per boot (cached on the run root).
  const runtime::GraphDriverInfo graph = runtime::detectGraphDriver(
      paths_.rootless, paths_.graphRoot, paths_.runRoot + "/graph-driver.json");
  store["graphDriverName"] = graph.name;
  store["graphOptions"] = graphOptionsJson(graph);
  store["graphRoot"] = paths_.graphRoot;
  store["graphRootAllocated"] = static_cast<std::uint64_t>(disk.f_blocks) * disk.f_frsize;
  store["graphRootUsed"] = static_cast<std::uint64_t>(disk.f_blocks - disk.f_bfree) * disk.f_frsize;
  store["graphStatus"] = graphStatusJson(graph);
  store["runRoot"] = paths_.runRoot;
  store["volumePath"] = paths_.volumesDir();

  return Json{{"host", host}, {"store", store}, {"version", version()["Client"]}};
}

}  // namespace berth::engine
