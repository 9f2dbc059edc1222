// SPDX-License-Identifier: Apache-2.0
// Container lifecycle: create, start (detached or attached), stop, kill,
// rm, cleanup, wait, rename. The monitor protocol is in DESIGN.md.
#include <fcntl.h>
#include <linux/capability.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <thread>

#include "berth/base/child_process.hpp"
#include "berth/base/error.hpp"
#include "berth/base/file_lock.hpp"
#include "berth/base/fs.hpp"
#include "berth/base/ids.hpp"
#include "berth/base/programs.hpp"
#include "berth/base/scope_exit.hpp"
#include "berth/engine/engine.hpp"
#include "berth/format/human.hpp"
#include "berth/image/store.hpp"
#include "berth/net/user_mode.hpp"
#include "berth/oci/image_config.hpp"
#include "berth/runtime/cgroups.hpp"
#include "berth/runtime/monitor_protocol.hpp"
#include "berth/runtime/userns.hpp"
#include "berth/spec/generate.hpp"
#include "berth/spec/parse.hpp"
#include "berth/state/health.hpp"
#include "berth/state/volume_store.hpp"
#include "berth/systemd/unit.hpp"
#include "berth_config.h"
#include "container_internal.hpp"
#include "container_root.hpp"
#include "volume_internal.hpp"

namespace berth::engine {

using detail::connectAttach;
using detail::ContainerRecord;
using detail::loadContainer;
using detail::openProcess;
using detail::sendSignal;
using detail::waitForExit;

namespace {

constexpr unsigned kDefaultStopTimeout = 10;

std::string selfExecutable() {
  char buffer[4096];
  const ssize_t n = ::readlink("/proc/self/exe", buffer, sizeof(buffer) - 1);
  if (n <= 0) throwErrno("readlink /proc/self/exe");
  return std::string(buffer, static_cast<std::size_t>(n));
}

// The probe reads mountinfo and the process's cgroups; its answer does not
// change during one command, which may ask up to three times (create,
// start, cleanup).
bool cgroupsUsable(bool rootless) {
  static const bool usable = runtime::cgroupsAvailable(rootless);
  return usable;
}

bool hasEffectiveCapability(int capability) {
  // CapEff from /proc/self/status: no libcap needed for one bit.
  const std::string status = readFileIfExists("/proc/self/status").value_or("");
  const auto at = status.find("CapEff:");
  if (at == std::string::npos) return false;
  const std::uint64_t mask = std::stoull(status.substr(at + 7), nullptr, 16);
  return (mask >> capability) & 1U;
}

std::int64_t monotonicMs() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

}  // namespace

namespace detail {

// A pidfd for `pid` if it is still the process that started at `startTime`.
UniqueFd openProcess(pid_t pid, std::uint64_t startTime) {
  if (pid <= 0) return UniqueFd();
  UniqueFd fd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  if (!fd) return fd;
  // Checked after opening: the pidfd now pins this very process.
  if (startTime != 0 && runtime::processStartTime(pid) != startTime) return UniqueFd();
  return fd;
}

// Waits for the process behind `pidfd` to exit; false on timeout (ms, -1 = forever).
bool waitForExit(int pidfd, int timeoutMs) {
  pollfd p{pidfd, POLLIN, 0};
  const std::int64_t deadline = monotonicMs() + timeoutMs;
  for (;;) {
    const int left =
        timeoutMs < 0 ? -1 : static_cast<int>(std::max<std::int64_t>(0, deadline - monotonicMs()));
    const int n = ::poll(&p, 1, left);
    if (n > 0) return true;
    if (n == 0) return false;
    if (errno != EINTR) return true;
  }
}

bool sendSignal(int pidfd, int signal) {
  return ::syscall(SYS_pidfd_send_signal, pidfd, signal, nullptr, 0) == 0;
}

}  // namespace detail

namespace {

std::string pickImageName(const image::StoredImage& image, const std::string& requested) {
  if (image.names.empty()) return image.id();
  for (const auto& name : image.names)
    if (name == requested) return name;
  if (!isIdPrefix(requested) || requested.size() < 3) {
    for (const auto& name : image.names) {
      const auto slash = name.rfind('/');
      const std::string tail = slash == std::string::npos ? name : name.substr(slash + 1);
      if (tail == requested || tail == requested + ":latest" || name.ends_with("/" + requested) ||
          name.ends_with("/" + requested + ":latest"))
        return name;
    }
  }
  return image.names.front();
}

std::string containerEnvFile(const state::ContainerConfig& config, const spec::ContainerSpec& spec,
                             bool rootless) {
  // As Podman: the details only for --privileged containers.
  if (!spec.privileged) return "";
  return fmt::format(
      "engine=\"berth-{}\"\nname=\"{}\"\nid=\"{}\"\nimage=\"{}\"\nimageid=\"{}\"\nrootless={}\n",
      BERTH_VERSION, config.name, config.id, config.imageName, config.imageId, rootless ? 1 : 0);
}

// The monitor's first words on the sync socket.
runtime::MonitorReport receiveReport(int sync) {
  char buffer[16384];
  for (;;) {
    const ssize_t n = ::recv(sync, buffer, sizeof(buffer), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0)
      throwError(Errc::Internal, "berth-monitor exited before reporting the container's start");
    return runtime::MonitorReport::fromJson(
        parseJson(std::string_view(buffer, static_cast<std::size_t>(n)), "the monitor's report"));
  }
}

[[noreturn]] void throwReport(const runtime::MonitorReport& report) {
  throw ExitCodeError(
      report.exitCode == kExitCommandNotFound || report.exitCode == kExitCannotInvoke
          ? Errc::InvalidArgument
          : Errc::Internal,
      report.error, report.exitCode == 0 ? kExitEngineError : report.exitCode, report.sysErrno);
}

// fork + exec berth-monitor with its configuration (a memfd) on fd 3 and
// the sync socket on fd 4; returns our end of the socket once the first
// child (which forks the monitor proper) has exited.
UniqueFd spawnMonitor(const runtime::MonitorConfig& config) {
  const std::string monitorPath = findBerthHelper("berth-monitor");
  if (monitorPath.empty())
    throwError(Errc::Internal, "berth-monitor not found next to berth or in {}", BERTH_LIBEXECDIR);
  UniqueFd memfd(::memfd_create("berth-monitor-config", MFD_CLOEXEC));
  if (!memfd) throwErrno("memfd_create");
  writeAll(memfd.get(), config.toJson().dump(), "the monitor configuration");
  ::lseek(memfd.get(), 0, SEEK_SET);
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0)
    throwErrno("socketpair for the monitor");
  UniqueFd ours(pair[0]);
  UniqueFd theirs(pair[1]);
  // posix_spawn (a vfork-style clone in glibc) rather than fork: nothing of
  // the CLI's memory is copied. Its dup2 also clears close-on-exec when an
  // fd already has the target number.
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  ScopeExit destroyActions([&actions] { posix_spawn_file_actions_destroy(&actions); });
  posix_spawn_file_actions_adddup2(&actions, memfd.get(), runtime::kMonitorConfigFd);
  posix_spawn_file_actions_adddup2(&actions, theirs.get(), runtime::kMonitorSyncFd);
  char arg0[] = "berth-monitor";
  char* argv[] = {arg0, nullptr};
  pid_t pid = -1;
  if (const int err = ::posix_spawn(&pid, monitorPath.c_str(), &actions, nullptr, argv, environ);
      err != 0)
    throwErrnoValue(err, fmt::format("start {}", monitorPath));
  theirs.reset();
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throwError(Errc::Internal, "berth-monitor {} failed to start (exit status {})", monitorPath,
               exitCodeFromWaitStatus(status));
  return ours;
}

}  // namespace

// ---------------------------------------------------------------- create

std::string Engine::createContainer(const CreateRequest& request) const {
  enterUserNamespace();
  state::prepareStore(paths_);
  spec::ContainerSpec spec = request.spec;
  if (!spec.name.empty()) state::validateContainerName(spec.name);
  if (request.pull != "missing" && request.pull != "never" && request.pull != "always" &&
      request.pull != "newer")
    throwError(Errc::InvalidArgument,
               "invalid pull policy \"{}\": expected always, missing, never or newer",
               request.pull);

  // --pod new:NAME: a pod with default settings, which takes the
  // container's published ports; removed again if the container fails.
  std::optional<std::string> newPod;
  if (spec.pod.starts_with("new:")) {
    PodCreateRequest podRequest;
    podRequest.name = spec.pod.substr(4);
    podRequest.ports = spec.ports;
    podRequest.commandLine = request.commandLine;
    spec.ports.clear();
    spec.pod = createPod(podRequest);
    newPod = spec.pod;
  }
  ScopeExit undoPod([&] {
    if (!newPod) return;
    try {
      removePod(*newPod, true, 0);
    } catch (const Error&) {
    }
  });
  if (!spec.pod.empty()) detail::joinPod(paths_, spec);

  image::ImageStore images(paths_);
  // The image by the pull policy: looked up, pulled when needed.
  const auto resolveImage = [&](const std::string& reference) {
    std::optional<image::StoredImage> stored;
    if (request.pull != "always") stored = images.lookup(reference);
    if (request.pull == "always" || request.pull == "newer" ||
        (!stored && request.pull != "never")) {
      PullRequest pullRequest = request.pullOptions;
      pullRequest.image = reference;
      try {
        const PullReport pulled = pull(pullRequest, request.pullProgress);
        stored = images.lookup(pulled.imageId);
      } catch (const Error&) {
        // "newer": a registry that cannot be asked leaves the local image.
        if (request.pull != "newer" || !stored) throw;
      }
    }
    if (!stored) throwError(Errc::NoSuchImage, "{}: image not known", reference);
    return *stored;
  };
  // No image for an infra: berth-pause in an empty root filesystem
  // (detail::joinPod).
  std::optional<image::StoredImage> found;
  if (!spec.infra) found = resolveImage(spec.image);
  // --mount type=image: each image resolved like the container's own; its
  // layers (bottom first) go into the runtime spec, its id into config.json
  // (the image is in use while the container exists).
  std::map<std::string, std::vector<std::string>> imageMountLayers;
  std::vector<std::string> imageMountIds;
  for (const auto& m : spec.mounts) {
    if (m.type != "image") continue;
    const image::StoredImage stored = resolveImage(m.source);
    auto& layers = imageMountLayers[m.destination];
    for (const auto& chain : images.layerChainIds(stored))
      layers.push_back(images.layerPath(chain));
    if (layers.empty())
      throwError(Errc::InvalidArgument, "--mount type=image,source={}: the image has no layers",
                 m.source);
    imageMountIds.push_back(stored.id());
  }
  const oci::ImageConfig imageConfig =
      found ? oci::ImageConfig::fromJson(images.readConfig(*found), "the image configuration")
            : oci::ImageConfig{};
  std::vector<std::string> layerDirs;  // bottom first
  if (found) {
    for (const auto& chain : images.layerChainIds(*found))
      layerDirs.push_back(images.layerPath(chain));
    spec.imageId = found->id();
  } else {
    layerDirs.push_back(detail::infraRootfs(paths_));
  }
  if (spec.stopSignal == 0)
    spec.stopSignal = imageConfig.config.stopSignal.empty()
                          ? SIGTERM
                          : spec::parseSignal(imageConfig.config.stopSignal);
  // No --health-cmd: the image's HEALTHCHECK, as Podman takes it.
  if (!spec.healthcheck && imageConfig.config.healthcheck &&
      !imageConfig.config.healthcheck->test.empty())
    spec.healthcheck = spec::HealthCheck::fromImage(*imageConfig.config.healthcheck);
  detail::resolveNetwork(spec, imageConfig, paths_);
  if (spec.init && findBerthHelper("berth-init").empty())
    throwError(Errc::Internal, "--init: berth-init not found next to berth or in {}",
               BERTH_LIBEXECDIR);

  state::ContainerStore store(paths_);
  if (request.replace && !spec.name.empty()) {
    try {
      const std::string old = store.resolve(spec.name);
      if (store.readConfig(old).name == spec.name) removeContainer(old, true, std::nullopt);
    } catch (const Error& e) {
      if (e.kind() != Errc::NoSuchContainer) throw;
    }
  }

  const std::string id = generateId();
  const std::string name = spec.name.empty() ? detail::generateContainerName() : spec.name;
  spec.name = name;
  const std::int64_t created = format::nowNs();

  detail::applyVolumesFrom(store, spec);
  detail::checkSecrets(paths_, spec);
  // Volumes are made (and checked to exist) under the volumes lock, held
  // until the container that uses them is recorded: a concurrent volume rm
  // either finishes first or sees the new user.
  const state::VolumeStore volumes(paths_);
  std::optional<FileLock> volumeLock;
  if (detail::usesVolumes(spec, imageConfig)) volumeLock.emplace(volumes.lock());
  const std::vector<std::string> madeVolumes = detail::prepareVolumes(paths_, spec, imageConfig);
  ScopeExit undoVolumes([&] { detail::removeVolumesQuietly(paths_, madeVolumes); });

  spec::BuildContext context;
  context.containerId = id;
  context.rootfs = paths_.runContainerDir(id) + "/rootfs";
  context.userLookupRoots.assign(layerDirs.rbegin(), layerDirs.rend());
  context.runDir = paths_.runContainerDir(id);
  context.initPath = spec.init ? findBerthHelper("berth-init") : "";
  context.created = format::formatRfc3339Nano(created);
  context.rootless = paths_.rootless;
  context.cgroupsAvailable = cgroupsUsable(paths_.rootless);
  context.canRaiseLimits = hasEffectiveCapability(CAP_SYS_RESOURCE);
  context.volumeSource = [this](const spec::MountSpec& m) {
    return detail::volumeSource(paths_, m);
  };
  context.overlayDir = paths_.containerDir(id) + "/overlay";
  context.imageLayers = [&imageMountLayers](const spec::MountSpec& m) {
    return imageMountLayers.at(m.destination);
  };
  const oci::Spec runtimeSpec = spec::buildRuntimeSpec(spec, imageConfig, context);

  state::ContainerConfig config;
  config.id = id;
  config.name = name;
  config.createdNs = created;
  config.imageName = found ? pickImageName(*found, spec.image) : "";
  config.imageId = found ? found->id() : "";
  config.command = request.commandLine;
  config.labels = spec.labels;
  config.spec = spec.toJson();
  config.extra["layers"] = layerDirs;
  config.extra["imageDigest"] = found ? found->manifestDigest : "";
  if (!imageMountIds.empty()) config.extra["imageMounts"] = imageMountIds;
  // Read by ps from config.json alone (readConfigSummary).
  if (!spec.pod.empty()) config.extra["pod"] = spec.pod;
  if (spec.infra) config.extra["isInfra"] = true;
  if (!request.conmonPidFile.empty()) config.extra["conmonPidFile"] = request.conmonPidFile;
  // ps reads only a summary of config.json; this sends it to the full one.
  if (!spec.ports.empty()) config.extra["publishesPorts"] = true;
  if (runtimeSpec.process) config.extra["args"] = runtimeSpec.process->args;
  state::ContainerState initial;
  initial.status = state::ContainerStatus::Created;

  // A generated name may collide: draw again.
  for (int attempt = 0;; ++attempt) {
    try {
      store.create(config, initial, {{"runtime-spec.json", runtimeSpec.toJson().dump()}},
                   /*durable=*/!spec.rm);
      break;
    } catch (const Error& e) {
      if (e.kind() != Errc::AlreadyExists || !request.spec.name.empty() || attempt > 10) throw;
      config.name = detail::generateContainerName();
      spec.name = config.name;
      config.spec = spec.toJson();
    }
  }
  undoVolumes.dismiss();
  undoPod.dismiss();
  volumeLock.reset();
  if (!spec.infra) detail::emitImageEvent(paths_, "pull", "", request.spec.image);
  detail::emitContainerEvent(paths_, config, "create");
  return id;
}

// ----------------------------------------------------------------- start

namespace {

struct Started {
  UniqueFd sync;
  runtime::MonitorReport report;
};

// Starts the monitor of a container whose lock the caller holds.
Started startLocked(const state::StorePaths& paths, const state::ContainerStore& store,
                    ContainerRecord& record, bool waitForStart, bool keepStdin,
                    std::pair<std::uint16_t, std::uint16_t> windowSize = {0, 0}) {
  const std::string& id = record.config.id;
  const spec::ContainerSpec spec = detail::containerSpec(record.config);

  // The volatile files of this run.
  const std::string runDir = paths.runContainerDir(id);
  makeDirs(runDir, 0700);
  makeDirs(runDir + "/rootfs", 0755);
  ::unlink(detail::exitFilePath(paths, id).c_str());
  std::string hostname = spec.hostname;
  if (hostname.empty()) {
    if (spec.network.kind == spec::NetworkMode::Kind::Host) {
      char buffer[256] = {};
      ::gethostname(buffer, sizeof(buffer) - 1);
      hostname = buffer;
    } else {
      hostname = std::string(shortId(id));
    }
  }
  // In place: the container is not running, nobody reads them now.
  writeFile(runDir + "/hostname", hostname + "\n", 0644);
  const Json network = detail::prepareNetwork(paths, id, spec, hostname, runDir);
  ScopeExit releaseNetwork([&] { detail::releaseBridgeNetworks(paths, id); });
  writeFile(runDir + "/.containerenv", containerEnvFile(record.config, spec, paths.rootless), 0644,
            false);

  const std::string containerDir = paths.containerDir(id);
  makeDirs(containerDir + "/upper", 0755);
  makeDirs(containerDir + "/work", 0700);
  detail::prepareMountSources(paths, id, spec);

  runtime::MonitorConfig monitor;
  monitor.containerId = id;
  monitor.specPath = detail::runtimeSpecPath(paths, id);
  detail::joinPodNamespaces(paths, spec, monitor.specPath);
  if (auto layers = record.config.extra.find("layers"); layers != record.config.extra.end())
    monitor.rootfs.layerDirs = layers->get<std::vector<std::string>>();
  monitor.rootfs.upperDir = containerDir + "/upper";
  monitor.rootfs.workDir = containerDir + "/work";
  monitor.rootfs.target = runDir + "/rootfs";
  monitor.rootfs.rootless = paths.rootless;
  monitor.rootfs.volatileUpper = spec.rm;
  monitor.runDir = runDir;
  monitor.cacheDir = paths.runRoot + "/cache";
  monitor.logDriver = spec.logDriver;
  monitor.logPath = detail::logFilePath(paths, id);
  if (auto size = spec.logOpts.find("max-size"); size != spec.logOpts.end())
    monitor.logMaxSize = spec::parseMemorySize(size->second, "--log-opt max-size");
  monitor.waitForStart = waitForStart;
  monitor.keepStdin = keepStdin || spec.interactive;
  monitor.terminalRows = windowSize.first;
  monitor.terminalColumns = windowSize.second;
  // --cgroups and --sdnotify are read back from the create command (not in
  // the spec yet).
  const systemd::RecordedModes modes = systemd::recordedModes(record.config.command);
  monitor.useCgroup =
      modes.cgroups.value_or("enabled") != "disabled" && cgroupsUsable(paths.rootless);
  monitor.rootless = paths.rootless;
  monitor.cleanupCommand = {selfExecutable(), "--root",    paths.graphRoot, "--runroot",
                            paths.runRoot,    "container", "cleanup",       id};
  monitor.restartPolicy = spec.restart.name;
  monitor.restartRetries = spec.restart.maxRetries;
  monitor.statePath = paths.containerDir(id) + "/state.json";
  monitor.lockPath = paths.locksDir() + "/" + id + ".lock";
  if (spec.healthcheck && spec.healthcheck->test.size() >= 2 &&
      (spec.healthcheck->test[0] == "CMD" || spec.healthcheck->test[0] == "CMD-SHELL")) {
    // Podman: every start begins "starting" (berth also clears the streak).
    monitor.healthLogPath = state::healthLogPath(containerDir);
    state::resetHealthLog(monitor.healthLogPath);
    monitor.healthIntervalNs = spec.healthcheck->intervalNs;
    monitor.healthCommand = {selfExecutable(), "--root",      paths.graphRoot, "--runroot",
                             paths.runRoot,    "healthcheck", "run",           id};
  }
  monitor.volumeInits = detail::pendingVolumeInits(paths, spec);
  monitor.extraEnv = detail::secretEnvironment(paths, spec);
  monitor.network = network;
  // Under systemd: conmon, the monitor says READY; container (Podman's
  // default), the container does, through the monitor's proxy.
  const std::string sdNotify = modes.sdNotify.value_or("container");
  if (const char* notify = ::getenv("NOTIFY_SOCKET");
      notify != nullptr && *notify != '\0' && sdNotify != "ignore") {
    monitor.notifySocket = notify;
    monitor.notifyProxy = sdNotify == "container";
  }

  Started started;
  started.sync = spawnMonitor(monitor);
  started.report = receiveReport(started.sync.get());
  if (!started.report.error.empty()) throwReport(started.report);
  releaseNetwork.dismiss();
  if (!monitor.volumeInits.empty()) detail::markVolumesInitialised(paths, spec);
  (void)store;
  return started;
}

void recordRunning(const state::ContainerStore& store, ContainerRecord& record,
                   const runtime::MonitorReport& report) {
  record.state.status = state::ContainerStatus::Running;
  record.state.pid = report.pid;
  record.state.pidStartTime = report.pidStartTime;
  record.state.monitorPid = report.monitorPid;
  record.state.monitorStartTime = report.monitorStartTime;
  record.state.bootId = detail::currentBootId();
  record.state.exitCode = std::nullopt;
  record.state.startedNs = format::nowNs();
  record.state.finishedNs = 0;
  record.state.oomKilled = false;
  record.state.restartCount = 0;  // counts the monitor's restarts since this start
  // Not fsynced: "running" only means something until the next boot, and
  // a record lost in a crash reads "created", which is then the truth.
  store.writeState(record.config.id, record.state, /*durable=*/false);
  if (const std::string pidFile = record.config.extra.value("conmonPidFile", ""); !pidFile.empty())
    writeFileAtomic(pidFile, std::to_string(report.monitorPid) + "\n", 0644, false);
  for (const char* status : {"init", "start"})
    detail::emitContainerEvent(store.paths(), record.config, status);
}

}  // namespace

void Engine::startContainer(const std::string& nameOrId) const {
  enterUserNamespace();
  state::ContainerStore store(paths_);
  const std::string id = store.resolve(nameOrId);
  detail::startPodInfra(*this, paths_, id);
  FileLock lock = store.lock(id);
  ContainerRecord record = loadContainer(store, id);
  if (record.state.status == state::ContainerStatus::Running && !record.stale) return;
  if (record.state.status == state::ContainerStatus::Paused && !record.stale)
    throwError(Errc::InvalidState,
               "container {} is paused, unpause it first: container state improper", id);
  Started started = startLocked(paths_, store, record, false, false);
  recordRunning(store, record, started.report);
}

int Engine::runAttached(const std::string& nameOrId, const AttachRequest& request) const {
  enterUserNamespace();
  state::ContainerStore store(paths_);
  const std::string id = store.resolve(nameOrId);
  const std::string runDir = paths_.runContainerDir(id);
  UniqueFd attach;
  runtime::MonitorReport report;
  bool tty = false;
  detail::startPodInfra(*this, paths_, id);
  {
    std::optional<FileLock> lock(store.lock(id));
    ContainerRecord record = loadContainer(store, id);
    if (record.state.status == state::ContainerStatus::Running && !record.stale)
      throwError(Errc::InvalidState, "container {} is already running", record.config.name);
    tty = detail::containerSpec(record.config).tty;
    Started started = startLocked(paths_, store, record, true, request.stdinFd >= 0,
                                  tty ? detail::terminalSize(request.stdoutFd)
                                      : std::pair<std::uint16_t, std::uint16_t>{0, 0});
    try {
      attach = connectAttach(runDir);
    } catch (const Error&) {
      ::kill(started.report.pid, SIGKILL);
      throw;
    }
    const std::string go = R"({"start":true})";
    if (::send(started.sync.get(), go.data(), go.size(), MSG_NOSIGNAL) < 0)
      throwErrno("tell the monitor to start");
    const runtime::MonitorReport result = receiveReport(started.sync.get());
    if (!result.error.empty()) {
      lock.reset();
      // Nothing ran: a --rm container goes, others stay created.
      if (detail::containerSpec(record.config).rm) removeContainer(id, true, 0, true);
      throwReport(result);
    }
    report = started.report;
    recordRunning(store, record, report);
    detail::emitContainerEvent(paths_, record.config, "attach");
  }

  UniqueFd container = openProcess(report.pid, report.pidStartTime);
  detail::AttachIo io;
  io.stdinFd = request.stdinFd;
  io.stdoutFd = request.stdoutFd;
  io.stderrFd = request.stderrFd;
  io.sigProxy = request.sigProxy;
  io.terminal = tty;
  io.detachKeys = request.detachKeys;
  const detail::AttachOutcome outcome =
      detail::attachSession(attach.get(), container ? container.get() : -1, io);
  // Detached: the container runs on; its monitor cleans up after it.
  if (outcome.detached) return 0;
  std::optional<int> exitCode;
  if (outcome.hasExit) exitCode = outcome.exitCode;
  if (!exitCode) {
    if (auto json = readJsonFileIfExists(detail::exitFilePath(paths_, id)))
      exitCode = runtime::ExitRecord::fromJson(*json).exitCode;
  }
  cleanupContainer(id);
  if (!exitCode) throwError(Errc::Internal, "container {} ended without an exit status", id);
  return *exitCode;
}

// ------------------------------------------------------------ stop, kill

namespace {

// Waits until the monitor of a container whose process ended has written
// exit.json and gone.
void waitForMonitor(const state::ContainerState& state) {
  UniqueFd monitor = openProcess(state.monitorPid, state.monitorStartTime);
  if (monitor) waitForExit(monitor.get(), 15000);
}

// What one run used: the volatile files (exit.json is folded in by now)
// and the cgroup, which the monitor removes unless it was killed.
void releaseRun(const state::StorePaths& paths, const std::string& id) {
  net::killStrayHelper(paths.runContainerDir(id));
  detail::releaseBridgeNetworks(paths, id);
  // Out of the way at once (a restart makes a new one), deleted in the
  // background as the container's record is (ContainerStore::remove).
  const std::string runDir = paths.runContainerDir(id);
  const std::string doomed =
      paths.runContainersDir() + "/.removing-" + id + "-" + generateId().substr(0, 8);
  if (::rename(runDir.c_str(), doomed.c_str()) == 0) {
    removeRenamed(paths.runContainersDir(), ".removing-", doomed);
  } else if (errno != ENOENT) {
    removeAll(runDir);
  }
  if (cgroupsUsable(paths.rootless)) {
    try {
      runtime::removeContainerCgroup("/berth/berth-" + id);
    } catch (const Error&) {
      // busy: a process escaped the kill; the next cleanup or rm retries
    }
  }
}

}  // namespace

namespace {

// Podman's StoppedByUser: the container's monitor does not restart it
// after this. Marked holding the lock, which the monitor holds to check
// the mark and relaunch: the record read here has the process to signal.
ContainerRecord markStoppedByUser(const state::ContainerStore& store, const std::string& id) {
  FileLock lock = store.lock(id);
  ContainerRecord record = loadContainer(store, id);
  if (!record.stale && (record.state.status == state::ContainerStatus::Running ||
                        record.state.status == state::ContainerStatus::Paused))
    writeFile(store.paths().runContainerDir(id) + "/" + runtime::kStoppedByUserFile, "", 0600,
              false);
  return record;
}

}  // namespace

void Engine::stopContainer(const std::string& nameOrId, std::optional<unsigned> timeout) const {
  enterUserNamespace();
  state::ContainerStore store(paths_);
  const std::string id = store.resolve(nameOrId);
  ContainerRecord record = markStoppedByUser(store, id);
  if (record.state.status == state::ContainerStatus::Paused && !record.stale)
    throwError(Errc::InvalidState,
               "can only stop created or running containers. {} is in state paused: container "
               "state improper",
               id);
  if (record.state.status != state::ContainerStatus::Running || record.stale) {
    if (record.stale) cleanupContainer(id);
    return;
  }
  const spec::ContainerSpec spec = detail::containerSpec(record.config);
  const unsigned seconds = timeout.value_or(spec.stopTimeout.value_or(kDefaultStopTimeout));
  UniqueFd process = openProcess(record.state.pid, record.state.pidStartTime);
  if (process) {
    sendSignal(process.get(), spec.stopSignal != 0 ? spec.stopSignal : SIGTERM);
    if (!waitForExit(process.get(), static_cast<int>(seconds) * 1000)) {
      sendSignal(process.get(), SIGKILL);
      waitForExit(process.get(), -1);
    }
  }
  detail::emitContainerEvent(paths_, record.config, "stop");
  waitForMonitor(record.state);
  cleanupContainer(id);
}

void Engine::killContainer(const std::string& nameOrId, int signal) const {
  enterUserNamespace();
  state::ContainerStore store(paths_);
  const std::string id = store.resolve(nameOrId);
  ContainerRecord record = markStoppedByUser(store, id);
  const bool live = record.state.status == state::ContainerStatus::Running ||
                    record.state.status == state::ContainerStatus::Paused;
  UniqueFd process =
      live && !record.stale ? openProcess(record.state.pid, record.state.pidStartTime) : UniqueFd();
  if (!process || !sendSignal(process.get(), signal))
    throwError(Errc::InvalidState,
               "can only kill running containers. {} is in state {}: container state improper", id,
               record.state.status == state::ContainerStatus::Running
                   ? "exited"
                   : std::string(state::toString(record.state.status)));
  detail::emitContainerEvent(paths_, record.config, "kill", {{"signal", std::to_string(signal)}});
}

// ------------------------------------------------------------ rm, cleanup

void Engine::removeContainer(const std::string& nameOrId, bool force,
                             std::optional<unsigned> timeout, bool removeVolumes) const {
  enterUserNamespace();
  state::ContainerStore store(paths_);
  const std::string id = store.resolve(nameOrId);
  {
    ContainerRecord record = loadContainer(store, id);
    // The infra goes with its pod (pod rm removes the pod's record first).
    if (const std::string pod = record.config.extra.value("pod", "");
        !pod.empty() && record.config.extra.value("isInfra", false) &&
        state::PodStore(paths_).exists(pod))
      throwError(Errc::InvalidState,
                 "container {} is the infra container of pod {} and cannot be removed without "
                 "removing the pod",
                 id, pod);
    const bool paused = record.state.status == state::ContainerStatus::Paused && !record.stale;
    if ((record.state.status == state::ContainerStatus::Running || paused) && !record.stale) {
      if (!force)
        throw ExitCodeError(
            Errc::InvalidState,
            fmt::format("cannot remove container {} as it is running - running or paused "
                        "containers cannot be removed without force: container state improper",
                        id),
            2);
      if (paused) detail::killPausedContainer(*this, id);
      stopContainer(id, timeout);
    }
  }
  FileLock lock = store.lock(id);
  if (!store.exists(id)) return;
  ContainerRecord record = loadContainer(store, id);
  if (record.state.status == state::ContainerStatus::Running && !record.stale)
    throwError(Errc::InvalidState, "container {} was started again while being removed", id);
  if (record.stale) waitForMonitor(record.state);
  if (record.stale)
    detail::emitContainerEvent(paths_, record.config, "died", {},
                               record.state.exitCode.value_or(0));
  detail::releaseUserMount(paths_, id);
  releaseRun(paths_, id);
  store.remove(id);
  detail::emitContainerEvent(paths_, record.config, "remove");
  lock.unlock();  // the volumes lock is never taken under a container's
  if (removeVolumes) detail::removeAnonymousVolumes(paths_, detail::containerSpec(record.config));
}

void Engine::cleanupContainer(const std::string& nameOrId) const {
  enterUserNamespace();
  state::ContainerStore store(paths_);
  std::string id;
  try {
    id = store.resolve(nameOrId);
  } catch (const Error& e) {
    if (e.kind() == Errc::NoSuchContainer) return;  // removed already (--rm)
    throw;
  }
  FileLock lock = store.lock(id);
  if (!store.exists(id)) return;
  ContainerRecord record = loadContainer(store, id);
  if ((record.state.status == state::ContainerStatus::Running ||
       record.state.status == state::ContainerStatus::Paused) &&
      !record.stale)
    return;
  const spec::ContainerSpec spec = detail::containerSpec(record.config);
  const bool autoRemove = spec.rm;
  // --exit-policy stop: once the lock is released (pod before container).
  ScopeExit podExit([&] {
    if (!record.stale || spec.pod.empty()) return;
    lock.unlock();
    try {
      detail::applyPodExitPolicy(*this, paths_, spec);
    } catch (const Error&) {
      // the pod's next stop or rm settles it
    }
  });
  // died: once, here or in rm, where the exit is folded in under the lock.
  if (record.stale)
    detail::emitContainerEvent(paths_, record.config, "died", {},
                               record.state.exitCode.value_or(0));
  if (autoRemove) {  // no point recording the exit of what goes now
    releaseRun(paths_, id);
    store.remove(id);
    detail::emitContainerEvent(paths_, record.config, "cleanup");
    detail::emitContainerEvent(paths_, record.config, "remove");
    lock.unlock();
    detail::removeAnonymousVolumes(paths_, detail::containerSpec(record.config));
    return;
  }
  if (record.stale) store.writeState(id, record.state);
  releaseRun(paths_, id);
  if (record.stale) detail::emitContainerEvent(paths_, record.config, "cleanup");
}

// ------------------------------------------------------------------- wait

int Engine::waitContainer(const std::string& nameOrId,
                          const std::vector<std::string>& conditions) const {
  enterUserNamespace();
  state::ContainerStore store(paths_);
  const std::string id = store.resolve(nameOrId);
  std::vector<state::ContainerStatus> wanted;
  std::vector<std::string> wantedHealth;  // healthy, unhealthy (Podman 4.4's wait)
  for (const auto& condition : conditions) {
    if (condition == state::kHealthHealthy || condition == state::kHealthUnhealthy) {
      wantedHealth.push_back(condition);
      continue;
    }
    const auto status = state::parseContainerStatus(condition);
    if (status == state::ContainerStatus::Unknown && condition != "unknown")
      throwError(Errc::InvalidArgument,
                 "unknown condition \"{}\": expected one of configured, created, running, stopped, "
                 "paused, exited, removing, stopping, healthy, unhealthy",
                 condition);
    wanted.push_back(status == state::ContainerStatus::Stopped ? state::ContainerStatus::Exited
                                                               : status);
  }
  if (wanted.empty() && wantedHealth.empty()) wanted.push_back(state::ContainerStatus::Exited);
  if (!wantedHealth.empty()) {
    const spec::ContainerSpec spec = detail::containerSpec(store.readConfig(id));
    if (!spec.healthcheck || spec.healthcheck->test.empty() || spec.healthcheck->test[0] == "NONE")
      throwError(Errc::InvalidArgument,
                 "cannot use condition \"{}\": container {} has no healthcheck",
                 wantedHealth.front(), id);
  }
  const std::string healthPath = state::healthLogPath(paths_.containerDir(id));
  for (;;) {
    if (!store.exists(id))
      throwError(Errc::NoSuchContainer,
                 "no container with ID {} found in database: no such container", id);
    if (!wantedHealth.empty()) {
      std::string health;
      try {
        health = state::readHealthLog(healthPath).status;
      } catch (const Error&) {
        // being replaced: read again
      }
      if (std::find(wantedHealth.begin(), wantedHealth.end(), health) != wantedHealth.end())
        return -1;
      if (wanted.empty()) {
        // An exited container's health does not change any more.
        if (loadContainer(store, id).state.status == state::ContainerStatus::Exited)
          throwError(Errc::InvalidState, "container {} exited before it was {}", id,
                     wantedHealth.front());
        ::usleep(100000);  // the status changes at most once per check
        continue;
      }
    }
    ContainerRecord record = loadContainer(store, id);
    const auto status = record.state.status;
    if (std::find(wanted.begin(), wanted.end(), status) != wanted.end()) {
      if (status == state::ContainerStatus::Exited) {
        if (record.stale) cleanupContainer(id);
        return record.state.exitCode.value_or(-1);
      }
      return -1;
    }
    if (status == state::ContainerStatus::Running) {
      UniqueFd process = openProcess(record.state.pid, record.state.pidStartTime);
      if (process)
        waitForExit(process.get(), 250);
      else
        waitForMonitor(record.state);
    } else {
      ::usleep(100000);
    }
  }
}

// ------------------------------------------------------------ look-ups

std::string Engine::resolveContainer(const std::string& nameOrId) const {
  return state::ContainerStore(paths_).resolve(nameOrId);
}

bool Engine::containerExists(const std::string& nameOrId) const {
  try {
    resolveContainer(nameOrId);
    return true;
  } catch (const Error& e) {
    if (e.kind() == Errc::NoSuchContainer) return false;
    throw;
  }
}

std::vector<std::string> Engine::containerIds() const {
  return state::ContainerStore(paths_).listIds();
}

std::string Engine::latestContainer() const {
  state::ContainerStore store(paths_);
  std::string latest;
  std::int64_t newest = 0;
  for (const auto& id : store.listIds()) {
    try {
      const auto config = store.readConfig(id);
      if (latest.empty() || config.createdNs > newest) {
        latest = id;
        newest = config.createdNs;
      }
    } catch (const Error&) {
    }
  }
  return latest;
}

void Engine::renameContainer(const std::string& nameOrId, const std::string& newName) const {
  enterUserNamespace();
  state::ContainerStore store(paths_);
  const std::string id = store.resolve(nameOrId);
  FileLock lock = store.lock(id);
  store.rename(id, newName);
  detail::emitContainerEvent(paths_, store.readConfig(id), "rename");
}

Engine::LogSource Engine::containerLog(const std::string& nameOrId) const {
  state::ContainerStore store(paths_);
  const std::string id = store.resolve(nameOrId);
  const auto config = store.readConfig(id);
  const auto spec = detail::containerSpec(config);
  return LogSource{id, config.name, spec.logDriver, detail::logFilePath(paths_, id)};
}

}  // namespace berth::engine
