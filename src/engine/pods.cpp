// SPDX-License-Identifier: Apache-2.0
// Pods (DESIGN.md, "Pods"): pod create/start/stop/rm/..., and what a
// container in a pod does differently at create, start and cleanup.
#include <signal.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <functional>
#include <set>
#include <thread>
#include <tuple>

#include "berth/base/error.hpp"
#include "berth/base/file_lock.hpp"
#include "berth/base/fs.hpp"
#include "berth/base/ids.hpp"
#include "berth/base/programs.hpp"
#include "berth/base/scope_exit.hpp"
#include "berth/engine/engine.hpp"
#include "berth/format/human.hpp"
#include "berth/state/network_store.hpp"
#include "berth/state/pod.hpp"
#include "container_internal.hpp"

namespace berth::engine {
namespace detail {
namespace {

constexpr std::array<std::string_view, 4> kShareable = {"ipc", "net", "pid", "uts"};

// --share: "ipc,net,uts", "none" / "" for nothing, "+pid" adds to the
// default. Sorted and without duplicates.
std::vector<std::string> parseShare(const std::string& value) {
  std::string list = value;
  std::set<std::string> out;
  if (list.starts_with("+")) {
    out = {"ipc", "net", "uts"};
    list = list.substr(1);
  }
  std::size_t start = 0;
  while (start <= list.size() && !list.empty()) {
    const std::size_t comma = list.find(',', start);
    const std::string item =
        list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (item == "none" && list == "none") return {};
    if (item == "cgroup")
      throwError(Errc::InvalidArgument,
                 "invalid kernel namespace to share: cgroup: berth pods do not share the cgroup "
                 "namespace (expected ipc, net, pid, uts or none)");
    if (std::find(kShareable.begin(), kShareable.end(), item) == kShareable.end())
      throwError(Errc::InvalidArgument,
                 "invalid kernel namespace to share: {}. Options are: cgroup, ipc, net, pid, uts "
                 "or none",
                 item);
    out.insert(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return {out.begin(), out.end()};
}

// --userns: berth's pods, as its containers, run in the user's own
// namespace (Podman's "host"); the modes that need a namespace of the
// pod's own are refused.
void checkPodUserns(const std::string& mode, bool rootless) {
  if (mode.empty() || mode == "host") return;
  const std::string kind = mode.substr(0, mode.find(':'));
  if (kind == "keep-id" && !rootless)
    throwError(Errc::InvalidArgument, "keep-id is only supported in rootless mode");
  if (kind == "keep-id" || kind == "auto" || kind == "nomap" || kind == "private" || kind == "ns" ||
      kind == "container")
    throwError(Errc::Unsupported,
               "--userns {}: not supported by berth yet: a pod's containers run in the user's "
               "namespace (host)",
               mode);
  throwError(Errc::InvalidArgument, "unrecognized namespace mode {} passed", mode);
}

// The pod's network as pod.json records it; bridge networks by their
// names, comma-separated (unknown ones are Error(NoSuchObject)).
std::string networkModeName(const state::StorePaths& paths, const spec::NetworkMode& mode) {
  using Kind = spec::NetworkMode::Kind;
  std::string name;
  switch (mode.kind) {
    case Kind::Bridge: {
      const state::NetworkStore networks(paths);
      for (const auto& a : mode.networks)
        name += (name.empty() ? "" : ",") + networks.find(a.name).at("name").get<std::string>();
      return name;
    }
    case Kind::Private:
      return "";
    case Kind::None:
      return "none";
    case Kind::Host:
      return "host";
    case Kind::Slirp4netns:
      name = "slirp4netns";
      break;
    case Kind::Pasta:
      name = "pasta";
      break;
    default:
      throwError(Errc::InvalidArgument,
                 "invalid pod network: expected the default network, none, host, slirp4netns, "
                 "pasta or bridge networks");
  }
  for (std::size_t i = 0; i < mode.options.size(); ++i)
    name += (i == 0 ? ":" : ",") + mode.options[i];
  return name;
}

// The bridge networks of a pod (pod.json's "net1,net2"); none for the
// other modes.
std::vector<std::string> podBridgeNetworks(const state::PodConfig& pod) {
  const std::string& n = pod.network;
  if (n.empty() || n == "none" || n == "host" || n.starts_with("slirp4netns") ||
      n.starts_with("pasta"))
    return {};
  std::vector<std::string> names;
  std::size_t start = 0;
  for (std::size_t comma; (comma = n.find(',', start)) != std::string::npos; start = comma + 1)
    names.push_back(n.substr(start, comma - start));
  names.push_back(n.substr(start));
  return names;
}

// The containers of a pod as read for listings (summary config, reconciled
// state): the infra first, then by creation.
std::vector<ContainerRecord> podMembers(const state::StorePaths& paths, const std::string& podId) {
  state::ContainerStore store(paths);
  std::vector<ContainerRecord> out;
  for (const auto& id : store.listIds()) {
    try {
      ContainerRecord record = loadContainer(store, id, /*summary=*/true);
      if (record.config.extra.value("pod", "") == podId) out.push_back(std::move(record));
    } catch (const Error& e) {
      if (e.kind() != Errc::NoSuchContainer) throw;  // removed while listing
    }
  }
  std::sort(out.begin(), out.end(), [](const ContainerRecord& a, const ContainerRecord& b) {
    const bool ai = a.config.extra.value("isInfra", false);
    const bool bi = b.config.extra.value("isInfra", false);
    if (ai != bi) return ai;
    return a.config.createdNs < b.config.createdNs;
  });
  return out;
}

bool isLive(const ContainerRecord& record) {
  return !record.stale && (record.state.status == state::ContainerStatus::Running ||
                           record.state.status == state::ContainerStatus::Paused);
}

std::string podStatusOf(const std::vector<ContainerRecord>& members) {
  std::vector<state::ContainerStatus> statuses;
  for (const auto& m : members)
    statuses.push_back(m.state.status);
  return state::podStatus(statuses);
}

// Runs `action` on each id in its own thread; errors are collected as
// "<id>: message".
void forEachParallel(const std::vector<std::string>& ids,
                     const std::function<void(const std::string&)>& action,
                     std::vector<std::string>& errors) {
  std::vector<std::string> messages(ids.size());
  std::vector<std::thread> threads;
  threads.reserve(ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i)
    threads.emplace_back([&, i] {
      try {
        action(ids[i]);
      } catch (const std::exception& e) {
        messages[i] = e.what();
      }
    });
  for (auto& t : threads)
    t.join();
  for (std::size_t i = 0; i < ids.size(); ++i)
    if (!messages[i].empty()) errors.push_back(ids[i] + ": " + messages[i]);
}

}  // namespace

std::string infraRootfs(const state::StorePaths& paths) {
  const std::string dir = paths.graphRoot + "/infra-root";
  makeDirs(dir, 0755);
  return dir;
}

state::PodConfig joinPod(const state::StorePaths& paths, spec::ContainerSpec& spec) {
  using Kind = spec::NetworkMode::Kind;
  state::PodStore pods(paths);
  const std::string podId = pods.resolve(spec.pod);
  state::PodConfig pod = pods.read(podId);
  spec.pod = podId;
  if (spec.infra) return pod;
  if (pod.infraId.empty()) return pod;
  if (pod.shares("net")) {
    if (!spec.ports.empty() || spec.publishAll)
      throwError(Errc::InvalidArgument,
                 "invalid config provided: published or exposed ports must be defined when the "
                 "pod is created: network cannot be configured when it is shared with a pod");
    if (spec.network.kind != Kind::Private)
      throwError(Errc::InvalidArgument,
                 "invalid config provided: networks must be defined when the pod is created: "
                 "network cannot be configured when it is shared with a pod");
    spec.network = {};
    if (pod.network == "host") {
      spec.network.kind = Kind::Host;
    } else {
      spec.network.kind = Kind::Container;
      spec.network.path = pod.infraId;
    }
  }
  if (pod.shares("uts")) {
    if (!spec.hostname.empty())
      throwError(Errc::InvalidArgument,
                 "invalid config provided: cannot set hostname when joining the pod UTS "
                 "namespace");
    spec.hostname = pod.hostname.empty() ? pod.name : pod.hostname;
  }
  return pod;
}

void startPodInfra(const Engine& engine, const state::StorePaths& paths, const std::string& id) {
  state::ContainerStore store(paths);
  const state::ContainerConfig config = store.readConfigSummary(id);
  const std::string podId = config.extra.value("pod", "");
  if (podId.empty() || config.extra.value("isInfra", false)) return;
  state::PodStore pods(paths);
  if (!pods.exists(podId)) return;
  const state::PodConfig pod = pods.read(podId);
  if (pod.infraId.empty() || pod.sharedNamespaces.empty()) return;
  const ContainerRecord infra = loadContainer(store, pod.infraId, true);
  if (infra.state.status == state::ContainerStatus::Running && !infra.stale) return;
  engine.startContainer(pod.infraId);
}

void joinPodNamespaces(const state::StorePaths& paths, const spec::ContainerSpec& spec,
                       const std::string& specPath) {
  if (spec.pod.empty() || spec.infra) return;
  state::PodStore pods(paths);
  const state::PodConfig pod = pods.read(spec.pod);
  std::vector<std::pair<std::string, std::string>> joins;  // OCI type, /proc name
  for (const auto& [shared, type, proc] :
       {std::tuple<const char*, const char*, const char*>{"ipc", "ipc", "ipc"},
        {"uts", "uts", "uts"},
        {"pid", "pid", "pid"}})
    if (pod.shares(shared)) joins.emplace_back(type, proc);
  Json runtimeSpec = readJsonFile(specPath);
  Json& namespaces = runtimeSpec["linux"]["namespaces"];
  bool changed = false;
  std::string infraPid;
  if (!joins.empty() && !pod.infraId.empty()) {
    state::ContainerStore store(paths);
    const ContainerRecord infra = loadContainer(store, pod.infraId);
    if (infra.state.status != state::ContainerStatus::Running || infra.stale)
      throwError(Errc::InvalidState,
                 "cannot join the namespaces of pod {}: its infra container {} is not running",
                 pod.name, pod.infraId);
    infraPid = std::to_string(infra.state.pid);
  }
  for (auto& ns : namespaces) {
    const std::string type = ns.value("type", "");
    std::string path;
    for (const auto& [t, proc] : joins)
      if (t == type && !infraPid.empty()) path = "/proc/" + infraPid + "/ns/" + proc;
    if (ns.value("path", "") != path) {
      if (path.empty())
        ns.erase("path");
      else
        ns["path"] = path;
      changed = true;
    }
  }
  // The hostname is the infra's: a joined uts namespace cannot be renamed.
  if (pod.shares("uts") && !infraPid.empty() && runtimeSpec.contains("hostname")) {
    runtimeSpec.erase("hostname");
    changed = true;
  }
  if (changed) writeJsonFileAtomic(specPath, runtimeSpec, false, 0600);
}

void applyPodExitPolicy(const Engine& engine, const state::StorePaths& paths,
                        const spec::ContainerSpec& spec) {
  if (spec.pod.empty() || spec.infra) return;
  state::PodStore pods(paths);
  if (!pods.exists(spec.pod)) return;
  const state::PodConfig pod = pods.read(spec.pod);
  if (pod.exitPolicy != "stop" || pod.infraId.empty()) return;
  for (const auto& member : podMembers(paths, pod.id)) {
    if (member.config.id == pod.infraId) continue;
    if (isLive(member)) return;
  }
  engine.stopContainer(pod.infraId, std::nullopt);
}

}  // namespace detail

using detail::ContainerRecord;

std::string Engine::createPod(const PodCreateRequest& request) const {
  enterUserNamespace();
  state::prepareStore(paths_);
  state::PodConfig pod;
  pod.name = request.name;
  if (!pod.name.empty()) state::validateContainerName(pod.name);
  if (request.exitPolicy != "continue" && request.exitPolicy != "stop")
    throwError(Errc::InvalidArgument,
               "invalid pod exit policy: \"{}\": expected \"continue\" or \"stop\"",
               request.exitPolicy);
  pod.exitPolicy = request.exitPolicy;
  detail::checkPodUserns(request.userns, paths_.rootless);
  pod.sharedNamespaces = detail::parseShare(request.share);
  pod.network = detail::networkModeName(paths_, request.network);
  pod.createInfra = request.infra;
  if (!request.infra) {
    if (!request.ports.empty())
      throwError(Errc::InvalidArgument,
                 "you must have an infra container to publish port bindings to the host");
    if (request.network.kind != spec::NetworkMode::Kind::Private)
      throwError(Errc::InvalidArgument,
                 "cannot specify --network without an infra container (--no-infra)");
    if (!request.infraName.empty())
      throwError(Errc::InvalidArgument, "cannot set --infra-name without an infra container");
    // Nothing to share without the process that holds the namespaces.
    pod.sharedNamespaces.clear();
  }
  if (!request.infraName.empty()) state::validateContainerName(request.infraName);
  if (!request.infra && !request.infraConmonPidFile.empty())
    throwError(Errc::InvalidArgument,
               "cannot set --infra-conmon-pidfile without an infra container");
  if (request.network.kind == spec::NetworkMode::Kind::Host && !request.ports.empty())
    throwError(Errc::InvalidArgument,
               "invalid config provided: port publishing is not supported with --network host");
  if (request.replace && !pod.name.empty() && podExists(pod.name))
    removePod(pod.name, true, std::nullopt);
  pod.id = generateId();
  if (pod.name.empty()) pod.name = detail::generateContainerName();
  pod.createdNs = format::nowNs();
  pod.createCommand = request.commandLine;
  pod.labels = request.labels;
  pod.hostname = request.hostname;
  for (const auto& p : request.ports) {
    spec::ContainerSpec one;
    one.ports = {p};
    pod.ports.push_back(one.toJson()["ports"][0]);
  }

  state::PodStore pods(paths_);
  pods.create(pod);
  ScopeExit undoPod([&] {
    try {
      FileLock lock = pods.lock(pod.id);
      pods.remove(pod.id);
    } catch (const Error&) {
    }
  });
  if (request.infra) {
    const std::string pausePath = findBerthHelper("berth-pause");
    if (pausePath.empty())
      throwError(Errc::Internal, "the infra container needs berth-pause: not found next to berth");
    CreateRequest infra;
    spec::ContainerSpec& s = infra.spec;
    s.name =
        request.infraName.empty() ? std::string(shortId(pod.id)) + "-infra" : request.infraName;
    s.infra = true;
    s.pod = pod.id;
    s.entrypoint = std::vector<std::string>{};
    s.command = {"/pause"};
    s.hostname = request.hostname.empty() ? pod.name : request.hostname;
    s.ports = request.ports;
    s.network = request.network;
    // On bridge networks the pod is known by its hostname (the infra's)
    // and by its name.
    for (auto& a : s.network.networks)
      for (const std::string& alias : {pod.name, s.hostname})
        if (std::find(a.aliases.begin(), a.aliases.end(), alias) == a.aliases.end())
          a.aliases.push_back(alias);
    s.dns = request.dns;
    s.addHosts = request.addHosts;
    s.stopSignal = SIGTERM;
    s.volumes.push_back({"bind", pausePath, "/pause", {"ro"}});
    infra.commandLine = request.commandLine;
    infra.conmonPidFile = request.infraConmonPidFile;
    infra.pull = "never";
    const std::string infraId = createContainer(infra);
    ScopeExit undoInfra([&] {
      try {
        {
          FileLock lock = pods.lock(pod.id);
          pods.remove(pod.id);  // first: an infra goes only without its pod
        }
        removeContainer(infraId, true, 0);
      } catch (const Error&) {
      }
    });
    FileLock lock = pods.lock(pod.id);
    pod.infraId = infraId;
    pods.write(pod);
    undoInfra.dismiss();
  }
  undoPod.dismiss();
  return pod.id;
}

std::string Engine::resolvePod(const std::string& nameOrId) const {
  return state::PodStore(paths_).resolve(nameOrId);
}

bool Engine::podExists(const std::string& nameOrId) const {
  try {
    resolvePod(nameOrId);
    return true;
  } catch (const Error& e) {
    if (e.kind() == Errc::NoSuchObject) return false;
    throw;
  }
}

std::vector<std::string> Engine::podIds() const {
  return state::PodStore(paths_).listIds();
}

std::vector<std::string> Engine::podContainers(const std::string& podId) const {
  std::vector<std::string> ids;
  for (const auto& m : detail::podMembers(paths_, podId))
    ids.push_back(m.config.id);
  return ids;
}

std::vector<Engine::LogSource> Engine::podLogSources(const std::string& nameOrId,
                                                     const std::string& container) const {
  enterUserNamespace();
  const std::string id = resolvePod(nameOrId);
  std::vector<LogSource> out;
  for (const auto& m : detail::podMembers(paths_, id)) {
    if (!container.empty() && !m.config.id.starts_with(container) && m.config.name != container)
      continue;
    LogSource source = containerLog(m.config.id);
    // A pod's container without a log has nothing to add; named, it is the
    // error `logs` gives.
    if (source.driver != "none" || !container.empty()) out.push_back(std::move(source));
  }
  if (!container.empty() && out.empty())
    throwError(Errc::NoSuchContainer, "container {} is not in pod {}: no such container", container,
               nameOrId);
  if (out.size() > 1 && !container.empty())  // an id prefix of several
    throwError(Errc::InvalidArgument, "more than one container of pod {} matches {}", nameOrId,
               container);
  return out;
}

Engine::PodReport Engine::startPod(const std::string& nameOrId) const {
  enterUserNamespace();
  PodReport report;
  report.id = resolvePod(nameOrId);
  for (const auto& member : detail::podMembers(paths_, report.id)) {
    if (member.state.status == state::ContainerStatus::Running && !member.stale) continue;
    try {
      startContainer(member.config.id);
    } catch (const std::exception& e) {
      report.errors.push_back(member.config.id + ": " + e.what());
      // Without the infra nothing else can start.
      if (member.config.extra.value("isInfra", false)) break;
    }
  }
  return report;
}

Engine::PodReport Engine::stopPod(const std::string& nameOrId,
                                  std::optional<unsigned> timeout) const {
  enterUserNamespace();
  PodReport report;
  report.id = resolvePod(nameOrId);
  std::vector<std::string> members;
  std::vector<std::string> infra;
  for (const auto& m : detail::podMembers(paths_, report.id)) {
    if (m.state.status != state::ContainerStatus::Running &&
        m.state.status != state::ContainerStatus::Paused && !m.stale)
      continue;
    (m.config.extra.value("isInfra", false) ? infra : members).push_back(m.config.id);
  }
  const auto stop = [&](const std::string& id) {
    const ContainerRecord record = detail::loadContainer(state::ContainerStore(paths_), id, true);
    if (record.state.status == state::ContainerStatus::Paused && !record.stale)
      detail::killPausedContainer(*this, id);
    stopContainer(id, timeout);
  };
  // All members at once: one stop timeout for the pod, not one each.
  detail::forEachParallel(members, stop, report.errors);
  detail::forEachParallel(infra, stop, report.errors);
  return report;
}

Engine::PodReport Engine::restartPod(const std::string& nameOrId) const {
  PodReport report = stopPod(nameOrId, std::nullopt);
  if (!report.errors.empty()) return report;
  return startPod(report.id);
}

Engine::PodReport Engine::killPod(const std::string& nameOrId, int signal) const {
  enterUserNamespace();
  PodReport report;
  report.id = resolvePod(nameOrId);
  bool any = false;
  for (const auto& m : detail::podMembers(paths_, report.id)) {
    if (!detail::isLive(m)) continue;
    any = true;
    try {
      killContainer(m.config.id, signal);
    } catch (const std::exception& e) {
      report.errors.push_back(m.config.id + ": " + e.what());
    }
  }
  if (!any)
    throwError(Errc::InvalidState, "no containers in pod {} are running: pod state improper",
               report.id);
  return report;
}

Engine::PodReport Engine::pausePod(const std::string& nameOrId) const {
  enterUserNamespace();
  PodReport report;
  report.id = resolvePod(nameOrId);
  for (const auto& m : detail::podMembers(paths_, report.id)) {
    if (m.state.status != state::ContainerStatus::Running || m.stale) continue;
    try {
      pauseContainer(m.config.id);
    } catch (const std::exception& e) {
      report.errors.push_back(m.config.id + ": " + e.what());
    }
  }
  return report;
}

Engine::PodReport Engine::unpausePod(const std::string& nameOrId) const {
  enterUserNamespace();
  PodReport report;
  report.id = resolvePod(nameOrId);
  for (const auto& m : detail::podMembers(paths_, report.id)) {
    if (m.state.status != state::ContainerStatus::Paused || m.stale) continue;
    try {
      unpauseContainer(m.config.id);
    } catch (const std::exception& e) {
      report.errors.push_back(m.config.id + ": " + e.what());
    }
  }
  return report;
}

Engine::PodReport Engine::removePod(const std::string& nameOrId, bool force,
                                    std::optional<unsigned> timeout) const {
  enterUserNamespace();
  PodReport report;
  report.id = resolvePod(nameOrId);
  state::PodStore pods(paths_);
  {
    // Checked before anything is touched: all or nothing.
    const auto members = detail::podMembers(paths_, report.id);
    if (!force)
      for (const auto& m : members)
        if (detail::isLive(m))
          throwError(Errc::InvalidState,
                     "pod {} has containers that are not ready to be removed: cannot remove "
                     "container {} as it is running - running or paused containers cannot be "
                     "removed without force: container state improper",
                     report.id, m.config.id);
  }
  PodReport stopped = stopPod(report.id, timeout);
  report.errors = stopped.errors;
  if (!report.errors.empty()) return report;
  FileLock lock = pods.lock(report.id);
  const auto members = detail::podMembers(paths_, report.id);
  // Members first; then the pod's record, which frees the infra to go.
  std::vector<std::string> infras;
  for (auto it = members.rbegin(); it != members.rend(); ++it) {
    if (it->config.extra.value("isInfra", false)) {
      infras.push_back(it->config.id);
      continue;
    }
    try {
      removeContainer(it->config.id, force, timeout);
    } catch (const std::exception& e) {
      report.errors.push_back(it->config.id + ": " + e.what());
    }
  }
  if (!report.errors.empty()) return report;
  pods.remove(report.id);
  for (const auto& id : infras) {
    try {
      removeContainer(id, true, timeout);
    } catch (const std::exception& e) {
      report.errors.push_back(id + ": " + e.what());
    }
  }
  return report;
}

std::vector<std::string> Engine::prunePods() const {
  enterUserNamespace();
  std::vector<std::string> removed;
  for (const auto& id : podIds()) {
    const auto members = detail::podMembers(paths_, id);
    if (std::any_of(members.begin(), members.end(), detail::isLive)) continue;
    const PodReport report = removePod(id, false, std::nullopt);
    if (report.errors.empty()) removed.push_back(id);
  }
  return removed;
}

Json Engine::inspectPod(const std::string& nameOrId) const {
  enterUserNamespace();
  state::PodStore pods(paths_);
  const std::string id = pods.resolve(nameOrId);
  const state::PodConfig pod = pods.read(id);
  const auto members = detail::podMembers(paths_, id);
  Json containers = Json::array();
  for (const auto& m : members)
    containers.push_back({{"Id", m.config.id},
                          {"Name", m.config.name},
                          {"State", std::string(state::toString(m.state.status))}});
  Json out = {
      {"Id", pod.id},
      {"Name", pod.name},
      {"Created", format::formatRfc3339Nano(pod.createdNs)},
      {"CreateCommand", pod.createCommand},
      {"ExitPolicy", pod.exitPolicy},
      {"State", detail::podStatusOf(members)},
      {"Hostname", pod.hostname},
  };
  if (!pod.labels.empty()) out["Labels"] = pod.labels;
  out["CreateCgroup"] = false;
  out["CreateInfra"] = pod.createInfra;
  if (!pod.infraId.empty()) {
    out["InfraContainerID"] = pod.infraId;
    Json bindings = Json::object();
    for (const auto& p : pod.ports) {
      const int range = p.value("range", 1);
      for (int i = 0; i < range; ++i)
        bindings[std::to_string(p.value("containerPort", 0) + i) + "/" + p.value("protocol", "tcp")]
            .push_back({{"HostIp", p.value("hostIp", "")},
                        {"HostPort", std::to_string(p.value("hostPort", 0) + i)}});
    }
    const auto networks = detail::podBridgeNetworks(pod);
    out["InfraConfig"] = {
        {"PortBindings", bindings},
        {"HostNetwork", pod.network == "host"},
        {"StaticIP", ""},
        {"StaticMAC", ""},
        {"NoManageResolvConf", false},
        {"DNSServer", nullptr},
        {"DNSSearch", nullptr},
        {"DNSOption", nullptr},
        {"NoManageHosts", false},
        {"HostAdd", nullptr},
        {"Networks", networks.empty() ? Json(nullptr) : Json(networks)},
        {"NetworkOptions", nullptr},
        {"pid_ns", pod.shares("pid") ? "pod" : "private"},
        {"userns", "host"},
        {"uts_ns", "private"},
    };
  }
  out["SharedNamespaces"] = pod.sharedNamespaces;
  out["NumContainers"] = members.size();
  out["Containers"] = containers;
  return out;
}

Json Engine::listPods(const std::vector<std::string>& filters) const {
  enterUserNamespace();
  static const std::vector<std::string> kKnown = {
      "id", "name", "label", "status", "ctr-names", "ctr-ids", "ctr-number", "ctr-status"};
  std::map<std::string, std::vector<std::string>> byKey;
  for (const auto& filter : filters) {
    const auto eq = filter.find('=');
    if (eq == std::string::npos)
      throwError(Errc::InvalidArgument, "invalid filter \"{}\": expected KEY=VALUE", filter);
    const std::string key = filter.substr(0, eq);
    if (std::find(kKnown.begin(), kKnown.end(), key) == kKnown.end())
      throwError(Errc::InvalidArgument, "{} is an invalid filter", key);
    const std::string value = filter.substr(eq + 1);
    if (key == "status") {
      static const std::vector<std::string> kStates = {"stopped", "running", "paused",  "exited",
                                                       "dead",    "created", "degraded"};
      if (std::find(kStates.begin(), kStates.end(), value) == kStates.end())
        throwError(Errc::InvalidArgument,
                   "{} is not a valid status: expected one of stopped, running, paused, exited, "
                   "dead, created, degraded",
                   value);
    }
    if (key == "ctr-number" &&
        (value.empty() || value.find_first_not_of("0123456789") != std::string::npos))
      throwError(Errc::InvalidArgument, "invalid ctr-number filter \"{}\": expected a number",
                 value);
    byKey[key].push_back(value);
  }
  state::PodStore pods(paths_);
  struct Row {
    state::PodConfig pod;
    std::vector<ContainerRecord> members;
    std::string status;
  };
  std::vector<Row> rows;
  for (const auto& id : pods.listIds()) {
    Row row;
    try {
      row.pod = pods.read(id);
    } catch (const Error& e) {
      if (e.kind() == Errc::NoSuchObject) continue;
      throw;
    }
    row.members = detail::podMembers(paths_, id);
    row.status = detail::podStatusOf(row.members);
    bool keep = true;
    for (const auto& [key, values] : byKey) {
      bool any = false;
      for (const auto& v : values) {
        if (key == "id") {
          any = row.pod.id.starts_with(v);
        } else if (key == "name") {
          any = row.pod.name.find(v) != std::string::npos;
        } else if (key == "label") {
          const auto eq = v.find('=');
          const auto it = row.pod.labels.find(v.substr(0, eq));
          any = it != row.pod.labels.end() &&
                (eq == std::string::npos || it->second == v.substr(eq + 1));
        } else if (key == "status") {
          std::string lower = row.status;
          std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
          any = lower == v;
        } else if (key == "ctr-number") {
          any = std::to_string(row.members.size()) == v;
        } else {
          for (const auto& m : row.members) {
            if (key == "ctr-names")
              any = any || m.config.name == v;
            else if (key == "ctr-ids")
              any = any || m.config.id.starts_with(v);
            else if (key == "ctr-status")
              any = any || state::toString(m.state.status) == v;
          }
        }
        if (any) break;
      }
      if (!any) keep = false;
    }
    if (keep) rows.push_back(std::move(row));
  }
  std::sort(rows.begin(), rows.end(),
            [](const Row& a, const Row& b) { return a.pod.createdNs > b.pod.createdNs; });
  Json out = Json::array();
  for (const auto& row : rows) {
    Json containers = Json::array();
    for (const auto& m : row.members)
      containers.push_back({{"Id", m.config.id},
                            {"Names", m.config.name},
                            {"Status", std::string(state::toString(m.state.status))}});
    out.push_back({
        {"Cgroup", row.pod.cgroupParent},
        {"Containers", containers},
        {"Created", format::formatRfc3339Nano(row.pod.createdNs)},
        {"Id", row.pod.id},
        {"InfraId", row.pod.infraId},
        {"Name", row.pod.name},
        {"Namespace", ""},
        {"Networks", detail::podBridgeNetworks(row.pod)},
        {"Status", row.status},
        {"Labels", row.pod.labels},
    });
  }
  return out;
}

}  // namespace berth::engine
