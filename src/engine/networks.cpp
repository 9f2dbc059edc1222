// SPDX-License-Identifier: Apache-2.0
// network create, ls, inspect, rm, prune, exists, connect, disconnect
// (DESIGN.md, "Networking").
#include <fcntl.h>

#include <algorithm>
#include <regex>
#include <set>

#include "berth/base/error.hpp"
#include "berth/base/file_lock.hpp"
#include "berth/base/fs.hpp"
#include "berth/base/ids.hpp"
#include "berth/engine/engine.hpp"
#include "berth/format/human.hpp"
#include "berth/net/bridge.hpp"
#include "berth/net/ipam.hpp"
#include "berth/spec/parse.hpp"
#include "berth/state/container_store.hpp"
#include "berth/state/network_store.hpp"
#include "container_internal.hpp"

namespace berth::engine {
namespace {

net::Ipv4Subnet subnetOf(const Json& record) {
  return net::parseSubnet(record.at("subnets").at(0).value("subnet", ""));
}

// The ids of the containers configured on `name`.
std::vector<std::string> networkUsers(const state::StorePaths& paths, const std::string& name) {
  state::ContainerStore store(paths);
  std::vector<std::string> users;
  for (const auto& id : store.listIds()) {
    try {
      const auto spec = detail::containerSpec(store.readConfig(id));
      if (spec.network.kind != spec::NetworkMode::Kind::Bridge) continue;
      for (const auto& a : spec.network.networks)
        if (a.name == name) users.push_back(id);
    } catch (const Error&) {
      // removed meanwhile
    }
  }
  return users;
}

struct NetworkFilters {
  std::vector<std::pair<std::string, std::string>> all;
};

NetworkFilters parseFilters(const std::vector<std::string>& filters,
                            const std::set<std::string>& keys) {
  NetworkFilters parsed;
  for (const auto& f : filters) {
    const auto eq = f.find('=');
    const std::string key = f.substr(0, eq);
    if (eq == std::string::npos || !keys.contains(key))
      throwError(Errc::InvalidArgument, "invalid filter \"{}\"", f);
    parsed.all.emplace_back(key, f.substr(eq + 1));
  }
  return parsed;
}

bool passes(const Json& network, const NetworkFilters& filters) {
  // Values of one key are alternatives; different keys must all match.
  std::map<std::string, bool> matched;
  for (const auto& [key, value] : filters.all) {
    bool ok = false;
    if (key == "name" || key == "id") {
      try {
        ok = std::regex_search(network.value(key, ""), std::regex(value));
      } catch (const std::regex_error&) {
        throwError(Errc::InvalidArgument, "invalid filter \"{}={}\": bad regular expression", key,
                   value);
      }
    } else if (key == "driver") {
      ok = network.value("driver", "") == value;
    } else if (key == "label") {
      const auto eq = value.find('=');
      const Json labels = network.value("labels", Json::object());
      const std::string k = value.substr(0, eq);
      ok = labels.contains(k) &&
           (eq == std::string::npos || labels[k].get<std::string>() == value.substr(eq + 1));
    }
    matched[key] = matched[key] || ok;
  }
  return std::all_of(matched.begin(), matched.end(), [](const auto& m) { return m.second; });
}

}  // namespace

std::string Engine::createNetwork(const NetworkCreateRequest& request) const {
  enterUserNamespace();
  if (!request.driver.empty() && request.driver != "bridge")
    throwError(Errc::InvalidArgument, "unsupported driver {}: invalid argument", request.driver);
  if (!request.name.empty()) state::validateNetworkName(request.name);
  std::map<std::string, std::string> labels;
  for (const auto& l : request.labels) {
    const auto eq = l.find('=');
    if (l.empty() || eq == 0) throwError(Errc::InvalidArgument, "invalid label \"{}\"", l);
    labels[l.substr(0, eq)] = eq == std::string::npos ? "" : l.substr(eq + 1);
  }
  std::optional<net::Ipv4Subnet> subnet;
  if (!request.subnet.empty()) subnet = net::parseSubnet(request.subnet);
  if (subnet && subnet->prefix > 30)
    throwError(Errc::InvalidArgument, "subnet {} is too small: a /30 or larger is needed",
               request.subnet);
  if (!subnet && (!request.gateway.empty() || !request.ipRange.empty()))
    throwError(Errc::InvalidArgument, "cannot set gateway or range without subnet");
  std::optional<std::uint32_t> gateway;
  if (!request.gateway.empty()) {
    gateway = net::parseIpv4(request.gateway);
    if (!gateway)
      throwError(Errc::InvalidArgument, "invalid gateway {}: not an IPv4 address", request.gateway);
    if (!subnet->contains(*gateway) || *gateway == subnet->address ||
        *gateway == subnet->broadcast())
      throwError(Errc::InvalidArgument, "gateway {} not in subnet {}", request.gateway,
                 subnet->str());
  }
  std::optional<net::Ipv4Subnet> range;
  if (!request.ipRange.empty()) {
    range = net::parseSubnet(request.ipRange);
    if (!subnet->contains(range->address) || !subnet->contains(range->broadcast()))
      throwError(Errc::InvalidArgument, "ip range {} is not in subnet {}", request.ipRange,
                 subnet->str());
  }

  state::NetworkStore store(paths_);
  FileLock lock = store.lock();
  const std::vector<Json> existing = store.list();
  std::string name = request.name;
  if (name.empty()) {  // podman1, podman2, ... as Podman names them
    for (unsigned n = 1; name.empty(); ++n) {
      const std::string candidate = "podman" + std::to_string(n);
      if (!store.read(candidate)) name = candidate;
    }
  }
  if (store.read(name)) {
    if (request.ignore) return name;
    throwError(Errc::AlreadyExists, "network name {} already used: network already exists", name);
  }
  std::vector<net::Ipv4Subnet> used;
  std::set<std::string> interfaces;
  for (const auto& n : existing) {
    interfaces.insert(n.value("network_interface", ""));
    const net::Ipv4Subnet s = subnetOf(n);
    if (subnet && s.overlaps(*subnet))
      throwError(Errc::InvalidState,
                 "subnet {} is already used on the host or by another config: it overlaps {} of "
                 "network {}",
                 subnet->str(), s.str(), n.value("name", ""));
    used.push_back(s);
  }
  if (!subnet) subnet = net::nextFreeSubnet(used);
  if (!gateway) gateway = subnet->address + 1;
  std::string interface;
  for (unsigned n = 1; interface.empty(); ++n)
    if (!interfaces.contains("berth" + std::to_string(n))) interface = "berth" + std::to_string(n);

  Json record = Json::object();
  record["name"] = name;
  record["id"] = generateId();
  record["driver"] = "bridge";
  record["network_interface"] = interface;
  record["created"] = format::formatRfc3339Nano(format::nowNs());
  Json subnetJson = {{"subnet", subnet->str()}, {"gateway", net::formatIpv4(*gateway)}};
  if (range)
    subnetJson["lease_range"] = {{"start_ip", net::formatIpv4(range->address)},
                                 {"end_ip", net::formatIpv4(range->broadcast())},
                                 {"range", range->str()}};
  record["subnets"] = Json::array({subnetJson});
  record["ipv6_enabled"] = false;
  record["internal"] = request.internal;
  record["dns_enabled"] = !request.disableDns;
  if (!labels.empty()) record["labels"] = labels;
  record["ipam_options"] = {{"driver", "host-local"}};
  store.write(record);
  return name;
}

Json Engine::inspectNetwork(const std::string& nameOrId) const {
  enterUserNamespace();
  return state::NetworkStore(paths_).find(nameOrId);
}

std::vector<Json> Engine::listNetworks(const std::vector<std::string>& filters) const {
  enterUserNamespace();
  const NetworkFilters parsed = parseFilters(filters, {"name", "id", "label", "driver"});
  std::vector<Json> out;
  for (auto& n : state::NetworkStore(paths_).list())
    if (passes(n, parsed)) out.push_back(std::move(n));
  return out;
}

bool Engine::networkExists(const std::string& nameOrId) const {
  enterUserNamespace();
  try {
    state::NetworkStore(paths_).find(nameOrId);
    return true;
  } catch (const Error& e) {
    if (e.kind() == Errc::NoSuchObject) return false;
    throw;
  }
}

Engine::RemoveNetworksReport Engine::removeNetworks(const std::vector<std::string>& names,
                                                    bool force,
                                                    std::optional<unsigned> timeout) const {
  enterUserNamespace();
  RemoveNetworksReport report;
  state::NetworkStore store(paths_);
  for (const auto& given : names) {
    try {
      const Json record = store.find(given);
      const std::string name = record.at("name").get<std::string>();
      if (name == state::kDefaultNetworkName)
        throwError(Errc::InvalidArgument, "default network {} cannot be removed", name);
      const auto users = networkUsers(paths_, name);
      if (!users.empty() && !force) {
        report.errors.push_back(fmt::format(
            "\"{}\" has associated containers with it. Use -f to forcibly delete containers and "
            "pods: network is being used",
            name));
        report.exitCode = 2;
        continue;
      }
      // Their cleanup takes the networks lock: not held here yet.
      for (const auto& id : users)
        removeContainer(id, true, timeout);
      FileLock lock = store.lock();
      store.remove(name);
      report.removed.push_back(name);
    } catch (const Error& e) {
      report.errors.push_back(e.what());
      report.exitCode = e.kind() == Errc::NoSuchObject ? 1 : kExitEngineError;
    }
  }
  return report;
}

std::vector<std::string> Engine::pruneNetworks(const std::vector<std::string>& filters) const {
  enterUserNamespace();
  const NetworkFilters parsed = parseFilters(filters, {"label", "until"});
  state::NetworkStore store(paths_);
  FileLock lock = store.lock();
  std::vector<std::string> pruned;
  for (const auto& n : store.list()) {
    const std::string name = n.value("name", "");
    if (name == state::kDefaultNetworkName || !passes(n, parsed) ||
        !networkUsers(paths_, name).empty())
      continue;
    store.remove(name);
    pruned.push_back(name);
  }
  return pruned;
}

void Engine::connectNetwork(const std::string& network, const std::string& container,
                            const std::vector<std::string>& aliases, const std::string& ip,
                            const std::string& mac) const {
  enterUserNamespace();
  state::NetworkStore networks(paths_);
  const Json record = networks.find(network);
  const std::string name = record.at("name").get<std::string>();
  state::ContainerStore store(paths_);
  const std::string id = store.resolve(container);
  FileLock lock = store.lock(id);
  detail::ContainerRecord c = detail::loadContainer(store, id);
  spec::ContainerSpec spec = detail::containerSpec(c.config);
  using Kind = spec::NetworkMode::Kind;
  if (spec.network.kind != Kind::Bridge)
    throwError(Errc::InvalidArgument,
               "container {} is not on a bridge network: network mode can not be changed",
               c.config.name);
  for (const auto& a : spec.network.networks)
    if (a.name == name)
      throwError(Errc::AlreadyExists, "container {} is already connected to network {}",
                 c.config.name, name);
  spec::NetworkAttachment attachment{name, aliases, ip.empty() ? "" : spec::parseStaticIp(ip),
                                     mac.empty() ? "" : spec::parseMacAddress(mac)};
  spec::ContainerSpec check = spec;
  check.network.networks = {attachment};
  detail::resolveBridgeNetworks(check, paths_);
  spec.network.networks.push_back(attachment);
  const bool running = c.state.status == state::ContainerStatus::Running && !c.stale;
  if (running) {
    const std::string runDir = paths_.runContainerDir(id);
    std::string hostname = readFileIfExists(runDir + "/hostname").value_or("");
    if (!hostname.empty() && hostname.back() == '\n') hostname.pop_back();
    std::string hosts;
    std::string resolv;
    const Json connection = detail::attachBridgeNetworks(
        paths_, id, spec, hostname, runDir, hosts, resolv, spec.network.networks.size() - 1, true);
    try {
      UniqueFd ns(::open(("/proc/" + std::to_string(c.state.pid) + "/ns/net").c_str(),
                         O_RDONLY | O_CLOEXEC));
      if (!ns) throwErrno("open the network namespace of container {}", c.config.name);
      net::connectBridges(net::BridgeConnection::fromJson(connection.at("bridge")), ns.get());
    } catch (...) {
      detail::releaseBridgeNetworks(paths_, id, name);
      throw;
    }
    detail::appendToHostsFile(runDir + "/hosts", hosts);
  }
  c.config.spec = spec.toJson();
  store.writeConfig(c.config);
}

void Engine::disconnectNetwork(const std::string& network, const std::string& container) const {
  enterUserNamespace();
  state::NetworkStore networks(paths_);
  const std::string name = networks.find(network).at("name").get<std::string>();
  state::ContainerStore store(paths_);
  const std::string id = store.resolve(container);
  FileLock lock = store.lock(id);
  detail::ContainerRecord c = detail::loadContainer(store, id);
  spec::ContainerSpec spec = detail::containerSpec(c.config);
  auto& list = spec.network.networks;
  const auto it = std::find_if(list.begin(), list.end(),
                               [&](const spec::NetworkAttachment& a) { return a.name == name; });
  if (spec.network.kind != spec::NetworkMode::Kind::Bridge || it == list.end())
    throwError(Errc::InvalidState, "container {} is not connected to network {}", c.config.name,
               name);
  list.erase(it);
  const bool running = c.state.status == state::ContainerStatus::Running && !c.stale;
  if (running) detail::releaseBridgeNetworks(paths_, id, name, c.state.pid);
  c.config.spec = spec.toJson();
  store.writeConfig(c.config);
}

}  // namespace berth::engine
