// SPDX-License-Identifier: Apache-2.0
#include <string>

#include "berth/base/error.hpp"
#include "berth/oci/json_encoding.hpp"
#include "berth/oci/runtime_spec.hpp"
#include "catch.hpp"
#include "podman_web_config.hpp"

using namespace berth;
using namespace berth::oci;

namespace {

std::string specError(const std::string& text) {
  try {
    Spec::fromJson(Json::parse(text), "config.json");
  } catch (const Error& e) {
    CHECK(e.kind() == Errc::InvalidArgument);
    return e.what();
  }
  FAIL("no error for " << text);
  return "";
}

}  // namespace

TEST_CASE("Podman's config.json parses into the model") {
  const Spec spec = Spec::fromJson(Json::parse(kPodmanWebConfig), "config.json");
  CHECK(spec.ociVersion == "1.0.2-dev");
  REQUIRE(spec.process);
  const Process& process = *spec.process;
  CHECK_FALSE(process.terminal);
  CHECK(process.user.uid == 0);
  CHECK(process.user.gid == 0);
  CHECK(process.user.umask == 18u);
  CHECK(process.user.additionalGids.empty());
  CHECK(process.args == std::vector<std::string>{"httpd", "-f", "-p", "80", "-h", "/var/www"});
  CHECK(process.env.size() == 7);
  CHECK(process.env[1] == "GREETING=hello world");
  CHECK(process.cwd == "/var/www");
  REQUIRE(process.capabilities);
  CHECK(process.capabilities->bounding.size() == 11);
  CHECK(process.capabilities->bounding.front() == "CAP_CHOWN");
  CHECK(process.capabilities->effective == process.capabilities->bounding);
  CHECK(process.capabilities->inheritable.empty());
  CHECK(process.capabilities->ambient.empty());
  REQUIRE(process.rlimits.size() == 2);
  CHECK(process.rlimits[0].type == "RLIMIT_NOFILE");
  CHECK(process.rlimits[0].hard == 20000);
  CHECK(process.rlimits[1].soft == 32768);
  CHECK_FALSE(process.noNewPrivileges);
  CHECK_FALSE(process.oomScoreAdj);

  REQUIRE(spec.root);
  CHECK(spec.root->path.ends_with("/merged"));
  CHECK_FALSE(spec.root->readonly);
  CHECK(spec.hostname == "webhost");

  REQUIRE(spec.mounts.size() == 12);
  CHECK(spec.mounts[0].destination == "/data");
  CHECK(spec.mounts[0].type == "bind");
  CHECK(spec.mounts[0].source == "/home/user/vol1");
  CHECK(spec.mounts[0].options == std::vector<std::string>{"ro", "rprivate", "rbind"});
  CHECK(spec.mounts[4].destination == "/dev/pts");
  CHECK(spec.mounts[4].type == "devpts");
  CHECK(spec.mounts[11].destination == "/sys/fs/cgroup");

  CHECK(spec.annotations.at("io.container.manager") == "libpod");
  CHECK(spec.annotations.size() == 8);

  REQUIRE(spec.linuxConfig);
  const Linux& linux_ = *spec.linuxConfig;
  CHECK(linux_.sysctl.at("net.ipv4.ping_group_range") == "0 0");
  REQUIRE(linux_.resources);
  CHECK_FALSE(linux_.resources->memory);
  CHECK_FALSE(linux_.resources->pidsLimit);
  REQUIRE(linux_.namespaces.size() == 5);
  CHECK(linux_.namespaces[0].type == "pid");
  CHECK(linux_.namespaces[0].path.empty());
  REQUIRE(linux_.findNamespace("network"));
  CHECK(linux_.findNamespace("network")->path.starts_with("/run/user/1001/netns/netns-"));
  CHECK(linux_.findNamespace("cgroup") == nullptr);
  REQUIRE(linux_.seccomp);
  CHECK(linux_.seccomp->defaultAction == "SCMP_ACT_ERRNO");
  CHECK(linux_.seccomp->defaultErrnoRet == 38u);
  CHECK(linux_.seccomp->syscalls.size() == 22);
  CHECK(linux_.maskedPaths.size() == 11);
  CHECK(linux_.maskedPaths[1] == "/proc/kcore");
  CHECK(linux_.readonlyPaths.back() == "/proc/sysrq-trigger");
  CHECK(linux_.uidMappings.empty());
  CHECK(linux_.cgroupsPath.empty());
}

TEST_CASE("Podman's config.json is written back to its exact bytes") {
  const Spec spec = Spec::fromJson(Json::parse(kPodmanWebConfig), "config.json");
  CHECK(encodeJson(spec.toJson()) == kPodmanWebConfig);
  // Through a copy of each record too: the model, not just the kept JSON.
  Spec copy = spec;
  copy.extra = Json::object();
  copy.process->extra = Json::object();
  copy.process->user.extra = Json::object();
  copy.process->capabilities->extra = Json::object();
  for (auto& limit : copy.process->rlimits)
    limit.extra = Json::object();
  copy.root->extra = Json::object();
  for (auto& mount : copy.mounts)
    mount.extra = Json::object();
  copy.linuxConfig->extra = Json::object();
  copy.linuxConfig->resources->extra = Json::object();
  CHECK(encodeJson(copy.toJson()) == kPodmanWebConfig);
}

TEST_CASE("a spec built from scratch follows Go's order and omitempty") {
  Spec spec;
  spec.process.emplace();
  spec.process->args = {"sh"};
  spec.process->cwd = "/";
  spec.process->user.umask = 0;
  spec.process->user.additionalGids = {10, 20};
  spec.process->oomScoreAdj = 0;
  spec.process->noNewPrivileges = true;
  spec.root = Root{"/rootfs", true, Json::object()};
  spec.mounts.push_back({"/tmp", "tmpfs", "tmpfs", {}, Json::object()});
  spec.linuxConfig.emplace();
  spec.linuxConfig->namespaces = {{"pid", ""}, {"network", "/run/netns/x"}};
  spec.linuxConfig->uidMappings = {{0, 1000, 1}};
  spec.linuxConfig->resources.emplace();
  spec.linuxConfig->resources->pidsLimit = 100;
  spec.linuxConfig->resources->memory.emplace();
  spec.linuxConfig->resources->memory->limit = 1 << 20;
  spec.linuxConfig->resources->cpu.emplace();
  spec.linuxConfig->resources->cpu->quota = 50000;
  spec.linuxConfig->resources->cpu->period = 100000;
  CHECK(encodeJson(spec.toJson()) ==
        R"({"ociVersion":"1.0.2-dev","process":{"user":{"uid":0,"gid":0,"umask":0,)"
        R"("additionalGids":[10,20]},"args":["sh"],"cwd":"/","noNewPrivileges":true,)"
        R"("oomScoreAdj":0},"root":{"path":"/rootfs","readonly":true},)"
        R"("mounts":[{"destination":"/tmp","type":"tmpfs","source":"tmpfs"}],)"
        R"("linux":{"uidMappings":[{"containerID":0,"hostID":1000,"size":1}],)"
        R"("resources":{"memory":{"limit":1048576},"cpu":{"quota":50000,"period":100000},)"
        R"("pids":{"limit":100}},"namespaces":[{"type":"pid"},)"
        R"({"type":"network","path":"/run/netns/x"}]}})");
  // And it reads back to the same document.
  const Spec again = Spec::fromJson(spec.toJson(), "built");
  CHECK(encodeJson(again.toJson()) == encodeJson(spec.toJson()));
  CHECK(again.process->user.umask == 0u);
  CHECK(again.linuxConfig->resources->pidsLimit == 100);
  CHECK(again.linuxConfig->resources->cpu->period == 100000u);
}

// process.user is a struct, not a pointer, in Go: always written.
TEST_CASE("unknown fields survive a change to a known one") {
  const Spec original = Spec::fromJson(
      Json::parse(R"({"ociVersion":"1.0.2","process":{"cwd":"/","apparmorProfile":"x",)"
                  R"("args":["a"]},"hooks":{"prestart":[]},"linux":{"devices":[]}})"),
      "config.json");
  Spec spec = original;
  spec.process->args = {"b", "c"};
  spec.hostname = "h";
  CHECK(encodeJson(spec.toJson()) ==
        R"({"ociVersion":"1.0.2","process":{"cwd":"/","apparmorProfile":"x",)"
        R"("args":["b","c"],"user":{"uid":0,"gid":0}},"hooks":{"prestart":[]},)"
        R"("linux":{"devices":[]},"hostname":"h"})");
}

TEST_CASE("rlimit values above INT64_MAX are accepted") {
  const Spec spec =
      Spec::fromJson(Json::parse(R"({"ociVersion":"1.0.2","process":{"cwd":"/","rlimits":[{"type":)"
                                 R"("RLIMIT_CORE","hard":18446744073709551615,"soft":0}]}})"),
                     "config.json");
  CHECK(spec.process->rlimits[0].hard == UINT64_MAX);
  CHECK(encodeJson(spec.toJson()).find("18446744073709551615") != std::string::npos);
}

TEST_CASE("malformed specs are rejected with the field's path") {
  CHECK(specError(R"({"process":{"cwd":"/"}})") ==
        "config.json: spec.ociVersion: missing required field");
  CHECK(specError(R"({"ociVersion":"1","process":{"args":["a"]}})") ==
        "config.json: spec.process.cwd: missing required field");
  CHECK(specError(R"({"ociVersion":"1","process":{"cwd":"/","user":{"uid":-1}}})") ==
        "config.json: spec.process.user.uid: -1 is out of range: expected 0..4294967295");
  CHECK(specError(R"({"ociVersion":"1","root":{}})") ==
        "config.json: spec.root.path: missing required field");
  CHECK(specError(R"({"ociVersion":"1","mounts":[{"type":"tmpfs"}]})") ==
        "config.json: spec.mounts[0].destination: missing required field");
  CHECK(specError(R"({"ociVersion":"1","linux":{"namespaces":[{"path":"/x"}]}})") ==
        "config.json: spec.linux.namespaces[0].type: missing required field");
  CHECK(specError(R"({"ociVersion":"1","process":{"cwd":"/","oomScoreAdj":5000}})") ==
        "config.json: spec.process.oomScoreAdj: 5000 is out of range: expected -1000..1000");
  CHECK(specError(R"({"ociVersion":"1","process":{"cwd":"/","user":{"additionalGids":["x"]}}})") ==
        "config.json: spec.process.user.additionalGids[0]: expected a group id 0..4294967295");
}
