// SPDX-License-Identifier: Apache-2.0
#include "berth/net/ipam.hpp"

#include <fmt/format.h>
#include <sys/random.h>

#include <charconv>

#include "berth/base/error.hpp"

namespace berth::net {

std::string Ipv4Subnet::str() const {
  return formatIpv4(address) + "/" + std::to_string(prefix);
}

std::optional<std::uint32_t> parseIpv4(std::string_view text) {
  std::uint32_t address = 0;
  const char* p = text.data();
  const char* end = text.data() + text.size();
  for (int part = 0; part < 4; ++part) {
    if (part > 0) {
      if (p == end || *p != '.') return std::nullopt;
      ++p;
    }
    unsigned value = 0;
    const auto [next, ec] = std::from_chars(p, end, value);
    // Go rejects leading zeros ("010"): they read as octal elsewhere.
    if (ec != std::errc() || value > 255 || next - p > 3 || (next - p > 1 && *p == '0'))
      return std::nullopt;
    address = address << 8 | value;
    p = next;
  }
  if (p != end) return std::nullopt;
  return address;
}

std::string formatIpv4(std::uint32_t a) {
  return fmt::format("{}.{}.{}.{}", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
}

Ipv4Subnet parseSubnet(std::string_view text) {
  const auto slash = text.find('/');
  if (slash != std::string_view::npos) {
    const auto address = parseIpv4(text.substr(0, slash));
    const std::string_view bits = text.substr(slash + 1);
    unsigned prefix = 0;
    const auto [next, ec] = std::from_chars(bits.data(), bits.data() + bits.size(), prefix);
    if (address && ec == std::errc() && next == bits.data() + bits.size() && !bits.empty() &&
        bits.size() <= 2 && prefix <= 32) {
      Ipv4Subnet subnet{0, prefix};
      subnet.address = *address & subnet.mask();
      return subnet;
    }
  }
  throwError(Errc::InvalidArgument, "invalid CIDR address: {}", text);
}

Ipv4Subnet nextFreeSubnet(const std::vector<Ipv4Subnet>& used) {
  for (std::uint32_t n = 0; n < 256; ++n) {
    const Ipv4Subnet candidate{(10u << 24) | (89u << 16) | (n << 8), 24};
    bool free = true;
    for (const auto& u : used)
      free = free && !u.overlaps(candidate);
    if (free) return candidate;
  }
  throwError(Errc::InvalidState, "could not find free subnet from subnet pools");
}

std::uint32_t allocateAddress(const Ipv4Subnet& subnet, std::uint32_t gateway,
                              const std::set<std::uint32_t>& used, std::optional<Ipv4Subnet> range,
                              std::uint32_t offset) {
  // Neither the network nor the broadcast address (none exist in a /31, /32).
  std::uint32_t first = subnet.prefix >= 31 ? subnet.address : subnet.address + 1;
  std::uint32_t last = subnet.prefix >= 31 ? subnet.broadcast() : subnet.broadcast() - 1;
  if (range) {
    first = std::max(first, range->address);
    last = std::min(last, range->broadcast());
  }
  const std::uint64_t count = first <= last ? std::uint64_t(last) - first + 1 : 0;
  for (std::uint64_t i = 0; i < count; ++i) {
    const auto candidate = static_cast<std::uint32_t>(first + (offset + i) % count);
    if (candidate != gateway && !used.contains(candidate)) return candidate;
  }
  throwError(Errc::InvalidState, "IPAM error: failed to find free IP in subnet {}", subnet.str());
}

std::string randomMac() {
  unsigned char bytes[6] = {};
  if (::getrandom(bytes, sizeof(bytes), 0) != static_cast<ssize_t>(sizeof(bytes)))
    throwErrno("getrandom for a MAC address");
  bytes[0] = static_cast<unsigned char>((bytes[0] & 0xfe) | 0x02);
  return fmt::format("{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}", bytes[0], bytes[1], bytes[2],
                     bytes[3], bytes[4], bytes[5]);
}

bool validMac(std::string_view text) {
  if (text.size() != 17) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (i % 3 == 2) {
      if (c != ':') return false;
    } else if (!std::isxdigit(static_cast<unsigned char>(c))) {
      return false;
    }
  }
  return true;
}

}  // namespace berth::net
