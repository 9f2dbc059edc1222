// SPDX-License-Identifier: Apache-2.0
// Shared by the container operations of the engine (containers.cpp,
// container_list.cpp): records with their state reconciled, and the
// container's files.
#pragma once

#include <sys/types.h>
#include <termios.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "berth/base/json.hpp"
#include "berth/base/unique_fd.hpp"
#include "berth/engine/engine.hpp"
#include "berth/oci/image_config.hpp"
#include "berth/oci/runtime_spec.hpp"
#include "berth/runtime/cgroups.hpp"
#include "berth/runtime/exec.hpp"
#include "berth/spec/container_spec.hpp"
#include "berth/state/container.hpp"
#include "berth/state/container_store.hpp"
#include "berth/state/pod.hpp"

namespace berth::engine::detail {

/// One container as read from disk, with the state as it really is: a
/// "running" record whose process is gone (or was started before the last
/// boot) reads as exited, with the code from exit.json when the monitor
/// wrote one, else -1. Reading never writes; cleanup folds it in.
struct ContainerRecord {
  state::ContainerConfig config;
  state::ContainerState state;
  bool stale = false;  ///< state differs from state.json: cleanup is due
};

/// Bytes of the files below `dir` (du's apparent size, hard links counted
/// once); 0 when it is missing. For ps --size and the prune reports.
std::int64_t treeSize(const std::string& dir);

/// `summary`: the config as readConfigSummary gives it (for listings).
ContainerRecord loadContainer(const state::ContainerStore& store, const std::string& id,
                              bool summary = false);

/// At create (container_network.cpp): the default network becomes the
/// user-mode stack that serves it (net::chooseNetworkCommand),
/// container:NAME the other container's id, and the ports their final
/// mappings (random host ports, -P). Throws for an unknown container.
void resolveNetwork(spec::ContainerSpec& spec, const oci::ImageConfig& image,
                    const state::StorePaths& paths);

/// ps's and port's view of the container's published ports: Podman's
/// types.PortMapping objects (host_ip, container_port, host_port, range,
/// protocol); null when there are none.
Json portMappingsJson(const state::ContainerConfig& config);

/// At start: writes the container's hosts and resolv.conf into `runDir`
/// and returns the monitor's network configuration (null when the spec's
/// namespaces say it all). Throws when a published host port is taken or
/// the container to share a namespace with is not running.
Json prepareNetwork(const state::StorePaths& paths, const std::string& id,
                    const spec::ContainerSpec& spec, const std::string& hostname,
                    const std::string& runDir);

/// container_bridge.cpp. At create: the names of --network's bridge
/// networks made canonical, --ip checked against their subnets. Throws
/// Error(NoSuchObject) for an unknown network.
void resolveBridgeNetworks(spec::ContainerSpec& spec, const state::StorePaths& paths);

/// At start, under the networks lock: addresses from each network's member
/// table, the bridges made when first used (rootless: in the per-user
/// namespace, started if needed), the container's hosts (its peers, by
/// name and alias) and resolv.conf texts, and its line added to every
/// running peer's hosts file. Returns the monitor's network configuration.
Json attachBridgeNetworks(const state::StorePaths& paths, const std::string& id,
                          const spec::ContainerSpec& spec, const std::string& hostname,
                          const std::string& runDir, std::string& hosts, std::string& resolv,
                          std::size_t from = 0, bool live = false);
/// `live` (network connect of a running container): only networks
/// [from..] are attached and `hosts` holds just the lines to append.

/// Appends lines to a running container's hosts file, in place.
void appendToHostsFile(const std::string& path, const std::string& lines);

/// At cleanup and rm: the container leaves every member table and its
/// peers' hosts files; a bridge without members goes (root), and the
/// per-user namespace with the last member of any network (rootless).
/// `only`: just that network (network disconnect), and the interface is
/// deleted from the running container `runningPid`.
void releaseBridgeNetworks(const state::StorePaths& paths, const std::string& id,
                           const std::string& only = "", pid_t runningPid = 0) noexcept;

/// inspect's NetworkSettings.Networks: per bridge network its address,
/// gateway, MAC and aliases while `running` (Podman's shape); null when the
/// container is on none.
Json bridgeNetworksInspect(const state::StorePaths& paths, const std::string& id,
                           const spec::ContainerSpec& spec, bool running);

/// The container's spec as recorded at create.
spec::ContainerSpec containerSpec(const state::ContainerConfig& config);

/// /proc/sys/kernel/random/boot_id.
std::string currentBootId();

/// True when `pid` runs and is the process that started at `startTime`.
bool processAlive(pid_t pid, std::uint64_t startTime);

/// A pidfd for `pid` if it is still the process that started at
/// `startTime` (0: not checked); empty when it is gone.
UniqueFd openProcess(pid_t pid, std::uint64_t startTime);

/// Waits for the process behind `pidfd` to exit; false on timeout (ms,
/// -1 = forever).
bool waitForExit(int pidfd, int timeoutMs);

/// pidfd_send_signal; false when the process is gone.
bool sendSignal(int pidfd, int signal);

/// A connection to the attach socket of the container's monitor.
UniqueFd connectAttach(const std::string& runDir);

/// How a CLI is attached to a container: its fds, and what it does with
/// its terminal and signals.
struct AttachIo {
  int stdinFd = -1;  ///< -1: no input
  int stdoutFd = 1;
  int stderrFd = 2;
  bool sigProxy = true;
  bool terminal = false;   ///< the container has a pseudo-terminal
  std::string detachKeys;  ///< bytes (parseDetachKeys); empty: no detaching
};

/// How an attach session ended.
struct AttachOutcome {
  bool detached = false;  ///< the user typed the detach keys
  bool hasExit = false;   ///< the monitor sent the exit record
  int exitCode = 0;       ///< from it
};

/// Copies the container's output to `io`'s fds and input to the container
/// until it exits or the user detaches. With a terminal container and a
/// terminal on stdin: raw mode for the session, the window size now and on
/// SIGWINCH. Signals are forwarded to `containerPidfd` with sigProxy.
AttachOutcome attachSession(int attachFd, int containerPidfd, const AttachIo& io);

/// The user's terminal in raw mode for as long as this lives: keys go to
/// the container as typed (^C included), and its output as it comes.
class RawMode {
 public:
  explicit RawMode(int fd);
  ~RawMode();
  RawMode(const RawMode&) = delete;
  RawMode& operator=(const RawMode&) = delete;

 private:
  int fd_;
  termios saved_{};
  bool active_ = false;
};

/// The window size of the terminal on `fd`, or of stdin/stdout; {0, 0}
/// when none is a terminal.
std::pair<std::uint16_t, std::uint16_t> terminalSize(int fd);

/// Files of a container.
std::string runtimeSpecPath(const state::StorePaths& paths, const std::string& id);
std::string exitFilePath(const state::StorePaths& paths, const std::string& id);
std::string logFilePath(const state::StorePaths& paths, const std::string& id);

/// The ids of the container's exec sessions whose process still runs
/// (container_exec.cpp), sorted. A record whose process is gone is left out.
std::vector<std::string> execSessionIds(const state::StorePaths& paths, const std::string& id);

/// What runtime::execInContainer needs to run a request's process in a
/// running container (exec, health checks): its spec, the target and the
/// process (the container's, with the request's command, env, user, cwd).
struct ExecPlan {
  oci::Spec spec;
  runtime::ExecTarget target;  ///< target.spec points at `spec`
  runtime::ExecProcess process;
};
/// Throws Error(InvalidState) when the container does not run.
std::unique_ptr<ExecPlan> planExec(const state::StorePaths& paths, const ContainerRecord& record,
                                   const Engine::ExecRequest& request);

/// A generated name, Docker's and Podman's adjective_surname style.
std::string generateContainerName();

/// The status line of `ps` ("Up 5 seconds ago", "Exited (0) 2 minutes ago",
/// "Created").
std::string statusText(const state::ContainerState& state, std::int64_t nowNs);

/// The cgroup of the container whose init is `pid`: the cgroup of that
/// process named berth-<id>, if it has one (container_pause.cpp).
std::optional<runtime::ContainerCgroup> containerCgroupOf(pid_t pid, const std::string& id);

/// The host pids of every process in the pid namespace of `init`.
std::vector<pid_t> pidNamespaceMembers(pid_t init);

/// The state letter of /proc/<pid>/stat ('R', 'S', 'T', ...); 'X' when gone.
char processState(pid_t pid);

/// Freezes (or thaws) the container: its freezer cgroup, else SIGSTOP
/// (SIGCONT) to its pid namespace. Throws Error.
void setFrozen(const ContainerRecord& record, bool freeze);

/// rm -f of a paused container: SIGKILL, thaw, wait, clean up.
void killPausedContainer(const Engine& engine, const std::string& id);

/// Appends a container event to the events log: the container's id,
/// name, image and labels (plus `extra` attributes, e.g. kill's signal),
/// ContainerExitCode `exitCode` (died). Never throws (events.cpp).
void emitContainerEvent(const state::StorePaths& paths, const state::ContainerConfig& config,
                        std::string_view status,
                        const std::map<std::string, std::string>& extra = {},
                        int exitCode = 0) noexcept;

/// Appends an image event (pull, tag, untag, remove, load, save, import).
/// Never throws.
void emitImageEvent(const state::StorePaths& paths, std::string_view status, const std::string& id,
                    const std::string& name) noexcept;

// ------------------------------------------------------------------ pods
// pods.cpp

/// The root filesystem of every infra container: an empty directory under
/// the graph root (made once); berth-pause is bind-mounted in at /pause.
std::string infraRootfs(const state::StorePaths& paths);

/// At create of a pod member: resolves spec.pod to the pod's id, refuses
/// what the pod decides (-p/-P and --network when it shares the network:
/// Podman's messages; -h when it shares uts), and points the spec at the
/// infra: network container:<infra> (host for a host-network pod), the
/// pod's hostname. Throws Error(NoSuchObject) for an unknown pod.
state::PodConfig joinPod(const state::StorePaths& paths, spec::ContainerSpec& spec);

/// Before a member starts (no lock held): starts the pod's infra if it
/// does not run. A no-op for containers outside pods and for the infra.
void startPodInfra(const Engine& engine, const state::StorePaths& paths, const std::string& id);

/// At start of a member (its lock held): rewrites its runtime spec so that
/// it joins the infra's ipc, uts and pid namespaces as the pod shares them
/// (/proc/<infra pid>/ns/...). Error(InvalidState) when the infra is not
/// running.
void joinPodNamespaces(const state::StorePaths& paths, const spec::ContainerSpec& spec,
                       const std::string& specPath);

/// From container cleanup (no lock held): a member of an --exit-policy
/// stop pod that was the last one running stops the infra.
void applyPodExitPolicy(const Engine& engine, const state::StorePaths& paths,
                        const spec::ContainerSpec& spec);

}  // namespace berth::engine::detail
