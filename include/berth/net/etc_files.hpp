// SPDX-License-Identifier: Apache-2.0
// The container's /etc/resolv.conf and /etc/hosts, generated from the
// host's and the network the container is on, and the host facts they need.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace berth::net {

/// What the container's resolv.conf says beyond the host's.
struct ResolvOptions {
  /// Put first, before the host's own ("10.0.2.3", slirp4netns's
  /// forwarder). Loopback servers of the host are dropped (unreachable
  /// from a network namespace); with none left and no `first`, the file has
  /// no nameserver.
  std::vector<std::string> first;
  bool keepHostServers = true;
  /// --dns, --dns-search, --dns-option: when given, they replace the
  /// nameservers (all of them), search domains and options.
  std::vector<std::string> servers;
  std::vector<std::string> search;
  std::vector<std::string> options;
};

/// The container's resolv.conf from the host's text: nameservers
/// (options.first, then the host's non-loopback ones), then the host's
/// search and options lines as they are.
std::string resolvConf(std::string_view hostText, const ResolvOptions& options);

/// One line of /etc/hosts.
struct HostEntry {
  std::string address;
  std::vector<std::string> names;
};

/// /etc/hosts: localhost lines, then `entries` (the container's own
/// address and names, host.containers.internal when allowed).
std::string hostsFile(const std::vector<HostEntry>& entries);

/// The host's IPv4 default gateway and the address of the interface it is
/// on ("" when there is no default route): pasta copies both into the
/// container.
struct HostRoute {
  std::string gateway;
  std::string address;
};
HostRoute hostDefaultRoute();

}  // namespace berth::net
