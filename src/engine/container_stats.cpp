// SPDX-License-Identifier: Apache-2.0
// `berth stats`: a container's cgroup counters, its network namespace's
// interface counters and its processes.
#include <dirent.h>
#include <unistd.h>

#include <sstream>

#include "berth/base/error.hpp"
#include "berth/base/fs.hpp"
#include "berth/engine/engine.hpp"
#include "berth/format/human.hpp"
#include "berth/runtime/cgroup_stats.hpp"
#include "berth/runtime/cgroups.hpp"
#include "container_internal.hpp"

namespace berth::engine {

namespace {

// utime + stime of /proc/<pid>/stat (fields 14 and 15), in ns.
std::uint64_t processCpuNs(pid_t pid) {
  const auto stat = readFileIfExists("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return 0;
  const auto close = stat->rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream in(stat->substr(close + 2));
  std::string field;
  std::uint64_t utime = 0, stime = 0;
  for (int i = 3; i <= 15 && in >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  static const long ticks = ::sysconf(_SC_CLK_TCK);
  return (utime + stime) * (1000000000ULL / static_cast<std::uint64_t>(ticks > 0 ? ticks : 100));
}

std::uint64_t threadCount(pid_t pid) {
  std::uint64_t count = 0;
  DIR* dir = ::opendir(("/proc/" + std::to_string(pid) + "/task").c_str());
  if (dir == nullptr) return 0;
  while (const dirent* entry = ::readdir(dir))
    if (entry->d_name[0] != '.') ++count;
  ::closedir(dir);
  return count;
}

void sampleRunning(Engine::ContainerStats& out, const detail::ContainerRecord& record,
                   bool rootless) {
  const pid_t pid = record.state.pid;
  if (auto net = runtime::parseNetDev(
          readFileIfExists("/proc/" + std::to_string(pid) + "/net/dev").value_or(""))) {
    out.netInput = net->received;
    out.netOutput = net->transmitted;
  }
  static const std::uint64_t hostMemory = runtime::hostMemoryBytes();
  auto cgroup = detail::containerCgroupOf(pid, record.config.id);
  if (cgroup) {
    runtime::CgroupStats stats;
    if (cgroup->unified()) {
      stats = runtime::readCgroupStatsV2(cgroup->directories().front(), hostMemory);
    } else {
      std::map<std::string, std::string> dirs;
      for (const char* controller : {"cpuacct", "memory", "blkio", "pids"})
        if (auto dir = cgroup->directory(controller); !dir.empty()) dirs[controller] = dir;
      stats = runtime::readCgroupStatsV1(dirs, hostMemory);
    }
    out.cpuNs = stats.cpuNs;
    out.memoryUsage = stats.memoryUsage;
    out.memoryLimit = stats.memoryLimit;
    out.blockInput = stats.blockRead;
    out.blockOutput = stats.blockWrite;
    out.pids = stats.pids;
  }
  // No cgroup (rootless here): CPU time and tasks from /proc, which has
  // them per process; memory and block I/O have no per-container source.
  if (!out.cpuNs || !out.pids) {
    std::uint64_t cpu = 0, tasks = 0;
    for (const pid_t member : detail::pidNamespaceMembers(pid)) {
      cpu += processCpuNs(member);
      tasks += threadCount(member);
    }
    if (!out.cpuNs) out.cpuNs = cpu;
    if (!out.pids) out.pids = tasks;
  }
  if (!cgroup) {
    const auto support = runtime::probeCgroups(rootless);
    out.missing =
        fmt::format("the container has no cgroup ({}): memory and block I/O are not available",
                    support.reason.empty() ? "it was started without one" : support.reason);
  } else if (!out.memoryUsage || !out.blockInput) {
    out.missing = fmt::format("the container's cgroup has no {} controller",
                              !out.memoryUsage ? "memory" : "blkio (io)");
  }
}

}  // namespace

std::vector<Engine::ContainerStats> Engine::containerStats(const std::vector<std::string>& names,
                                                           bool all) const {
  enterUserNamespace();
  state::ContainerStore store(paths_);
  std::vector<std::string> ids;
  for (const auto& name : names)
    ids.push_back(store.resolve(name));
  const bool named = !ids.empty();
  if (!named) ids = store.listIds();
  std::vector<ContainerStats> out;
  for (const auto& id : ids) {
    detail::ContainerRecord record;
    try {
      record = detail::loadContainer(store, id);
    } catch (const Error& e) {
      if (named || e.kind() != Errc::NoSuchContainer) throw;
      continue;  // removed meanwhile
    }
    const auto status = record.state.status;
    const bool running =
        (status == state::ContainerStatus::Running || status == state::ContainerStatus::Paused) &&
        !record.stale;
    if (!running && named)
      throwError(Errc::InvalidState,
                 "container {} is not running, can't get its stats: container state improper",
                 record.config.name);
    if (!running && !all) continue;
    ContainerStats stats;
    stats.id = id;
    stats.name = record.config.name;
    stats.running = running;
    stats.startedNs = record.state.startedNs;
    stats.sampledNs = format::nowNs();
    if (running) sampleRunning(stats, record, paths_.rootless);
    out.push_back(std::move(stats));
  }
  return out;
}

}  // namespace berth::engine
