// SPDX-License-Identifier: Apache-2.0
// IPv4 address management for bridge networks: subnets, gateways and the
// addresses handed to containers (DESIGN.md, "Networking").
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace berth::net {

/// An IPv4 subnet: `address` is the network address (host bits cleared).
struct Ipv4Subnet {
  std::uint32_t address = 0;
  unsigned prefix = 0;

  std::uint32_t mask() const noexcept {
    return prefix == 0 ? 0 : ~std::uint32_t(0) << (32 - prefix);
  }
  bool contains(std::uint32_t ip) const noexcept { return (ip & mask()) == address; }
  bool overlaps(const Ipv4Subnet& other) const noexcept {
    return contains(other.address) || other.contains(address);
  }
  std::uint32_t broadcast() const noexcept { return address | ~mask(); }
  /// "10.89.0.0/24"
  std::string str() const;
  bool operator==(const Ipv4Subnet&) const = default;
};

/// "10.89.0.5" -> address; nullopt when not a dotted quad.
std::optional<std::uint32_t> parseIpv4(std::string_view text);
std::string formatIpv4(std::uint32_t address);

/// "10.89.0.0/24" (host bits are cleared, as Go's net.ParseCIDR does).
/// Throws Error(InvalidArgument) "invalid CIDR address: X".
Ipv4Subnet parseSubnet(std::string_view text);

/// The first free /24 of 10.89.0.0/16 not overlapping any of `used` (Podman
/// picks new networks' subnets this way). Throws Error(InvalidState) when
/// all 256 are taken.
Ipv4Subnet nextFreeSubnet(const std::vector<Ipv4Subnet>& used);

/// The first address of `subnet` after `gateway` (and not in `used`), within
/// [rangeStart, rangeEnd] when given (--ip-range); the search starts
/// `offset` addresses in (modulo the range) and wraps. Throws
/// Error(InvalidState) "IPAM error: failed to find free IP in subnet X"
/// when none is left.
std::uint32_t allocateAddress(const Ipv4Subnet& subnet, std::uint32_t gateway,
                              const std::set<std::uint32_t>& used,
                              std::optional<Ipv4Subnet> range = std::nullopt,
                              std::uint32_t offset = 0);

/// A random locally administered unicast MAC ("02:xx:xx:xx:xx:xx").
std::string randomMac();

/// True for "aa:bb:cc:dd:ee:ff" (hex, any case).
bool validMac(std::string_view text);

}  // namespace berth::net
