// SPDX-License-Identifier: Apache-2.0
#include "berth/runtime/cgroup_stats.hpp"

#include <charconv>
#include <sstream>

#include "berth/base/fs.hpp"

namespace berth::runtime {

namespace {

std::optional<std::uint64_t> number(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
    text.remove_suffix(1);
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<std::string> readControl(const std::string& path) noexcept {
  try {
    return readFileIfExists(path);
  } catch (...) {
    return std::nullopt;
  }
}

std::optional<std::uint64_t> readNumber(const std::string& path) {
  const auto text = readControl(path);
  return text ? number(*text) : std::nullopt;
}

std::uint64_t capLimit(std::uint64_t limit, std::uint64_t hostMemory) {
  return hostMemory != 0 && limit > hostMemory ? hostMemory : limit;
}

}  // namespace

CgroupStats readCgroupStatsV2(const std::string& directory, std::uint64_t hostMemory) {
  CgroupStats stats;
  if (auto cpu = readControl(directory + "/cpu.stat")) {
    std::istringstream in(*cpu);
    std::string key;
    std::uint64_t value = 0;
    while (in >> key >> value)
      if (key == "usage_usec") stats.cpuNs = value * 1000;
  }
  stats.memoryUsage = readNumber(directory + "/memory.current");
  if (auto max = readControl(directory + "/memory.max")) {
    if (max->starts_with("max"))
      stats.memoryLimit = hostMemory;
    else if (auto limit = number(*max))
      stats.memoryLimit = capLimit(*limit, hostMemory);
  }
  if (auto io = readControl(directory + "/io.stat")) {
    std::uint64_t read = 0, written = 0;
    std::istringstream in(*io);
    std::string word;
    while (in >> word) {
      if (word.starts_with("rbytes=")) read += number(word.substr(7)).value_or(0);
      if (word.starts_with("wbytes=")) written += number(word.substr(7)).value_or(0);
    }
    stats.blockRead = read;
    stats.blockWrite = written;
  }
  stats.pids = readNumber(directory + "/pids.current");
  return stats;
}

CgroupStats readCgroupStatsV1(const std::map<std::string, std::string>& directories,
                              std::uint64_t hostMemory) {
  CgroupStats stats;
  const auto dir = [&directories](const char* controller) -> std::string {
    const auto it = directories.find(controller);
    return it == directories.end() ? std::string() : it->second;
  };
  if (const auto cpuacct = dir("cpuacct"); !cpuacct.empty())
    stats.cpuNs = readNumber(cpuacct + "/cpuacct.usage");
  if (const auto memory = dir("memory"); !memory.empty()) {
    stats.memoryUsage = readNumber(memory + "/memory.usage_in_bytes");
    if (auto limit = readNumber(memory + "/memory.limit_in_bytes"))
      stats.memoryLimit = capLimit(*limit, hostMemory);
  }
  if (const auto blkio = dir("blkio"); !blkio.empty()) {
    // The throttle file counts every cgroup's I/O (CFQ's files only with
    // that scheduler); it reads "Total 0" before any I/O.
    auto text = readControl(blkio + "/blkio.throttle.io_service_bytes");
    if (!text) text = readControl(blkio + "/blkio.io_service_bytes_recursive");
    if (text) {
      std::uint64_t read = 0, written = 0;
      std::istringstream in(*text);
      std::string device, op;
      std::uint64_t value = 0;
      std::string line;
      while (std::getline(in, line)) {
        std::istringstream fields(line);
        if (!(fields >> device >> op >> value)) continue;
        if (op == "Read") read += value;
        if (op == "Write") written += value;
      }
      stats.blockRead = read;
      stats.blockWrite = written;
    }
  }
  if (const auto pids = dir("pids"); !pids.empty()) stats.pids = readNumber(pids + "/pids.current");
  return stats;
}

std::optional<NetStats> parseNetDev(std::string_view text) {
  // "  eth0: 1234 5 0 0 0 0 0 0 5678 6 ..." after two header lines.
  NetStats total;
  bool any = false;
  std::istringstream in{std::string(text)};
  std::string line;
  while (std::getline(in, line)) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = line.substr(0, colon);
    name.erase(0, name.find_first_not_of(' '));
    std::istringstream fields(line.substr(colon + 1));
    std::uint64_t values[9] = {};
    bool ok = true;
    for (auto& v : values)
      ok = ok && static_cast<bool>(fields >> v);
    if (!ok) continue;
    any = true;
    if (name == "lo") continue;
    total.received += values[0];
    total.transmitted += values[8];
  }
  if (!any) return std::nullopt;
  return total;
}

std::uint64_t hostMemoryBytes() noexcept {
  const auto text = readControl("/proc/meminfo");
  if (!text) return 0;
  const auto at = text->find("MemTotal:");
  if (at == std::string::npos) return 0;
  std::istringstream in(text->substr(at + 9));
  std::uint64_t kb = 0;
  in >> kb;
  return kb * 1024;
}

}  // namespace berth::runtime
