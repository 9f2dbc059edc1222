// SPDX-License-Identifier: Apache-2.0
#include "berth/runtime/seccomp.hpp"

#include <linux/netlink.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>

#include "berth/base/error.hpp"
#include "berth/base/sha256.hpp"
#include "berth/oci/json_fields.hpp"
#include "berth/runtime/capabilities.hpp"
#include "catch.hpp"
#include "forked_child.hpp"
#include "test_dir.hpp"

using namespace berth;
using namespace berth::runtime;
using Names = std::vector<std::string>;

namespace {

const SeccompHost kAmd64{"amd64", 5, 10};
const SeccompHost kArm64{"arm64", 4, 4};

Error errorOf(const std::function<void()>& call) {
  try {
    call();
  } catch (const Error& e) {
    return e;
  }
  return Error(Errc::Internal, "(no error)");
}

oci::LinuxSeccomp convert(std::string_view json, const Names& caps = {},
                          const SeccompHost& host = kAmd64) {
  auto result = parseSeccompProfile(json, "test.json", caps, host);
  REQUIRE(result);
  return *result;
}

// The action the profile takes for a syscall called with no arguments
// matched: the first rule without args naming it, else the default.
std::string actionFor(const oci::LinuxSeccomp& seccomp, std::string_view name,
                      std::optional<std::uint32_t>* errnoRet = nullptr) {
  for (const auto& call : seccomp.syscalls) {
    if (!call.args.empty()) continue;
    if (std::find(call.names.begin(), call.names.end(), name) == call.names.end()) continue;
    if (errnoRet) *errnoRet = call.errnoRet;
    return call.action;
  }
  if (errnoRet) *errnoRet = seccomp.defaultErrnoRet;
  return "default";
}

}  // namespace

TEST_CASE("linux.seccomp JSON: runtime-spec field order and omitempty, values up to 2^64-1") {
  const std::string text =
      R"({"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":38,)"
      R"("architectures":["SCMP_ARCH_X86_64","SCMP_ARCH_X86"],"flags":["SECCOMP_FILTER_FLAG_LOG"],)"
      R"("syscalls":[{"names":["kexec_load"],"action":"SCMP_ACT_ERRNO","errnoRet":1},)"
      R"({"names":["read","write"],"action":"SCMP_ACT_ALLOW"},)"
      R"({"names":["personality"],"action":"SCMP_ACT_ALLOW",)"
      R"("args":[{"index":0,"value":4294967295,"op":"SCMP_CMP_EQ"}]},)"
      R"({"names":["clone"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,)"
      R"("value":18446744073709551615,"valueTwo":2114060288,"op":"SCMP_CMP_MASKED_EQ"}]}]})";
  const auto seccomp = oci::LinuxSeccomp::fromJson(parseJson(text, "t"), "config.json");
  CHECK(seccomp.defaultErrnoRet == 38U);
  REQUIRE(seccomp.syscalls.size() == 4);
  CHECK(seccomp.syscalls[0].errnoRet == 1U);
  CHECK_FALSE(seccomp.syscalls[1].errnoRet);
  CHECK(seccomp.syscalls[3].args[0].value == 18446744073709551615ULL);
  CHECK(seccomp.syscalls[3].args[0].valueTwo == 2114060288);
  CHECK(seccomp.toJson().dump() == text);
  CHECK(oci::LinuxSeccomp::fromJson(seccomp.toJson(), "again") == seccomp);

  // valueTwo 0 and empty lists are left out; defaultAction always written.
  oci::LinuxSeccomp minimal;
  minimal.defaultAction = "SCMP_ACT_ALLOW";
  minimal.syscalls.push_back(
      {{"getpid"}, "SCMP_ACT_ERRNO", std::nullopt, {{1, 5, 0, "SCMP_CMP_GT"}}});
  CHECK(minimal.toJson().dump() ==
        R"({"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["getpid"],)"
        R"("action":"SCMP_ACT_ERRNO","args":[{"index":1,"value":5,"op":"SCMP_CMP_GT"}]}]})");
}

TEST_CASE("linux.seccomp JSON: bad numbers are errors naming the field") {
  const auto bad = [](const char* text) {
    return std::string(
        errorOf([&] { oci::LinuxSeccomp::fromJson(parseJson(text, "t"), "config.json"); }).what());
  };
  CHECK(bad(R"({"defaultAction":"SCMP_ACT_ALLOW","defaultErrnoRet":-1})") ==
        "config.json: seccomp.defaultErrnoRet: -1 is negative: expected an unsigned integer");
  CHECK(bad(R"({"syscalls":[{"names":["read"],"args":[{"index":0,"value":"1"}]}]})") ==
        "config.json: seccomp.syscalls[0].args[0].value: expected an unsigned integer, not \"1\"");
  CHECK(bad(R"({"syscalls":[{"names":"read"}]})") ==
        "config.json: seccomp.syscalls[0].names: expected an array of strings, not a string");
}

TEST_CASE("Docker profiles: includes and excludes by capability, as containers/common decides") {
  const char* profile = R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
      {"names": ["chroot"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_CHROOT"]}},
      {"names": ["chroot"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1,
       "excludes": {"caps": ["CAP_SYS_CHROOT"]}},
      {"names": ["both"], "action": "SCMP_ACT_ALLOW",
       "includes": {"caps": ["CAP_SYS_ADMIN", "CAP_NET_ADMIN"]}},
      {"names": ["either"], "action": "SCMP_ACT_LOG",
       "excludes": {"caps": ["CAP_SYS_ADMIN", "CAP_NET_ADMIN"]}}]})";
  auto seccomp = convert(profile, {"CAP_SYS_CHROOT", "CAP_NET_ADMIN"});
  CHECK(actionFor(seccomp, "chroot") == "SCMP_ACT_ALLOW");
  CHECK(actionFor(seccomp, "both") == "default");
  CHECK(actionFor(seccomp, "either") == "default");
  CHECK(seccomp.syscalls.size() == 1);

  seccomp = convert(profile, {"CAP_SYS_ADMIN", "CAP_NET_ADMIN"});
  std::optional<std::uint32_t> errnoRet;
  CHECK(actionFor(seccomp, "chroot", &errnoRet) == "SCMP_ACT_ERRNO");
  CHECK(errnoRet == 1U);
  CHECK(actionFor(seccomp, "both") == "SCMP_ACT_ALLOW");

  seccomp = convert(profile, {});
  CHECK(actionFor(seccomp, "either") == "SCMP_ACT_LOG");
}

TEST_CASE("Docker profiles: architectures, archMap, arches and minKernel") {
  const char* profile = R"({"defaultAction": "SCMP_ACT_ERRNO",
    "archMap": [
      {"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]},
      {"architecture": "SCMP_ARCH_AARCH64", "subArchitectures": ["SCMP_ARCH_ARM"]}],
    "syscalls": [
      {"names": ["arch_prctl"], "action": "SCMP_ACT_ALLOW", "includes": {"arches": ["amd64"]}},
      {"names": ["not_arm"], "action": "SCMP_ACT_ALLOW", "excludes": {"arches": ["arm64", "arm"]}},
      {"name": "clone3", "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "5.3"}},
      {"name": "clone3", "action": "SCMP_ACT_ERRNO", "errnoRet": 38,
       "excludes": {"minKernel": "5.3"}}]})";
  auto seccomp = convert(profile, {}, kAmd64);
  CHECK(seccomp.architectures == Names{"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"});
  CHECK(actionFor(seccomp, "arch_prctl") == "SCMP_ACT_ALLOW");
  CHECK(actionFor(seccomp, "not_arm") == "SCMP_ACT_ALLOW");
  CHECK(actionFor(seccomp, "clone3") == "SCMP_ACT_ALLOW");  // 5.10 >= 5.3

  seccomp = convert(profile, {}, kArm64);
  CHECK(seccomp.architectures == Names{"SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"});
  CHECK(actionFor(seccomp, "arch_prctl") == "default");
  CHECK(actionFor(seccomp, "not_arm") == "default");
  CHECK(actionFor(seccomp, "clone3") == "SCMP_ACT_ERRNO");  // 4.4 < 5.3

  // minKernel compares major and minor only: 5.3.18-suse counts as 5.3.
  CHECK(actionFor(convert(profile, {}, {"amd64", 5, 3}), "clone3") == "SCMP_ACT_ALLOW");
  CHECK(actionFor(convert(profile, {}, {"amd64", 4, 20}), "clone3") == "SCMP_ACT_ERRNO");

  // A plain architectures list is kept as given; no matching archMap entry: none.
  seccomp = convert(R"({"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86"]})");
  CHECK(seccomp.architectures == Names{"SCMP_ARCH_X86"});
  CHECK(convert(profile, {}, {"s390x", 5, 0}).architectures.empty());
}

TEST_CASE("Docker profiles: name, errno names, disabled profiles") {
  auto seccomp = convert(R"({"defaultAction": "SCMP_ACT_ERRNO", "defaultErrno": "ENOSYS",
      "syscalls": [{"name": "read", "action": "SCMP_ACT_ALLOW", "comment": "one name"},
                   {"names": ["mount"], "action": "SCMP_ACT_ERRNO", "errno": "EPERM"},
                   {"names": ["umount2"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13,
                    "errno": "EPERM"},
                   {"names": [], "action": "SCMP_ACT_ALLOW"}]})");
  CHECK(seccomp.defaultErrnoRet == std::optional<std::uint32_t>(ENOSYS));
  REQUIRE(seccomp.syscalls.size() == 3);
  CHECK(seccomp.syscalls[0].names == Names{"read"});
  CHECK(seccomp.syscalls[1].errnoRet == std::optional<std::uint32_t>(EPERM));
  CHECK(seccomp.syscalls[2].errnoRet == 13U);  // errnoRet wins

  CHECK_FALSE(parseSeccompProfile("{}", "empty.json", {}, kAmd64));
  CHECK_FALSE(parseSeccompProfile(R"({"defaultAction": ""})", "empty.json", {}, kAmd64));
}

TEST_CASE("Docker profiles: one-line errors naming the file") {
  const auto message = [](std::string_view json) {
    const Error e = errorOf([&] { parseSeccompProfile(json, "/etc/p.json", {}, kAmd64); });
    CHECK(e.kind() == Errc::InvalidArgument);
    const std::string text = e.what();
    CHECK(text.find('\n') == std::string::npos);
    return text;
  };
  CHECK(message("not json")
            .starts_with(
                "loading seccomp profile (/etc/p.json) failed: decoding seccomp profile failed: "
                "invalid JSON: "));
  CHECK(message("[1, 2]") ==
        "loading seccomp profile (/etc/p.json) failed: profile: expected an object, not an array");
  CHECK(message(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"],
            "action": "SCMP_ACT_FOO"}]})") ==
        "loading seccomp profile (/etc/p.json) failed: profile.syscalls[0].action: unknown "
        "action \"SCMP_ACT_FOO\": expected SCMP_ACT_ALLOW, SCMP_ACT_ERRNO, SCMP_ACT_KILL, ...");
  CHECK(message(R"({"defaultAction": "ALLOW"})") ==
        "loading seccomp profile (/etc/p.json) failed: profile.defaultAction: unknown action "
        "\"ALLOW\": expected SCMP_ACT_ALLOW, SCMP_ACT_ERRNO, SCMP_ACT_KILL, ...");
  CHECK(message(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"],
            "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 1, "op": "EQ"}]}]})")
            .ends_with("profile.syscalls[0].args[0].op: unknown operator \"EQ\": expected "
                       "SCMP_CMP_EQ, SCMP_CMP_NE, ..."));
  CHECK(message(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"name": "read",
            "names": ["write"], "action": "SCMP_ACT_ALLOW"}]})")
            .ends_with("'name' and 'names' were specified in the seccomp profile, use either "
                       "'name' or 'names'"));
  CHECK(message(R"({"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86"],
            "archMap": [{"architecture": "SCMP_ARCH_X86_64"}]})")
            .ends_with("use either 'architectures' or 'archMap'"));
  CHECK(message(R"({"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_VAX"]})")
            .ends_with("profile.architectures[0]: unknown architecture \"SCMP_ARCH_VAX\""));
  CHECK(message(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"],
            "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "new"}}]})")
            .ends_with("profile.syscalls[0].includes.minKernel: invalid kernel version \"new\": "
                       "expected like \"4.8\""));
  CHECK(message(R"({"defaultAction": "SCMP_ACT_ERRNO", "defaultErrno": "EWHAT"})")
            .ends_with("profile.defaultErrno: unknown errno \"EWHAT\""));
}

TEST_CASE("seccomp=unconfined, a profile file, the default, and privileged") {
  const auto caps = defaultCapabilities();
  CHECK_FALSE(seccompForContainer("unconfined", caps, false));
  CHECK_FALSE(seccompForContainer("", caps, true));
  CHECK(seccompForContainer("", caps, false) == defaultSeccompProfile(caps));

  TestDir dir;
  const std::string path = dir.path() + "/profile.json";
  std::ofstream(path) << R"({"defaultAction": "SCMP_ACT_LOG"})";
  const auto fromFile = seccompForContainer(path, caps, true);
  REQUIRE(fromFile);
  CHECK(fromFile->defaultAction == "SCMP_ACT_LOG");

  std::ofstream(path) << "{ not json";
  CHECK(std::string(errorOf([&] { seccompForContainer(path, caps, false); }).what())
            .starts_with("loading seccomp profile (" + path + ") failed: "));
  CHECK(std::string(errorOf([&] { seccompForContainer(dir.path() + "/none", caps, false); }).what())
            .starts_with("opening seccomp profile failed: "));
}

TEST_CASE("the default profile is Podman 4.3's, resolved for the container's capabilities") {
  const auto defaults = defaultCapabilities();
  const auto seccomp = defaultSeccompProfile(defaults, kAmd64);
  CHECK(seccomp.defaultAction == "SCMP_ACT_ERRNO");
  CHECK(seccomp.defaultErrnoRet == std::optional<std::uint32_t>(ENOSYS));
  CHECK(seccomp.architectures == Names{"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"});
  CHECK(seccomp.syscalls.size() == 22);
  REQUIRE(seccomp.syscalls.size() > 1);
  CHECK(seccomp.syscalls[1].names.size() == 374);
  // The sha256 of linux.seccomp, compact, in the config.json Podman 4.3.1
  // wrote for `podman run` with default capabilities on x86_64
  // (shared/reference/podman-4.3.1-samples/oci-runtime-config-web.json).
  CHECK(sha256Hex(seccomp.toJson().dump()) ==
        "165019aad6524793ab0c229f7d0c19979f3d008ec5a72319c4ed3563174a0a2a");

  std::optional<std::uint32_t> errnoRet;
  // ptrace is allowed without CAP_SYS_PTRACE in Podman 4.3 (kcmp is not);
  // setns is in the allow list and in the EPERM rule without CAP_SYS_ADMIN,
  // and libseccomp keeps the first rule for a syscall: allowed.
  for (const char* name : {"read", "write", "execve", "clone3", "mount", "unshare", "keyctl",
                           "arch_prctl", "chroot", "ptrace", "reboot", "setns"}) {
    INFO(name);
    CHECK(actionFor(seccomp, name) == "SCMP_ACT_ALLOW");
  }
  for (const char* name :
       {"kexec_load", "sysfs", "userfaultfd", "sethostname", "bpf", "init_module", "kcmp"}) {
    INFO(name);
    CHECK(actionFor(seccomp, name, &errnoRet) == "SCMP_ACT_ERRNO");
    CHECK(errnoRet == std::optional<std::uint32_t>(EPERM));
  }
  CHECK(actionFor(seccomp, "add_key") == "default");
  CHECK(actionFor(seccomp, "s390_runtime_instr") == "default");

  // Capabilities open their syscalls; dropping one closes them with EPERM.
  auto more = defaults;
  more.push_back("CAP_SYS_ADMIN");
  more.push_back("CAP_SYS_BOOT");
  CHECK(actionFor(defaultSeccompProfile(more, kAmd64), "sethostname") == "SCMP_ACT_ALLOW");
  auto fewer = defaults;
  fewer.erase(std::find(fewer.begin(), fewer.end(), "CAP_SYS_CHROOT"));
  CHECK(actionFor(defaultSeccompProfile(fewer, kAmd64), "chroot", &errnoRet) == "SCMP_ACT_ERRNO");
  CHECK(errnoRet == std::optional<std::uint32_t>(EPERM));
  // kexec_load stays denied even with CAP_SYS_BOOT: Podman 4.3 lists it as EPERM outright.
  CHECK(actionFor(defaultSeccompProfile(more, kAmd64), "kexec_load") == "SCMP_ACT_ERRNO");
}

TEST_CASE("compiling filters with libseccomp") {
  const auto program = compileSeccomp(defaultSeccompProfile(defaultCapabilities()));
  CHECK(program.instructions.size() > 100);
  CHECK(program.flags == 0);

  oci::LinuxSeccomp seccomp;
  seccomp.defaultAction = "SCMP_ACT_ALLOW";
  seccomp.flags = {"SECCOMP_FILTER_FLAG_LOG"};
  seccomp.syscalls = {
      {{"no_such_syscall", "getppid"}, "SCMP_ACT_ERRNO", 1, {}},
      {{"getpid"}, "SCMP_ACT_ALLOW", std::nullopt, {}},  // same as the default: skipped
      {{"personality"},
       "SCMP_ACT_ERRNO",
       22,
       {{0, 1, 0, "SCMP_CMP_EQ"}, {0, 2, 0, "SCMP_CMP_EQ"}}},  // same index twice
  };
  CHECK(compileSeccomp(seccomp).flags == 2);

  seccomp.syscalls[0].action = "SCMP_ACT_BOGUS";
  CHECK(std::string(errorOf([&] { compileSeccomp(seccomp); }).what()) ==
        "seccomp rule for no_such_syscall: unknown action \"SCMP_ACT_BOGUS\"");
  seccomp.syscalls[0].action = "SCMP_ACT_ERRNO";
  seccomp.architectures = {"SCMP_ARCH_PDP11"};
  CHECK(std::string(errorOf([&] { compileSeccomp(seccomp); }).what()) ==
        "unknown seccomp architecture \"SCMP_ARCH_PDP11\"");
  seccomp.architectures.clear();
  seccomp.listenerPath = "/run/agent.sock";
  CHECK(errorOf([&] { compileSeccomp(seccomp); }).kind() == Errc::Unsupported);
}

TEST_CASE("installSeccomp with the default profile: Seccomp 2, denied calls fail (in a child)") {
  const auto result = runInChild([] {
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) throw std::runtime_error("no_new_privs");
    installSeccomp(defaultSeccompProfile(defaultCapabilities()));
    std::string report;
    const auto record = [&](const char* what, long rc) {
      report += fmt::format("{}={}\n", what, rc < 0 ? -errno : 0);
    };
    record("sysfs", ::syscall(SYS_sysfs, 3));                                    // EPERM list
    record("add_key", ::syscall(SYS_add_key, nullptr, nullptr, nullptr, 0, 0));  // not listed
    record("kexec_load", ::syscall(SYS_kexec_load, 0, 0, nullptr, 0));
    record("audit_socket", ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT));
    record("getppid", ::getppid());
    FILE* status = std::fopen("/proc/self/status", "re");
    char line[256];
    while (status && std::fgets(line, sizeof(line), status))
      if (std::strncmp(line, "Seccomp:", 8) == 0) report += line;
    if (status) std::fclose(status);
    return report;
  });
  INFO(result.output);
  REQUIRE(result.exitCode == 0);
  CHECK(result.output.find("Seccomp:\t2\n") != std::string::npos);
  CHECK(result.output.find(fmt::format("sysfs={}\n", -EPERM)) != std::string::npos);
  CHECK(result.output.find(fmt::format("add_key={}\n", -ENOSYS)) != std::string::npos);
  CHECK(result.output.find(fmt::format("kexec_load={}\n", -EPERM)) != std::string::npos);
  CHECK(result.output.find(fmt::format("audit_socket={}\n", -EINVAL)) != std::string::npos);
  CHECK(result.output.find("getppid=0\n") != std::string::npos);
}
