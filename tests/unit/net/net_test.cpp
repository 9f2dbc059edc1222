// SPDX-License-Identifier: Apache-2.0
// resolv.conf and hosts generation, and the helpers' command lines.
#include "berth/net/etc_files.hpp"
#include "berth/net/user_mode.hpp"

#include <algorithm>

#include "catch.hpp"

using namespace berth;
using namespace berth::net;

namespace {

bool contains(const std::vector<std::string>& args, const std::string& value) {
  return std::find(args.begin(), args.end(), value) != args.end();
}

}  // namespace

TEST_CASE("resolv.conf: the stack's server first, host loopback servers dropped") {
  const std::string host =
      "# comment\nnameserver 127.0.0.53\nnameserver 10.1.1.1\nsearch example.com\n"
      "options ndots:2\n";
  CHECK(resolvConf(host, {}) == "search example.com\noptions ndots:2\nnameserver 10.1.1.1\n");
  CHECK(resolvConf(host, {{"10.0.2.3"}, true, {}, {}, {}}) ==
        "search example.com\noptions ndots:2\nnameserver 10.0.2.3\nnameserver 10.1.1.1\n");
  CHECK(resolvConf("nameserver 127.0.0.1\n", {}) == "");
  CHECK(resolvConf("nameserver 10.0.2.3\n", {{"10.0.2.3"}, true, {}, {}, {}}) ==
        "nameserver 10.0.2.3\n");
}

TEST_CASE("resolv.conf: --dns, --dns-search and --dns-option replace the host's") {
  const std::string host = "nameserver 10.1.1.1\nsearch a.b\noptions ndots:2\n";
  ResolvOptions options;
  options.first = {"10.0.2.3"};
  options.servers = {"192.0.2.53"};
  options.search = {"x.y", "z"};
  options.options = {"ndots:5"};
  CHECK(resolvConf(host, options) == "search x.y z\noptions ndots:5\nnameserver 192.0.2.53\n");
  ResolvOptions none;
  none.servers = {"none"};
  CHECK(resolvConf(host, none) == "search a.b\noptions ndots:2\n");
}

TEST_CASE("hosts: localhost lines, then the container's entries") {
  const std::string hosts = hostsFile({{"10.0.2.100", {"box", "web"}},
                                       {"", {"skipped"}},
                                       {"10.0.2.2", {"host.containers.internal"}}});
  CHECK(hosts ==
        "127.0.0.1\tlocalhost localhost.localdomain localhost4 localhost4.localdomain4\n"
        "::1\tlocalhost localhost.localdomain localhost6 localhost6.localdomain6\n"
        "10.0.2.100\tbox web\n"
        "10.0.2.2\thost.containers.internal\n");
}

TEST_CASE("pasta: ports, no gateway mapping unless asked, MTU") {
  UserModeNetwork network;
  network.command = "pasta";
  network.ports = {{"127.0.0.1", 80, 8080, 1, "tcp"}, {"", 90, 9000, 2, "udp"}};
  auto args = pastaArguments(network, "/proc/self/fd/3", "/run/x/pasta.pid");
  CHECK(contains(args, "127.0.0.1/8080:80"));
  CHECK(contains(args, "9000-9001:90-91"));
  CHECK(contains(args, "--no-map-gw"));
  CHECK(contains(args, "65520"));
  network.allowHostLoopback = true;
  network.ports.clear();
  args = pastaArguments(network, "/proc/self/fd/3", "/run/x/pasta.pid");
  CHECK_FALSE(contains(args, "--no-map-gw"));
  // No ports: none forwarded, not even the UDP twins of TCP ones.
  const auto t = std::find(args.begin(), args.end(), "-t");
  REQUIRE(t != args.end());
  CHECK(*(t + 1) == "none");
  const auto u = std::find(args.begin(), args.end(), "-u");
  REQUIRE(u != args.end());
  CHECK(*(u + 1) == "none");
}

TEST_CASE("slirp4netns: host loopback disabled unless asked") {
  UserModeNetwork network;
  network.command = "slirp4netns";
  auto args = slirpArguments(network, "/proc/self/fd/3", 4, 5, "/run/x/slirp.sock");
  CHECK(contains(args, "--disable-host-loopback"));
  CHECK(contains(args, "--mtu=65520"));
  CHECK(args.back() == "tap0");
  network.allowHostLoopback = true;
  network.mtu = 1500;
  args = slirpArguments(network, "/proc/self/fd/3", 4, 5, "/run/x/slirp.sock");
  CHECK_FALSE(contains(args, "--disable-host-loopback"));
  CHECK(contains(args, "--mtu=1500"));
}

TEST_CASE("the monitor's network configuration round-trips") {
  UserModeNetwork network;
  network.command = "pasta";
  network.program = "/usr/bin/pasta";
  network.ports = {{"", 80, 8080, 1, "tcp"}};
  network.allowHostLoopback = true;
  network.extraOptions = {"--map-gw"};
  network.runDir = "/run/x";
  const auto back = UserModeNetwork::fromJson(network.toJson());
  CHECK(back.command == "pasta");
  CHECK(back.ports == network.ports);
  CHECK(back.allowHostLoopback);
  CHECK(back.extraOptions == network.extraOptions);
  CHECK(back.runDir == "/run/x");
}
