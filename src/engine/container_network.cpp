// SPDX-License-Identifier: Apache-2.0
// The container's network at create and start: which stack, which ports,
// the hosts and resolv.conf files (DESIGN.md, "Networking").
#include <sys/stat.h>
#include <unistd.h>

#include "berth/base/error.hpp"
#include "berth/base/fs.hpp"
#include "berth/engine/engine.hpp"
#include "berth/net/etc_files.hpp"
#include "berth/net/user_mode.hpp"
#include "berth/spec/ports.hpp"
#include "berth/state/network_store.hpp"
#include "container_internal.hpp"

namespace berth::engine::detail {
namespace {

bool userMode(const spec::NetworkMode& mode) {
  return mode.kind == spec::NetworkMode::Kind::Slirp4netns ||
         mode.kind == spec::NetworkMode::Kind::Pasta;
}

// slirp4netns:allow_host_loopback=true, pasta:--map-gw
bool allowsHostLoopback(const spec::NetworkMode& mode) {
  for (const auto& o : mode.options)
    if (o == "allow_host_loopback=true" || o == "--map-gw") return true;
  return false;
}

// --add-host name:ip entries, in order.
std::vector<net::HostEntry> extraHosts(const spec::ContainerSpec& spec) {
  std::vector<net::HostEntry> entries;
  for (const auto& h : spec.addHosts) {
    const auto colon = h.find(':');
    entries.push_back({h.substr(colon + 1), {h.substr(0, colon)}});
  }
  return entries;
}

net::ResolvOptions userResolv(const spec::ContainerSpec& spec) {
  net::ResolvOptions options;
  options.servers = spec.dns;
  options.search = spec.dnsSearch;
  options.options = spec.dnsOptions;
  return options;
}

std::string hostsOfOwn(const spec::ContainerSpec& spec, const std::string& hostname) {
  std::vector<net::HostEntry> entries = extraHosts(spec);
  std::vector<std::string> names = {hostname};
  if (spec.name != hostname) names.push_back(spec.name);
  if (spec.network.kind == spec::NetworkMode::Kind::Slirp4netns) {
    entries.push_back({std::string(net::kSlirpAddress), names});
    if (allowsHostLoopback(spec.network))
      entries.push_back({std::string(net::kSlirpGateway), {"host.containers.internal"}});
  } else if (spec.network.kind == spec::NetworkMode::Kind::Pasta) {
    const net::HostRoute route = net::hostDefaultRoute();
    entries.push_back({route.address, names});
    if (allowsHostLoopback(spec.network))
      entries.push_back({route.gateway, {"host.containers.internal"}});
  }
  return net::hostsFile(entries);
}

}  // namespace

Json portMappingsJson(const state::ContainerConfig& config) {
  const auto ports = config.spec.find("ports");
  if (ports == config.spec.end() || !ports->is_array() || ports->empty()) return nullptr;
  Json out = Json::array();
  for (const auto& p : *ports)
    out.push_back({{"host_ip", p.value("hostIp", "")},
                   {"container_port", p.value("containerPort", 0)},
                   {"host_port", p.value("hostPort", 0)},
                   {"range", p.value("range", 1)},
                   {"protocol", p.value("protocol", "tcp")}});
  return out;
}

void resolveNetwork(spec::ContainerSpec& spec, const oci::ImageConfig& image,
                    const state::StorePaths& paths) {
  using Kind = spec::NetworkMode::Kind;
  if (spec.network.kind == Kind::Private && !paths.rootless) {
    // Root's default network is the bridge network `podman`, as Podman's.
    spec.network.kind = Kind::Bridge;
    if (spec.network.networks.empty()) spec.network.networks.emplace_back();
    spec.network.networks.front().name = std::string(state::kDefaultNetworkName);
  } else if (spec.network.kind == Kind::Private && !spec.network.networks.empty()) {
    throwError(Errc::InvalidArgument,
               "invalid config provided: networks and static ip/mac address can only be used "
               "with Bridge mode networking");
  }
  if (spec.network.kind == Kind::Private) {
    const std::string command = net::chooseNetworkCommand(
        net::configuredNetworkCommand(paths.rootless), !spec.ports.empty() || spec.publishAll);
    spec.network.kind = command == "pasta" ? Kind::Pasta : Kind::Slirp4netns;
  } else if (userMode(spec.network)) {
    const std::string command =
        spec.network.kind == Kind::Pasta ? std::string("pasta") : std::string("slirp4netns");
    if (net::findNetworkProgram(command).empty())
      throwError(Errc::Unsupported, "--network {}: {} is not installed", command, command);
  } else if (spec.network.kind == Kind::Container) {
    state::ContainerStore store(paths);
    spec.network.path = store.resolve(spec.network.path);
  } else if (spec.network.kind == Kind::Bridge) {
    resolveBridgeNetworks(spec, paths);
  }
  std::vector<std::string> exposed(image.config.exposedPorts.begin(),
                                   image.config.exposedPorts.end());
  spec.ports = spec::finalizePorts(
      spec.ports, spec::parseExposedPorts(exposed), spec.publishAll,
      [](const std::string& protocol) { return net::pickFreePort(protocol, ""); });
  if (spec.network.kind == Kind::Bridge && !spec.ports.empty() && spec.network.networks.empty())
    throwError(Errc::InvalidArgument, "publishing ports needs a network to publish them from");
  // A taken port fails the create, not only the start: nothing is left.
  if (userMode(spec.network) || spec.network.kind == Kind::Bridge)
    net::checkHostPortsFree(spec.ports);
}

Json prepareNetwork(const state::StorePaths& paths, const std::string& id,
                    const spec::ContainerSpec& spec, const std::string& hostname,
                    const std::string& runDir) {
  using Kind = spec::NetworkMode::Kind;
  (void)id;
  const std::string hostResolv = readFileIfExists("/etc/resolv.conf").value_or("");
  if (spec.network.kind == Kind::Container) {
    // The other container's namespace, hosts and resolv.conf.
    state::ContainerStore store(paths);
    const ContainerRecord other = loadContainer(store, spec.network.path);
    if (other.state.status != state::ContainerStatus::Running || other.stale)
      throwError(Errc::InvalidState,
                 "cannot join the network namespace of container {}: it is not running",
                 other.config.name);
    const std::string otherRun = paths.runContainerDir(other.config.id);
    // The hosts file is the other's own inode (a hard link): the lines its
    // networks' new members add, and remove, in place show here too (a pod
    // member sees the infra's peers).
    ::unlink((runDir + "/hosts").c_str());
    if (::link((otherRun + "/hosts").c_str(), (runDir + "/hosts").c_str()) != 0)
      writeFile(runDir + "/hosts", readFileIfExists(otherRun + "/hosts").value_or(""), 0644, false);
    writeFile(runDir + "/resolv.conf", readFileIfExists(otherRun + "/resolv.conf").value_or(""),
              0644, false);
    return {{"join", "/proc/" + std::to_string(other.state.pid) + "/ns/net"}};
  }
  if (spec.network.kind == Kind::Bridge) {
    std::string hosts;
    std::string resolv;
    const Json network = attachBridgeNetworks(paths, id, spec, hostname, runDir, hosts, resolv);
    writeFile(runDir + "/hosts", hosts, 0644);
    writeFile(runDir + "/resolv.conf", resolv, 0644, false);
    return network;
  }
  if (!userMode(spec.network)) {
    std::string hosts;
    if (spec.network.kind == Kind::Host) {
      hosts = readFileIfExists("/etc/hosts").value_or("");
      if (!hosts.empty() && hosts.back() != '\n') hosts += "\n";
      for (const auto& e : extraHosts(spec))
        hosts += e.address + "\t" + e.names.front() + "\n";
    } else {
      hosts = net::hostsFile(extraHosts(spec));
    }
    writeFile(runDir + "/hosts", hosts, 0644);
    const bool custom = !spec.dns.empty() || !spec.dnsSearch.empty() || !spec.dnsOptions.empty();
    writeFile(runDir + "/resolv.conf",
              custom ? net::resolvConf(hostResolv, userResolv(spec)) : hostResolv, 0644, false);
    return nullptr;
  }

  net::UserModeNetwork network;
  network.command = spec.network.kind == Kind::Pasta ? "pasta" : "slirp4netns";
  network.program = net::findNetworkProgram(network.command);
  if (network.program.empty())
    throwError(Errc::Unsupported, "--network {}: {} is not installed", network.command,
               network.command);
  network.ports = spec.ports;
  network.allowHostLoopback = allowsHostLoopback(spec.network);
  network.runDir = runDir;
  net::ResolvOptions resolv = userResolv(spec);
  if (network.command == "slirp4netns") {
    resolv.first = {std::string(net::kSlirpDns)};
    for (const auto& o : spec.network.options)
      if (o.starts_with("mtu=")) network.mtu = static_cast<unsigned>(std::stoul(o.substr(4)));
  } else {
    network.extraOptions = spec.network.options;
    // The host resolves through loopback only (systemd-resolved, dnsmasq):
    // pasta forwards an address of the container's to it.
    if (net::resolvConf(hostResolv, {}).find("nameserver") == std::string::npos) {
      network.extraOptions.insert(network.extraOptions.end(), {"--dns-forward", "169.254.1.1"});
      resolv.first = {"169.254.1.1"};
    }
  }
  net::checkHostPortsFree(spec.ports);
  writeFile(runDir + "/hosts", hostsOfOwn(spec, hostname), 0644);
  writeFile(runDir + "/resolv.conf", net::resolvConf(hostResolv, resolv), 0644, false);
  return network.toJson();
}

}  // namespace berth::engine::detail

namespace berth::engine {

Json Engine::containerPorts(const std::string& nameOrId) const {
  enterUserNamespace();
  state::ContainerStore store(paths_);
  const std::string id = store.resolve(nameOrId);
  const detail::ContainerRecord record = detail::loadContainer(store, id);
  if (record.state.status != state::ContainerStatus::Running || record.stale) return Json::array();
  const Json ports = detail::portMappingsJson(record.config);
  return ports.is_null() ? Json::array() : ports;
}

}  // namespace berth::engine
