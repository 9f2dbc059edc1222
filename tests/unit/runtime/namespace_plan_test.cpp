// SPDX-License-Identifier: Apache-2.0
// The launcher's checks of a spec that need no process: namespaces, sysctls.
#include <sched.h>
#include <sys/resource.h>

#include <map>
#include <string>

#include "berth/base/error.hpp"
#include "berth/runtime/launcher.hpp"
#include "catch.hpp"

using namespace berth;
using namespace berth::runtime;

namespace {

oci::Spec shell(const std::string& script) {
  oci::Spec spec;
  spec.process.emplace();
  spec.process->args = {"sh", "-c", script};
  spec.process->cwd = "/";
  spec.root = oci::Root{"/rootfs", false, Json::object()};
  spec.linuxConfig.emplace();
  spec.linuxConfig->namespaces = {{"pid", ""}, {"network", ""}, {"ipc", ""},
                                  {"uts", ""}, {"mount", ""},   {"cgroup", ""}};
  return spec;
}

}  // namespace

TEST_CASE("namespaces are planned from the spec") {
  oci::Spec spec = shell("true");
  NamespacePlan plan = planNamespaces(spec);
  CHECK(plan.cloneFlags == static_cast<unsigned long>(CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC |
                                                      CLONE_NEWUTS | CLONE_NEWNS));
  CHECK(plan.newCgroup);
  CHECK(plan.newNetwork);
  CHECK_FALSE(plan.newUser);
  CHECK(plan.joins.empty());

  spec.linuxConfig->namespaces[1].path = "/run/netns/x";
  spec.linuxConfig->namespaces[0].path = "/proc/7/ns/pid";
  plan = planNamespaces(spec);
  CHECK_FALSE(plan.newNetwork);
  CHECK_FALSE(plan.cloneFlags & CLONE_NEWNET);
  CHECK_FALSE(plan.cloneFlags & CLONE_NEWPID);
  REQUIRE(plan.joins.size() == 2);
  CHECK(plan.joins[0].type == CLONE_NEWPID);
  CHECK(plan.joins[1].path == "/run/netns/x");

  const auto error = [](const oci::Spec& s) {
    try {
      planNamespaces(s);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  spec = shell("true");
  spec.linuxConfig->namespaces.push_back({"bogus", ""});
  CHECK(error(spec) ==
        "unknown namespace type \"bogus\": expected pid, network, mount, ipc, uts, user or "
        "cgroup");
  spec = shell("true");
  spec.linuxConfig->namespaces.push_back({"pid", ""});
  CHECK(error(spec) == "namespace \"pid\" is listed twice");
  spec = shell("true");
  spec.linuxConfig->namespaces.push_back({"user", "/proc/1/ns/user"});
  CHECK(error(spec) == "joining an existing user namespace (/proc/1/ns/user) is not supported");
  spec = shell("true");
  spec.linuxConfig->namespaces.erase(spec.linuxConfig->namespaces.begin() + 4);  // mount
  CHECK(error(spec) ==
        "the spec has no mount namespace: the container's mounts would land on the host");
  spec = shell("true");
  spec.linuxConfig->namespaces[2].path = "ipc";
  CHECK(error(spec) == "namespace path \"ipc\" is not an absolute path");
}

TEST_CASE("sysctls must be namespaced and the namespace the container's") {
  const auto error = [](const std::map<std::string, std::string>& sysctls, bool hostNetwork) {
    oci::Spec spec = shell("true");
    spec.linuxConfig->sysctl = sysctls;
    if (hostNetwork) spec.linuxConfig->namespaces.erase(spec.linuxConfig->namespaces.begin() + 1);
    try {
      checkSysctls(spec, planNamespaces(spec));
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  CHECK(error({{"net.ipv4.ip_forward", "1"},
               {"kernel.shmmax", "1"},
               {"kernel.msgmax", "1"},
               {"kernel.sem", "1 2 3 4"},
               {"fs.mqueue.msg_max", "10"},
               {"kernel.domainname", "x"}},
              false) == "");
  CHECK(error({{"net.ipv4.ip_forward", "1"}}, true) ==
        "sysctl \"net.ipv4.ip_forward\" is not allowed: the container shares the host's network "
        "namespace");
  CHECK(error({{"kernel.pid_max", "1"}}, false) ==
        "sysctl \"kernel.pid_max\" is not namespaced: not allowed in a container");
  CHECK(error({{"net.ipv4/../../x", "1"}}, false) ==
        "sysctl \"net.ipv4/../../x\" is not a valid key");
}

TEST_CASE("rlimit names are the kernel's") {
  CHECK(rlimitResource("RLIMIT_NOFILE") == RLIMIT_NOFILE);
  CHECK(rlimitResource("RLIMIT_NPROC") == RLIMIT_NPROC);
  CHECK(rlimitResource("RLIMIT_RTTIME") == RLIMIT_RTTIME);
  try {
    rlimitResource("NOFILE");
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(std::string(e.what()) == "unknown rlimit \"NOFILE\": expected RLIMIT_NOFILE, ...");
  }
}
