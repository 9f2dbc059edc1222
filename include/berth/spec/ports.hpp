// SPDX-License-Identifier: Apache-2.0
// Port publishing as Podman does it: -p values parsed
// (pkg/specgenutil), the final mappings a container gets at create
// (pkg/specgen/generate/ports.go: random host ports, -P, joined ranges), and
// the PORTS column of ps.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "berth/spec/container_spec.hpp"

namespace berth::spec {

/// One -p value, [[hostIp:]hostPort[-end]:]containerPort[-end][/proto],
/// hostIp also in brackets ([::1]). "tcp,udp" gives one mapping per
/// protocol. Throws Error(InvalidArgument) with Podman's message
/// ("parsing host port: port numbers must be between 1 and 65535
/// (inclusive), got 99999").
std::vector<PortMapping> parsePublish(std::string_view value);

/// An image's EXPOSE keys ("80/tcp", "53/udp", "8000-8002") as port ->
/// protocols. Throws Error(InvalidArgument) for a bad one.
std::map<std::uint16_t, std::vector<std::string>> parseExposedPorts(
    const std::vector<std::string>& exposed);

/// Picks a free host port for `range` ports of `protocol` (a port the
/// kernel hands out for port 0), or 0 when none is found.
using RandomPortPicker = std::function<std::uint16_t(const std::string& protocol)>;

/// The mappings a container keeps: mappings on the same host IP and
/// protocol sorted by host port, adjacent ones joined into ranges, host
/// port 0 given a random free port, and with publishAll every exposed port
/// not yet published given one too. Throws Error(InvalidArgument) for
/// conflicting host ports or ranges past 65535.
std::vector<PortMapping> finalizePorts(
    const std::vector<PortMapping>& requested,
    const std::map<std::uint16_t, std::vector<std::string>>& exposed, bool publishAll,
    const RandomPortPicker& pickPort);

/// --dns: an IP address ("none" too: no nameserver). Throws
/// Error(InvalidArgument) "x is not an ip address".
std::string parseDnsServer(std::string_view value);

/// --add-host name:ip (ip may be IPv6). Throws Error(InvalidArgument)
/// with Podman's message.
std::string parseAddHost(std::string_view value);

/// ps's PORTS column: "0.0.0.0:8080->80/tcp, 127.0.0.1:9000-9001->90-91/udp".
std::string portsColumn(const std::vector<PortMapping>& ports);

/// Every single port of the mappings, in order: (containerPort, protocol,
/// hostIp or "0.0.0.0", hostPort), ranges expanded (`port`, inspect).
struct PublishedPort {
  std::uint16_t containerPort = 0;
  std::string protocol;
  std::string hostIp;
  std::uint16_t hostPort = 0;
};
std::vector<PublishedPort> expandPorts(const std::vector<PortMapping>& ports);

}  // namespace berth::spec
