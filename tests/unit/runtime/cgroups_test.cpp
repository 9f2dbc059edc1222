// SPDX-License-Identifier: Apache-2.0
#include "berth/runtime/cgroups.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "berth/base/error.hpp"
#include "berth/base/fs.hpp"
#include "berth/base/scope_exit.hpp"
#include "catch.hpp"

using namespace berth;
using namespace berth::runtime;

namespace {

// This machine's kind of host: systemd-less hybrid, v1 controllers each on
// its own mount, cgroup2 at .../unified.
constexpr std::string_view kHybridMountinfo =
    "22 1 8:1 / / rw,relatime - ext4 /dev/root rw\n"
    "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
    "33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
    "34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset\n"
    "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
    "36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices\n"
    "37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer\n"
    "38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio\n"
    "39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
    "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
    "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";

// systemd on Debian 10: legacy, cpu and cpuacct co-mounted, optional fields.
constexpr std::string_view kLegacyMountinfo =
    "25 18 0:22 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755\n"
    "28 25 0:25 / /sys/fs/cgroup/systemd rw,nosuid shared:10 - cgroup cgroup "
    "rw,xattr,name=systemd\n"
    "31 25 0:28 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid shared:13 - cgroup cgroup "
    "rw,cpu,cpuacct\n"
    "32 25 0:29 / /sys/fs/cgroup/memory rw,nosuid shared:14 - cgroup cgroup rw,memory\n"
    "33 25 0:30 / /sys/fs/cgroup/net_cls,net_prio rw,nosuid shared:15 - cgroup cgroup "
    "rw,net_cls,net_prio\n";

// systemd 247+ on Debian 11/12: unified.
constexpr std::string_view kUnifiedMountinfo =
    "26 22 0:23 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 "
    "rw,nsdelegate,memory_recursiveprot\n";

}  // namespace

TEST_CASE("cgroup mounts of a hybrid host") {
  const CgroupMounts mounts = parseCgroupMounts(kHybridMountinfo);
  CHECK(mounts.mode() == CgroupMode::Hybrid);
  REQUIRE(mounts.unified);
  CHECK(mounts.unified->mountPoint == "/sys/fs/cgroup/unified");
  CHECK(mounts.unified->root == "/");
  CHECK(mounts.v1.size() == 8);  // name=systemd is left out
  REQUIRE(mounts.v1Hierarchy("memory") != nullptr);
  CHECK(mounts.v1Hierarchy("memory")->mountPoint == "/sys/fs/cgroup/memory");
  CHECK(mounts.v1Hierarchy("cpu")->mountPoint == "/sys/fs/cgroup/cpu");
  CHECK(mounts.v1Hierarchy("cpuacct")->mountPoint == "/sys/fs/cgroup/cpuacct");
  CHECK(mounts.v1Hierarchy("pids")->controllers == std::vector<std::string>{"pids"});
  CHECK(mounts.v1Hierarchy("name=systemd") == nullptr);
  CHECK(mounts.v1Hierarchy("hugetlb") == nullptr);
}

TEST_CASE("cgroup mounts of a legacy host with co-mounted controllers") {
  const CgroupMounts mounts = parseCgroupMounts(kLegacyMountinfo);
  CHECK(mounts.mode() == CgroupMode::Legacy);
  CHECK_FALSE(mounts.unified);
  REQUIRE(mounts.v1.size() == 3);
  REQUIRE(mounts.v1Hierarchy("cpu") != nullptr);
  CHECK(mounts.v1Hierarchy("cpu") == mounts.v1Hierarchy("cpuacct"));
  CHECK(mounts.v1Hierarchy("cpu")->mountPoint == "/sys/fs/cgroup/cpu,cpuacct");
  CHECK(mounts.v1Hierarchy("cpu")->controllers == std::vector<std::string>{"cpu", "cpuacct"});
  CHECK(mounts.v1Hierarchy("net_prio")->mountPoint == "/sys/fs/cgroup/net_cls,net_prio");
}

TEST_CASE("cgroup mounts of a unified host") {
  const CgroupMounts mounts = parseCgroupMounts(kUnifiedMountinfo);
  CHECK(mounts.mode() == CgroupMode::Unified);
  REQUIRE(mounts.unified);
  CHECK(mounts.unified->mountPoint == "/sys/fs/cgroup");
  CHECK(mounts.v1.empty());
  CHECK(cgroupModeName(mounts.mode()) == "unified");
}

TEST_CASE("cgroup mounts: none, escapes, and the /sys/fs/cgroup mount preferred") {
  CHECK(parseCgroupMounts("").mode() == CgroupMode::None);
  CHECK(parseCgroupMounts("garbage\n1 2 3\n").mode() == CgroupMode::None);

  const CgroupMounts mounts = parseCgroupMounts(
      "50 1 0:32 /berth /mnt/my\\040cg rw - cgroup cgroup rw,memory\n"
      "51 1 0:32 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
      "52 1 0:38 /x /mnt/other\\134v2 rw - cgroup2 cgroup2 rw\n"
      "53 1 0:38 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n"
      "54 1 0:38 / /mnt/third rw - cgroup2 cgroup2 rw\n");
  REQUIRE(mounts.v1.size() == 1);
  CHECK(mounts.v1[0].mountPoint == "/sys/fs/cgroup/memory");
  REQUIRE(mounts.unified);
  CHECK(mounts.unified->mountPoint == "/sys/fs/cgroup");

  const CgroupMounts escaped = parseCgroupMounts(
      "50 1 0:32 /berth /mnt/my\\040cg rw - cgroup cgroup rw,memory\n"
      "52 1 0:38 /x /mnt/other\\134v2 rw - cgroup2 cgroup2 rw\n");
  REQUIRE(escaped.v1.size() == 1);
  CHECK(escaped.v1[0].mountPoint == "/mnt/my cg");
  CHECK(escaped.v1[0].root == "/berth");
  REQUIRE(escaped.unified);
  CHECK(escaped.unified->mountPoint == "/mnt/other\\v2");
  CHECK(escaped.unified->root == "/x");
}

TEST_CASE("a process's cgroups") {
  const ProcessCgroups hybrid = parseProcessCgroups(
      "9:name=systemd:/\n8:pids:/\n4:memory:/process_api/6f39\n2:cpu,cpuacct:/a:b\n0::/\n");
  REQUIRE(hybrid.unified);
  CHECK(*hybrid.unified == "/");
  CHECK(hybrid.v1.at("memory") == "/process_api/6f39");
  CHECK(hybrid.v1.at("pids") == "/");
  CHECK(hybrid.v1.at("name=systemd") == "/");
  CHECK(hybrid.v1.at("cpu") == "/a:b");  // a colon in the path stays
  CHECK(hybrid.v1.at("cpuacct") == "/a:b");

  const ProcessCgroups unified =
      parseProcessCgroups("0::/user.slice/user-1000.slice/user@1000.service/app.slice/x.scope\n");
  CHECK(unified.v1.empty());
  CHECK(unified.unified == "/user.slice/user-1000.slice/user@1000.service/app.slice/x.scope");

  CHECK(parseProcessCgroups("junk\n1:x\n") == ProcessCgroups{});
}

TEST_CASE("the directory of a cgroup path in a hierarchy") {
  const CgroupHierarchy root{"/sys/fs/cgroup/memory", "/", {"memory"}};
  CHECK(cgroupDirectory(root, "/") == "/sys/fs/cgroup/memory");
  CHECK(cgroupDirectory(root, "/berth/berth-x") == "/sys/fs/cgroup/memory/berth/berth-x");
  CHECK(cgroupDirectory(root, "/berth/") == "/sys/fs/cgroup/memory/berth");
  CHECK_FALSE(cgroupDirectory(root, "relative"));
  CHECK_FALSE(cgroupDirectory(root, "/berth/../../etc"));

  const CgroupHierarchy sub{"/sys/fs/cgroup", "/machine/ctr", {}};
  CHECK(cgroupDirectory(sub, "/machine/ctr") == "/sys/fs/cgroup");
  CHECK(cgroupDirectory(sub, "/machine/ctr/berth/berth-x") == "/sys/fs/cgroup/berth/berth-x");
  CHECK_FALSE(cgroupDirectory(sub, "/machine/ctrl"));
  CHECK_FALSE(cgroupDirectory(sub, "/other"));
}

TEST_CASE("flat-keyed cgroup files") {
  const std::string events = "low 0\nhigh 0\nmax 12\noom 3\noom_kill 2\noom_group_kill 0\n";
  CHECK(cgroupKeyedValue(events, "oom_kill") == 2u);
  CHECK(cgroupKeyedValue(events, "oom") == 3u);
  CHECK_FALSE(cgroupKeyedValue(events, "missing"));
  CHECK(cgroupKeyedValue("oom_kill_disable 0\nunder_oom 0\noom_kill 0\n", "oom_kill") == 0u);
  CHECK_FALSE(cgroupKeyedValue("oom_kill x\n", "oom_kill"));
}

TEST_CASE("cpu shares to cgroup v2 weight, as crun converts") {
  CHECK(cpuSharesToWeight(0) == 0);
  CHECK(cpuSharesToWeight(1) == 1);
  CHECK(cpuSharesToWeight(2) == 1);
  CHECK(cpuSharesToWeight(512) == 20);
  CHECK(cpuSharesToWeight(1024) == 39);
  CHECK(cpuSharesToWeight(262144) == 10000);
}

namespace {

oci::LinuxResources fullResources() {
  oci::LinuxResources resources;
  resources.memory.emplace();
  resources.memory->limit = 104857600;
  resources.memory->swap = 209715200;
  resources.memory->reservation = 52428800;
  resources.pidsLimit = 100;
  resources.cpu.emplace();
  resources.cpu->shares = 1024;
  resources.cpu->quota = 50000;
  resources.cpu->period = 100000;
  resources.cpu->cpus = "0-1";
  resources.cpu->mems = "0";
  return resources;
}

CgroupWrite write(std::string controller, std::string file, std::string value,
                  bool optional = false, bool retryAfterNext = false) {
  return CgroupWrite{std::move(controller), std::move(file), std::move(value), optional,
                     retryAfterNext};
}

}  // namespace

TEST_CASE("limits as cgroup v2 writes") {
  CHECK(planCgroupWrites(fullResources(), true) ==
        std::vector<CgroupWrite>{
            write("memory", "memory.max", "104857600"),
            write("memory", "memory.swap.max", "104857600", true),  // swap - limit
            write("memory", "memory.low", "52428800"),
            write("pids", "pids.max", "100"),
            write("cpu", "cpu.weight", "39"),
            write("cpu", "cpu.max", "50000 100000"),
            write("cpuset", "cpuset.cpus", "0-1"),
            write("cpuset", "cpuset.mems", "0"),
        });

  oci::LinuxResources unlimited;
  unlimited.memory.emplace();
  unlimited.memory->limit = -1;
  unlimited.memory->swap = -1;
  unlimited.pidsLimit = -1;
  unlimited.cpu.emplace();
  unlimited.cpu->period = 50000;
  CHECK(planCgroupWrites(unlimited, true) == std::vector<CgroupWrite>{
                                                 write("memory", "memory.max", "max"),
                                                 write("memory", "memory.swap.max", "max", true),
                                                 write("pids", "pids.max", "max"),
                                                 write("cpu", "cpu.max", "max 50000"),
                                             });

  oci::LinuxResources quotaOnly;
  quotaOnly.cpu.emplace();
  quotaOnly.cpu->quota = 150000;
  quotaOnly.memory.emplace();
  quotaOnly.memory->limit = 1000;
  quotaOnly.memory->swap = 0;  // no swap at all
  CHECK(planCgroupWrites(quotaOnly, true) == std::vector<CgroupWrite>{
                                                 write("memory", "memory.max", "1000"),
                                                 write("memory", "memory.swap.max", "0", true),
                                                 write("cpu", "cpu.max", "150000 100000"),
                                             });
}

TEST_CASE("limits as cgroup v1 writes") {
  CHECK(planCgroupWrites(fullResources(), false) ==
        std::vector<CgroupWrite>{
            write("memory", "memory.limit_in_bytes", "104857600", false, true),
            write("memory", "memory.memsw.limit_in_bytes", "209715200", true),
            write("memory", "memory.soft_limit_in_bytes", "52428800"),
            write("pids", "pids.max", "100"),
            write("cpu", "cpu.shares", "1024"),
            write("cpu", "cpu.cfs_period_us", "100000", false, true),
            write("cpu", "cpu.cfs_quota_us", "50000"),
            write("cpuset", "cpuset.cpus", "0-1"),
            write("cpuset", "cpuset.mems", "0"),
        });

  oci::LinuxResources some;
  some.memory.emplace();
  some.memory->limit = 4096;
  some.pidsLimit = 0;  // 0: not set
  some.cpu.emplace();
  some.cpu->shares = 0;
  some.cpu->quota = -1;
  CHECK(planCgroupWrites(some, false) ==
        std::vector<CgroupWrite>{write("memory", "memory.limit_in_bytes", "4096"),
                                 write("cpu", "cpu.cfs_quota_us", "-1")});
  CHECK(planCgroupWrites(oci::LinuxResources{}, false).empty());
  CHECK(planCgroupWrites(oci::LinuxResources{}, true).empty());
}

TEST_CASE("bad swap limits on cgroup v2") {
  oci::LinuxResources noLimit;
  noLimit.memory.emplace();
  noLimit.memory->swap = 1000;
  try {
    planCgroupWrites(noLimit, true);
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.kind() == Errc::InvalidArgument);
    CHECK(std::string(e.what()) ==
          "memory+swap limit 1000: cannot set a swap limit without a memory limit");
  }
  oci::LinuxResources lower;
  lower.memory.emplace();
  lower.memory->limit = 2000;
  lower.memory->swap = 1000;
  try {
    planCgroupWrites(lower, true);
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(std::string(e.what()) == "memory+swap limit 1000 is lower than the memory limit 2000");
  }
  CHECK(planCgroupWrites(lower, false).size() == 2);  // v1: the kernel judges
}

TEST_CASE("probing cgroup support never throws and explains a no") {
  for (const bool rootless : {false, true}) {
    const CgroupSupport support = probeCgroups(rootless);
    INFO("rootless " << rootless << ": " << support.reason);
    CHECK(support.available == support.reason.empty());
    CHECK(cgroupsAvailable(rootless) == support.available);
    const CgroupMode mode = readCgroupMounts().mode();
    CHECK(support.mode == mode);
    if (rootless && mode != CgroupMode::Unified) {
      CHECK_FALSE(support.available);
      if (mode != CgroupMode::None)
        CHECK(support.reason.find("cannot use cgroup v1") != std::string::npos);
    }
  }
}

TEST_CASE("opening a cgroup path that is not a container's is refused") {
  for (const char* path :
       {"/", "", "relative/berth-x", "/berth/", "/berth/other", "/berth-", "/berth/../berth-x"}) {
    INFO(path);
    CHECK_THROWS_AS(ContainerCgroup::open(path), Error);
  }
  CHECK_FALSE(ContainerCgroup::open("/berth/berth-does-not-exist-" + std::to_string(::getpid())));
  CHECK_THROWS_AS(ContainerCgroup::create("a/b", {}, false), Error);
}

namespace {

bool procCgroupShows(pid_t pid, const ContainerCgroup& cgroup) {
  const ProcessCgroups cgroups = readProcessCgroups(pid);
  if (cgroup.unified()) return cgroups.unified == cgroup.path();
  for (const char* controller : {"memory", "pids"})
    if (cgroups.v1.count(controller) == 0 || cgroups.v1.at(controller) != cgroup.path())
      return false;
  return true;
}

std::string trimmed(std::string text) {
  while (!text.empty() && text.back() == '\n')
    text.pop_back();
  return text;
}

}  // namespace

TEST_CASE("a real container cgroup as root: limits, a process, removal") {
  if (::geteuid() != 0 || !cgroupsAvailable(false)) {
    WARN("needs root and cgroups: skipped (" << probeCgroups(false).reason << ")");
    return;
  }
  const std::string id = "unit-" + std::to_string(::getpid());
  oci::LinuxResources resources;
  resources.memory.emplace();
  resources.memory->limit = 64 * 1024 * 1024;
  resources.pidsLimit = 32;

  ContainerCgroup cgroup = ContainerCgroup::create(id, resources, false);
  ScopeExit cleanup([&] {
    try {
      cgroup.remove();
    } catch (...) {
    }
  });
  CHECK(cgroup.path() == "/berth/berth-" + id);
  const std::string memoryDir = cgroup.directory("memory");
  const std::string pidsDir = cgroup.directory("pids");
  REQUIRE_FALSE(memoryDir.empty());
  REQUIRE_FALSE(pidsDir.empty());
  CHECK(memoryDir.ends_with("/berth/berth-" + id));
  CHECK(trimmed(readFile(memoryDir + (cgroup.unified() ? "/memory.max"
                                                       : "/memory.limit_in_bytes"))) == "67108864");
  CHECK(trimmed(readFile(pidsDir + "/pids.max")) == "32");
  // A v1 cpuset cgroup takes no task before it has cpus and mems.
  if (const std::string cpusetDir = cgroup.directory("cpuset");
      !cgroup.unified() && !cpusetDir.empty())
    CHECK_FALSE(trimmed(readFile(cpusetDir + "/cpuset.mems")).empty());

  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    for (;;)
      ::pause();
  }
  ScopeExit reap([&] {
    ::kill(child, SIGKILL);
    ::waitpid(child, nullptr, 0);
  });
  cgroup.addProcess(child);
  CHECK(procCgroupShows(child, cgroup));
  CHECK_FALSE(cgroup.oomKilled());

  // Cleanup runs in another process: it finds the cgroup by its path.
  auto reopened = ContainerCgroup::open(cgroup.path());
  REQUIRE(reopened);
  CHECK(reopened->directories() == cgroup.directories());
  CHECK(reopened->unified() == cgroup.unified());

  reopened->remove();  // kills the child
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  reap.dismiss();
  CHECK(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGKILL);
  for (const auto& dir : cgroup.directories())
    CHECK_FALSE(pathExists(dir));
  CHECK_FALSE(ContainerCgroup::open(cgroup.path()));
  removeContainerCgroup(cgroup.path());  // gone already: fine
}

TEST_CASE("a failed limit write names the file and value, and leaves no cgroup") {
  if (::geteuid() != 0 || !cgroupsAvailable(false)) {
    WARN("needs root and cgroups: skipped (" << probeCgroups(false).reason << ")");
    return;
  }
  const std::string id = "unit-bad-" + std::to_string(::getpid());
  oci::LinuxResources resources;
  resources.cpu.emplace();
  resources.cpu->cpus = "4095";  // no such CPU here
  try {
    ContainerCgroup::create(id, resources, false);
    removeContainerCgroup("/berth/berth-" + id);
    FAIL("no error");
  } catch (const Error& e) {
    const std::string message = e.what();
    INFO(message);
    CHECK(message.starts_with("write 4095 to /sys/fs/cgroup/"));
    CHECK(message.find("/berth/berth-" + id + "/cpuset.cpus: ") != std::string::npos);
    CHECK(e.sysErrno() != 0);
  }
  CHECK_FALSE(ContainerCgroup::open("/berth/berth-" + id));
}
