// SPDX-License-Identifier: Apache-2.0
// pause, unpause and restart of containers: the freezer cgroup where the
// container has one, else SIGSTOP/SIGCONT to every process of its pid
// namespace (DESIGN.md, "Pause").
#include <dirent.h>
#include <signal.h>
#include <unistd.h>

#include <map>
#include <set>

#include "berth/base/error.hpp"
#include "berth/base/file_lock.hpp"
#include "berth/base/fs.hpp"
#include "berth/engine/engine.hpp"
#include "berth/runtime/cgroups.hpp"
#include "container_internal.hpp"

namespace berth::engine {

namespace detail {

std::optional<runtime::ContainerCgroup> containerCgroupOf(pid_t pid, const std::string& id) {
  try {
    const runtime::ProcessCgroups cgroups = runtime::readProcessCgroups(pid);
    const std::string leaf = "/berth-" + id;
    std::optional<std::string> path;
    if (cgroups.unified && cgroups.unified->ends_with(leaf)) path = *cgroups.unified;
    for (const auto& [controller, p] : cgroups.v1)
      if (!path && p.ends_with(leaf)) path = p;
    if (!path) return std::nullopt;
    return runtime::ContainerCgroup::open(*path);
  } catch (const Error&) {
    return std::nullopt;  // the process is gone, or no cgroup filesystem
  }
}

std::vector<pid_t> pidNamespaceMembers(pid_t init) {
  const auto nsOf = [](pid_t pid) -> std::string {
    char buffer[64];
    const std::string link = "/proc/" + std::to_string(pid) + "/ns/pid";
    const ssize_t n = ::readlink(link.c_str(), buffer, sizeof(buffer));
    return n > 0 ? std::string(buffer, static_cast<std::size_t>(n)) : std::string();
  };
  const std::string target = nsOf(init);
  std::vector<pid_t> members;
  if (target.empty()) return members;
  DIR* dir = ::opendir("/proc");
  if (dir == nullptr) throwErrno("open /proc");
  while (const dirent* entry = ::readdir(dir)) {
    char* end = nullptr;
    const long pid = std::strtol(entry->d_name, &end, 10);
    if (pid <= 0 || *end != '\0') continue;
    if (nsOf(static_cast<pid_t>(pid)) == target) members.push_back(static_cast<pid_t>(pid));
  }
  ::closedir(dir);
  return members;
}

char processState(pid_t pid) {
  // /proc/<pid>/stat: "pid (comm) S ...": the state follows the last ')'.
  const auto stat = readFileIfExists("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return 'X';
  const auto close = stat->rfind(')');
  return close != std::string::npos && close + 2 < stat->size() ? (*stat)[close + 2] : '?';
}

}  // namespace detail

namespace {

using detail::ContainerRecord;

constexpr int kFreezeWaitMs = 5000;

[[noreturn]] void notRunning(const ContainerRecord& record) {
  throwError(Errc::InvalidState, "\"{}\" is not running, can't pause: container state improper",
             record.state.status == state::ContainerStatus::Running
                 ? "exited"
                 : std::string(state::toString(record.state.status)));
}

// Writes `value` to a cgroup control file, then waits until `stateFile`
// holds `done` (the kernel freezes asynchronously: v1 says FREEZING first).
void freezeCgroup(const runtime::ContainerCgroup& cgroup, bool freeze) {
  std::string file, value, stateFile, done;
  if (cgroup.unified()) {
    const std::string dir = cgroup.directories().front();
    file = dir + "/cgroup.freeze";
    value = freeze ? "1" : "0";
    stateFile = dir + "/cgroup.events";
    done = freeze ? "frozen 1" : "frozen 0";
  } else {
    const std::string dir = cgroup.directory("freezer");
    if (dir.empty()) throwError(Errc::Unsupported, "the container's cgroup has no freezer");
    file = stateFile = dir + "/freezer.state";
    value = done = freeze ? "FROZEN" : "THAWED";
  }
  writeFile(file, value, 0644, false);
  for (int waited = 0; waited < kFreezeWaitMs; waited += 10) {
    if (readFileIfExists(stateFile).value_or("").find(done) != std::string::npos) return;
    if (!cgroup.unified()) writeFile(file, value, 0644, false);  // v1: retry FREEZING
    ::usleep(10000);
  }
  throwError(Errc::Internal, "{}: the cgroup did not reach {} within {} s", stateFile, done,
             kFreezeWaitMs / 1000);
}

// Stops every process of the pid namespace of `init`. A process may fork
// while we walk /proc: we repeat whole passes until one finds every
// member stopped. A stopped process cannot fork, and a fork racing with
// a pending SIGSTOP is restarted by the kernel after the stop, so once a
// pass sees all members in state T no new member can appear.
void stopNamespace(pid_t init) {
  ::kill(init, SIGSTOP);  // pid 1 first: it reaps and often spawns
  for (int waited = 0; waited < kFreezeWaitMs; waited += 5) {
    bool allStopped = true;
    for (const pid_t pid : detail::pidNamespaceMembers(init)) {
      const char st = detail::processState(pid);
      if (st == 'T' || st == 't' || st == 'Z' || st == 'X') continue;
      allStopped = false;
      ::kill(pid, SIGSTOP);
    }
    if (allStopped) return;
    ::usleep(5000);
  }
  for (const pid_t pid : detail::pidNamespaceMembers(init))
    ::kill(pid, SIGCONT);
  throwError(Errc::Internal, "the container's processes did not all stop within {} s",
             kFreezeWaitMs / 1000);
}

void continueNamespace(pid_t init) {
  for (const pid_t pid : detail::pidNamespaceMembers(init))
    ::kill(pid, SIGCONT);
}

}  // namespace

namespace detail {

void setFrozen(const ContainerRecord& record, bool freeze) {
  const pid_t pid = record.state.pid;
  if (auto cgroup = containerCgroupOf(pid, record.config.id)) {
    freezeCgroup(*cgroup, freeze);
    return;
  }
  if (freeze)
    stopNamespace(pid);
  else
    continueNamespace(pid);
}

}  // namespace detail

void Engine::pauseContainer(const std::string& nameOrId) const {
  enterUserNamespace();
  state::ContainerStore store(paths_);
  const std::string id = store.resolve(nameOrId);
  FileLock lock = store.lock(id);
  ContainerRecord record = detail::loadContainer(store, id);
  if (record.state.status != state::ContainerStatus::Running || record.stale) notRunning(record);
  detail::setFrozen(record, true);
  record.state.status = state::ContainerStatus::Paused;
  store.writeState(id, record.state, /*durable=*/false);
  detail::emitContainerEvent(paths_, record.config, "pause");
}

void Engine::unpauseContainer(const std::string& nameOrId) const {
  enterUserNamespace();
  state::ContainerStore store(paths_);
  const std::string id = store.resolve(nameOrId);
  FileLock lock = store.lock(id);
  ContainerRecord record = detail::loadContainer(store, id);
  if (record.state.status != state::ContainerStatus::Paused || record.stale)
    throwError(Errc::InvalidState, "\"{}\" is not paused, can't unpause: container state improper",
               id);
  detail::setFrozen(record, false);
  record.state.status = state::ContainerStatus::Running;
  store.writeState(id, record.state, /*durable=*/false);
  detail::emitContainerEvent(paths_, record.config, "unpause");
}

void Engine::restartContainer(const std::string& nameOrId, std::optional<unsigned> timeout) const {
  stopContainer(nameOrId, timeout);
  startContainer(nameOrId);
  state::ContainerStore store(paths_);
  const std::string id = store.resolve(nameOrId);
  detail::emitContainerEvent(paths_, store.readConfig(id), "restart");
}

void detail::killPausedContainer(const Engine& engine, const std::string& id) {
  // Podman's rm -f of a paused container: SIGKILL, then thaw so that it
  // can die (a v1-frozen task does not act on signals), then cleanup.
  state::ContainerStore store(engine.paths());
  {
    FileLock lock = store.lock(id);
    ContainerRecord record = detail::loadContainer(store, id);
    if (record.state.status != state::ContainerStatus::Paused || record.stale) return;
    ::kill(record.state.pid, SIGKILL);
    detail::setFrozen(record, false);
    for (int waited = 0;
         waited < 10000 && detail::processAlive(record.state.pid, record.state.pidStartTime);
         waited += 10)
      ::usleep(10000);
    record.state.status = state::ContainerStatus::Running;  // reconciled to exited by cleanup
    store.writeState(id, record.state, /*durable=*/false);
  }
  engine.stopContainer(id, 0);
}

}  // namespace berth::engine
