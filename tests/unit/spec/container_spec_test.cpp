// SPDX-License-Identifier: Apache-2.0
#include "berth/spec/container_spec.hpp"

#include "berth/base/error.hpp"
#include "catch.hpp"

using namespace berth;
using namespace berth::spec;

TEST_CASE("ContainerSpec defaults round trip") {
  const ContainerSpec spec;
  const Json json = spec.toJson();
  CHECK(json["pidsLimit"].is_null());
  CHECK(json["readOnlyTmpfs"] == true);
  CHECK(json["entrypoint"].is_null());
  CHECK(json["logDriver"] == "k8s-file");
  CHECK(ContainerSpec::fromJson(json, "config.json").toJson() == json);
  // An empty object gives the defaults too.
  CHECK(ContainerSpec::fromJson(Json::object(), "x").toJson() == json);
}

TEST_CASE("ContainerSpec round trip keeps every field") {
  ContainerSpec s;
  s.name = "web";
  s.image = "busybox";
  s.imageId = "abc";
  s.command = {"httpd", "-f"};
  s.entrypoint = std::vector<std::string>{""};
  s.env = {"A=1"};
  s.envFiles = {"/e"};
  s.envFromFiles = {"B=2"};
  s.workdir = "/w";
  s.user = "1000:1000";
  s.hostname = "h";
  s.labels = {{"l", "v"}};
  s.annotations = {{"a", "v"}};
  s.stopSignal = 2;
  s.stopTimeout = 5;
  s.init = true;
  s.readOnly = true;
  s.readOnlyTmpfs = false;
  s.tmpfs = {{"tmpfs", "tmpfs", "/t", {"size=1m"}}};
  s.volumes = {{"bind", "/a", "/b", {"ro"}}, {"volume", "data", "/d", {}}};
  s.mounts = {{"bind", "/c", "/e", {"rshared"}}};
  s.capAdd = {"NET_ADMIN"};
  s.capDrop = {"CHOWN"};
  s.privileged = true;
  s.noNewPrivileges = true;
  s.seccompProfile = "unconfined";
  s.labelDisable = true;
  s.labelOptions = {"type:x"};
  s.unmaskAll = true;
  s.ulimits = {{"nofile", 10, -1}};
  s.sysctls = {{"net.x", "1"}};
  s.memory = 5 << 20;
  s.pidsLimit = -1;
  s.cpus = 1.5;
  s.cpuShares = 512;
  s.network = {NetworkMode::Kind::Path, "/run/netns/x", {}, {}};
  s.ports = {{"127.0.0.1", 80, 8080, 2, "udp"}};
  s.publishAll = true;
  s.rm = true;
  s.umask = 077;
  s.tty = true;
  s.interactive = true;
  s.logDriver = "none";
  s.logOpts = {{"max-size", "1m"}};
  s.restart = {"on-failure", 4};
  s.healthcheck = HealthCheck{{"CMD", "true"}, 1, 2, 3, 4};
  s.healthOnFailure = "kill";
  const Json json = s.toJson();
  const ContainerSpec back = ContainerSpec::fromJson(Json::parse(json.dump()), "x");
  CHECK(back.toJson() == json);
  CHECK(back.entrypoint == std::vector<std::string>{""});
  CHECK(back.network == s.network);
  // Bridge networks keep their attachments.
  s.network = {NetworkMode::Kind::Bridge,
               "",
               {},
               {{"web", {"www"}, "10.89.0.9", "02:00:00:00:00:01"}, {"db", {}, "", ""}}};
  CHECK(ContainerSpec::fromJson(Json::parse(s.toJson().dump()), "x").network == s.network);
  CHECK(back.ports == s.ports);
  CHECK(back.publishAll);
  CHECK(back.volumes == s.volumes);
  CHECK(back.ulimits == s.ulimits);
  CHECK(back.cpus == 1.5);
  CHECK(back.restart == s.restart);
  CHECK(back.healthcheck == s.healthcheck);
  CHECK(back.healthOnFailure == "kill");
}

TEST_CASE("ContainerSpec::fromJson names the bad field") {
  try {
    ContainerSpec::fromJson(Json{{"memory", "x"}}, "config.json");
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.kind() == Errc::InvalidArgument);
    CHECK(std::string(e.what()) == "config.json: spec.memory: expected a number");
  }
  CHECK_THROWS_AS(ContainerSpec::fromJson(Json{{"network", {{"mode", "macvlan"}}}}, "x"), Error);
}
