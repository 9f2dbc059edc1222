// SPDX-License-Identifier: Apache-2.0
#include "berth/spec/ports.hpp"

#include <arpa/inet.h>

#include <fmt/format.h>
#include <algorithm>
#include <charconv>
#include <set>
#include <tuple>

#include "berth/base/error.hpp"

namespace berth::spec {
namespace {

std::vector<std::string_view> split(std::string_view value, char separator) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (;;) {
    const auto at = value.find(separator, start);
    out.push_back(value.substr(start, at - start));
    if (at == std::string_view::npos) return out;
    start = at + 1;
  }
}

// Go's strconv.Atoi, with its message.
long atoi(std::string_view text, std::string_view context) {
  long value = 0;
  std::string_view digits = text;
  if (!digits.empty() && (digits.front() == '+' || digits.front() == '-')) digits.remove_prefix(1);
  const auto [end, ec] = std::from_chars(text.data() + (text.size() - digits.size()),
                                         text.data() + text.size(), value);
  if (digits.empty() || ec != std::errc() || end != text.data() + text.size())
    throwError(Errc::InvalidArgument,
               "{}invalid port number: strconv.Atoi: parsing \"{}\": invalid syntax", context,
               text);
  return text.front() == '-' ? -value : value;
}

std::uint16_t parsePort(std::string_view text, std::string_view context) {
  const long n = atoi(text, context);
  if (n < 1 || n > 65535)
    throwError(Errc::InvalidArgument,
               "{}port numbers must be between 1 and 65535 (inclusive), got {}", context, n);
  return static_cast<std::uint16_t>(n);
}

// start, length
std::pair<std::uint16_t, std::uint16_t> parseRange(std::string_view text,
                                                   std::string_view context) {
  const auto parts = split(text, '-');
  if (parts.size() > 2)
    throwError(Errc::InvalidArgument,
               "{}invalid port format - port ranges are formatted as startPort-stopPort", context);
  if (parts[0].empty())
    throwError(Errc::InvalidArgument, "{}port numbers cannot be negative", context);
  const std::uint16_t start = parsePort(parts[0], context);
  if (parts.size() == 1) return {start, 1};
  if (parts[1].empty())
    throwError(Errc::InvalidArgument, "{}must provide ending number for port range", context);
  const std::uint16_t end = parsePort(parts[1], context);
  if (end <= start)
    throwError(Errc::InvalidArgument,
               "{}the end port of a range must be higher than the start port - {} is not higher "
               "than {}",
               context, end, start);
  return {start, static_cast<std::uint16_t>(end - start + 1)};
}

std::vector<std::string> checkProtocols(std::string_view value, bool allowSctp) {
  std::vector<std::string> out;
  for (auto p : split(value, ',')) {
    std::string proto(p);
    std::transform(proto.begin(), proto.end(), proto.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (proto.empty()) proto = "tcp";
    if (proto == "sctp" && !allowSctp)
      throwError(Errc::InvalidArgument, "protocol SCTP is not allowed for exposed ports");
    if (proto != "tcp" && proto != "udp" && proto != "sctp")
      throwError(Errc::InvalidArgument, "unrecognized protocol \"{}\" in port mapping", proto);
    if (std::find(out.begin(), out.end(), proto) == out.end()) out.push_back(proto);
  }
  return out;
}

std::string canonicalIp(std::string_view text) {
  const std::string ip(text);
  in_addr v4{};
  in6_addr v6{};
  char buffer[INET6_ADDRSTRLEN] = {};
  if (::inet_pton(AF_INET, ip.c_str(), &v4) == 1)
    return ::inet_ntop(AF_INET, &v4, buffer, sizeof(buffer));
  if (::inet_pton(AF_INET6, ip.c_str(), &v6) == 1)
    return ::inet_ntop(AF_INET6, &v6, buffer, sizeof(buffer));
  throwError(Errc::InvalidArgument, "cannot parse \"{}\" as an IP address", text);
}

int protocolOrder(const std::string& protocol) {
  return protocol == "tcp" ? 0 : protocol == "udp" ? 1 : 2;
}

}  // namespace

std::vector<PortMapping> parsePublish(std::string_view value) {
  const auto slash = split(value, '/');
  if (slash.size() > 2)
    throwError(Errc::InvalidArgument, "invalid port format - protocol can only be specified once");
  std::string_view rest = slash[0];
  std::optional<std::string_view> hostIp;
  if (rest.starts_with('[')) {
    const auto close = rest.find(']');
    if (close == std::string_view::npos || close + 1 >= rest.size() || rest[close + 1] != ':')
      throwError(Errc::InvalidArgument,
                 "invalid port format - format is [[hostIP:]hostPort:]containerPort");
    hostIp = rest.substr(1, close - 1);
    rest = rest.substr(close + 2);
  }
  const auto parts = split(rest, ':');
  std::string_view containerPart;
  std::optional<std::string_view> hostPort;
  if (hostIp) {
    if (parts.size() != 2)
      throwError(Errc::InvalidArgument,
                 "invalid port format - format is [[hostIP:]hostPort:]containerPort");
    hostPort = parts[0];
    containerPart = parts[1];
  } else if (parts.size() == 1) {
    containerPart = parts[0];
  } else if (parts.size() == 2) {
    hostPort = parts[0];
    containerPart = parts[1];
  } else if (parts.size() == 3) {
    hostIp = parts[0];
    hostPort = parts[1];
    containerPart = parts[2];
  } else {
    throwError(Errc::InvalidArgument,
               "invalid port format - format is [[hostIP:]hostPort:]containerPort");
  }
  if (containerPart.empty())
    throwError(Errc::InvalidArgument, "must provide a non-empty container port to publish");
  const auto [containerStart, containerLength] =
      parseRange(containerPart, "parsing container port: ");
  PortMapping mapping;
  mapping.containerPort = containerStart;
  mapping.range = containerLength;
  if (hostIp) {
    if (hostIp->empty())
      throwError(Errc::InvalidArgument, "must provide a non-empty container host IP to publish");
    mapping.hostIp = canonicalIp(*hostIp);
    if (mapping.hostIp == "0.0.0.0") mapping.hostIp.clear();  // Podman: all addresses
  }
  // An empty host port with a host IP ("127.0.0.1::80") is a random one.
  if (hostPort && !(hostPort->empty() && hostIp)) {
    if (hostPort->empty())
      throwError(Errc::InvalidArgument, "must provide a non-empty container host port to publish");
    const auto [hostStart, hostLength] = parseRange(*hostPort, "parsing host port: ");
    if (hostLength != containerLength)
      throwError(Errc::InvalidArgument,
                 "host and container port ranges have different lengths: {} vs {}", hostLength,
                 containerLength);
    mapping.hostPort = hostStart;
  }
  std::vector<PortMapping> out;
  for (const auto& protocol :
       checkProtocols(slash.size() == 2 ? slash[1] : std::string_view("tcp"), true)) {
    if (slash.size() == 2 && slash[1].empty())
      throwError(Errc::InvalidArgument, "must provide a non-empty protocol to publish");
    PortMapping m = mapping;
    m.protocol = protocol;
    out.push_back(m);
  }
  return out;
}

std::map<std::uint16_t, std::vector<std::string>> parseExposedPorts(
    const std::vector<std::string>& exposed) {
  std::map<std::uint16_t, std::vector<std::string>> out;
  for (const auto& e : exposed) {
    const auto parts = split(e, '/');
    if (parts.size() > 2)
      throwError(Errc::InvalidArgument,
                 "unable to convert image EXPOSE: invalid expose format - protocol can only be "
                 "specified once");
    const auto [start, length] = parseRange(parts[0], "unable to convert image EXPOSE: ");
    const auto protocols = checkProtocols(parts.size() == 2 ? parts[1] : "tcp", false);
    for (std::uint32_t i = 0; i < length; ++i) {
      auto& list = out[static_cast<std::uint16_t>(start + i)];
      for (const auto& p : protocols)
        if (std::find(list.begin(), list.end(), p) == list.end()) list.push_back(p);
    }
  }
  return out;
}

std::vector<PortMapping> finalizePorts(
    const std::vector<PortMapping>& requested,
    const std::map<std::uint16_t, std::vector<std::string>>& exposed, bool publishAll,
    const RandomPortPicker& pickPort) {
  for (const auto& p : requested) {
    if (p.containerPort == 0)
      throwError(Errc::InvalidArgument, "container port number must be non-0");
    if (std::uint32_t(p.range) - 1 + p.containerPort > 65535)
      throwError(Errc::InvalidArgument,
                 "container port range exceeds maximum allowable port number");
    if (std::uint32_t(p.range) - 1 + p.hostPort > 65535)
      throwError(Errc::InvalidArgument, "host port range exceeds maximum allowable port number");
  }
  // Groups by host IP and protocol; fixed host ports first, sorted.
  std::vector<PortMapping> sorted = requested;
  std::stable_sort(sorted.begin(), sorted.end(), [](const PortMapping& a, const PortMapping& b) {
    const auto key = [](const PortMapping& m) {
      return std::make_tuple(m.hostIp, protocolOrder(m.protocol), m.hostPort == 0, m.hostPort,
                             m.containerPort);
    };
    return key(a) < key(b);
  });
  std::vector<PortMapping> out;
  std::set<std::pair<std::string, std::uint16_t>> usedContainerPorts;  // protocol, port
  std::set<std::pair<std::string, std::uint16_t>> usedHostPorts;
  const auto add = [&](const PortMapping& m) {
    for (std::uint32_t i = 0; i < m.range; ++i) {
      usedContainerPorts.insert({m.protocol, static_cast<std::uint16_t>(m.containerPort + i)});
      usedHostPorts.insert({m.protocol, static_cast<std::uint16_t>(m.hostPort + i)});
    }
    out.push_back(m);
  };
  const auto randomize = [&](PortMapping m) {
    for (int attempt = 0; attempt < 15; ++attempt) {
      const std::uint16_t port = pickPort(m.protocol);
      if (port == 0 || std::uint32_t(port) + m.range > 65535) continue;
      bool taken = false;
      for (std::uint32_t i = 0; i < m.range && !taken; ++i)
        taken = usedHostPorts.count({m.protocol, static_cast<std::uint16_t>(port + i)}) > 0;
      if (taken) continue;
      m.hostPort = port;
      return m;
    }
    throwError(Errc::Internal,
               "failed to find an open port to expose container port {} {}on the host",
               m.containerPort, m.range > 1 ? fmt::format("with range {} ", m.range) : "");
  };
  std::optional<PortMapping> previous;
  const auto flush = [&] {
    if (!previous) return;
    add(previous->hostPort == 0 ? randomize(*previous) : *previous);
    previous.reset();
  };
  for (const auto& m : sorted) {
    if (previous && (previous->hostIp != m.hostIp || previous->protocol != m.protocol ||
                     (previous->hostPort == 0) != (m.hostPort == 0)))
      flush();
    if (!previous) {
      previous = m;
      continue;
    }
    if (m.hostPort != 0) {
      if (previous->hostPort + previous->range >= m.hostPort) {
        const int diff = m.hostPort - previous->hostPort;
        if (diff == m.containerPort - previous->containerPort) {
          previous->range =
              std::max<std::uint16_t>(previous->range, static_cast<std::uint16_t>(m.range + diff));
          continue;
        }
        if (previous->hostPort + previous->range - 1 > m.hostPort)
          throwError(Errc::InvalidArgument,
                     "conflicting port mappings for host port {} (protocol {})", m.hostPort,
                     m.protocol);
      }
    } else if (previous->containerPort + previous->range > m.containerPort) {
      previous->range = std::max<std::uint16_t>(
          previous->range,
          static_cast<std::uint16_t>(m.containerPort - previous->containerPort + m.range));
      continue;
    }
    flush();
    previous = m;
  }
  flush();
  if (publishAll) {
    for (const auto& [port, protocols] : exposed)
      for (const auto& protocol : protocols) {
        if (usedContainerPorts.count({protocol, port})) continue;
        PortMapping m;
        m.containerPort = port;
        m.protocol = protocol;
        add(randomize(m));
      }
  }
  return out;
}

std::string parseDnsServer(std::string_view value) {
  if (value == "none") return std::string(value);
  try {
    return canonicalIp(value);
  } catch (const Error&) {
    throwError(Errc::InvalidArgument, "{} is not an ip address", value);
  }
}

std::string parseAddHost(std::string_view value) {
  const auto colon = value.find(':');
  if (colon == std::string_view::npos || colon == 0)
    throwError(Errc::InvalidArgument, "bad format for add-host: \"{}\"", value);
  try {
    canonicalIp(value.substr(colon + 1));
  } catch (const Error&) {
    throwError(Errc::InvalidArgument, "invalid IP address in add-host: \"{}\"",
               value.substr(colon + 1));
  }
  return std::string(value);
}

std::string portsColumn(const std::vector<PortMapping>& ports) {
  std::string out;
  for (const auto& p : ports) {
    if (!out.empty()) out += ", ";
    const std::string ip = p.hostIp.empty() ? "0.0.0.0" : p.hostIp;
    if (p.range > 1)
      out += fmt::format("{}:{}-{}->{}-{}/{}", ip, p.hostPort, p.hostPort + p.range - 1,
                         p.containerPort, p.containerPort + p.range - 1, p.protocol);
    else
      out += fmt::format("{}:{}->{}/{}", ip, p.hostPort, p.containerPort, p.protocol);
  }
  return out;
}

std::vector<PublishedPort> expandPorts(const std::vector<PortMapping>& ports) {
  std::vector<PublishedPort> out;
  for (const auto& p : ports)
    for (std::uint32_t i = 0; i < p.range; ++i)
      out.push_back({static_cast<std::uint16_t>(p.containerPort + i), p.protocol, p.hostIp,
                     static_cast<std::uint16_t>(p.hostPort + i)});
  return out;
}

}  // namespace berth::spec
