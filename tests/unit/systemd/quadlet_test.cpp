// SPDX-License-Identifier: Apache-2.0
// Quadlet files: the converter's errors and words, and generate quadlet's
// files read back by the converter.
#include "berth/systemd/quadlet.hpp"
#include "berth/base/error.hpp"
#include "catch.hpp"

using namespace berth::systemd;

namespace {

std::string execStart(const Unit& unit) {
  const auto at = unit.content.find("\nExecStart=");
  REQUIRE(at != std::string::npos);
  const auto end = unit.content.find('\n', at + 1);
  return unit.content.substr(at + 11, end - at - 11);
}

}  // namespace

TEST_CASE("a .container becomes a notify service running berth run", "[systemd][quadlet]") {
  const Unit unit = quadletUnit("/q/web.container",
                                "[Container]\nImage=busybox\nExec=echo \"a b\" 100%% $$HOME\n"
                                "Environment=A=1 \"B=x y\"\nUser=5\nGroup=6\n"
                                "Volume=%h/data:/data\n",
                                QuadletContext{"/bin/berth"});
  CHECK(unit.name == "web");
  CHECK(
      execStart(unit) ==
      "/bin/berth run --name=systemd-%N --cidfile=%t/%N.cid --replace --rm -d "
      "--sdnotify=conmon --env A=1 --env \"B=x y\" --volume %h/data:/data --user 5:6 busybox echo "
      "\"a b\" 100%% $$HOME");
  CHECK(unit.content.find("Type=notify\nNotifyAccess=all\n") != std::string::npos);
  CHECK(unit.content.find("SourcePath=/q/web.container\n") != std::string::npos);
}

TEST_CASE("quadlet errors name the file and line", "[systemd][quadlet]") {
  CHECK_THROWS_WITH(quadletUnit("/q/a.container", "[Container]\nExec=true\n", {}),
                    "/q/a.container: no Image= key in section [Container]");
  CHECK_THROWS_WITH(quadletUnit("/q/a.container", "# c\n[Container]\nImage=x\nFoo=1\n", {}),
                    "/q/a.container:4: unknown key 'Foo' in section [Container]");
  CHECK_THROWS_WITH(
      quadletUnit("/q/a.container", "[Container]\nImage=x\nPublishPort=1:2:3:4\n", {}),
      Catch::StartsWith("/q/a.container:3: invalid PublishPort '1:2:3:4': "));
  CHECK_THROWS_WITH(quadletUnit("/q/a.container", "[Container]\nImage=x\nReadOnly=maybe\n", {}),
                    "/q/a.container:3: invalid boolean 'maybe' for ReadOnly");
  CHECK_THROWS_WITH(quadletUnit("/q/a.container", "[Container]\nImage=x\nExec=\"open\n", {}),
                    Catch::StartsWith("/q/a.container:3: Exec: unterminated quote"));
  CHECK_THROWS_WITH(quadletUnit("/q/a.container", "[Box]\n", {}),
                    "/q/a.container: unknown section [Box]");
  CHECK_THROWS_WITH(quadletUnit("/q/a.kube", "[Kube]\n", {}),
                    "/q/a.kube: not a Quadlet file (.container, .pod, .network or .volume)");
  CHECK_THROWS_WITH(quadletUnit("/q/a.container", "[Container]\nImage=x\nPod=p.pod\n", {}),
                    "/q/a.container:3: Pod=p.pod: no Quadlet file p.pod beside it");
  CHECK_THROWS_WITH(quadletUnit("/q/a.container", "[Container]\nImage=x\nPod=p\n", {}),
                    "/q/a.container:3: Pod=p: not a Quadlet .pod file");
  CHECK_THROWS_WITH(quadletUnit("/q/a.pod", "[Pod]\nVolume=/a:/b\n", {}),
                    "/q/a.pod:2: unknown key 'Volume' in section [Pod]");
  CHECK_THROWS_WITH(quadletUnit("/q/a.pod", "[Pod]\nPublishPort=x\n", {}),
                    Catch::StartsWith("/q/a.pod:2: invalid PublishPort 'x': "));
  CHECK_THROWS_WITH(quadletUnit("/q/a.pod", "[Pod]\nExitPolicy=never\n", {}),
                    "/q/a.pod:2: invalid ExitPolicy 'never': expected stop or continue");
  CHECK_THROWS_WITH(quadletUnit("/q/n.network", "[Network]\nGateway=10.1.0.1\n", {}),
                    "/q/n.network:2: Gateway= without a Subnet= of its own");
  CHECK_THROWS_WITH(
      quadletUnit("/q/n.network", "[Network]\nSubnet=10.1.0.0/24\n\nSubnet=10.2.0.0/24\n", {}),
      "/q/n.network:4: a second Subnet=: berth networks have one subnet");
  CHECK_THROWS_WITH(quadletUnit("/q/n.network", "[Network]\nIPv6=true\n", {}),
                    "/q/n.network:2: unknown key 'IPv6' in section [Network]");
}

TEST_CASE("a .volume becomes a oneshot volume create", "[systemd][quadlet]") {
  const Unit unit =
      quadletUnit("/q/data.volume", "[Volume]\nLabel=a=b\nUser=7\nOptions=size=1m\nType=tmpfs\n",
                  QuadletContext{"/bin/berth"});
  CHECK(unit.name == "data-volume");
  CHECK(execStart(unit) ==
        "/bin/berth volume create --ignore --label a=b --uid 7 --opt type=tmpfs --opt o=size=1m "
        "systemd-data");
  // Specifiers stay live, as in Podman's quadlet.
  CHECK(execStart(quadletUnit("/q/data.volume", "[Volume]\nVolumeName=%u data\n",
                              QuadletContext{"/bin/berth"})) ==
        "/bin/berth volume create --ignore \"%u data\"");
}

TEST_CASE("generate quadlet: a create command becomes a .container", "[systemd][quadlet]") {
  const Unit file = quadletContainerFile("web", {"/usr/bin/berth",
                                                 "--root",
                                                 "/r",
                                                 "run",
                                                 "-d",
                                                 "--rm",
                                                 "--name",
                                                 "web",
                                                 "-e",
                                                 "G=hello world",
                                                 "-p",
                                                 "8080:80",
                                                 "-u",
                                                 "1:2",
                                                 "--read-only",
                                                 "-h",
                                                 "host",
                                                 "--stop-timeout=5",
                                                 "-it",
                                                 "--sdnotify=container",
                                                 "busybox",
                                                 "sh",
                                                 "-c",
                                                 "echo \"$X\""});
  CHECK(file.name == "web.container");
  CHECK(file.content ==
        "[Container]\nImage=busybox\nContainerName=web\nEnvironment=\"G=hello world\"\n"
        "PublishPort=8080:80\nReadOnly=true\nNotify=true\nUser=1\nGroup=2\n"
        "Exec=sh -c \"echo \\\"$$X\\\"\"\nGlobalArgs=--root /r\n"
        "BerthArgs=-h host --stop-timeout=5 -it\n\n[Install]\nWantedBy=default.target\n");
  // The converter reads it back into the same command.
  const Unit unit = quadletUnit("/q/web.container", file.content, QuadletContext{"/b"});
  CHECK(execStart(unit) ==
        "/b --root /r run --name=web --cidfile=%t/%N.cid --replace --rm -d --sdnotify=container "
        "--env \"G=hello world\" --publish 8080:80 --read-only --user 1:2 -h host "
        "--stop-timeout=5 -it busybox sh -c \"echo \\\"$$X\\\"\"");
}

namespace {

const Unit& unitOf(const std::vector<QuadletResult>& results, std::string_view path) {
  for (const auto& r : results)
    if (r.path == path) {
      INFO(r.error);
      REQUIRE(r.unit);
      return *r.unit;
    }
  FAIL("no result for " << path);
  throw;
}

}  // namespace

TEST_CASE("a set: Pod=, Network=, Volume= name the other files' objects", "[systemd][quadlet]") {
  const auto results = quadletUnits(
      {
          {"/q/web.container",
           "[Container]\nImage=busybox\nPod=shop.pod\nNetwork=back.network\n"
           "Volume=data.volume:/data:ro\n"},
          {"/q/shop.pod",
           "[Pod]\nPodName=my shop\nPublishPort=8080:80\nNetwork=slirp4netns\n"
           "Label=a=b\nBerthArgs=--hostname h\n"},
          {"/q/bad.pod", "[Pod]\nNetwork=web.container\n"},
          {"/q/back.network",
           "[Network]\nSubnet=10.89.7.0/24\nGateway=10.89.7.1\n"
           "Internal=yes\nLabel=x=y\nNetworkDeleteOnStop=true\n"},
          {"/q/data.volume", "[Volume]\n"},
          {"/q/net.pod", "[Pod]\nNetwork=back.network\n"},
          {"/q/bad.container", "[Container]\nImage=busybox\nPod=none.pod\n"},
      },
      QuadletContext{"/b"});
  const Unit& web = unitOf(results, "/q/web.container");
  CHECK(web.name == "web");
  CHECK(execStart(web) ==
        "/b run --name=systemd-%N --cidfile=%t/%N.cid --replace --rm -d --sdnotify=conmon "
        "--pod \"my shop\" --network systemd-back --volume systemd-data:/data:ro busybox");
  CHECK(web.content.find("[Unit]\nBindsTo=shop-pod.service\nAfter=shop-pod.service\n"
                         "Requires=back-network.service\nAfter=back-network.service\n"
                         "Requires=data-volume.service\nAfter=data-volume.service\n") !=
        std::string::npos);

  const Unit& pod = unitOf(results, "/q/shop.pod");
  CHECK(pod.name == "shop-pod");
  CHECK(pod.content.find("[Unit]\nWants=web.service\nBefore=web.service\nSourcePath=") !=
        std::string::npos);
  CHECK(pod.content.find("Type=forking\nRestart=on-failure\nPIDFile=%t/%N.pid\n") !=
        std::string::npos);
  CHECK(pod.content.find(
            "ExecStartPre=/b pod create --infra-conmon-pidfile=%t/%N.pid --replace --exit-policy "
            "stop --publish 8080:80 --label a=b --network slirp4netns --infra-name "
            "\"my shop-infra\" --name \"my shop\" --hostname h\n"
            "ExecStart=/b pod start \"my shop\"\n"
            "ExecStop=/b pod stop --ignore --time=10 \"my shop\"\n"
            "ExecStopPost=/b pod rm --ignore --force \"my shop\"\n") != std::string::npos);

  const Unit& network = unitOf(results, "/q/back.network");
  CHECK(network.name == "back-network");
  CHECK(execStart(network) ==
        "/b network create --ignore --internal --subnet 10.89.7.0/24 --gateway 10.89.7.1 --label "
        "x=y systemd-back");
  CHECK(network.content.find("ExecStopPost=/b network rm systemd-back\nType=oneshot\n"
                             "RemainAfterExit=yes\n") != std::string::npos);
  CHECK(unitOf(results, "/q/data.volume").name == "data-volume");
  CHECK(results[2].error ==
        "/q/bad.pod:2: Network=web.container: a pod cannot join another container's network");
  const Unit& netPod = unitOf(results, "/q/net.pod");
  CHECK(netPod.content.find("--network systemd-back --infra-name systemd-net-infra") !=
        std::string::npos);
  CHECK(netPod.content.find("Requires=back-network.service\nAfter=back-network.service\n") !=
        std::string::npos);
  CHECK(results.back().error ==
        "/q/bad.container:3: Pod=none.pod: no Quadlet file none.pod beside it");
}

TEST_CASE("generate quadlet: a pod's create command, a network's record", "[systemd][quadlet]") {
  const Unit pod = quadletPodFile(
      "shop", {"/usr/bin/berth", "--root", "/r", "pod", "create", "--name", "shop", "-p", "8080:80",
               "--label", "team=web shop", "--replace", "--infra-conmon-pidfile", "/x.pid",
               "--network=back", "--share", "net"});
  CHECK(pod.name == "shop.pod");
  CHECK(pod.content ==
        "[Pod]\nPodName=shop\nPublishPort=8080:80\nLabel=\"team=web shop\"\nNetwork=back\n"
        "GlobalArgs=--root /r\nBerthArgs=--share net\n\n[Install]\nWantedBy=default.target\n");
  const Unit unit = quadletUnit("/q/shop.pod", pod.content, QuadletContext{"/b"});
  CHECK(unit.content.find(
            "ExecStartPre=/b --root /r pod create --infra-conmon-pidfile=%t/%N.pid "
            "--replace --exit-policy stop --publish 8080:80 --label \"team=web "
            "shop\" --network back --infra-name shop-infra --name shop --share net\n") !=
        std::string::npos);
  CHECK_THROWS_WITH(quadletPodFile("p", {"berth", "run", "x"}),
                    "pod p: its create command has no pod create");

  const Unit member = quadletContainerFile(
      "web", {"berth", "run", "--pod", "shop", "--name", "web", "busybox"}, "shop");
  CHECK(member.content.find("Image=busybox\nPod=shop.pod\nContainerName=web\n") !=
        std::string::npos);

  const Unit network = quadletNetworkFile(berth::Json::parse(R"({"name": "back", "driver": "bridge",
      "subnets": [{"subnet": "10.89.7.0/24", "gateway": "10.89.7.1",
                   "lease_range": {"range": "10.89.7.128/25"}}],
      "internal": true, "dns_enabled": false, "labels": {"a": "b c"}})"));
  CHECK(network.name == "back.network");
  CHECK(network.content ==
        "[Network]\nNetworkName=back\nSubnet=10.89.7.0/24\nGateway=10.89.7.1\n"
        "IPRange=10.89.7.128/25\nInternal=true\nDisableDNS=true\nLabel=\"a=b c\"\n");
}
