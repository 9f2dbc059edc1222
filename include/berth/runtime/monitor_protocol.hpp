// SPDX-License-Identifier: Apache-2.0
// What `berth` and `berth-monitor` say to each other (DESIGN.md, "Monitor
// protocol"): the configuration handed over at start, the report on the
// sync socket, the attach socket's messages, and exit.json.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "berth/base/json.hpp"
#include "berth/runtime/mount_plan.hpp"
#include "berth/runtime/rootfs.hpp"

namespace berth::runtime {

/// The fds the monitor finds open when it starts.
inline constexpr int kMonitorConfigFd = 3;  ///< the configuration JSON (a pipe or memfd)
inline constexpr int kMonitorSyncFd = 4;    ///< SOCK_SEQPACKET to the CLI

/// Everything one monitor needs, written by the engine's start.
struct MonitorConfig {
  std::string containerId;
  std::string specPath;  ///< the OCI runtime spec (JSON)
  RootfsSpec rootfs;
  std::string runDir;                  ///< runroot/containers/<id>: exit.json, attach socket
  std::string cacheDir;                ///< runroot/cache: compiled seccomp programs; "" = none
  std::string logDriver = "k8s-file";  ///< "k8s-file" or "none"
  std::string logPath;
  std::int64_t logMaxSize = -1;  ///< bytes; -1 = unlimited
  /// Launch, report the pid, then wait for a Start message on the sync
  /// socket before the command runs (a foreground `run` attaches first).
  bool waitForStart = false;
  bool keepStdin = false;  ///< -i: a pipe to the container's stdin, fed by attach clients
  /// A terminal container's first window size, set before the command
  /// runs (the attaching terminal's); 0 = none.
  std::uint16_t terminalRows = 0;
  std::uint16_t terminalColumns = 0;
  bool useCgroup = false;  ///< put the container in its own cgroup (root / delegated)
  bool rootless = false;
  std::vector<std::string> cleanupCommand;  ///< argv run after exit.json is written
  /// --restart: "" or "no" (never), "on-failure", "always", "unless-stopped";
  /// the monitor relaunches the container itself (restartWanted).
  std::string restartPolicy;
  unsigned restartRetries = 0;  ///< on-failure's limit; 0 = none
  /// state.json and the container's lock file: a relaunch updates the
  /// record (pid, start time, restart count) holding the lock, as the CLI does.
  std::string statePath;
  std::string lockPath;
  /// Health checks: every healthIntervalNs (0 = none) after the container
  /// started and after the previous check ended, the monitor runs
  /// healthCommand (`berth healthcheck run <id>`), one at a time. A
  /// relaunch resets healthLogPath (health.json) to "starting".
  std::int64_t healthIntervalNs = 0;
  std::vector<std::string> healthCommand;
  std::string healthLogPath;
  /// New volumes to fill and give an owner before they are bound.
  std::vector<VolumeInit> volumeInits;
  /// "KEY=value" added to the process's environment: --secret type=env.
  /// Only here (the config travels in a memfd), never in a file.
  std::vector<std::string> extraEnv;
  /// The default network (net::UserModeNetwork as JSON): the monitor makes
  /// the network namespace, starts the helper and stops it at the end.
  /// null: the spec says what network namespace the container gets.
  Json network;
  /// --sdnotify=conmon under systemd: the service manager's socket
  /// ($NOTIFY_SOCKET; "@name" is abstract). Once the container runs, the
  /// monitor sends "MAINPID=<its own pid>\nREADY=1" there (Podman's conmon
  /// mode: the monitor is the process that lives as long as the service).
  /// "" = nobody to tell.
  std::string notifySocket;
  /// --sdnotify=container: the container gets its own socket
  /// (/run/notify/notify.sock, bound from runDir/notify) as $NOTIFY_SOCKET;
  /// the monitor sends only MAINPID and forwards the container's messages
  /// (READY, STATUS, WATCHDOG...) to notifySocket, without their MAINPID.
  bool notifyProxy = false;

  Json toJson() const;
  static MonitorConfig fromJson(const Json& json);
};

/// Sync socket messages, one JSON object per datagram.
/// monitor -> CLI: {"pid", "pidStartTime", "monitorPid", "monitorStartTime"}
/// or {"error", "errno", "exitCode"}; after a Start: {"started": true} or an
/// error. CLI -> monitor: {"start": true}.
struct MonitorReport {
  pid_t pid = 0;
  std::uint64_t pidStartTime = 0;
  pid_t monitorPid = 0;
  std::uint64_t monitorStartTime = 0;
  std::string cgroupPath;
  bool started = false;
  // failures
  std::string error;  ///< "" = success
  int sysErrno = 0;
  int exitCode = 0;  ///< 125, 126 or 127 for a failure

  Json toJson() const;
  static MonitorReport fromJson(const Json& json);
};

/// Attach socket (SOCK_SEQPACKET, runDir/attach): each datagram starts with
/// one type byte, as conmon's attach socket does for the output streams.
enum class AttachMessage : std::uint8_t {
  Stdin = 1,       ///< client -> monitor: data for the container's stdin
  CloseStdin = 2,  ///< client -> monitor: stdin reached EOF
  Stdout = 3,      ///< monitor -> client
  Stderr = 4,      ///< monitor -> client
  Exit = 5,        ///< monitor -> client: the exit record as JSON, then close
  Resize = 6,      ///< client -> monitor: the terminal's size, a WindowSize
};

/// The payload of AttachMessage::Resize.
struct WindowSize {
  std::uint16_t rows = 0;
  std::uint16_t columns = 0;
};

/// exit.json: written once by the monitor when the container has exited.
struct ExitRecord {
  int exitCode = 0;  ///< the code, or 128+signal
  int signal = 0;
  bool oomKilled = false;
  std::int64_t finishedNs = 0;

  Json toJson() const;
  static ExitRecord fromJson(const Json& json);
};

/// The file in the run dir that `stop` and `kill` create (holding the
/// container's lock) before they signal: Podman's StoppedByUser. A monitor
/// that finds it does not restart the container. The run dir goes at
/// cleanup, so the next start begins without it.
inline constexpr const char* kStoppedByUserFile = "stopped-by-user";

/// The monitor's pid, in the run dir, written once the container runs: a
/// Type=forking unit's PIDFile= (Podman's conmon.pid).
inline constexpr const char* kMonitorPidFile = "monitor.pid";

/// Podman's shouldRestart: never when stopped by the user or for the "no"
/// policy; on-failure for a non-zero exit while `restartCount` is under
/// `maxRetries` (0 = no limit); always and unless-stopped for any exit.
bool restartWanted(std::string_view policy, unsigned maxRetries, int exitCode, int restartCount,
                   bool stoppedByUser) noexcept;

/// A run that lasted this long resets the back-off (restartDelayMs).
inline constexpr std::int64_t kRestartResetAfterMs = 10'000;

/// The wait before a restart, after `streak` restarts in a row that each
/// ran less than kRestartResetAfterMs: 100 ms, doubling, at most 30 s.
std::int64_t restartDelayMs(int streak) noexcept;

/// A path a unix socket can bind to or connect to: `path` itself when it
/// fits in sun_path, else /proc/self/fd/N/<name> through `dirFd`, an
/// O_PATH fd of its directory the caller keeps open.
std::string socketPath(const std::string& path, int dirFd);

}  // namespace berth::runtime
