// SPDX-License-Identifier: Apache-2.0
// Containers on bridge networks: addresses, the per-network member table,
// the hosts files kept current in every member, and the bridges' lifetime
// (DESIGN.md, "Networking").
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <set>

#include "berth/base/error.hpp"
#include "berth/base/fs.hpp"
#include "berth/base/ids.hpp"
#include "berth/base/log.hpp"
#include "berth/net/bridge.hpp"
#include "berth/net/etc_files.hpp"
#include "berth/net/ipam.hpp"
#include "berth/net/user_mode.hpp"
#include "berth/spec/ports.hpp"
#include "berth/state/network_store.hpp"
#include "container_internal.hpp"

namespace berth::engine::detail {
namespace {

std::string userNetnsRecord(const state::StorePaths& paths) {
  return paths.runRoot + "/netns.pid";
}
std::string userNetnsApi(const state::StorePaths& paths) {
  return paths.runRoot + "/netns.sock";
}

// Rootless: slirp4netns's forwards of the container's ports (the host's
// port to the same port of the per-user namespace, where DNAT rules take
// them on), removed by host address, port and protocol.
void removeHostForwards(const state::StorePaths& paths, const Json& forwards) noexcept {
  if (!forwards.is_array() || forwards.empty()) return;
  try {
    const Json list = net::slirpApi(userNetnsApi(paths), {{"execute", "list_hostfwd"}});
    for (const auto& entry : list.value("return", Json::object()).value("entries", Json::array()))
      for (const auto& f : forwards)
        if (entry.value("proto", "") == f.value("proto", "") &&
            entry.value("host_port", 0) == f.value("host_port", 0) &&
            entry.value("host_addr", "") == f.value("host_addr", ""))
          net::slirpApi(userNetnsApi(paths),
                        {{"execute", "remove_hostfwd"}, {"arguments", {{"id", entry["id"]}}}});
  } catch (const std::exception& e) {
    logDebug("remove the port forwards: {}, ignoring", e.what());
  }
}

// Root, the default network: the host route attachBridgeNetworks added.
void removeHostRoute(const Json& member) noexcept {
  try {
    net::runInNetns(-1, {"ip", "route", "del", member.value("ip", "") + "/32", "dev",
                         member.value("bridge", Json::object()).value("interface", "")});
  } catch (const std::exception& e) {
    logDebug("remove the route to {}: {}, ignoring", member.value("ip", ""), e.what());
  }
}

// One line of a member's hosts file naming `member`.
std::string hostsLine(const Json& member) {
  std::string line = member.value("ip", "") + "\t" + member.value("name", "");
  for (const auto& alias : member.value("aliases", std::vector<std::string>()))
    line += " " + alias;
  return line + "\n";
}

// Edits a running member's hosts file in place: it is bind-mounted, and a
// rename would leave the container reading the old inode.
void editHostsFile(const std::string& path, const std::string& append,
                   const std::set<std::string>& dropAddresses) {
  UniqueFd fd(::open(path.c_str(), O_RDWR | O_CLOEXEC));
  if (!fd) return;  // stopped meanwhile
  std::string text;
  char buffer[4096];
  ssize_t n;
  while ((n = ::read(fd.get(), buffer, sizeof(buffer))) > 0)
    text.append(buffer, static_cast<std::size_t>(n));
  std::string out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    end = end == std::string::npos ? text.size() : end + 1;
    const std::string line = text.substr(start, end - start);
    const std::string address = line.substr(0, line.find_first_of("\t \n"));
    if (!dropAddresses.contains(address)) out += line;
    start = end;
  }
  if (!out.empty() && out.back() != '\n') out += "\n";
  out += append;
  if (::pwrite(fd.get(), out.data(), out.size(), 0) != static_cast<ssize_t>(out.size()) ||
      ::ftruncate(fd.get(), static_cast<off_t>(out.size())) != 0)
    logDebug("rewrite {}: {}, ignoring", path, errnoText(errno));
}

net::BridgeSpec bridgeOf(const Json& record) {
  net::BridgeSpec bridge;
  bridge.interface = record.value("network_interface", "");
  const Json& subnet = record.at("subnets").at(0);
  const net::Ipv4Subnet parsed = net::parseSubnet(subnet.value("subnet", ""));
  bridge.subnet = parsed.str();
  bridge.prefix = parsed.prefix;
  bridge.gateway = subnet.value("gateway", "");
  bridge.internal = record.value("internal", false);
  return bridge;
}

Json bridgeJson(const net::BridgeSpec& b) {
  return {{"interface", b.interface},
          {"subnet", b.subnet},
          {"gateway", b.gateway},
          {"prefix", b.prefix},
          {"internal", b.internal}};
}

net::BridgeSpec bridgeFromJson(const Json& j) {
  net::BridgeSpec b;
  b.interface = j.value("interface", "");
  b.subnet = j.value("subnet", "");
  b.gateway = j.value("gateway", "");
  b.prefix = j.value("prefix", 24u);
  b.internal = j.value("internal", false);
  return b;
}

// "tcp/8080" for each host port a running member of any network publishes.
std::set<std::string> publishedPortsInUse(const state::StorePaths& paths,
                                          const state::NetworkStore& networks) {
  std::set<std::string> used;
  if (DIR* d = ::opendir((paths.runRoot + "/networks").c_str())) {
    while (const dirent* e = ::readdir(d)) {
      const std::string file = e->d_name;
      if (file.front() == '.' || !file.ends_with(".json")) continue;
      const Json members = networks.members(file.substr(0, file.size() - 5));
      for (const auto& [otherId, m] : members.items())
        for (const auto& port : m.value("publishedPorts", std::vector<std::string>()))
          used.insert(port);
    }
    ::closedir(d);
  }
  return used;
}

}  // namespace

void resolveBridgeNetworks(spec::ContainerSpec& spec, const state::StorePaths& paths) {
  state::NetworkStore networks(paths);
  std::set<std::string> seen;
  for (auto& a : spec.network.networks) {
    const Json record = networks.find(a.name);
    a.name = record.at("name").get<std::string>();
    if (!seen.insert(a.name).second)
      throwError(Errc::InvalidArgument, "--network {}: the network is given twice", a.name);
    if (!a.ip.empty()) {
      const net::Ipv4Subnet subnet =
          net::parseSubnet(record.at("subnets").at(0).value("subnet", ""));
      const auto ip = net::parseIpv4(a.ip);
      if (!ip || !subnet.contains(*ip) || *ip == subnet.address || *ip == subnet.broadcast())
        throwError(Errc::InvalidArgument, "requested static ip {} not in any subnet on network {}",
                   a.ip, a.name);
    }
  }
}

Json attachBridgeNetworks(const state::StorePaths& paths, const std::string& id,
                          const spec::ContainerSpec& spec, const std::string& hostname,
                          const std::string& runDir, std::string& hosts, std::string& resolv,
                          std::size_t from, bool live) {
  state::NetworkStore networks(paths);
  FileLock lock = networks.lock();
  net::BridgeConnection connection;
  UniqueFd holderNs;
  if (paths.rootless) {
    const pid_t holder = net::ensureUserNetworkNamespace(
        userNetnsRecord(paths), paths.runRoot + "/netns.log", userNetnsApi(paths));
    connection.bridgeNetns = "/proc/" + std::to_string(holder) + "/ns/net";
    holderNs.reset(::open(connection.bridgeNetns.c_str(), O_RDONLY | O_CLOEXEC));
    if (!holderNs) throwErrno("open {}", connection.bridgeNetns);
  }
  const int bridgeNs = holderNs ? holderNs.get() : -1;
  std::vector<net::HostEntry> entries;
  for (const auto& h : live ? std::vector<std::string>() : spec.addHosts) {
    const auto colon = h.find(':');
    entries.push_back({h.substr(colon + 1), {h.substr(0, colon)}});
  }
  std::vector<net::HostEntry> peers;
  std::vector<std::pair<std::string, Json>> joined;  // network, its new member table
  bool routed = live;                                // a running container has its route
  // A running container's next interface: after those it has.
  std::size_t nextInterface = 0;
  for (std::size_t i = 0; live && i < from; ++i) {
    const std::string ifname = networks.members(spec.network.networks[i].name)
                                   .value(id, Json::object())
                                   .value("ifname", "");
    if (ifname.starts_with("eth"))
      nextInterface = std::max<std::size_t>(nextInterface, std::stoul(ifname.substr(3)) + 1);
  }
  for (std::size_t i = from; i < spec.network.networks.size(); ++i) {
    const auto& a = spec.network.networks[i];
    const Json record = networks.find(a.name);
    const net::BridgeSpec bridge = bridgeOf(record);
    const net::Ipv4Subnet subnet = net::parseSubnet(bridge.subnet);
    Json members = networks.members(a.name);
    if (members.contains(id) && live)
      throwError(Errc::AlreadyExists, "container {} is already connected to network {}", spec.name,
                 a.name);
    members.erase(id);  // a stale entry of ours (a crash before cleanup)
    std::set<std::uint32_t> used;
    for (const auto& [otherId, m] : members.items())
      if (const auto ip = net::parseIpv4(m.value("ip", ""))) used.insert(*ip);
    const auto gateway = net::parseIpv4(bridge.gateway).value_or(0);
    std::uint32_t address = 0;
    if (!a.ip.empty()) {
      address = net::parseIpv4(a.ip).value_or(0);
      if (used.contains(address) || address == gateway)
        throwError(Errc::InvalidState,
                   "requested ip address {} is already allocated to another container on "
                   "network {}",
                   a.ip, a.name);
    } else {
      std::optional<net::Ipv4Subnet> range;
      const Json& s = record.at("subnets").at(0);
      if (s.contains("lease_range"))
        range = net::parseSubnet(s["lease_range"].value("range", bridge.subnet));
      // Root's default network is one bridge for every store on the host,
      // whose tables do not see each other's: start where this id points,
      // so that two stores' containers rarely meet (DESIGN.md).
      const bool shared = !paths.rootless && a.name == state::kDefaultNetworkName;
      address = net::allocateAddress(
          subnet, gateway, used, range,
          shared ? static_cast<std::uint32_t>(std::stoul(id.substr(0, 8), nullptr, 16)) : 0);
    }
    // The bridge goes with its last member: make it for the first.
    if (members.empty()) net::ensureBridge(bridgeNs, bridge);
    // Podman's own bridge (cni-podman0, podman0) may hold 10.88.0.0/16 on
    // the host too, and its route came first: a host route wins over it.
    const bool hostRoute = !paths.rootless && a.name == state::kDefaultNetworkName;
    if (hostRoute)
      net::runInNetns(-1, {"ip", "route", "replace", net::formatIpv4(address) + "/32", "dev",
                           bridge.interface});
    net::BridgeAttachment attachment;
    attachment.bridge = bridge;
    attachment.address = net::formatIpv4(address);
    attachment.mac = a.mac.empty() ? net::randomMac() : a.mac;
    const std::size_t index = live ? nextInterface++ : i;
    attachment.ifname = "eth" + std::to_string(index);
    // Named after the container, so that cleanup knows its port on the bridge.
    if (index < 16) attachment.hostIfname = fmt::format("veth{}{:x}", id.substr(0, 10), index);
    attachment.defaultRoute = !bridge.internal && !routed;
    routed = routed || attachment.defaultRoute;
    connection.attachments.push_back(attachment);

    // Root: the container's ports on its first network's address.
    std::vector<std::string> natRules;
    if (i == 0 && !live && !spec.ports.empty()) {
      std::vector<spec::PortMapping> ports = spec.ports;
      if (paths.rootless)  // they arrive on slirp4netns's address in the namespace
        for (auto& p : ports)
          p.hostIp.clear();
      natRules = net::publishRules(ports, attachment.address, "berth " + id.substr(0, 12));
      net::allowLocalnetRouting(bridgeNs, bridge.interface);
    }
    Json member = {{"name", spec.name},
                   {"natRules", natRules},
                   {"aliases", a.aliases},
                   {"ip", attachment.address},
                   {"mac", attachment.mac},
                   {"ifname", attachment.ifname},
                   {"veth", attachment.hostIfname},
                   {"hostRoute", hostRoute},
                   {"hosts", runDir + "/hosts"},
                   {"bridge", bridgeJson(bridge)}};
    for (const auto& [otherId, m] : members.items()) {
      std::vector<std::string> names = {m.value("name", "")};
      for (const auto& alias : m.value("aliases", std::vector<std::string>()))
        names.push_back(alias);
      peers.push_back({m.value("ip", ""), names});
    }
    std::vector<std::string> names = {hostname};
    if (spec.name != hostname) names.push_back(spec.name);
    for (const auto& alias : a.aliases)
      names.push_back(alias);
    entries.push_back({attachment.address, names});
    members[id] = member;
    joined.emplace_back(a.name, std::move(members));
  }
  entries.insert(entries.end(), peers.begin(), peers.end());
  if (live) {  // lines to add to the running container's file
    hosts.clear();
    for (const auto& e : entries) {
      if (e.address.empty() || e.names.empty()) continue;
      hosts += e.address + "\t";
      for (std::size_t n = 0; n < e.names.size(); ++n)
        hosts += (n ? " " : "") + e.names[n];
      hosts += "\n";
    }
    entries.clear();
  } else {
    hosts = net::hostsFile(entries);
  }
  // Rootless: slirp4netns's forwarder, through the namespace's NAT.
  net::ResolvOptions options;
  options.servers = spec.dns;
  options.search = spec.dnsSearch;
  options.options = spec.dnsOptions;
  if (paths.rootless) options.first = {std::string(net::kSlirpDns)};
  resolv = net::resolvConf(readFileIfExists("/etc/resolv.conf").value_or(""), options);
  // Committed last: nothing above has changed another member.
  if (!live && !spec.ports.empty() && !joined.empty()) {
    // DNAT binds nothing: a port another container publishes is taken.
    const std::set<std::string> used = publishedPortsInUse(paths, networks);
    std::vector<std::string> mine;
    for (const auto& p : spec::expandPorts(spec.ports)) {
      const std::string key = p.protocol + "/" + std::to_string(p.hostPort);
      if (used.contains(key))
        throwError(Errc::InvalidState, "publish port {}/{} on {}: address already in use",
                   p.hostPort, p.protocol, p.hostIp.empty() ? "0.0.0.0" : p.hostIp);
      mine.push_back(key);
    }
    joined.front().second[id]["publishedPorts"] = mine;
  }
  for (const auto& [name, members] : joined)
    net::applyNatRules(bridgeNs, members.at(id).value("natRules", std::vector<std::string>()),
                       false);
  if (paths.rootless && !live && !spec.ports.empty() && !joined.empty()) {
    Json forwards = Json::array();
    try {
      for (const auto& p : spec::expandPorts(spec.ports)) {
        if (p.protocol != "tcp" && p.protocol != "udp") continue;
        const Json forward = {{"proto", p.protocol},
                              {"host_addr", p.hostIp.empty() ? "0.0.0.0" : p.hostIp},
                              {"host_port", p.hostPort}};
        Json arguments = forward;
        arguments["guest_port"] = p.hostPort;
        net::slirpApi(userNetnsApi(paths), {{"execute", "add_hostfwd"}, {"arguments", arguments}});
        forwards.push_back(forward);
      }
    } catch (...) {
      removeHostForwards(paths, forwards);
      for (const auto& [name, members] : joined)
        net::applyNatRules(bridgeNs, members.at(id).value("natRules", std::vector<std::string>()),
                           true);
      throw;
    }
    joined.front().second[id]["hostForwards"] = forwards;
  }
  for (const auto& [name, members] : joined) {
    networks.writeMembers(name, members);
    const std::string line = hostsLine(members.at(id));
    for (const auto& [otherId, m] : members.items())
      if (otherId != id) editHostsFile(m.value("hosts", ""), line, {});
  }
  return {{"bridge", connection.toJson()}};
}

void releaseBridgeNetworks(const state::StorePaths& paths, const std::string& id,
                           const std::string& only, pid_t runningPid) noexcept {
  const std::string dir = paths.runRoot + "/networks";
  if (!pathExists(dir)) return;  // no container was ever on a bridge
  try {
    state::NetworkStore networks(paths);
    FileLock lock = networks.lock();
    bool anyLeft = false;
    std::vector<std::string> files;
    if (DIR* d = ::opendir(dir.c_str())) {
      while (const dirent* e = ::readdir(d)) {
        const std::string file = e->d_name;
        if (file.front() != '.' && file.ends_with(".json")) files.push_back(file);
      }
      ::closedir(d);
    }
    for (const auto& file : files) {
      const std::string name = file.substr(0, file.size() - 5);
      Json members = networks.members(name);
      if (members.contains(id) && (only.empty() || only == name)) {
        const Json me = members[id];
        members.erase(id);
        if (!paths.rootless) {
          net::applyNatRules(-1, me.value("natRules", std::vector<std::string>()), true);
          if (me.value("hostRoute", false)) removeHostRoute(me);
        } else if (me.contains("hostForwards")) {
          removeHostForwards(paths, me.value("hostForwards", Json::array()));
          if (const pid_t holder = net::runningUserNetworkNamespace(userNetnsRecord(paths))) {
            UniqueFd ns(::open(("/proc/" + std::to_string(holder) + "/ns/net").c_str(),
                               O_RDONLY | O_CLOEXEC));
            if (ns)
              net::applyNatRules(ns.get(), me.value("natRules", std::vector<std::string>()), true);
          }
        }
        std::set<std::string> peerAddresses;
        for (const auto& [otherId, m] : members.items()) {
          editHostsFile(m.value("hosts", ""), "", {me.value("ip", "")});
          peerAddresses.insert(m.value("ip", ""));
        }
        if (!only.empty()) {  // a running container leaves one network
          editHostsFile(me.value("hosts", ""), "", peerAddresses);
          if (const auto pid = runningPid) {
            UniqueFd ns(
                ::open(("/proc/" + std::to_string(pid) + "/ns/net").c_str(), O_RDONLY | O_CLOEXEC));
            if (ns) net::runInNetns(ns.get(), {"ip", "link", "del", me.value("ifname", "")});
          }
        }
        if (members.empty()) {
          ::unlink((dir + "/" + file).c_str());
          // The default network's bridge stays, as Podman's does: making
          // and removing it (ip, iptables) would double a run's time.
          if (!paths.rootless && name != state::kDefaultNetworkName)
            net::removeBridge(-1, bridgeFromJson(me.value("bridge", Json())), me.value("veth", ""));
        } else {
          networks.writeMembers(name, members);
        }
      }
      anyLeft = anyLeft || !members.empty();
    }
    // The per-user namespace goes with the last container on any network.
    if (paths.rootless && !anyLeft) net::stopUserNetworkNamespace(userNetnsRecord(paths));
  } catch (const std::exception& e) {
    logDebug("release the networks of {}: {}, ignoring", id, e.what());
  }
}

}  // namespace berth::engine::detail

namespace berth::engine::detail {

void appendToHostsFile(const std::string& path, const std::string& lines) {
  editHostsFile(path, lines, {});
}

}  // namespace berth::engine::detail

namespace berth::engine::detail {

Json bridgeNetworksInspect(const state::StorePaths& paths, const std::string& id,
                           const spec::ContainerSpec& spec, bool running) {
  if (spec.network.kind != spec::NetworkMode::Kind::Bridge) return nullptr;
  state::NetworkStore networks(paths);
  Json out = Json::object();
  for (const auto& a : spec.network.networks) {
    Json member = running ? networks.members(a.name).value(id, Json::object()) : Json::object();
    const Json bridge = member.value("bridge", Json::object());
    std::vector<std::string> aliases = {std::string(shortId(id))};
    aliases.insert(aliases.end(), a.aliases.begin(), a.aliases.end());
    out[a.name] = {{"EndpointID", ""},
                   {"Gateway", bridge.value("gateway", "")},
                   {"IPAddress", member.value("ip", "")},
                   {"IPPrefixLen", member.empty() ? 0u : bridge.value("prefix", 0u)},
                   {"IPv6Gateway", ""},
                   {"GlobalIPv6Address", ""},
                   {"GlobalIPv6PrefixLen", 0},
                   {"MacAddress", member.value("mac", "")},
                   {"NetworkID", a.name},
                   {"DriverOpts", nullptr},
                   {"IPAMConfig", nullptr},
                   {"Links", nullptr},
                   {"Aliases", aliases}};
  }
  return out;
}

}  // namespace berth::engine::detail
