// SPDX-License-Identifier: Apache-2.0
// Podman 4.3's defaults, checked against the config.json it writes
// (reference/podman-4.3.1-samples/oci-runtime-config-web.json and `podman
// init` on this machine).
#include "berth/spec/generate.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <type_traits>

#include "berth/base/error.hpp"
#include "berth/base/fs.hpp"
#include "berth/runtime/capabilities.hpp"
#include "berth/runtime/rootfs.hpp"
#include "berth/runtime/seccomp.hpp"
#include "berth/spec/parse.hpp"
#include "berth/spec/user_lookup.hpp"

namespace berth::spec {
namespace {

constexpr std::string_view kDefaultPath =
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
constexpr std::uint64_t kRlimitDefault = 1048576;  // Podman's define.RLimitDefaultValue
constexpr std::int64_t kDefaultPidsLimit = 2048;
constexpr std::uint32_t kDefaultUmask = 022;
constexpr const char* kInitPath = "/run/berth-init";

std::string_view keyOf(std::string_view entry) {
  return entry.substr(0, entry.find('='));
}

bool hasEnv(const std::vector<std::string>& env, std::string_view key) {
  return std::any_of(env.begin(), env.end(), [&](const auto& e) { return keyOf(e) == key; });
}

std::string boolAnnotation(bool value) {
  return value ? "TRUE" : "FALSE";
}

oci::Mount mount(std::string destination, std::string type, std::string source,
                 std::vector<std::string> options) {
  oci::Mount m;
  m.destination = std::move(destination);
  m.type = std::move(type);
  m.source = std::move(source);
  m.options = std::move(options);
  return m;
}

bool hasAny(const std::vector<std::string>& options,
            std::initializer_list<std::string_view> words) {
  return std::any_of(options.begin(), options.end(), [&](const std::string& o) {
    const auto key = std::string_view(o).substr(0, o.find('='));
    return std::find(words.begin(), words.end(), key) != words.end();
  });
}

// util.ProcessOptions: the user's words plus Podman's defaults.
std::vector<std::string> processOptions(const std::vector<std::string>& given, bool tmpfs) {
  std::vector<std::string> options;
  for (const auto& o : given)
    if (o != "z" && o != "Z" && o != "copy" && o != "nocopy" && o != "notmpcopyup" && o != "U" &&
        o != "O")
      options.push_back(o);
  if (!hasAny(given, {"rw", "ro"})) options.emplace_back("rw");
  if (!hasAny(given, {"private", "rprivate", "shared", "rshared", "slave", "rslave", "unbindable",
                      "runbindable"}))
    options.emplace_back("rprivate");
  if (tmpfs) {
    if (!hasAny(given, {"suid", "nosuid"})) options.emplace_back("nosuid");
    if (!hasAny(given, {"dev", "nodev"})) options.emplace_back("nodev");
    if (!hasAny(given, {"tmpcopyup", "notmpcopyup"})) options.emplace_back("tmpcopyup");
  } else if (!hasAny(given, {"bind", "rbind"})) {
    options.emplace_back("rbind");
  }
  return options;
}

std::vector<oci::Mount> userMounts(const ContainerSpec& spec, const BuildContext& context) {
  std::vector<oci::Mount> out;
  int overlays = 0;
  // -v SRC:DST:O: an overlay with SRC as its lower layer; what the
  // container writes goes to an upper directory of its own.
  auto overlay = [&](const MountSpec& m, const std::string& lower) {
    if (context.overlayDir.empty())
      throwError(Errc::Unsupported, "overlay mount on {}: not supported here", m.destination);
    const std::string dir = context.overlayDir + "/" + std::to_string(overlays++);
    std::vector<std::string> options = {"lowerdir=" + lower, "upperdir=" + dir + "/upper",
                                        "workdir=" + dir + "/work"};
    if (context.rootless) options.emplace_back("userxattr");
    for (const auto& o : processOptions(m.options, true))
      if (o != "tmpcopyup") options.push_back(o);
    out.push_back(mount(m.destination, "overlay", "overlay", std::move(options)));
  };
  // --mount type=image: the image's layers as overlay's lower dirs, top
  // first. Read-only: no upper, and an empty bottom dir, as overlay wants
  // two lower dirs then. rw: an upper and work dir of the container's own,
  // numbered with the :O overlays (so discarded at each start as theirs).
  auto imageMount = [&](const MountSpec& m) {
    if (!context.imageLayers || context.overlayDir.empty())
      throwError(Errc::Unsupported, "--mount type=image on {}: not supported here", m.destination);
    const std::vector<std::string> layers = context.imageLayers(m);
    std::string lower;
    for (auto layer = layers.rbegin(); layer != layers.rend(); ++layer)
      lower += (lower.empty() ? "" : ":") + runtime::escapeOverlayPath(*layer);
    const bool readWrite = std::find(m.options.begin(), m.options.end(), "rw") != m.options.end();
    if (readWrite) {
      overlay(m, lower);
    } else {
      std::vector<std::string> options = {
          "lowerdir=" + lower + ":" + runtime::escapeOverlayPath(context.overlayDir + "/empty")};
      if (context.rootless) options.emplace_back("userxattr");
      for (const char* o : {"ro", "rprivate", "nosuid", "nodev"})
        options.emplace_back(o);
      out.push_back(mount(m.destination, "overlay", "overlay", std::move(options)));
    }
    // The kernel copies one page of mount data (fs/namespace.c).
    std::size_t size = 0;
    for (const auto& o : out.back().options)
      size += o.size() + 1;
    if (size >= 4096)
      throwError(Errc::InvalidArgument,
                 "--mount type=image,source={}: the image's {} layers need {} bytes of overlay "
                 "options, more than the kernel's 4095",
                 m.source, layers.size(), size);
  };
  auto add = [&](const MountSpec& m) {
    if (std::any_of(out.begin(), out.end(),
                    [&](const oci::Mount& o) { return o.destination == m.destination; }))
      throwError(Errc::InvalidArgument, "{}: duplicate mount destination", m.destination);
    const bool isOverlay = std::find(m.options.begin(), m.options.end(), "O") != m.options.end();
    if (m.type == "volume") {
      if (!context.volumeSource)
        throwError(Errc::Unsupported, "volume \"{}\" on {}: volumes are not supported yet",
                   m.source, m.destination);
      const VolumeSource source = context.volumeSource(m);
      std::vector<std::string> given = m.options;
      // Podman mounts volumes nosuid and nodev unless told otherwise.
      if (!hasAny(given, {"suid", "nosuid"})) given.emplace_back("nosuid");
      if (!hasAny(given, {"dev", "nodev"})) given.emplace_back("nodev");
      if (source.type == "bind") {
        if (isOverlay)
          overlay(m, source.source);
        else
          out.push_back(mount(m.destination, "bind", source.source, processOptions(given, false)));
      } else {
        // A filesystem volume (--opt type=tmpfs, ...): mounted in the
        // container with the volume's own options.
        for (const auto& o : source.options)
          if (!hasAny(given, {std::string_view(o).substr(0, o.find('='))})) given.push_back(o);
        given.emplace_back("notmpcopyup");
        std::vector<std::string> options;
        for (const auto& o : processOptions(given, true))
          if (o != "rbind" && o != "bind") options.push_back(o);
        out.push_back(mount(m.destination, source.type, source.source, std::move(options)));
      }
    } else if (m.type == "tmpfs") {
      out.push_back(mount(m.destination, "tmpfs", "tmpfs", processOptions(m.options, true)));
    } else if (m.type == "image") {
      imageMount(m);
    } else if (isOverlay) {
      overlay(m, m.source);
    } else {
      out.push_back(mount(m.destination, "bind", m.source, processOptions(m.options, false)));
    }
  };
  for (const auto& m : spec.mounts)
    add(m);
  for (const auto& m : spec.volumes)
    add(m);
  for (const auto& m : spec.tmpfs)
    add(m);
  // --secret type=mount: the engine writes the data into the run dir at
  // start; the container sees it read-only.
  for (const auto& secret : spec.secrets) {
    if (secret.type != "mount") continue;
    if (context.runDir.empty())
      throwError(Errc::Unsupported, "--secret {}: secrets need the container's run dir",
                 secret.name);
    const std::string target =
        secret.target.empty() ? "/run/secrets/" + secret.name : secret.target;
    if (std::any_of(out.begin(), out.end(),
                    [&](const oci::Mount& o) { return o.destination == target; }))
      throwError(Errc::InvalidArgument, "{}: duplicate mount destination", target);
    out.push_back(mount(target, "bind", context.runDir + "/secrets/" + secret.name,
                        {"bind", "rprivate", "ro", "nosuid", "nodev", "noexec"}));
  }
  if (spec.readOnly && spec.readOnlyTmpfs) {
    for (const char* dest : {"/tmp", "/run", "/var/tmp"}) {
      if (std::any_of(out.begin(), out.end(),
                      [&](const oci::Mount& o) { return o.destination == dest; }))
        continue;
      out.push_back(
          mount(dest, "tmpfs", "tmpfs", {"rw", "rprivate", "nosuid", "nodev", "tmpcopyup"}));
    }
  }
  if (spec.init) {
    if (context.initPath.empty())
      throwError(Errc::Unsupported, "container-init binary not found on the host");
    out.push_back(mount(kInitPath, "bind", context.initPath, {"bind", "private"}));
  }
  return out;
}

std::vector<oci::Mount> defaultMounts(const ContainerSpec& spec, const BuildContext& context) {
  const bool rw = spec.privileged;
  std::vector<oci::Mount> out = {
      mount("/proc", "proc", "proc", {"nosuid", "noexec", "nodev"}),
      mount("/dev", "tmpfs", "tmpfs",
            {"nosuid", "noexec", "strictatime", "mode=755", "size=65536k"}),
      rw ? mount("/sys", "sysfs", "sysfs", {"rprivate", "nosuid", "noexec", "nodev", "rw"})
         : mount("/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", "ro"}),
      mount("/dev/pts", "devpts", "devpts",
            {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}),
      mount("/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev"}),
  };
  if (!context.shmPath.empty())
    out.push_back(mount("/dev/shm", "bind", context.shmPath,
                        {"bind", "rprivate", "nosuid", "noexec", "nodev"}));
  else
    out.push_back(mount("/dev/shm", "tmpfs", "shm",
                        {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}));
  if (!context.runDir.empty()) {
    for (const char* name : {".containerenv", "hostname", "resolv.conf", "hosts"}) {
      const std::string dest = name == std::string_view(".containerenv")
                                   ? "/run/.containerenv"
                                   : std::string("/etc/") + name;
      out.push_back(mount(dest, "bind", context.runDir + "/" + name, {"bind", "rprivate"}));
    }
  }
  out.push_back(mount("/sys/fs/cgroup", "cgroup", "cgroup",
                      {"rprivate", "nosuid", "noexec", "nodev", "relatime", rw ? "rw" : "ro"}));
  return out;
}

std::vector<oci::PosixRlimit> rlimits(const ContainerSpec& spec, const BuildContext& context) {
  std::vector<oci::PosixRlimit> out;
  auto value = [](std::int64_t v) {
    return v < 0 ? static_cast<std::uint64_t>(RLIM_INFINITY) : static_cast<std::uint64_t>(v);
  };
  bool nofile = false, nproc = false;
  for (const auto& u : spec.ulimits) {
    std::string name = "RLIMIT_" + u.name;
    for (char& c : name)
      c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    nofile = nofile || u.name == "nofile";
    nproc = nproc || u.name == "nproc";
    oci::PosixRlimit r;
    r.type = name;
    r.hard = value(u.hard);
    r.soft = value(u.soft);
    out.push_back(r);
  }
  // Podman: 1048576, lowered to the caller's own limits when rootless (it
  // cannot raise them); RLIMIT_NPROC no higher than pid_max either.
  const HostLimits& h = context.limits;
  auto add = [&](const char* type, std::uint64_t soft, std::uint64_t hard, std::uint64_t cap) {
    std::uint64_t max = std::min(kRlimitDefault, cap), cur = max;
    if (context.rootless || !context.canRaiseLimits) {
      cur = std::min(cur, soft);
      max = std::min(max, hard);
    }
    oci::PosixRlimit r;
    r.type = type;
    r.hard = max;
    r.soft = cur;
    out.push_back(r);
  };
  if (!nofile) add("RLIMIT_NOFILE", h.nofileSoft, h.nofileHard, kRlimitDefault);
  if (!nproc) add("RLIMIT_NPROC", h.nprocSoft, h.nprocHard, h.pidMax);
  return out;
}

oci::LinuxResources resources(const ContainerSpec& spec, const BuildContext& context) {
  oci::LinuxResources res;
  // --cpus 0 means "no limit" (Podman's default): not a limit to refuse.
  const char* flag = spec.memory                   ? "--memory"
                     : spec.cpus && *spec.cpus > 0 ? "--cpus"
                     : spec.cpuShares              ? "--cpu-shares"
                     : spec.pidsLimit              ? "--pids-limit"
                                                   : nullptr;
  if (!context.cgroupsAvailable) {
    if (flag != nullptr)
      throwError(Errc::Unsupported,
                 "{}: resource limits need a cgroup berth can write to, and there is none here "
                 "(rootless without a delegated cgroup v2 subtree)",
                 flag);
    return res;  // "resources": {} as Podman writes rootless
  }
  if (!context.rootless)
    res.extra["devices"] = Json::array({{{"allow", spec.privileged}, {"access", "rwm"}}});
  if (spec.memory) {
    oci::LinuxMemory memory;
    memory.limit = *spec.memory;
    memory.swap = *spec.memory * 2;  // Podman: swap defaults to twice the limit
    res.memory = memory;
  }
  if ((spec.cpus && *spec.cpus > 0) || spec.cpuShares) {
    oci::LinuxCpu cpu;
    if (spec.cpuShares) cpu.shares = *spec.cpuShares;
    if (spec.cpus && *spec.cpus > 0) {
      cpu.period = 100000;
      cpu.quota = static_cast<std::int64_t>(*spec.cpus * 100000);
    }
    res.cpu = cpu;
  }
  const std::int64_t pids = spec.pidsLimit.value_or(kDefaultPidsLimit);
  if (pids > 0) res.pidsLimit = pids;
  return res;
}

// lx.seccomp is being changed from raw Json to oci::LinuxSeccomp; accept both.
template <class Field>
void setSeccomp(Field& field, const oci::LinuxSeccomp& seccomp) {
  using Value = typename Field::value_type;
  if constexpr (std::is_same_v<Value, oci::LinuxSeccomp>)
    field = seccomp;
  else
    field = seccomp.toJson();
}

std::string defaultHostname(const ContainerSpec& spec, const BuildContext& context) {
  if (!spec.hostname.empty()) return spec.hostname;
  if (spec.network.kind == NetworkMode::Kind::Host) {
    if (!context.hostHostname.empty()) return context.hostHostname;
    char name[256] = {};
    if (::gethostname(name, sizeof(name) - 1) == 0) return name;
  }
  return context.containerId.substr(0, 12);
}

}  // namespace

void setEnv(std::vector<std::string>& env, const std::string& entry) {
  const auto key = keyOf(entry);
  for (auto& e : env)
    if (keyOf(e) == key) {
      e = entry;
      return;
    }
  env.push_back(entry);
}

HostLimits HostLimits::current() {
  HostLimits limits;
  struct rlimit rl {};
  if (::getrlimit(RLIMIT_NOFILE, &rl) == 0) {
    limits.nofileSoft = rl.rlim_cur;
    limits.nofileHard = rl.rlim_max;
  }
  if (::getrlimit(RLIMIT_NPROC, &rl) == 0) {
    limits.nprocSoft = rl.rlim_cur;
    limits.nprocHard = rl.rlim_max;
  }
  if (const auto text = readFileIfExists("/proc/sys/kernel/pid_max")) {
    try {
      limits.pidMax = std::stoull(*text);
    } catch (const std::exception&) {
    }
  }
  return limits;
}

std::size_t overlayUpperCount(const ContainerSpec& spec) {
  std::size_t count = 0;
  for (const auto* list : {&spec.mounts, &spec.volumes})
    for (const auto& m : *list) {
      const auto has = [&m](std::string_view word) {
        return std::find(m.options.begin(), m.options.end(), word) != m.options.end();
      };
      if (has("O") || (m.type == "image" && has("rw"))) ++count;
    }
  return count;
}

bool hasImageMounts(const ContainerSpec& spec) {
  return std::any_of(spec.mounts.begin(), spec.mounts.end(),
                     [](const MountSpec& m) { return m.type == "image"; });
}

std::vector<std::string> containerArgs(const ContainerSpec& spec, const oci::RunConfig& image) {
  // Podman's makeCommand.
  const std::vector<std::string>& entrypoint =
      spec.entrypoint ? *spec.entrypoint : image.entrypoint;
  std::vector<std::string> args;
  if (!(entrypoint.size() == 1 && entrypoint[0].empty()))
    args.insert(args.end(), entrypoint.begin(), entrypoint.end());
  const bool userEntrypoint = spec.entrypoint && !spec.entrypoint->empty();
  const std::vector<std::string>& command =
      spec.command.empty() && !userEntrypoint ? image.cmd : spec.command;
  args.insert(args.end(), command.begin(), command.end());
  if (args.empty())
    throwError(Errc::InvalidArgument,
               "no command or entrypoint provided, and no CMD or ENTRYPOINT from image");
  if (spec.init) args.insert(args.begin(), {kInitPath, "--"});
  return args;
}

std::vector<std::string> containerEnv(const ContainerSpec& spec, const oci::RunConfig& image,
                                      const std::string& home, const std::string& hostname) {
  std::vector<std::string> env;
  for (const auto& e : image.env)
    if (e.find('=') != std::string::npos && !keyOf(e).empty()) setEnv(env, e);
  for (std::string_view d :
       {kDefaultPath, std::string_view("TERM=xterm"), std::string_view("container=berth")})
    if (!hasEnv(env, keyOf(d))) env.emplace_back(d);
  for (const auto& e : spec.envFromFiles)
    setEnv(env, e);
  for (const auto& e : spec.env)
    setEnv(env, e);
  if (!hasEnv(env, "HOME")) env.push_back("HOME=" + home);
  if (!hasEnv(env, "HOSTNAME")) env.push_back("HOSTNAME=" + hostname);
  return env;
}

oci::Spec buildRuntimeSpec(const ContainerSpec& spec, const oci::ImageConfig& image,
                           const BuildContext& context) {
  const oci::RunConfig& config = image.config;
  oci::Spec out;
  out.hostname = defaultHostname(spec, context);

  // process
  oci::Process process;
  process.terminal = spec.tty;
  const std::string userArg = spec.user.empty() ? config.user : spec.user;
  const ResolvedUser user = context.userLookupRoots.empty()
                                ? resolveUser(userArg, context.rootfs)
                                : resolveUser(userArg, context.userLookupRoots);
  process.user.uid = user.uid;
  process.user.gid = user.gid;
  process.user.additionalGids = user.additionalGids;
  process.user.umask = spec.umask.value_or(kDefaultUmask);
  process.args = containerArgs(spec, config);
  process.env = containerEnv(spec, config, user.home, out.hostname);
  process.cwd = !spec.workdir.empty()        ? spec.workdir
                : !config.workingDir.empty() ? config.workingDir
                                             : "/";
  runtime::CapabilityOptions capOptions;
  capOptions.add = spec.capAdd;
  capOptions.drop = spec.capDrop;
  capOptions.privileged = spec.privileged;
  capOptions.user = userArg;
  const auto caps = context.boundingSet.empty()
                        ? runtime::computeCapabilities(capOptions)
                        : runtime::computeCapabilities(capOptions, context.boundingSet);
  oci::LinuxCapabilities ociCaps;
  ociCaps.bounding = caps.bounding;
  ociCaps.effective = caps.effective;
  ociCaps.inheritable = caps.inheritable;
  ociCaps.permitted = caps.permitted;
  ociCaps.ambient = caps.ambient;
  process.capabilities = ociCaps;
  process.rlimits = rlimits(spec, context);
  process.noNewPrivileges = spec.noNewPrivileges;
  out.process = process;

  oci::Root root;
  root.path = context.rootfs;
  root.readonly = spec.readOnly;
  out.root = root;

  // mounts: the user's first, then the defaults they do not cover
  out.mounts = userMounts(spec, context);
  for (auto& m : defaultMounts(spec, context)) {
    const bool covered =
        std::any_of(out.mounts.begin(), out.mounts.end(),
                    [&](const oci::Mount& u) { return u.destination == m.destination; });
    if (!covered) out.mounts.push_back(std::move(m));
  }

  // annotations: Podman's, with berth as the manager; the user's win
  const int stopSignal = spec.stopSignal != 0         ? spec.stopSignal
                         : !config.stopSignal.empty() ? parseSignal(config.stopSignal)
                                                      : 15;
  out.annotations = {
      {"io.container.manager", "berth"},
      {"io.kubernetes.cri-o.TTY", spec.tty ? "true" : "false"},
      {"io.podman.annotations.autoremove", boolAnnotation(spec.rm)},
      {"io.podman.annotations.init", boolAnnotation(spec.init)},
      {"io.podman.annotations.privileged", boolAnnotation(spec.privileged)},
      {"io.podman.annotations.publish-all", "FALSE"},
      {"org.opencontainers.image.stopSignal", std::to_string(stopSignal)},
  };
  if (!context.created.empty()) out.annotations["io.kubernetes.cri-o.Created"] = context.created;
  for (const auto& [key, value] : spec.annotations)
    out.annotations[key] = value;

  // linux
  oci::Linux lx;
  const bool hostNet = spec.network.kind == NetworkMode::Kind::Host;
  if (!hostNet) lx.sysctl["net.ipv4.ping_group_range"] = "0 0";  // containers.conf default
  for (const auto& [key, value] : spec.sysctls) {
    if (hostNet && key.starts_with("net."))
      throwError(Errc::InvalidArgument,
                 "sysctl {}={} can't be set since Network Namespace set to host: invalid argument",
                 key, value);
    lx.sysctl[key] = value;
  }
  lx.resources = resources(spec, context);
  lx.namespaces.push_back({"pid", ""});
  if (spec.network.kind == NetworkMode::Kind::Path)
    lx.namespaces.push_back({"network", spec.network.path});
  else if (!hostNet)
    lx.namespaces.push_back({"network", ""});
  lx.namespaces.push_back({"ipc", ""});
  lx.namespaces.push_back({"uts", ""});
  lx.namespaces.push_back({"mount", ""});
  if (context.cgroupNamespace) lx.namespaces.push_back({"cgroup", ""});
  if (auto seccomp =
          runtime::seccompForContainer(spec.seccompProfile, caps.bounding, spec.privileged))
    setSeccomp(lx.seccomp, *seccomp);
  if (!spec.privileged && !spec.unmaskAll) {
    lx.maskedPaths = {"/proc/acpi",          "/proc/kcore",      "/proc/keys",
                      "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
                      "/proc/sched_debug",   "/proc/scsi",       "/sys/firmware",
                      "/sys/fs/selinux",     "/sys/dev/block"};
    lx.readonlyPaths = {"/proc/asound", "/proc/bus", "/proc/fs",
                        "/proc/irq",    "/proc/sys", "/proc/sysrq-trigger"};
  }
  out.linuxConfig = lx;
  return out;
}

}  // namespace berth::spec
