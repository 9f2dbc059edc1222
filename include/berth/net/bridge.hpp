// SPDX-License-Identifier: Apache-2.0
// Bridge networks: one Linux bridge per network (on the host as root, in
// the per-user network namespace rootless), a veth pair per container and
// network, NAT for egress (DESIGN.md, "Networking"). The kernel does the
// work; iproute2's `ip` and `iptables` (Debian's nf_tables one) configure it.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "berth/base/json.hpp"
#include "berth/base/unique_fd.hpp"
#include "berth/spec/container_spec.hpp"

namespace berth::net {

/// One network as its bridge sees it.
struct BridgeSpec {
  std::string interface;  ///< "berth1"
  std::string subnet;     ///< "10.89.0.0/24"
  std::string gateway;    ///< "10.89.0.1"
  unsigned prefix = 24;
  bool internal = false;  ///< no NAT, no forwarding out
};

/// One container's end on one network.
struct BridgeAttachment {
  BridgeSpec bridge;
  std::string address;  ///< "10.89.0.2"
  std::string mac;
  std::string ifname;      ///< "eth0"
  std::string hostIfname;  ///< the host end, "veth<id prefix><n>" ("": a random name)
  bool defaultRoute = false;
};

/// What the monitor needs to connect one container to its networks.
struct BridgeConnection {
  /// The namespace of the bridges: "" for the monitor's own (root), else
  /// /proc/<holder>/ns/net of the per-user namespace.
  std::string bridgeNetns;
  unsigned mtu = 1500;
  std::vector<BridgeAttachment> attachments;

  Json toJson() const;
  static BridgeConnection fromJson(const Json& json);
};

/// Runs `argv` (argv[0] a program looked up in PATH, /usr/sbin, /sbin) in
/// the network namespace `netnsFd` (-1: ours), with `input` on its standard
/// input; `extraFd` (when >= 0) is inherited as fd 3. Throws Error with
/// the program's own message when it fails. Safe in a multi-threaded
/// process (only the child changes namespace).
void runInNetns(int netnsFd, const std::vector<std::string>& argv, const std::string& input = "",
                int extraFd = -1);

/// Makes sure the bridge exists in `netnsFd` (-1: ours) with the gateway
/// address, is up, forwarding is on, and (unless internal) traffic leaving
/// the subnet is masqueraded. Idempotent.
void ensureBridge(int netnsFd, const BridgeSpec& bridge);

/// Deletes the bridge and the rules ensureBridge added. Missing ones are
/// not an error. In our own namespace (-1: root's bridges on the host,
/// which other stores may share), a bridge that still has a port other
/// than `leaving` (a departing container's end, which may outlive its
/// namespace briefly) is kept.
void removeBridge(int netnsFd, const BridgeSpec& bridge, const std::string& leaving = "") noexcept;

/// iptables-restore lines (nat table) that publish `ports` of the host on
/// `address` of a container: DNAT from outside (PREROUTING) and from the
/// host itself (OUTPUT, localhost included), each tagged `comment`. The
/// client's address is kept (no proxy); only a connection from the host's
/// loopback is masqueraded (the container could not answer 127.0.0.1).
std::vector<std::string> publishRules(const std::vector<spec::PortMapping>& ports,
                                      const std::string& address, const std::string& comment);

/// Adds (or, `remove`, deletes) `rules` in one iptables-restore run, in
/// `netnsFd` (-1: ours). Removing what is gone is not an error.
void applyNatRules(int netnsFd, const std::vector<std::string>& rules, bool remove);

/// net.ipv4.conf.<interface>.route_localnet=1 (so that 127.0.0.1 may be
/// DNATed out of that bridge).
void allowLocalnetRouting(int netnsFd, const std::string& interface);

/// In the monitor, before the container's init joins `containerNetnsFd`:
/// one veth pair per attachment, the container's end renamed, addressed
/// and routed, the other end on the bridge. The pairs go away with the
/// container's namespace.
void connectBridges(const BridgeConnection& connection, int containerNetnsFd);

/// The per-user network namespace (rootless): held by a berth-pause with
/// one slirp4netns attached for egress, which exits when the holder does.
/// Records "<holder pid> <start time>" in `recordPath`. Returns the holder
/// pid, starting both when none is running. The caller holds the networks
/// lock.
/// Its slirp4netns serves its API on `apiSocket` (published ports).
pid_t ensureUserNetworkNamespace(const std::string& recordPath, const std::string& logPath,
                                 const std::string& apiSocket);

/// The holder's pid, 0 when none runs.
pid_t runningUserNetworkNamespace(const std::string& recordPath);

/// Stops the holder (and so its slirp4netns) and removes the record.
void stopUserNetworkNamespace(const std::string& recordPath) noexcept;

}  // namespace berth::net
