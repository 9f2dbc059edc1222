// SPDX-License-Identifier: Apache-2.0
// berth-monitor's modules: the container (launch, exit), its output (log,
// attach clients) and the one epoll loop joining them.
#pragma once

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "berth/base/unique_fd.hpp"
#include "berth/net/user_mode.hpp"
#include "berth/runtime/cgroups.hpp"
#include "berth/runtime/launcher.hpp"
#include "berth/runtime/monitor_protocol.hpp"

namespace berth::monitor {

/// The monitor of one container, from launch to exit.json.
class Monitor {
 public:
  Monitor(runtime::MonitorConfig config, UniqueFd sync);
  ~Monitor();

  /// Launches the container, reports to the CLI, serves the container
  /// until it exits, writes exit.json and starts the cleanup command.
  /// Returns the monitor's exit code.
  int run();

 private:
  struct Client;
  class Output;

  void launchContainer();
  void reportFailure(const Error& error, int exitCode);
  void listenForAttach();
  void setUpLoop();
  void loop();
  bool restartAfterExit();
  bool stoppedByUser() const;
  void recordRestart(std::int64_t lastExitNs, int lastExitCode);
  void onSignal();
  void onOutput(int index);
  void onListen();
  void armHealthTimer() noexcept;
  void onHealthTimer();
  void onClient(Client& client);
  void broadcast(runtime::AttachMessage type, std::string_view data);
  void finish();
  void waitForClientsToHangUp(int timeoutMs);
  bool cleanupNeeded() const;
  void removeCgroup() noexcept;
  void connectNetwork();
  void disconnectNetwork() noexcept;
  void announceRunning() noexcept;
  void sendNotify(std::string_view message) noexcept;
  void openNotifyProxy(oci::Spec& spec);
  void onNotify();

  runtime::MonitorConfig config_;
  UniqueFd sync_;
  UniqueFd epoll_;
  UniqueFd signals_;
  UniqueFd runDir_;
  UniqueFd listen_;
  UniqueFd healthTimer_;    ///< timerfd: the next health check is due
  UniqueFd notifyProxy_;    ///< --sdnotify=container: the container's NOTIFY_SOCKET
  pid_t healthCheck_ = -1;  ///< the running `berth healthcheck run`, if any
  UniqueFd stdinWrite_;
  UniqueFd terminal_;    ///< the pty master of a container with a terminal
  UniqueFd outputs_[2];  ///< stdout, stderr read ends
  std::unique_ptr<Output> log_;
  std::vector<std::unique_ptr<Client>> clients_;
  std::optional<runtime::LaunchedProcess> container_;
  std::optional<runtime::ContainerCgroup> cgroup_;
  UniqueFd netns_;  ///< the container's network namespace, kept across restarts
  std::optional<net::NetworkHelper> network_;
  pid_t containerPid_ = -1;
  std::optional<int> waitStatus_;
  std::int64_t exitDeadlineNs_ = 0;
  std::int64_t launchedAtNs_ = 0;  ///< monotonic; how long a run lasted resets the back-off
  int restarts_ = 0;               ///< by this monitor: state.json's restartCount
  int restartStreak_ = 0;          ///< restarts in a row after short runs
};

}  // namespace berth::monitor
