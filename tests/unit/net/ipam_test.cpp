// SPDX-License-Identifier: Apache-2.0
// IPv4 address management of bridge networks, the network records' JSON
// shape and the bridge connection's round trip.
#include "berth/net/ipam.hpp"

#include <functional>
#include <stdexcept>

#include "../test_dir.hpp"
#include "berth/base/error.hpp"
#include "berth/net/bridge.hpp"
#include "berth/state/network_store.hpp"
#include "catch.hpp"

using namespace berth;
using namespace berth::net;

namespace {

std::string errorOf(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("ipam: subnets parse as Go's ParseCIDR, host bits cleared") {
  CHECK(parseSubnet("10.89.0.0/24").str() == "10.89.0.0/24");
  CHECK(parseSubnet("10.89.3.7/16").str() == "10.89.0.0/16");
  CHECK(parseSubnet("0.0.0.0/0").prefix == 0);
  for (const char* bad : {"10.89.0.0", "10.89.0.0/33", "10.89.0/24", "abc", "10.89.0.0/",
                          "1.2.3.4/x", "256.1.1.1/24", "01.2.3.4/8"}) {
    INFO(bad);
    CHECK(errorOf([&] { parseSubnet(bad); }) == std::string("invalid CIDR address: ") + bad);
  }
  CHECK(parseIpv4("10.0.0.1") == 0x0a000001u);
  CHECK_FALSE(parseIpv4("10.0.0"));
  CHECK_FALSE(parseIpv4("10.0.0.1.2"));
  CHECK(formatIpv4(0x0a590001u) == "10.89.0.1");
}

TEST_CASE("ipam: overlap, next free subnet, addresses") {
  const Ipv4Subnet a = parseSubnet("10.89.0.0/24");
  CHECK(a.overlaps(parseSubnet("10.89.0.128/25")));
  CHECK(a.overlaps(parseSubnet("10.0.0.0/8")));
  CHECK_FALSE(a.overlaps(parseSubnet("10.89.1.0/24")));
  CHECK(nextFreeSubnet({}).str() == "10.89.0.0/24");
  CHECK(nextFreeSubnet({a, parseSubnet("10.89.1.0/24")}).str() == "10.89.2.0/24");
  CHECK(nextFreeSubnet({parseSubnet("10.89.0.0/23")}).str() == "10.89.2.0/24");

  const std::uint32_t gateway = *parseIpv4("10.89.0.1");
  CHECK(formatIpv4(allocateAddress(a, gateway, {})) == "10.89.0.2");
  CHECK(formatIpv4(allocateAddress(a, gateway, {*parseIpv4("10.89.0.2")})) == "10.89.0.3");
  // From an offset, wrapping past the end to the first free one.
  CHECK(formatIpv4(allocateAddress(a, gateway, {}, std::nullopt, 9)) == "10.89.0.10");
  CHECK(formatIpv4(allocateAddress(a, gateway, {*parseIpv4("10.89.0.254")}, std::nullopt, 253)) ==
        "10.89.0.2");
  CHECK(formatIpv4(allocateAddress(a, gateway, {}, std::nullopt, 254 * 3)) == "10.89.0.2");
  CHECK(formatIpv4(allocateAddress(a, gateway, {}, parseSubnet("10.89.0.128/25"))) ==
        "10.89.0.128");
  const Ipv4Subnet tiny = parseSubnet("10.90.0.0/30");  // .1 gateway, .2 the only other
  CHECK(formatIpv4(allocateAddress(tiny, *parseIpv4("10.90.0.1"), {})) == "10.90.0.2");
  CHECK(errorOf([&] {
          allocateAddress(tiny, *parseIpv4("10.90.0.1"), {*parseIpv4("10.90.0.2")});
        }) == "IPAM error: failed to find free IP in subnet 10.90.0.0/30");
  const std::string mac = randomMac();
  CHECK(validMac(mac));
  CHECK((std::stoi(mac.substr(0, 2), nullptr, 16) & 3) == 2);  // local, unicast
  CHECK_FALSE(validMac("02:00:00:00:00"));
}

TEST_CASE("network store: netavark's JSON shape, the default network, lookup by id prefix") {
  TestDir dir;
  state::StorePaths paths{dir.path() + "/root", dir.path() + "/run", false};
  state::NetworkStore store(paths);
  const auto all = store.list();
  REQUIRE(all.size() == 1);
  const Json& def = all.front();
  std::vector<std::string> keys;
  for (const auto& [k, v] : def.items())
    keys.push_back(k);
  CHECK(keys == std::vector<std::string>{"name", "id", "driver", "network_interface", "created",
                                         "subnets", "ipv6_enabled", "internal", "dns_enabled",
                                         "ipam_options"});
  CHECK(def["name"] == "podman");
  CHECK(def["network_interface"] == "berth0");
  CHECK(def["subnets"][0]["subnet"] == "10.88.0.0/16");

  Json web = state::NetworkStore::defaultNetwork();
  web["name"] = "web";
  web["id"] = "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789";
  store.write(web);
  CHECK(store.list().size() == 2);
  CHECK(store.find("abcdef")["name"] == "web");
  CHECK(store.find("web")["id"] == web["id"]);
  CHECK(errorOf([&] { store.find("nosuch"); }) ==
        "unable to find network with name or ID nosuch: network not found");
  CHECK(store.members("web").empty());
  store.writeMembers("web", {{"c1", {{"ip", "10.88.0.2"}}}});
  CHECK(store.members("web")["c1"]["ip"] == "10.88.0.2");
  store.remove("web");
  CHECK(store.list().size() == 1);
  CHECK(errorOf([] { state::validateNetworkName("-x"); }) ==
        "network name -x invalid: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument");
}

TEST_CASE("bridge connection: the monitor's JSON round trip") {
  BridgeConnection c;
  c.bridgeNetns = "/proc/42/ns/net";
  BridgeAttachment a;
  a.bridge = {"berth1", "10.89.0.0/24", "10.89.0.1", 24, true};
  a.address = "10.89.0.2";
  a.mac = "02:00:00:00:00:01";
  a.ifname = "eth0";
  a.defaultRoute = false;
  c.attachments.push_back(a);
  const BridgeConnection back = BridgeConnection::fromJson(c.toJson());
  CHECK(back.bridgeNetns == c.bridgeNetns);
  REQUIRE(back.attachments.size() == 1);
  CHECK(back.attachments[0].bridge.interface == "berth1");
  CHECK(back.attachments[0].bridge.internal);
  CHECK(back.attachments[0].address == "10.89.0.2");
  CHECK(back.toJson() == c.toJson());
}
