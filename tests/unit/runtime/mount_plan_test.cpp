// SPDX-License-Identifier: Apache-2.0
#include "berth/runtime/mount_plan.hpp"

#include <sys/mount.h>

#include <string>
#include <vector>

#include "berth/base/error.hpp"
#include "catch.hpp"
#include "podman_web_config.hpp"

using namespace berth;
using namespace berth::runtime;

namespace {

MountPlanOptions planOptions(bool rootless) {
  MountPlanOptions options;
  options.rootless = rootless;
  return options;
}

oci::Spec podmanSpec() {
  return oci::Spec::fromJson(Json::parse(kPodmanWebConfig), "config.json");
}

oci::Spec minimalSpec(std::vector<oci::Mount> mounts) {
  oci::Spec spec;
  spec.root = oci::Root{"/rootfs", false, Json::object()};
  spec.mounts = std::move(mounts);
  return spec;
}

oci::Mount mount(std::string destination, std::string type, std::string source,
                 std::vector<std::string> options = {}) {
  return oci::Mount{std::move(destination), std::move(type), std::move(source), std::move(options),
                    Json::object()};
}

std::vector<std::string> targets(const MountPlan& plan) {
  std::vector<std::string> out;
  for (const auto& step : plan.steps)
    out.push_back(step.target);
  return out;
}

const MountStep& stepFor(const MountPlan& plan, const std::string& target) {
  for (const auto& step : plan.steps)
    if (step.target == target) return step;
  FAIL("no step for " << target);
  throw std::logic_error("unreachable");
}

std::string errorOf(const std::function<void()>& fn, Errc kind = Errc::InvalidArgument) {
  try {
    fn();
  } catch (const Error& e) {
    CHECK(e.kind() == kind);
    return e.what();
  }
  FAIL("no error");
  return "";
}

}  // namespace

TEST_CASE("Podman's default mounts plan in parent-first order") {
  const MountPlan plan = planMounts(podmanSpec(), planOptions(true));
  CHECK(plan.rootfs.ends_with("/merged"));
  const std::vector<std::string> expected{
      // depth 1, in the spec's order
      "/data", "/proc", "/dev",
      // the default devices and links, right after /dev
      "/dev/null", "/dev/zero", "/dev/full", "/dev/tty", "/dev/random", "/dev/urandom", "/dev/fd",
      "/dev/stdin", "/dev/stdout", "/dev/stderr", "/dev/core", "/dev/ptmx", "/sys",
      // depth 2
      "/dev/pts", "/dev/mqueue", "/etc/resolv.conf", "/etc/hosts", "/dev/shm", "/run/.containerenv",
      "/etc/hostname",
      // depth 3
      "/sys/fs/cgroup",
      // after pivot_root: masked, then read-only paths
      "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
      "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware", "/sys/fs/selinux",
      "/sys/dev/block", "/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
      "/proc/sysrq-trigger"};
  CHECK(targets(plan) == expected);
  for (const auto& step : plan.steps) {
    const bool after = step.kind == MountStepKind::Mask || step.kind == MountStepKind::ReadOnly;
    CHECK((step.phase == MountPhase::AfterPivot) == after);
  }
}

TEST_CASE("each of Podman's mounts gets its flags, data and kind") {
  const MountPlan plan = planMounts(podmanSpec(), planOptions(true));

  const auto& data = stepFor(plan, "/data");
  CHECK(data.kind == MountStepKind::Bind);
  CHECK(data.source == "/home/user/vol1");
  CHECK(data.options.flags == (MS_BIND | MS_REC | MS_RDONLY));
  CHECK(data.options.recursiveFlags == MS_RDONLY);  // ro on an rbind: the whole tree
  CHECK(data.options.propagation == (MS_REC | MS_PRIVATE));
  CHECK(data.mountPoint == MountPointKind::LikeSource);

  const auto& proc = stepFor(plan, "/proc");
  CHECK(proc.kind == MountStepKind::Mount);
  CHECK(proc.fsType == "proc");
  CHECK(proc.source == "proc");
  CHECK(proc.options.flags == (MS_NOSUID | MS_NOEXEC | MS_NODEV));
  CHECK(proc.options.data.empty());

  const auto& dev = stepFor(plan, "/dev");
  CHECK(dev.fsType == "tmpfs");
  CHECK(dev.options.flags == (MS_NOSUID | MS_NOEXEC | MS_STRICTATIME));
  CHECK(dev.options.data == "mode=755,size=65536k");

  const auto& sys = stepFor(plan, "/sys");
  CHECK(sys.options.flags == (MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY));
  CHECK(sys.fallbackBindSource == "/sys");

  const auto& pts = stepFor(plan, "/dev/pts");
  CHECK(pts.fsType == "devpts");
  CHECK(pts.options.flags == (MS_NOSUID | MS_NOEXEC));
  CHECK(pts.options.data == "newinstance,ptmxmode=0666,mode=0620,gid=5");

  CHECK(stepFor(plan, "/dev/mqueue").fallbackBindSource == "/dev/mqueue");

  const auto& shm = stepFor(plan, "/dev/shm");
  CHECK(shm.kind == MountStepKind::Bind);
  CHECK(shm.options.flags == (MS_BIND | MS_NOSUID | MS_NOEXEC | MS_NODEV));
  CHECK(shm.options.recursiveFlags == 0);

  const auto& hosts = stepFor(plan, "/etc/hosts");
  CHECK(hosts.kind == MountStepKind::Bind);
  CHECK(hosts.options.flags == MS_BIND);
  CHECK(hosts.options.propagation == (MS_REC | MS_PRIVATE));

  const auto& cgroup = stepFor(plan, "/sys/fs/cgroup");
  CHECK(cgroup.kind == MountStepKind::Cgroup);
  CHECK(cgroup.source == "/sys/fs/cgroup");
  CHECK(cgroup.options.flags == (MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RELATIME | MS_RDONLY));

  const auto& kcore = stepFor(plan, "/proc/kcore");
  CHECK(kcore.kind == MountStepKind::Mask);
  CHECK(kcore.source == "/dev/null");
  CHECK(kcore.optional);
  const auto& sysctl = stepFor(plan, "/proc/sys");
  CHECK(sysctl.kind == MountStepKind::ReadOnly);
  CHECK(sysctl.optional);

  const auto& ptmx = stepFor(plan, "/dev/ptmx");
  CHECK(ptmx.kind == MountStepKind::Symlink);
  CHECK(ptmx.source == "pts/ptmx");
  CHECK(stepFor(plan, "/dev/fd").source == "/proc/self/fd");
  CHECK(stepFor(plan, "/dev/stderr").source == "/proc/self/fd/2");
}

TEST_CASE("rootless binds the host's device nodes, root makes them") {
  const MountPlan rootless = planMounts(podmanSpec(), planOptions(true));
  const auto& null = stepFor(rootless, "/dev/null");
  CHECK(null.kind == MountStepKind::BindDevice);
  CHECK(null.source == "/dev/null");
  CHECK(null.mountPoint == MountPointKind::File);
  CHECK(stepFor(rootless, "/dev/tty").kind == MountStepKind::BindDevice);

  const MountPlan root = planMounts(podmanSpec(), planOptions(false));
  struct Expected {
    const char* target;
    unsigned major, minor;
  };
  for (const auto& device : {Expected{"/dev/null", 1, 3}, Expected{"/dev/zero", 1, 5},
                             Expected{"/dev/full", 1, 7}, Expected{"/dev/tty", 5, 0},
                             Expected{"/dev/random", 1, 8}, Expected{"/dev/urandom", 1, 9}}) {
    const auto& step = stepFor(root, device.target);
    CHECK(step.kind == MountStepKind::MakeDevice);
    CHECK(step.major == device.major);
    CHECK(step.minor == device.minor);
    CHECK(step.mode == 0666);
    CHECK(step.source == device.target);  // the bind fallback if mknod is refused
  }
}

TEST_CASE("a /dev bound from the host gets no device steps") {
  const MountPlan plan = planMounts(
      minimalSpec({mount("/dev", "bind", "/dev", {"rbind"}), mount("/proc", "proc", "proc")}),
      planOptions(false));
  CHECK(targets(plan) == std::vector<std::string>{"/dev", "/proc"});
}

TEST_CASE("without a devpts mount there is no /dev/ptmx link") {
  const MountPlan plan =
      planMounts(minimalSpec({mount("/dev", "tmpfs", "tmpfs")}), planOptions(false));
  for (const auto& step : plan.steps)
    CHECK(step.target != "/dev/ptmx");
  CHECK(plan.steps.size() == 1 + 6 + 5);
}

TEST_CASE("children come after their parents whatever the spec's order") {
  const MountPlan plan = planMounts(
      minimalSpec({mount("/a/b/c", "tmpfs", "tmpfs"), mount("/a/b", "tmpfs", "tmpfs"),
                   mount("/x", "bind", "/host/x", {"rbind"}), mount("/a", "tmpfs", "tmpfs"),
                   mount("/x/y", "tmpfs", "one"), mount("/x/y", "tmpfs", "two")}),
      planOptions(false));
  CHECK(targets(plan) == std::vector<std::string>{"/x", "/a", "/a/b", "/x/y", "/x/y", "/a/b/c"});
  // Two mounts on one destination keep the spec's order: the later covers.
  CHECK(plan.steps[3].source == "one");
  CHECK(plan.steps[4].source == "two");
}

TEST_CASE("a read-only root is remounted last, after pivot_root") {
  oci::Spec spec = podmanSpec();
  spec.root->readonly = true;
  const MountPlan plan = planMounts(spec, planOptions(true));
  CHECK(plan.steps.back().kind == MountStepKind::RootReadOnly);
  CHECK(plan.steps.back().phase == MountPhase::AfterPivot);
  CHECK(plan.steps.back().target == "/");
}

TEST_CASE("destinations are cleaned") {
  const MountPlan plan =
      planMounts(minimalSpec({mount("//data/./x/", "tmpfs", "tmpfs")}), planOptions(false));
  CHECK(plan.steps[0].target == "/data/x");
  CHECK(cleanContainerPath("/", "path") == "/");
  CHECK(cleanContainerPath("///", "path") == "/");
  CHECK(cleanContainerPath("/a//b/./c/", "path") == "/a/b/c");
  CHECK(cleanContainerPath("/a..b/..c", "path") == "/a..b/..c");
}

TEST_CASE("mount options become flags, propagation and data") {
  auto parsed = parseMountOptions({"ro", "nosuid", "nodev", "rprivate"}, "bind", "/v");
  CHECK(parsed.flags == (MS_RDONLY | MS_NOSUID | MS_NODEV));
  CHECK(parsed.propagation == (MS_REC | MS_PRIVATE));
  CHECK(parsed.data.empty());

  // The last word wins, and "rw" remembers that it cleared.
  parsed = parseMountOptions({"ro", "rw", "exec", "suid"}, "tmpfs", "/t");
  CHECK(parsed.flags == 0);
  CHECK(parsed.clearFlags == (MS_RDONLY | MS_NOEXEC | MS_NOSUID));
  parsed = parseMountOptions({"rw", "ro"}, "tmpfs", "/t");
  CHECK(parsed.flags == MS_RDONLY);
  CHECK(parsed.clearFlags == 0);

  parsed = parseMountOptions({"shared", "rslave"}, "tmpfs", "/t");
  CHECK(parsed.propagation == (MS_REC | MS_SLAVE));
  parsed = parseMountOptions({"runbindable"}, "tmpfs", "/t");
  CHECK(parsed.propagation == (MS_REC | MS_UNBINDABLE));

  parsed = parseMountOptions({"rbind", "rro", "rnosuid", "rnoexec"}, "bind", "/v");
  CHECK(parsed.flags == (MS_BIND | MS_REC));
  CHECK(parsed.recursiveFlags == (MS_RDONLY | MS_NOSUID | MS_NOEXEC));
  CHECK(parsed.isBind());

  parsed = parseMountOptions({"noatime", "nodiratime", "sync", "dirsync"}, "tmpfs", "/t");
  CHECK(parsed.flags == (MS_NOATIME | MS_NODIRATIME | MS_SYNCHRONOUS | MS_DIRSYNC));

  parsed = parseMountOptions(
      {"rw", "rprivate", "nosuid", "nodev", "tmpcopyup", "size=64m", "mode=1777", "inode64"},
      "tmpfs", "/tmp");
  CHECK(parsed.tmpcopyup);
  CHECK(parsed.data == "size=64m,mode=1777,inode64");
  CHECK(parseMountOptions({"tmpcopyup", "notmpcopyup"}, "tmpfs", "/t").tmpcopyup == false);

  // A filesystem berth has no list for gets its bare words passed on.
  CHECK(parseMountOptions({"vers=4", "hard"}, "nfs", "/n").data == "vers=4,hard");
  CHECK(parseMountOptions({"defaults"}, "tmpfs", "/t").flags == 0);
}

TEST_CASE("unknown mount options are named in the error") {
  CHECK(errorOf([] {
          parseMountOptions({"ro", "bogus"}, "tmpfs", "/t");
        }) == "unknown mount option \"bogus\" for /t");
  // A bind mount has no filesystem data at all.
  CHECK(errorOf([] {
          parseMountOptions({"rbind", "size=1m"}, "bind", "/v");
        }) == "unknown mount option \"size=1m\" for /v");
  CHECK(errorOf([] { parseMountOptions({"newinstance"}, "tmpfs", "/t"); }) ==
        "unknown mount option \"newinstance\" for /t");
  CHECK(errorOf([] { parseMountOptions({"=x"}, "tmpfs", "/t"); }) ==
        "unknown mount option \"=x\" for /t");
  CHECK(errorOf([] { parseMountOptions({""}, "tmpfs", "/t"); }) ==
        "unknown mount option \"\" for /t");
  CHECK(errorOf([] { parseMountOptions({"idmap"}, "bind", "/v"); }, Errc::Unsupported) ==
        "mount option \"idmap\" for /v: idmapped mounts are not supported");
  CHECK(
      errorOf([] {
        planMounts(minimalSpec({mount("/data", "bind", "/h", {"rbind", "Z"})}), planOptions(false));
      }) == "unknown mount option \"Z\" for /data");
}

TEST_CASE("bad mounts are refused with the value named") {
  const auto plan = [](std::vector<oci::Mount> mounts) {
    planMounts(minimalSpec(std::move(mounts)), planOptions(false));
  };
  CHECK(errorOf([&] { plan({mount("data", "tmpfs", "tmpfs")}); }) ==
        "mount destination \"data\" is not an absolute path");
  CHECK(errorOf([&] { plan({mount("/data/../../etc", "tmpfs", "tmpfs")}); }) ==
        "mount destination \"/data/../../etc\" contains \"..\": not allowed");
  CHECK(errorOf([&] { plan({mount("/data", "bind", "vol1", {"rbind"})}); }) ==
        "mount source \"vol1\" for /data is not an absolute path");
  CHECK(errorOf([&] { plan({mount("/data", "", "./vol1", {"bind"})}); }) ==
        "mount source \"./vol1\" for /data is not an absolute path");
  CHECK(errorOf([&] { plan({mount("/data", "bind", "", {"rbind"})}); }) ==
        "mount source \"\" for /data is not an absolute path");
  CHECK(errorOf([&] { plan({mount("/data", "", "x")}); }) ==
        "mount on /data has no type: expected bind, tmpfs, proc, ...");
  CHECK(errorOf([&] { plan({mount("/", "tmpfs", "tmpfs")}); }) ==
        "a mount on \"/\" is not allowed: the root is root.path");
  CHECK(errorOf([&] { plan({mount("/x", "proc", "proc", {"tmpcopyup"})}); }) ==
        "mount option \"tmpcopyup\" for /x needs a tmpfs, not proc");

  oci::Spec spec = minimalSpec({});
  spec.root.reset();
  CHECK(errorOf([&] { planMounts(spec, {}); }) == "the spec has no root.path");
  spec.root = oci::Root{"rootfs", false, Json::object()};
  CHECK(errorOf([&] { planMounts(spec, {}); }) == "root.path \"rootfs\" is not an absolute path");

  spec = minimalSpec({});
  spec.linuxConfig.emplace();
  spec.linuxConfig->maskedPaths = {"proc/kcore"};
  CHECK(errorOf([&] { planMounts(spec, {}); }) ==
        "masked path \"proc/kcore\" is not an absolute path");
  spec.linuxConfig->maskedPaths.clear();
  spec.linuxConfig->readonlyPaths = {"/proc/../etc"};
  CHECK(errorOf([&] { planMounts(spec, {}); }) ==
        "read-only path \"/proc/../etc\" contains \"..\": not allowed");
}

TEST_CASE("volume inits mark the bind of their destination, with the process user") {
  MountPlanOptions options = planOptions(true);
  options.volumeInits = {{"/data", true, true}, {"/owned", false, true}};
  options.processUid = 1000;
  options.processGid = 100;
  const MountPlan plan =
      planMounts(minimalSpec({mount("/data", "bind", "/v/data/_data", {"rbind", "nosuid", "nodev"}),
                              mount("/owned", "bind", "/v/owned/_data", {"rbind"}),
                              mount("/other", "bind", "/host", {"rbind"})}),
                 options);
  for (const auto& step : plan.steps) {
    if (step.target == "/data") {
      CHECK(step.copyUp);
      CHECK(step.initOwner);
      CHECK(step.ownerUid == 1000);
      CHECK(step.ownerGid == 100);
    } else if (step.target == "/owned") {
      CHECK_FALSE(step.copyUp);
      CHECK(step.initOwner);
    } else {
      CHECK_FALSE(step.copyUp);
      CHECK_FALSE(step.initOwner);
    }
  }
  // A destination without a bind mount is a mistake of the caller's.
  MountPlanOptions bad = planOptions(false);
  bad.volumeInits = {{"/nowhere", true, false}};
  try {
    planMounts(minimalSpec({mount("/t", "tmpfs", "tmpfs")}), bad);
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(std::string(e.what()) == "volume to prepare on /nowhere: no bind mount there");
  }
}
