// SPDX-License-Identifier: Apache-2.0
// Health checks (`berth healthcheck run`, and the same command run by the
// container's monitor on its timer): the check's command runs inside the
// container as an exec does, its result goes into health.json, Podman's
// health_status event is written, and --health-on-failure acts on a
// container that has turned unhealthy.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>

#include "berth/base/child_process.hpp"
#include "berth/base/error.hpp"
#include "berth/base/file_lock.hpp"
#include "berth/base/unique_fd.hpp"
#include "berth/engine/engine.hpp"
#include "berth/format/human.hpp"
#include "berth/runtime/exec.hpp"
#include "berth/runtime/launcher.hpp"
#include "berth/spec/healthcheck.hpp"
#include "berth/state/events.hpp"
#include "berth/state/health.hpp"
#include "container_internal.hpp"

namespace berth::engine {

namespace {

std::int64_t monotonicNs() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

/// The command of a check: CMD's arguments as they are, CMD-SHELL's
/// through /bin/sh -c, as Podman runs them.
std::vector<std::string> checkCommand(const std::vector<std::string>& test) {
  if (test.size() >= 2 && test[0] == "CMD-SHELL") return {"/bin/sh", "-c", test[1]};
  if (test.size() >= 2 && test[0] == "CMD") return {test.begin() + 1, test.end()};
  return {};
}

/// What running the check gave: the result to record, and whether it ran
/// past its timeout (Podman then also fails the command).
struct CheckRun {
  state::HealthResult result;
  bool timedOut = false;
};

/// Runs the planned process with stdout and stderr into one pipe, keeping
/// the first kHealthOutputMax bytes, and kills it at `timeoutNs`.
CheckRun runCheck(const detail::ExecPlan& plan, std::int64_t timeoutNs) {
  CheckRun run;
  run.result.startNs = format::nowNs();
  const std::int64_t deadline = monotonicNs() + timeoutNs;
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throwErrno("create the health check's output pipe");
  UniqueFd readEnd(fds[0]);
  UniqueFd writeEnd(fds[1]);
  runtime::ExecStdio stdio;
  stdio.out = writeEnd.get();
  stdio.err = writeEnd.get();
  ChildProcess process;
  try {
    process = runtime::execInContainer(plan.target, plan.process, stdio);
  } catch (const runtime::LaunchError& error) {
    // Podman: a command that cannot be found or run fails the check (1);
    // anything else is an engine error (125).
    run.result.exitCode =
        error.exitCode() == kExitCommandNotFound || error.exitCode() == kExitCannotInvoke
            ? 1
            : kExitEngineError;
    run.result.output = error.message();
    run.result.endNs = format::nowNs();
    return run;
  }
  writeEnd.reset();

  std::string& output = run.result.output;
  bool outputOpen = true;
  char buffer[4096];
  const auto readOutput = [&]() {
    const ssize_t n = ::read(readEnd.get(), buffer, sizeof(buffer));
    if (n > 0) {
      const std::size_t room =
          state::kHealthOutputMax - std::min(output.size(), state::kHealthOutputMax);
      output.append(buffer, std::min(room, static_cast<std::size_t>(n)));
    } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
      outputOpen = false;
    }
    return n;
  };
  for (;;) {
    const std::int64_t left = deadline - monotonicNs();
    if (left <= 0) {
      process.kill(SIGKILL);
      run.timedOut = true;
      break;
    }
    pollfd polled[2] = {{outputOpen ? readEnd.get() : -1, POLLIN, 0}, {process.pidfd(), POLLIN, 0}};
    const int timeoutMs = static_cast<int>(std::min<std::int64_t>(left / 1'000'000 + 1, 60'000));
    if (::poll(polled, 2, timeoutMs) < 0) {
      if (errno == EINTR) continue;
      throwErrno("poll");
    }
    if (polled[0].revents != 0) readOutput();
    if (polled[1].revents != 0) {
      // Gone: what it wrote last is in the pipe (a child it left behind
      // may hold the pipe open: read what is there, not until EOF).
      ::fcntl(readEnd.get(), F_SETFL, O_NONBLOCK);
      while (outputOpen && readOutput() > 0) {
      }
      break;
    }
  }
  const int code = process.wait();
  run.result.endNs = format::nowNs();
  run.result.exitCode = run.timedOut ? -1 : code == 0 ? 0 : 1;
  return run;
}

}  // namespace

Engine::HealthCheckReport Engine::runHealthCheck(const std::string& nameOrId) const {
  enterUserNamespace();
  state::ContainerStore store(paths_);
  const std::string id = store.resolve(nameOrId);
  const detail::ContainerRecord record = detail::loadContainer(store, id);
  if (record.state.status != state::ContainerStatus::Running || record.stale ||
      !detail::processAlive(record.state.pid, record.state.pidStartTime))
    throwError(Errc::InvalidState, "container {} is not running", id);
  const spec::ContainerSpec spec = detail::containerSpec(record.config);
  const std::vector<std::string> command =
      spec.healthcheck ? checkCommand(spec.healthcheck->test) : std::vector<std::string>{};
  if (command.empty())
    throwError(Errc::InvalidArgument, "container {} has no defined healthcheck", id);
  const spec::HealthCheck& check = *spec.healthcheck;

  ExecRequest request;
  request.container = id;
  request.command = command;
  request.sigProxy = false;
  const auto plan = detail::planExec(paths_, record, request);
  const CheckRun run = runCheck(*plan, check.timeoutNs);

  HealthCheckReport report;
  report.passed = run.result.exitCode == 0;
  {
    FileLock lock = store.lock(id);
    const std::string path = state::healthLogPath(paths_.containerDir(id));
    state::HealthLog health;
    try {
      health = state::readHealthLog(path);
    } catch (const Error&) {
      // a damaged record starts over
    }
    // The start period counts from this run's start (a restart resets it).
    const detail::ContainerRecord now = detail::loadContainer(store, id);
    const bool inStartPeriod =
        check.startPeriodNs > 0 && run.result.startNs < now.state.startedNs + check.startPeriodNs;
    state::recordHealthResult(health, run.result, check.retries, inStartPeriod);
    state::writeHealthLog(path, health);
    report.status = health.status;
  }
  try {
    state::Event event = state::containerEvent("health_status", id, record.config.name,
                                               record.config.imageName, record.config.labels);
    event.healthStatus = report.status;
    state::emitEvent(paths_, event);
  } catch (const std::exception&) {
    // an event never fails the check
  }

  if (report.status == state::kHealthUnhealthy) {
    const std::string& action = spec.healthOnFailure;
    if (action == "kill")
      killContainer(id, SIGKILL);
    else if (action == "stop")
      stopContainer(id, std::nullopt);
    else if (action == "restart")
      restartContainer(id, std::nullopt);
  }
  if (run.timedOut)
    throwError(Errc::Internal, "healthcheck command exceeded timeout of {}",
               spec::formatGoDuration(check.timeoutNs));
  return report;
}

}  // namespace berth::engine
