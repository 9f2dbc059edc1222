// SPDX-License-Identifier: Apache-2.0
// -p parsing, port range expansion and the final mappings; expected
// messages from podman 4.3.1 (`podman run -p <value> busybox true`).
#include "berth/spec/ports.hpp"

#include <functional>

#include "berth/base/error.hpp"
#include "catch.hpp"

using namespace berth;
using namespace berth::spec;

namespace {

std::string errorOf(const std::function<void()>& call) {
  try {
    call();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

PortMapping mapping(std::string ip, std::uint16_t container, std::uint16_t host,
                    std::uint16_t range = 1, std::string protocol = "tcp") {
  return {std::move(ip), container, host, range, std::move(protocol)};
}

}  // namespace

TEST_CASE("-p values parse as Podman parses them") {
  CHECK(parsePublish("80") == std::vector{mapping("", 80, 0)});
  CHECK(parsePublish("8080:80") == std::vector{mapping("", 80, 8080)});
  CHECK(parsePublish("127.0.0.1:8080:80/udp") ==
        std::vector{mapping("127.0.0.1", 80, 8080, 1, "udp")});
  CHECK(parsePublish("127.0.0.1::80") == std::vector{mapping("127.0.0.1", 80, 0)});
  CHECK(parsePublish("0.0.0.0:8080:80") == std::vector{mapping("", 80, 8080)});
  CHECK(parsePublish("[::1]:8080:80") == std::vector{mapping("::1", 80, 8080)});
  CHECK(parsePublish("8000-8002:80-82") == std::vector{mapping("", 80, 8000, 3)});
  CHECK(parsePublish("53:53/tcp,udp") ==
        std::vector{mapping("", 53, 53), mapping("", 53, 53, 1, "udp")});
  CHECK(parsePublish("80/SCTP") == std::vector{mapping("", 80, 0, 1, "sctp")});
}

TEST_CASE("bad -p values get Podman's messages") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"99999:80",
       "parsing host port: port numbers must be between 1 and 65535 (inclusive), got 99999"},
      {"0:80", "parsing host port: port numbers must be between 1 and 65535 (inclusive), got 0"},
      {"abc",
       "parsing container port: invalid port number: strconv.Atoi: parsing \"abc\": invalid "
       "syntax"},
      {" ",
       "parsing container port: invalid port number: strconv.Atoi: parsing \" \": invalid "
       "syntax"},
      {"80/xyz", "unrecognized protocol \"xyz\" in port mapping"},
      {"1:2:3:4", "invalid port format - format is [[hostIP:]hostPort:]containerPort"},
      {"::80", "must provide a non-empty container host IP to publish"},
      {"8080-8081:80", "host and container port ranges have different lengths: 2 vs 1"},
      {"80/tcp/udp", "invalid port format - protocol can only be specified once"},
      {"8080:", "must provide a non-empty container port to publish"},
      {"1.2.3:80:80", "cannot parse \"1.2.3\" as an IP address"},
      {"90-80",
       "parsing container port: the end port of a range must be higher than the start "
       "port - 80 is not higher than 90"},
      {"80-", "parsing container port: must provide ending number for port range"},
      {"1-2-3",
       "parsing container port: invalid port format - port ranges are formatted as "
       "startPort-stopPort"},
  };
  for (const auto& [value, message] : cases) {
    INFO(value);
    CHECK(errorOf([&] { parsePublish(value); }) == message);
  }
}

TEST_CASE("ranges expand into single ports") {
  const auto ports = expandPorts({mapping("", 90, 9000, 3, "udp"), mapping("1.2.3.4", 80, 8080)});
  REQUIRE(ports.size() == 4);
  CHECK(ports[0].containerPort == 90);
  CHECK(ports[0].hostPort == 9000);
  CHECK(ports[2].containerPort == 92);
  CHECK(ports[2].hostPort == 9002);
  CHECK(ports[2].protocol == "udp");
  CHECK(ports[3].hostIp == "1.2.3.4");
}

TEST_CASE("final mappings: sorted, joined, random host ports, -P") {
  std::uint16_t next = 40000;
  const RandomPortPicker pick = [&next](const std::string&) { return next++; };
  // Adjacent ports join into a range, as Podman shows them.
  CHECK(finalizePorts({mapping("", 81, 8081), mapping("", 80, 8080)}, {}, false, pick) ==
        std::vector{mapping("", 80, 8080, 2)});
  // Not adjacent in the container: two mappings, sorted by host port.
  CHECK(finalizePorts({mapping("", 90, 9001), mapping("", 80, 8080)}, {}, false, pick) ==
        std::vector{mapping("", 80, 8080), mapping("", 90, 9001)});
  // Host port 0: a random one.
  CHECK(finalizePorts({mapping("", 80, 0)}, {}, false, pick) ==
        std::vector{mapping("", 80, 40000)});
  // -P: exposed ports not published yet get random ones.
  const std::map<std::uint16_t, std::vector<std::string>> exposed = {{80, {"tcp"}}, {53, {"udp"}}};
  CHECK(finalizePorts({mapping("", 80, 8080)}, exposed, true, pick) ==
        std::vector{mapping("", 80, 8080), mapping("", 53, 40001, 1, "udp")});
  CHECK(finalizePorts({}, exposed, false, pick).empty());
  CHECK(errorOf([&] {
          finalizePorts({mapping("", 80, 8080, 3), mapping("", 90, 8081)}, {}, false, pick);
        }) == "conflicting port mappings for host port 8081 (protocol tcp)");
  CHECK(errorOf([&] { finalizePorts({mapping("", 65535, 8080, 2)}, {}, false, pick); }) ==
        "container port range exceeds maximum allowable port number");
}

TEST_CASE("EXPOSE keys and the PORTS column") {
  const auto exposed = parseExposedPorts({"80/tcp", "53/udp", "8000-8001"});
  CHECK(exposed.at(80) == std::vector<std::string>{"tcp"});
  CHECK(exposed.at(53) == std::vector<std::string>{"udp"});
  CHECK(exposed.count(8001) == 1);
  CHECK(portsColumn({mapping("", 80, 8080), mapping("127.0.0.1", 90, 9000, 2, "udp")}) ==
        "0.0.0.0:8080->80/tcp, 127.0.0.1:9000-9001->90-91/udp");
  CHECK(portsColumn({}).empty());
}

TEST_CASE("--dns and --add-host values") {
  CHECK(parseDnsServer("192.0.2.1") == "192.0.2.1");
  CHECK(parseDnsServer("none") == "none");
  CHECK(errorOf([] { parseDnsServer("bogus"); }) == "bogus is not an ip address");
  CHECK(parseAddHost("db:192.0.2.1") == "db:192.0.2.1");
  CHECK(parseAddHost("db:2001:db8::1") == "db:2001:db8::1");
  CHECK(errorOf([] { parseAddHost("db"); }) == "bad format for add-host: \"db\"");
  CHECK(errorOf([] { parseAddHost(":1.2.3.4"); }) == "bad format for add-host: \":1.2.3.4\"");
  CHECK(errorOf([] { parseAddHost("db:x"); }) == "invalid IP address in add-host: \"x\"");
}
