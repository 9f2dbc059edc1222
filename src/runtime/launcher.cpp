// SPDX-License-Identifier: Apache-2.0
// The launcher's parent side: checks the spec, prepares the init's
// configuration, clones the child into its namespaces, writes its id maps,
// and reads back what became of it over the sync socket (crun's
// libcrun_container_run_internal, youki's container_main_process).
#include "berth/runtime/launcher.hpp"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstring>

#include "berth/base/fs.hpp"
#include "berth/runtime/userns.hpp"
#include "launcher_internal.hpp"

namespace berth::runtime {

namespace {

constexpr std::string_view kDefaultPath =
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

struct NamespaceType {
  std::string_view name;
  int flag;
};
constexpr std::array kNamespaceTypes{
    NamespaceType{"pid", CLONE_NEWPID},       NamespaceType{"network", CLONE_NEWNET},
    NamespaceType{"mount", CLONE_NEWNS},      NamespaceType{"ipc", CLONE_NEWIPC},
    NamespaceType{"uts", CLONE_NEWUTS},       NamespaceType{"user", CLONE_NEWUSER},
    NamespaceType{"cgroup", CLONE_NEWCGROUP}, NamespaceType{"time", CLONE_NEWTIME},
};

struct RlimitName {
  std::string_view name;
  int resource;
};
constexpr std::array kRlimits{
    RlimitName{"RLIMIT_AS", RLIMIT_AS},
    RlimitName{"RLIMIT_CORE", RLIMIT_CORE},
    RlimitName{"RLIMIT_CPU", RLIMIT_CPU},
    RlimitName{"RLIMIT_DATA", RLIMIT_DATA},
    RlimitName{"RLIMIT_FSIZE", RLIMIT_FSIZE},
    RlimitName{"RLIMIT_LOCKS", RLIMIT_LOCKS},
    RlimitName{"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
    RlimitName{"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
    RlimitName{"RLIMIT_NICE", RLIMIT_NICE},
    RlimitName{"RLIMIT_NOFILE", RLIMIT_NOFILE},
    RlimitName{"RLIMIT_NPROC", RLIMIT_NPROC},
    RlimitName{"RLIMIT_RSS", RLIMIT_RSS},
    RlimitName{"RLIMIT_RTPRIO", RLIMIT_RTPRIO},
    RlimitName{"RLIMIT_RTTIME", RLIMIT_RTTIME},
    RlimitName{"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    RlimitName{"RLIMIT_STACK", RLIMIT_STACK},
};

std::string idMapText(const std::vector<oci::LinuxIdMapping>& mappings) {
  std::string text;
  for (const auto& m : mappings)
    text += fmt::format("{} {} {}\n", m.containerId, m.hostId, m.size);
  return text;
}

bool writeProc(const std::string& path, const std::string& text) {
  const UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  return fd && ::write(fd.get(), text.data(), text.size()) == static_cast<ssize_t>(text.size());
}

/// The spec's user namespace maps, written for the child (it waits).
void writeIdMaps(pid_t pid, const oci::Linux& linux_) {
  const std::string proc = "/proc/" + std::to_string(pid);
  if (linux_.uidMappings.empty() || linux_.gidMappings.empty())
    throwError(Errc::InvalidArgument,
               "a user namespace needs linux.uidMappings and linux.gidMappings");
  if (!writeProc(proc + "/uid_map", idMapText(linux_.uidMappings)))
    throwErrno("write the uid map of pid {}", pid);
  if (writeProc(proc + "/gid_map", idMapText(linux_.gidMappings))) return;
  // Without CAP_SETGID over the parent namespace, the kernel takes a gid
  // map only once setgroups is denied.
  if (errno != EPERM || !writeProc(proc + "/setgroups", "deny") ||
      !writeProc(proc + "/gid_map", idMapText(linux_.gidMappings)))
    throwErrno("write the gid map of pid {}", pid);
}

/// Reads the child's reports until it is waiting for start (true) or has
/// exec'ed (false). Throws LaunchError for a reported failure, or when the
/// child went away without a word.
bool awaitChild(int syncFd, ChildProcess& child) {
  bool execing = false;
  while (const auto message = detail::receiveSync(syncFd)) {
    switch (message->type) {
      case detail::SyncType::Ready:
        return true;
      case detail::SyncType::Exec:
        execing = true;
        break;
      case detail::SyncType::Error: {
        LaunchError error = detail::launchErrorFrom(*message);
        child.wait();
        throw error;
      }
      default:
        break;
    }
  }
  // EOF: the exec closed the child's CLOEXEC end, or the child died.
  if (execing) return false;
  const int code = child.wait();
  throw LaunchError(Errc::Internal,
                    fmt::format("the container's init exited with status {} before exec", code), 0,
                    LaunchStage::Exec, kExitEngineError);
}

/// clone3 straight into the new namespaces; the child runs the init.
pid_t cloneInit(const detail::InitConfig& config, detail::CloneArgs& args) {
  const long pid = ::syscall(SYS_clone3, &args, sizeof(args));
  if (pid == 0) detail::runContainerInit(config);
  if (pid < 0) throwErrno("clone the container's init (flags {:#x})", args.flags);
  return static_cast<pid_t>(pid);
}

/// A pid namespace to join applies to children only, and the way back to
/// our own needs CAP_SYS_ADMIN over it (which a rootless launcher lacks):
/// a short-lived helper joins it and clones the init with CLONE_PARENT, so
/// the init is still our child.
pid_t cloneIntoPidNamespace(const detail::InitConfig& config, detail::CloneArgs& args, int pidNsFd,
                            const std::string& path) {
  int pipeFds[2];
  if (::pipe2(pipeFds, O_CLOEXEC) != 0) throwErrno("pipe");
  UniqueFd readEnd(pipeFds[0]), writeEnd(pipeFds[1]);
  const pid_t helper = ::fork();
  if (helper < 0) throwErrno("fork to join the pid namespace {}", path);
  if (helper == 0) {
    long result = -EINVAL;
    if (::setns(pidNsFd, CLONE_NEWPID) != 0) {
      result = -errno;
    } else {
      args.flags |= CLONE_PARENT;
      args.exitSignal = 0;  // CLONE_PARENT: the helper's own (SIGCHLD)
      result = ::syscall(SYS_clone3, &args, sizeof(args));
      if (result == 0) detail::runContainerInit(config);
      if (result < 0) result = -errno;
    }
    [[maybe_unused]] const ssize_t n = ::write(writeEnd.get(), &result, sizeof(result));
    ::_exit(0);
  }
  writeEnd.reset();
  long result = -EPIPE;
  ssize_t n;
  while ((n = ::read(readEnd.get(), &result, sizeof(result))) < 0 && errno == EINTR) {
  }
  int status;
  while (::waitpid(helper, &status, 0) < 0 && errno == EINTR) {
  }
  if (n != sizeof(result)) result = -EPIPE;
  if (result < 0)
    throwErrnoValue(static_cast<int>(-result),
                    fmt::format("clone the container's init into the pid namespace {}", path));
  return static_cast<pid_t>(result);
}

}  // namespace

namespace detail {

void prepareProcess(const oci::Process& process, InitConfig& config) {
  if (process.args.empty()) throwError(Errc::InvalidArgument, "the spec's process.args is empty");
  if (process.cwd.empty() || process.cwd.front() != '/')
    throwError(Errc::InvalidArgument, "process.cwd \"{}\" is not an absolute path", process.cwd);
  config.cwd = process.cwd;
  config.uid = process.user.uid;
  config.gid = process.user.gid;
  config.additionalGids.assign(process.user.additionalGids.begin(),
                               process.user.additionalGids.end());
  config.umask = process.user.umask ? static_cast<mode_t>(*process.user.umask & 0777) : 022;
  config.noNewPrivileges = process.noNewPrivileges;
  config.oomScoreAdj = process.oomScoreAdj;
  config.terminal = process.terminal;
  for (const auto& limit : process.rlimits) {
    detail::Rlimit rlimit;
    rlimit.resource = rlimitResource(limit.type);
    rlimit.name = limit.type;
    rlimit.limit.rlim_cur = limit.soft;
    rlimit.limit.rlim_max = limit.hard;
    if (limit.soft > limit.hard)
      throwError(Errc::InvalidArgument, "rlimit {}: soft limit {} is above the hard limit {}",
                 limit.type, limit.soft, limit.hard);
    config.rlimits.push_back(std::move(rlimit));
  }

  config.command = process.args.front();
  config.searchPath = kDefaultPath;
  for (const auto& entry : process.env)
    if (entry.starts_with("PATH=")) config.searchPath = entry.substr(5);
  config.argStorage = process.args;
  config.envStorage = process.env;
  for (auto& arg : config.argStorage)
    config.argv.push_back(arg.data());
  config.argv.push_back(nullptr);
  for (auto& entry : config.envStorage)
    config.envp.push_back(entry.data());
  config.envp.push_back(nullptr);
}

}  // namespace detail

std::string_view launchStageName(LaunchStage stage) noexcept {
  switch (stage) {
    case LaunchStage::Clone:
      return "clone";
    case LaunchStage::Namespaces:
      return "namespaces";
    case LaunchStage::Rootfs:
      return "rootfs";
    case LaunchStage::Mounts:
      return "mounts";
    case LaunchStage::PivotRoot:
      return "pivot_root";
    case LaunchStage::Finalize:
      return "finalize";
    case LaunchStage::Environment:
      return "environment";
    case LaunchStage::Credentials:
      return "credentials";
    case LaunchStage::Exec:
      return "exec";
  }
  return "unknown";
}

int rlimitResource(std::string_view name) {
  for (const auto& entry : kRlimits)
    if (entry.name == name) return entry.resource;
  throwError(Errc::InvalidArgument, "unknown rlimit \"{}\": expected RLIMIT_NOFILE, ...", name);
}

NamespacePlan planNamespaces(const oci::Spec& spec) {
  NamespacePlan plan;
  int seen = 0;
  const std::vector<oci::LinuxNamespace> none;
  const auto& namespaces = spec.linuxConfig ? spec.linuxConfig->namespaces : none;
  for (const auto& ns : namespaces) {
    const auto type = std::find_if(kNamespaceTypes.begin(), kNamespaceTypes.end(),
                                   [&](const NamespaceType& t) { return t.name == ns.type; });
    if (type == kNamespaceTypes.end())
      throwError(Errc::InvalidArgument,
                 "unknown namespace type \"{}\": expected pid, network, mount, ipc, uts, user "
                 "or cgroup",
                 ns.type);
    if (seen & type->flag)
      throwError(Errc::InvalidArgument, "namespace \"{}\" is listed twice", ns.type);
    seen |= type->flag;
    if (type->flag == CLONE_NEWTIME)
      throwError(Errc::Unsupported, "time namespaces are not supported");
    if (!ns.path.empty()) {
      if (type->flag == CLONE_NEWUSER || type->flag == CLONE_NEWNS)
        throwError(Errc::Unsupported, "joining an existing {} namespace ({}) is not supported",
                   ns.type, ns.path);
      if (ns.path.front() != '/')
        throwError(Errc::InvalidArgument, "namespace path \"{}\" is not an absolute path", ns.path);
      plan.joins.push_back({type->flag, ns.path});
      continue;
    }
    switch (type->flag) {
      case CLONE_NEWCGROUP:
        plan.newCgroup = true;
        break;
      case CLONE_NEWNET:
        plan.newNetwork = true;
        plan.cloneFlags |= CLONE_NEWNET;
        break;
      case CLONE_NEWUSER:
        plan.newUser = true;
        plan.cloneFlags |= CLONE_NEWUSER;
        break;
      case CLONE_NEWUTS:
        plan.newUts = true;
        plan.cloneFlags |= CLONE_NEWUTS;
        break;
      default:
        plan.cloneFlags |= static_cast<unsigned long>(type->flag);
    }
  }
  if (!(plan.cloneFlags & CLONE_NEWNS))
    throwError(Errc::InvalidArgument,
               "the spec has no mount namespace: the container's mounts would land on the host");
  return plan;
}

void checkSysctls(const oci::Spec& spec, const NamespacePlan& namespaces) {
  if (!spec.linuxConfig) return;
  const auto has = [&](int flag) {
    return (namespaces.cloneFlags & static_cast<unsigned long>(flag)) ||
           std::any_of(namespaces.joins.begin(), namespaces.joins.end(),
                       [&](const NamespacePlan::Join& j) { return j.type == flag; });
  };
  for (const auto& [key, value] : spec.linuxConfig->sysctl) {
    int needs = 0;
    std::string_view what;
    if (key.starts_with("net.")) {
      needs = CLONE_NEWNET;
      what = "network";
    } else if (key.starts_with("kernel.shm") || key.starts_with("kernel.msg") ||
               key == "kernel.sem" || key.starts_with("fs.mqueue.")) {
      needs = CLONE_NEWIPC;
      what = "ipc";
    } else if (key == "kernel.hostname" || key == "kernel.domainname") {
      needs = CLONE_NEWUTS;
      what = "uts";
    } else {
      throwError(Errc::InvalidArgument,
                 "sysctl \"{}\" is not namespaced: not allowed in a container", key);
    }
    if (!has(needs))
      throwError(Errc::InvalidArgument,
                 "sysctl \"{}\" is not allowed: the container shares the host's {} namespace", key,
                 what);
    if (key.find("..") != std::string::npos || key.find('/') != std::string::npos)
      throwError(Errc::InvalidArgument, "sysctl \"{}\" is not a valid key", key);
  }
}

LaunchedProcess launch(const oci::Spec& spec, const LaunchOptions& options) {
  detail::InitConfig config;
  config.spec = &spec;
  config.options = &options;
  if (!spec.process) throwError(Errc::InvalidArgument, "the spec has no process to run");
  detail::prepareProcess(*spec.process, config);
  config.namespaces = planNamespaces(spec);
  checkSysctls(spec, config.namespaces);
  if (!spec.hostname.empty() && !config.namespaces.newUts &&
      !std::any_of(config.namespaces.joins.begin(), config.namespaces.joins.end(),
                   [](const NamespacePlan::Join& j) { return j.type == CLONE_NEWUTS; }))
    throwError(Errc::InvalidArgument,
               "hostname \"{}\" needs a uts namespace of the container's own", spec.hostname);
  config.hostname = spec.hostname;
  if (spec.linuxConfig)
    for (const auto& [key, value] : spec.linuxConfig->sysctl) {
      std::string path = "/proc/sys/" + key;
      std::replace(path.begin() + 10, path.end(), '.', '/');
      config.sysctls.push_back({std::move(path), key, value});
    }
  const bool rootless =
      options.rootless.value_or(::geteuid() != 0 || inUserNamespace()) || config.namespaces.newUser;
  MountPlanOptions planOptions;
  planOptions.rootless = rootless;
  planOptions.volumeInits = options.volumeInits;
  planOptions.processUid = spec.process->user.uid;
  planOptions.processGid = spec.process->user.gid;
  config.mounts = planMounts(spec, planOptions);

  // Namespaces to join are opened here: a bad path fails before cloning.
  std::vector<UniqueFd> joinFds;
  UniqueFd pidJoin;
  std::string pidJoinPath;
  for (const auto& join : config.namespaces.joins) {
    if (join.type == CLONE_NEWNET && options.networkNamespaceFd >= 0) continue;
    UniqueFd fd(::open(join.path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) throwErrno("open namespace {}", join.path);
    if (join.type == CLONE_NEWPID) {
      pidJoin = std::move(fd);
      pidJoinPath = join.path;
      continue;
    }
    config.joins.push_back({join.type, fd.get(), join.path});
    joinFds.push_back(std::move(fd));
  }
  if (options.networkNamespaceFd >= 0) {
    config.joins.push_back({CLONE_NEWNET, options.networkNamespaceFd, "given to the launcher"});
    config.namespaces.cloneFlags &= ~static_cast<unsigned long>(CLONE_NEWNET);
    config.namespaces.newNetwork = false;
  }
  const UniqueFd devNull(::open("/dev/null", O_RDWR | O_CLOEXEC));
  if (!devNull) throwErrno("open /dev/null");
  config.devNullFd = devNull.get();

  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0)
    throwErrno("socketpair for the container's init");
  UniqueFd parentEnd(pair[0]), childEnd(pair[1]);
  config.syncFd = childEnd.get();
  config.parentSyncFd = parentEnd.get();

  detail::CloneArgs args;
  args.flags = config.namespaces.cloneFlags;
  args.exitSignal = SIGCHLD;
  const pid_t pid = pidJoin ? cloneIntoPidNamespace(config, args, pidJoin.get(), pidJoinPath)
                            : cloneInit(config, args);
  // Adopted at once: from here any failure kills and reaps it.
  ChildProcess child(pid);
  childEnd.reset();

  try {
    if (config.namespaces.newUser) writeIdMaps(child.pid(), *spec.linuxConfig);
    if (options.beforeInit) options.beforeInit(child.pid());
  } catch (const Error& error) {
    throw LaunchError(error.kind(), error.message(), error.sysErrno(), LaunchStage::Clone,
                      kExitEngineError);
  }
  if (!detail::sendSync(parentEnd.get(), detail::SyncType::Continue))
    throwErrno("start the container's init");
  const bool waiting = awaitChild(parentEnd.get(), child);
  // Handed over by pid: ChildProcess's move loses the pidfd (release()
  // closes it before the move takes it), so LaunchedProcess opens its own.
  return LaunchedProcess(child.release(), std::move(parentEnd), waiting);
}

void LaunchedProcess::start() {
  if (!waiting_ || !sync_)
    throwError(Errc::InvalidState, "the container process {} is not waiting to start", pid());
  waiting_ = false;
  if (!detail::sendSync(sync_.get(), detail::SyncType::Start))
    throwErrno("start the container process {}", pid());
  awaitChild(sync_.get(), process_);
  sync_.reset();
}

UniqueFd receiveConsole(int socket) {
  char data = 0;
  iovec iov{&data, 1};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr message{};
  message.msg_iov = &iov;
  message.msg_iovlen = 1;
  message.msg_control = control;
  message.msg_controllen = sizeof(control);
  ssize_t n;
  do {
    n = ::recvmsg(socket, &message, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  if (n < 0) throwErrno("receive the container's pty");
  const cmsghdr* header = CMSG_FIRSTHDR(&message);
  if (n == 0 || header == nullptr || header->cmsg_level != SOL_SOCKET ||
      header->cmsg_type != SCM_RIGHTS || header->cmsg_len != CMSG_LEN(sizeof(int)))
    throwError(Errc::Internal, "the container sent no pty");
  int fd = -1;
  std::memcpy(&fd, CMSG_DATA(header), sizeof(int));
  return UniqueFd(fd);
}

namespace detail {

LaunchError launchErrorFrom(const SyncMessage& message) {
  const int err = message.sysErrno;
  Errc kind = err != 0 ? errcFromErrno(err) : Errc::Internal;
  if (message.exitCode == kExitCommandNotFound) kind = Errc::InvalidArgument;
  if (message.exitCode == kExitCannotInvoke) kind = Errc::PermissionDenied;
  const std::size_t length = ::strnlen(message.message, sizeof(message.message));
  return LaunchError(kind, std::string(message.message, length), err,
                     static_cast<LaunchStage>(message.stage), message.exitCode);
}

bool sendSync(int fd, const SyncMessage& message) noexcept {
  ssize_t n;
  do {
    n = ::send(fd, &message, sizeof(message), MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  return n == static_cast<ssize_t>(sizeof(message));
}

bool sendSync(int fd, SyncType type) noexcept {
  SyncMessage message;
  message.type = type;
  return sendSync(fd, message);
}

std::optional<SyncMessage> receiveSync(int fd) noexcept {
  SyncMessage message;
  ssize_t n;
  do {
    n = ::recv(fd, &message, sizeof(message), 0);
  } while (n < 0 && errno == EINTR);
  if (n != static_cast<ssize_t>(sizeof(message))) return std::nullopt;
  message.message[sizeof(message.message) - 1] = '\0';
  return message;
}

}  // namespace detail

}  // namespace berth::runtime
