// SPDX-License-Identifier: Apache-2.0
// berth top: the processes of a running container, read from /proc on the
// host (no ps binary, no namespace joined): every process whose pid
// namespace is the container init's, with pids translated through NSpid
// into the container's numbering, users looked up in the container's
// /etc/passwd (read inside its root), as psgo shows them.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "berth/base/error.hpp"
#include "berth/base/fs.hpp"
#include "berth/engine/copy_stream.hpp"
#include "berth/engine/engine.hpp"
#include "berth/engine/top.hpp"
#include "berth/format/human.hpp"
#include "berth/runtime/userns.hpp"
#include "berth/state/container_store.hpp"
#include "container_internal.hpp"

namespace berth::engine {

namespace {

std::string nsLink(pid_t pid, const char* ns) {
  char buffer[64];
  const std::string path = "/proc/" + std::to_string(pid) + "/ns/" + ns;
  const ssize_t n = ::readlink(path.c_str(), buffer, sizeof(buffer));
  return n > 0 ? std::string(buffer, static_cast<std::size_t>(n)) : std::string();
}

std::vector<std::string> fields(std::string_view text) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto start = text.find_first_not_of(" \t", pos);
    if (start == std::string_view::npos) break;
    const auto end = text.find_first_of(" \t", start);
    out.emplace_back(text.substr(start, end == std::string_view::npos ? end : end - start));
    pos = end == std::string_view::npos ? text.size() : end;
  }
  return out;
}

/// Host uid -> id as this process's user namespace maps it back: outside a
/// user namespace the same; rootless, through /proc/self/uid_map.
unsigned toHostId(unsigned id, const std::string& mapFile) {
  const auto map = readFileIfExists(mapFile);
  if (!map) return id;
  std::string_view rest = *map;
  while (!rest.empty()) {
    const auto end = rest.find('\n');
    const auto parts = fields(rest.substr(0, end));
    rest.remove_prefix(end == std::string_view::npos ? rest.size() : end + 1);
    if (parts.size() != 3) continue;
    const unsigned long inside = std::stoul(parts[0]), outside = std::stoul(parts[1]),
                        count = std::stoul(parts[2]);
    if (id >= inside && id - inside < count) return static_cast<unsigned>(outside + (id - inside));
  }
  return 65534;  // the overflow id
}

/// /dev/pts/N or /dev/ttyN for a tty number, as the container names it.
std::string ttyName(std::uint64_t ttyNr) {
  if (ttyNr == 0) return "?";
  const unsigned maj = major(static_cast<dev_t>(ttyNr));
  const unsigned min = minor(static_cast<dev_t>(ttyNr));
  if (maj >= 136 && maj <= 143) return "pts/" + std::to_string((maj - 136) * 256 + min);
  if (maj == 4 && min < 64) return "tty" + std::to_string(min);
  if (maj == 4) return "ttyS" + std::to_string(min - 64);
  if (maj == 5 && min == 1) return "console";
  return "?";
}

/// One process, or nothing when it is gone or not readable.
std::optional<TopProcess> readProcess(pid_t hostPid) {
  const std::string dir = "/proc/" + std::to_string(hostPid);
  std::optional<std::string> stat, status, cmdline;
  try {
    stat = readFileIfExists(dir + "/stat");
    status = readFileIfExists(dir + "/status");
    cmdline = readFileIfExists(dir + "/cmdline");
  } catch (const Error&) {
    return std::nullopt;  // exited meanwhile (ESRCH) or not ours (EACCES)
  }
  if (!stat || !status) return std::nullopt;
  TopProcess p;
  p.hostPid = hostPid;
  const auto open = stat->find('(');
  const auto close = stat->rfind(')');
  if (open == std::string::npos || close == std::string::npos) return std::nullopt;
  p.comm = stat->substr(open + 1, close - open - 1);
  // Fields from 3 on: state ppid pgrp session tty_nr tpgid flags minflt
  // cminflt majflt cmajflt utime stime cutime cstime priority nice
  // num_threads itrealvalue starttime vsize ...
  const auto f = fields(std::string_view(*stat).substr(close + 1));
  if (f.size() < 21) return std::nullopt;
  p.state = f[0];
  p.ttyNr = std::stoull(f[4]);
  p.cpuTicks = std::stoull(f[11]) + std::stoull(f[12]);
  p.nice = std::stol(f[16]);
  p.startTicks = std::stoull(f[19]);
  p.vsizeBytes = std::stoull(f[20]);
  p.tty = ttyName(p.ttyNr);
  if (cmdline && !cmdline->empty()) {
    std::size_t pos = 0;
    while (pos < cmdline->size()) {
      const auto end = cmdline->find('\0', pos);
      p.args.push_back(cmdline->substr(pos, end == std::string::npos ? end : end - pos));
      if (end == std::string::npos) break;
      pos = end + 1;
    }
  }
  std::string_view rest = *status;
  while (!rest.empty()) {
    const auto end = rest.find('\n');
    const std::string_view line = rest.substr(0, end);
    rest.remove_prefix(end == std::string_view::npos ? rest.size() : end + 1);
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string_view key = line.substr(0, colon);
    const auto values = fields(line.substr(colon + 1));
    if (values.empty()) continue;
    const auto hex = [&values] { return std::stoull(values[0], nullptr, 16); };
    if (key == "Uid" && values.size() == 4) {
      for (int i = 0; i < 4; ++i)
        p.uids[i] = static_cast<uid_t>(std::stoul(values[static_cast<std::size_t>(i)]));
    } else if (key == "Gid" && values.size() == 4) {
      for (int i = 0; i < 4; ++i)
        p.gids[i] = static_cast<gid_t>(std::stoul(values[static_cast<std::size_t>(i)]));
    } else if (key == "Groups") {
      for (const auto& g : values)
        p.groups.push_back(static_cast<gid_t>(std::stoul(g)));
    } else if (key == "VmRSS") {
      p.rssKb = values[0];
    } else if (key == "CapInh") {
      p.capInh = hex();
    } else if (key == "CapPrm") {
      p.capPrm = hex();
    } else if (key == "CapEff") {
      p.capEff = hex();
    } else if (key == "CapBnd") {
      p.capBnd = hex();
    } else if (key == "CapAmb") {
      p.capAmb = hex();
    } else if (key == "Seccomp") {
      p.seccomp = values[0];
    } else if (key == "NSpid") {
      p.pid = static_cast<pid_t>(std::stol(values.back()));
    } else if (key == "PPid") {
      p.ppid = static_cast<pid_t>(std::stol(values[0]));  // host pid, translated later
    }
  }
  p.pgid = static_cast<pid_t>(std::stol(f[2]));  // host pgid, translated later
  try {
    if (auto label = readFileIfExists(dir + "/attr/current")) {
      while (!label->empty() && (label->back() == '\n' || label->back() == '\0'))
        label->pop_back();
      p.label = *label;
    }
  } catch (const Error&) {
    // No LSM: EINVAL. psgo shows "?".
  }
  return p;
}

std::map<unsigned, std::string> readIdNames(int rootFd, const std::string& path) {
  try {
    UniqueFd fd = detail::openInRoot(rootFd, path, O_RDONLY);
    std::string text;
    char buffer[8192];
    ssize_t n;
    while ((n = ::read(fd.get(), buffer, sizeof(buffer))) > 0)
      text.append(buffer, static_cast<std::size_t>(n));
    return parseIdNames(text);
  } catch (const Error&) {
    return {};  // no such file: numbers are shown
  }
}

}  // namespace

std::vector<std::vector<std::string>> Engine::containerTop(
    const std::string& nameOrId, const std::vector<std::string>& descriptors) const {
  enterUserNamespace();
  state::ContainerStore store(paths_);
  const std::string id = store.resolve(nameOrId);
  const detail::ContainerRecord record = detail::loadContainer(store, id);
  const auto status = record.state.status;
  if ((status != state::ContainerStatus::Running && status != state::ContainerStatus::Paused) ||
      record.stale)
    throwError(Errc::InvalidState, "top can only be used on running containers");
  // Checked after the state, as Podman does.
  const std::vector<TopDescriptor> columns = parseTopDescriptors(descriptors);

  const pid_t init = record.state.pid;
  const std::string pidNs = nsLink(init, "pid");
  UniqueFd root(::open(("/proc/" + std::to_string(init) + "/root").c_str(),
                       O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (pidNs.empty() || !root || !detail::processAlive(init, record.state.pidStartTime))
    throwError(Errc::InvalidState, "top can only be used on running containers");

  TopContext context;
  context.users = readIdNames(root.get(), "/etc/passwd");
  context.groups = readIdNames(root.get(), "/etc/group");
  context.hostUsers = parseIdNames(readFileIfExists("/etc/passwd").value_or(""));
  context.hostGroups = parseIdNames(readFileIfExists("/etc/group").value_or(""));
  context.clockTicks = ::sysconf(_SC_CLK_TCK);
  context.nowNs = format::nowNs();
  if (const auto stat = readFileIfExists("/proc/stat")) {
    if (const auto pos = stat->find("\nbtime "); pos != std::string::npos)
      context.bootTimeSeconds = std::stoull(stat->substr(pos + 7));
  }
  if (const auto last = readFileIfExists("/proc/sys/kernel/cap_last_cap"))
    context.lastCap = std::stoi(*last);

  std::vector<TopProcess> processes;
  {
    DIR* proc = ::opendir("/proc");
    if (proc == nullptr) throwErrno("open /proc");
    while (const dirent* d = ::readdir(proc)) {
      if (d->d_name[0] < '1' || d->d_name[0] > '9') continue;
      const pid_t pid = static_cast<pid_t>(std::atol(d->d_name));
      if (nsLink(pid, "pid") != pidNs) continue;
      if (auto p = readProcess(pid)) processes.push_back(std::move(*p));
    }
    ::closedir(proc);
  }
  std::map<pid_t, pid_t> inContainer;  // host pid -> container pid
  for (const auto& p : processes)
    inContainer[p.hostPid] = p.pid;
  const std::string self = "/proc/self/";
  for (auto& p : processes) {
    p.ppid = inContainer.count(p.ppid) ? inContainer[p.ppid] : 0;
    p.pgid = inContainer.count(p.pgid) ? inContainer[p.pgid] : 0;
    // What the host sees: rootless, our ids are mapped once more.
    p.hostUid = toHostId(p.uids[1], self + "uid_map");
    p.hostGid = toHostId(p.gids[1], self + "gid_map");
    for (const auto g : p.groups)
      p.hostGroups.push_back(toHostId(g, self + "gid_map"));
  }
  std::sort(processes.begin(), processes.end(),
            [](const TopProcess& a, const TopProcess& b) { return a.pid < b.pid; });

  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> header;
  for (const auto& column : columns)
    header.emplace_back(column.header);
  rows.push_back(std::move(header));
  for (const auto& p : processes) {
    std::vector<std::string> row;
    for (const auto& column : columns)
      row.push_back(topCell(column, p, context));
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace berth::engine
