// SPDX-License-Identifier: Apache-2.0
#include "berth/spec/generate.hpp"

#include <sys/resource.h>

#include <fstream>
#include <functional>

#include "berth/base/error.hpp"
#include "berth/base/fs.hpp"
#include "berth/runtime/capabilities.hpp"
#include "berth/spec/user_lookup.hpp"
#include "catch.hpp"
#include "podman_web_config.hpp"
#include "test_dir.hpp"

using namespace berth;
using namespace berth::spec;
using Strings = std::vector<std::string>;

namespace {

std::string errorOf(const std::function<void()>& call, Errc kind = Errc::InvalidArgument) {
  try {
    call();
  } catch (const Error& e) {
    CHECK(e.kind() == kind);
    return e.what();
  }
  return "(no error)";
}

// A rootfs with busybox's /etc/passwd and a group file with members.
struct Rootfs {
  TestDir dir;
  Rootfs() {
    makeDirs(dir.path() + "/etc");
    std::ofstream(dir.path() + "/etc/passwd") << "root:x:0:0:root:/root:/bin/sh\n"
                                                 "nobody:x:65534:65534:nobody:/home:/bin/false\n"
                                                 "user:x:1000:1000:user:/home/user:/bin/sh\n";
    std::ofstream(dir.path() + "/etc/group") << "root:x:0:\n"
                                                "wheel:x:10:user,other\n"
                                                "audio:x:29:user\n"
                                                "user:x:1000:\n"
                                                "nogroup:x:65534:\n";
  }
  const std::string& path() const { return dir.path(); }
};

oci::ImageConfig busybox() {
  oci::ImageConfig image;
  image.config.env = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"};
  image.config.cmd = {"sh"};
  return image;
}

BuildContext context(const std::string& rootfs) {
  BuildContext c;
  c.containerId = "3e0b875b95998ecf23a7edcdcfc5d5b589e76f5c5992b0de1c534b6a6391af55";
  c.rootfs = rootfs;
  c.runDir = "/run/user/1001/berth/ctr";
  c.shmPath = "/data/ctr/shm";
  c.rootless = true;
  c.cgroupsAvailable = false;
  c.cgroupNamespace = false;
  c.boundingSet = runtime::allCapabilities();
  c.limits = {20000, 20000, 96365, 96365, 32768};
  return c;
}

std::vector<std::string> mountDestinations(const oci::Spec& s) {
  Strings out;
  for (const auto& m : s.mounts)
    out.push_back(m.destination);
  return out;
}

const oci::Mount* findMount(const oci::Spec& s, const std::string& dest) {
  for (const auto& m : s.mounts)
    if (m.destination == dest) return &m;
  return nullptr;
}

}  // namespace

TEST_CASE("ENTRYPOINT and CMD as Docker and Podman combine them") {
  struct Case {
    Strings imageEntrypoint, imageCmd, command;
    std::optional<Strings> entrypoint;
    Strings expected;
  };
  const Strings shellForm = {"/bin/sh", "-c", "echo hi"};
  const std::vector<Case> cases = {
      {{}, {"sh"}, {}, std::nullopt, {"sh"}},
      {{}, {"sh"}, {"ls", "-l"}, std::nullopt, {"ls", "-l"}},
      {{"/ep"}, {"a"}, {}, std::nullopt, {"/ep", "a"}},
      {{"/ep"}, {"a"}, {"b"}, std::nullopt, {"/ep", "b"}},
      {{"/ep"}, {"a"}, {}, Strings{"/x"}, {"/x"}},  // --entrypoint clears the image Cmd
      {{"/ep"}, {"a"}, {"b"}, Strings{"/x"}, {"/x", "b"}},
      {{"/ep"}, {"a"}, {"b"}, Strings{""}, {"b"}},                 // --entrypoint ''
      {{}, {"a"}, {"b"}, Strings{"/x", "-y"}, {"/x", "-y", "b"}},  // JSON form
      {{"/ep"}, {"a"}, {}, Strings{}, {"a"}},        // --entrypoint '[]': no entrypoint, image Cmd
      {shellForm, {}, {}, std::nullopt, shellForm},  // shell-form ENTRYPOINT
      {{}, shellForm, {}, std::nullopt, shellForm},  // shell-form CMD
      {shellForm, {"ignored?"}, {}, std::nullopt, {"/bin/sh", "-c", "echo hi", "ignored?"}},
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    INFO("case " << i);
    const auto& c = cases[i];
    oci::RunConfig image;
    image.entrypoint = c.imageEntrypoint;
    image.cmd = c.imageCmd;
    ContainerSpec spec;
    spec.command = c.command;
    spec.entrypoint = c.entrypoint;
    CHECK(containerArgs(spec, image) == c.expected);
  }
  ContainerSpec spec;
  spec.entrypoint = Strings{""};
  CHECK(errorOf([&] { containerArgs(spec, oci::RunConfig{}); }) ==
        "no command or entrypoint provided, and no CMD or ENTRYPOINT from image");
  spec.command = {"x"};
  spec.init = true;
  CHECK(containerArgs(spec, oci::RunConfig{}) == Strings{"/run/berth-init", "--", "x"});
}

TEST_CASE("environment merge order") {
  oci::RunConfig image;
  image.env = {"FOO=image", "PATH=/image/bin", "KEEP=1"};
  ContainerSpec spec;
  spec.envFromFiles = {"FOO=file", "FILE=1", "TERM=vt100"};
  spec.env = {"FOO=cli", "CLI=1", "HOME=/h"};
  CHECK(containerEnv(spec, image, "/root", "host") ==
        Strings{"FOO=cli", "PATH=/image/bin", "KEEP=1", "TERM=vt100", "container=berth", "FILE=1",
                "CLI=1", "HOME=/h", "HOSTNAME=host"});
  CHECK(containerEnv(ContainerSpec{}, oci::RunConfig{}, "/", "h") ==
        Strings{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm",
                "container=berth", "HOME=/", "HOSTNAME=h"});
}

TEST_CASE("users resolve against the image's passwd and group files") {
  Rootfs root;
  CHECK(resolveUser("", root.path()) == ResolvedUser{0, 0, {}, "/root"});
  CHECK(resolveUser("root", root.path()) == ResolvedUser{0, 0, {}, "/root"});
  CHECK(resolveUser("user", root.path()) == ResolvedUser{1000, 1000, {10, 29}, "/home/user"});
  CHECK(resolveUser("1000", root.path()) == ResolvedUser{1000, 1000, {10, 29}, "/home/user"});
  CHECK(resolveUser("4242", root.path()) == ResolvedUser{4242, 0, {}, "/"});
  CHECK(resolveUser("4242:4343", root.path()) == ResolvedUser{4242, 4343, {}, "/"});
  CHECK(resolveUser("user:wheel", root.path()) == ResolvedUser{1000, 10, {29}, "/home/user"});
  CHECK(resolveUser("nobody:nogroup", root.path()) == ResolvedUser{65534, 65534, {}, "/home"});
  CHECK(errorOf([&] { resolveUser("daemon", root.path()); }) ==
        "unable to find user daemon: no matching entries in passwd file");
  CHECK(errorOf([&] { resolveUser("user:staff", root.path()); }) ==
        "unable to find group staff: no matching entries in group file");
  TestDir empty;
  CHECK(resolveUser("1000:1000", empty.path()) == ResolvedUser{1000, 1000, {}, "/"});
  CHECK(resolveUser("", empty.path()) == ResolvedUser{0, 0, {}, "/"});
}

TEST_CASE("the default spec matches Podman's field by field") {
  Rootfs root;
  const oci::Spec podman = oci::Spec::fromJson(parseJson(kPodmanWebConfig, "sample"), "sample");
  ContainerSpec spec;
  spec.command = {"httpd", "-f", "-p", "80", "-h", "/var/www"};
  spec.workdir = "/var/www";
  spec.hostname = "webhost";
  spec.env = {"FOO=bar", "GREETING=hello world"};
  spec.volumes = {{"bind", "/home/user/vol1", "/data", {"ro"}}};
  const oci::Spec s = buildRuntimeSpec(spec, busybox(), context(root.path()));

  const auto& p = *s.process;
  const auto& pp = *podman.process;
  CHECK(p.terminal == pp.terminal);
  CHECK(p.user.uid == pp.user.uid);
  CHECK(p.user.gid == pp.user.gid);
  CHECK(p.user.umask == pp.user.umask);
  CHECK(p.args == pp.args);
  CHECK(p.cwd == pp.cwd);
  // Same entries; Podman's order comes from a Go map. container=berth is ours.
  Strings env = p.env, podmanEnv = pp.env;
  for (auto& e : podmanEnv)
    if (e == "container=podman") e = "container=berth";
  std::sort(env.begin(), env.end());
  std::sort(podmanEnv.begin(), podmanEnv.end());
  CHECK(env == podmanEnv);
  CHECK(p.capabilities->toJson() == pp.capabilities->toJson());
  REQUIRE(p.rlimits.size() == 2);
  for (std::size_t i = 0; i < 2; ++i)
    CHECK(p.rlimits[i].toJson() == pp.rlimits[i].toJson());
  CHECK(p.noNewPrivileges == pp.noNewPrivileges);
  CHECK(s.hostname == podman.hostname);
  CHECK_FALSE(s.root->readonly);

  // Mounts: the same destinations, types and options; sources that name the
  // container's own files differ.
  REQUIRE(s.mounts.size() == podman.mounts.size());
  for (const auto& m : podman.mounts) {
    INFO(m.destination);
    const oci::Mount* ours = findMount(s, m.destination);
    REQUIRE(ours != nullptr);
    CHECK(ours->type == m.type);
    CHECK(ours->options == m.options);
    if (m.type != "bind" || m.destination == "/data") CHECK(ours->source == m.source);
  }
  CHECK(s.mounts.front().destination == "/data");

  auto annotations = podman.annotations;
  annotations.erase("io.kubernetes.cri-o.Created");
  annotations["io.container.manager"] = "berth";
  CHECK(s.annotations == annotations);

  const auto& l = *s.linuxConfig;
  const auto& pl = *podman.linuxConfig;
  CHECK(l.sysctl == pl.sysctl);
  CHECK(l.resources->toJson() == pl.resources->toJson());
  REQUIRE(l.namespaces.size() == pl.namespaces.size());
  for (std::size_t i = 0; i < l.namespaces.size(); ++i)
    CHECK(l.namespaces[i].type == pl.namespaces[i].type);
  CHECK(l.uidMappings.empty());
  CHECK(l.gidMappings.empty());
  CHECK(l.maskedPaths == pl.maskedPaths);
  CHECK(l.readonlyPaths == pl.readonlyPaths);
  CHECK(l.seccomp.has_value());
}

TEST_CASE("root and rootless default rlimits") {
  Rootfs root;
  auto ctx = context(root.path());
  ctx.limits = {1024, 4096, 500, 600, 32768};
  auto s = buildRuntimeSpec(ContainerSpec{}, busybox(), ctx);
  CHECK(s.process->rlimits[0].toJson() ==
        Json{{"type", "RLIMIT_NOFILE"}, {"hard", 4096}, {"soft", 1024}});
  CHECK(s.process->rlimits[1].toJson() ==
        Json{{"type", "RLIMIT_NPROC"}, {"hard", 600}, {"soft", 500}});
  ctx.rootless = false;
  s = buildRuntimeSpec(ContainerSpec{}, busybox(), ctx);
  CHECK(s.process->rlimits[0].toJson() ==
        Json{{"type", "RLIMIT_NOFILE"}, {"hard", 1048576}, {"soft", 1048576}});
  CHECK(s.process->rlimits[1].toJson() ==
        Json{{"type", "RLIMIT_NPROC"}, {"hard", 32768}, {"soft", 32768}});
  ContainerSpec spec;
  spec.ulimits = {{"nofile", 100, 200}, {"core", -1, -1}};
  s = buildRuntimeSpec(spec, busybox(), ctx);
  REQUIRE(s.process->rlimits.size() == 3);
  CHECK(s.process->rlimits[0].toJson() ==
        Json{{"type", "RLIMIT_NOFILE"}, {"hard", 200}, {"soft", 100}});
  CHECK(s.process->rlimits[1].hard == static_cast<std::uint64_t>(RLIM_INFINITY));
  CHECK(s.process->rlimits[2].type == "RLIMIT_NPROC");
}

TEST_CASE("--read-only, --tmpfs, --mount and volumes") {
  Rootfs root;
  ContainerSpec spec;
  spec.readOnly = true;
  spec.tmpfs = {{"tmpfs", "tmpfs", "/run", {"size=1m"}}};
  spec.mounts = {{"bind", "/tmp", "/d", {"ro", "rshared"}}};
  spec.volumes = {{"bind", "/tmp", "/c", {"ro", "z"}}, {"bind", "/tmp", "/b", {}}};
  auto s = buildRuntimeSpec(spec, busybox(), context(root.path()));
  CHECK(s.root->readonly);
  const Strings dests = mountDestinations(s);
  CHECK(Strings(dests.begin(), dests.begin() + 6) ==
        Strings{"/d", "/c", "/b", "/run", "/tmp", "/var/tmp"});
  CHECK(findMount(s, "/d")->options == Strings{"ro", "rshared", "rbind"});
  CHECK(findMount(s, "/c")->options == Strings{"ro", "rprivate", "rbind"});
  CHECK(findMount(s, "/b")->options == Strings{"rw", "rprivate", "rbind"});
  CHECK(findMount(s, "/run")->options ==
        Strings{"size=1m", "rw", "rprivate", "nosuid", "nodev", "tmpcopyup"});
  CHECK(findMount(s, "/tmp")->options == Strings{"rw", "rprivate", "nosuid", "nodev", "tmpcopyup"});

  spec.readOnlyTmpfs = false;
  s = buildRuntimeSpec(spec, busybox(), context(root.path()));
  CHECK(findMount(s, "/tmp") == nullptr);

  ContainerSpec dup;
  dup.volumes = {{"bind", "/a", "/x", {}}};
  dup.tmpfs = {{"tmpfs", "tmpfs", "/x", {}}};
  CHECK(errorOf([&] { buildRuntimeSpec(dup, busybox(), context(root.path())); }) ==
        "/x: duplicate mount destination");

  ContainerSpec vol;
  vol.volumes = {{"volume", "data", "/data", {}}};
  CHECK(errorOf([&] { buildRuntimeSpec(vol, busybox(), context(root.path())); },
                Errc::Unsupported) == "volume \"data\" on /data: volumes are not supported yet");
  auto ctx = context(root.path());
  ctx.volumeSource = [](const MountSpec& m) {
    if (m.source == "tv") return VolumeSource{"tmpfs", "tmpfs", {"size=1m", "uid=1000"}};
    return VolumeSource{"bind", "/volumes/" + m.source + "/_data", {}};
  };
  ctx.overlayDir = "/ctr/overlay";
  s = buildRuntimeSpec(vol, busybox(), ctx);
  CHECK(findMount(s, "/data")->source == "/volumes/data/_data");
  CHECK(findMount(s, "/data")->options ==
        std::vector<std::string>{"nosuid", "nodev", "rw", "rprivate", "rbind"});

  // ro and suid kept; U, z, nocopy are for berth, not the kernel.
  ContainerSpec opts;
  opts.volumes = {{"volume", "data", "/data", {"ro", "suid", "U", "z", "nocopy"}},
                  {"volume", "tv", "/tv", {}},
                  {"bind", "/host", "/o", {"O"}}};
  s = buildRuntimeSpec(opts, busybox(), ctx);
  CHECK(findMount(s, "/data")->options ==
        std::vector<std::string>{"ro", "suid", "nodev", "rprivate", "rbind"});
  CHECK(findMount(s, "/tv")->type == "tmpfs");
  CHECK(findMount(s, "/tv")->options ==
        std::vector<std::string>{"nosuid", "nodev", "size=1m", "uid=1000", "rw", "rprivate"});
  CHECK(findMount(s, "/o")->type == "overlay");
  CHECK(findMount(s, "/o")->options ==
        std::vector<std::string>{"lowerdir=/host", "upperdir=/ctr/overlay/0/upper",
                                 "workdir=/ctr/overlay/0/work", "userxattr", "rw", "rprivate",
                                 "nosuid", "nodev"});

  // --mount type=image: the layers top first; read-only over an empty
  // bottom dir, rw with the next overlay upper (after the :O one here).
  ContainerSpec images;
  images.mounts = {{"image", "alpine", "/img", {"ro"}}, {"image", "alpine", "/rw", {"rw"}}};
  images.volumes = {{"bind", "/host", "/o", {"O"}}};
  CHECK(errorOf([&] { buildRuntimeSpec(images, busybox(), ctx); }, Errc::Unsupported) ==
        "--mount type=image on /img: not supported here");
  ctx.imageLayers = [](const MountSpec& m) {
    return m.source == "alpine" ? Strings{"/layers/a", "/layers/b,c"} : Strings{};
  };
  s = buildRuntimeSpec(images, busybox(), ctx);
  CHECK(findMount(s, "/img")->type == "overlay");
  CHECK(findMount(s, "/img")->options ==
        Strings{"lowerdir=/layers/b\\,c:/layers/a:/ctr/overlay/empty", "userxattr", "ro",
                "rprivate", "nosuid", "nodev"});
  CHECK(findMount(s, "/rw")->options ==
        Strings{"lowerdir=/layers/b\\,c:/layers/a", "upperdir=/ctr/overlay/0/upper",
                "workdir=/ctr/overlay/0/work", "userxattr", "rw", "rprivate", "nosuid", "nodev"});
  CHECK(findMount(s, "/o")->options[1] == "upperdir=/ctr/overlay/1/upper");
  CHECK(overlayUpperCount(images) == 2);
  CHECK(hasImageMounts(images));
  CHECK_FALSE(hasImageMounts(opts));
  ctx.imageLayers = [](const MountSpec&) {
    return Strings(40, "/layers/" + std::string(100, 'x'));
  };
  CHECK(errorOf([&] {
          buildRuntimeSpec(images, busybox(), ctx);
        }).starts_with("--mount type=image,source=alpine: the image's 40 layers need "));

  // --secret: a read-only bind of the run dir's copy.
  ContainerSpec secret;
  secret.secrets = {{"tok", "mount", "/run/secrets/tok", 0, 0, 0400},
                    {"envtok", "env", "ENVTOK", 0, 0, 0400}};
  s = buildRuntimeSpec(secret, busybox(), ctx);
  REQUIRE(findMount(s, "/run/secrets/tok") != nullptr);
  CHECK(findMount(s, "/run/secrets/tok")->source == ctx.runDir + "/secrets/tok");
  CHECK(findMount(s, "/run/secrets/tok")->options ==
        std::vector<std::string>{"bind", "rprivate", "ro", "nosuid", "nodev", "noexec"});
}

TEST_CASE("--privileged: all capabilities, no seccomp, no masked paths") {
  Rootfs root;
  ContainerSpec spec;
  spec.privileged = true;
  const auto ctx = context(root.path());
  const auto s = buildRuntimeSpec(spec, busybox(), ctx);
  CHECK(s.process->capabilities->bounding == ctx.boundingSet);
  CHECK(s.process->capabilities->effective == ctx.boundingSet);
  CHECK_FALSE(s.linuxConfig->seccomp.has_value());
  CHECK(s.linuxConfig->maskedPaths.empty());
  CHECK(s.linuxConfig->readonlyPaths.empty());
  CHECK(findMount(s, "/sys")->options == Strings{"rprivate", "nosuid", "noexec", "nodev", "rw"});
  CHECK(s.annotations.at("io.podman.annotations.privileged") == "TRUE");
}

TEST_CASE("user, security and namespaces") {
  Rootfs root;
  ContainerSpec spec;
  spec.user = "user";
  spec.capAdd = {"NET_ADMIN"};
  spec.noNewPrivileges = true;
  spec.seccompProfile = "unconfined";
  spec.tty = true;
  spec.rm = true;
  spec.stopSignal = 2;
  spec.umask = 077;
  spec.network = {NetworkMode::Kind::None, "", {}, {}};
  spec.annotations = {{"io.kubernetes.cri-o.TTY", "x"}, {"mine", "1"}};
  auto ctx = context(root.path());
  ctx.cgroupNamespace = true;
  auto s = buildRuntimeSpec(spec, busybox(), ctx);
  const auto& p = *s.process;
  CHECK(p.user.uid == 1000);
  CHECK(p.user.gid == 1000);
  CHECK(p.user.additionalGids == std::vector<std::uint32_t>{10, 29});
  CHECK(p.user.umask == 077u);
  CHECK(p.terminal);
  CHECK(p.noNewPrivileges);
  CHECK(p.capabilities->effective == Strings{"CAP_NET_ADMIN"});
  CHECK(p.capabilities->ambient == Strings{"CAP_NET_ADMIN"});
  CHECK(std::find(p.env.begin(), p.env.end(), "HOME=/home/user") != p.env.end());
  CHECK_FALSE(s.linuxConfig->seccomp.has_value());
  CHECK(s.annotations.at("io.podman.annotations.autoremove") == "TRUE");
  CHECK(s.annotations.at("org.opencontainers.image.stopSignal") == "2");
  CHECK(s.annotations.at("io.kubernetes.cri-o.TTY") == "x");
  CHECK(s.annotations.at("mine") == "1");
  Strings types;
  for (const auto& n : s.linuxConfig->namespaces)
    types.push_back(n.type);
  CHECK(types == Strings{"pid", "network", "ipc", "uts", "mount", "cgroup"});

  spec = {};
  spec.network = {NetworkMode::Kind::Host, "", {}, {}};
  ctx.hostHostname = "thehost";
  s = buildRuntimeSpec(spec, busybox(), ctx);
  CHECK(s.linuxConfig->findNamespace("network") == nullptr);
  CHECK(s.hostname == "thehost");
  CHECK(s.linuxConfig->sysctl.empty());
  spec.sysctls = {{"net.ipv4.ip_forward", "1"}};
  CHECK(errorOf([&] { buildRuntimeSpec(spec, busybox(), ctx); }) ==
        "sysctl net.ipv4.ip_forward=1 can't be set since Network Namespace set to host: invalid "
        "argument");
  spec = {};
  spec.network = {NetworkMode::Kind::Path, "/run/netns/x", {}, {}};
  s = buildRuntimeSpec(spec, busybox(), ctx);
  CHECK(s.linuxConfig->findNamespace("network")->path == "/run/netns/x");
  CHECK(s.hostname == "3e0b875b9599");

  spec = {};
  spec.user = "nobody2";
  CHECK(errorOf([&] { buildRuntimeSpec(spec, busybox(), ctx); }) ==
        "unable to find user nobody2: no matching entries in passwd file");
  auto image = busybox();
  image.config.user = "1000";
  image.config.workingDir = "/srv";
  image.config.stopSignal = "SIGQUIT";
  s = buildRuntimeSpec(ContainerSpec{}, image, ctx);
  CHECK(s.process->user.uid == 1000);
  CHECK(s.process->cwd == "/srv");
  CHECK(s.annotations.at("org.opencontainers.image.stopSignal") == "3");
}

TEST_CASE("resource limits need cgroups") {
  Rootfs root;
  auto ctx = context(root.path());
  for (const char* flag : {"--memory", "--cpus", "--cpu-shares", "--pids-limit"}) {
    ContainerSpec spec;
    const std::string f = flag;
    if (f == "--memory") spec.memory = 5 << 20;
    if (f == "--cpus") spec.cpus = 1.5;
    if (f == "--cpu-shares") spec.cpuShares = 512;
    if (f == "--pids-limit") spec.pidsLimit = 100;
    INFO(flag);
    CHECK(errorOf([&] { buildRuntimeSpec(spec, busybox(), ctx); }, Errc::Unsupported) ==
          f + ": resource limits need a cgroup berth can write to, and there is none here "
              "(rootless without a delegated cgroup v2 subtree)");
  }
  ctx.cgroupsAvailable = true;
  ctx.rootless = false;
  ContainerSpec spec;
  spec.memory = 5 << 20;
  spec.cpus = 1.5;
  spec.cpuShares = 512;
  auto s = buildRuntimeSpec(spec, busybox(), ctx);
  // podman create --memory 5m --cpus 1.5 --cpu-shares 512, as root
  CHECK(s.linuxConfig->resources->toJson() ==
        Json::parse(R"({"devices":[{"allow":false,"access":"rwm"}],"memory":{"limit":5242880,)"
                    R"("swap":10485760},"cpu":{"shares":512,"quota":150000,"period":100000},)"
                    R"("pids":{"limit":2048}})"));
  spec = {};
  spec.pidsLimit = -1;
  s = buildRuntimeSpec(spec, busybox(), ctx);
  CHECK_FALSE(s.linuxConfig->resources->pidsLimit.has_value());
}
