// SPDX-License-Identifier: Apache-2.0
// Resource usage of a container for `berth stats`: from its cgroup (v1 or
// v2 control files), and network counters from /proc/<pid>/net/dev.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace berth::runtime {

/// What a cgroup tells; a member is empty when its controller is missing.
struct CgroupStats {
  std::optional<std::uint64_t> cpuNs;        ///< total CPU time used
  std::optional<std::uint64_t> memoryUsage;  ///< bytes
  std::optional<std::uint64_t> memoryLimit;  ///< bytes; unlimited -> host memory
  std::optional<std::uint64_t> blockRead;    ///< bytes read from block devices
  std::optional<std::uint64_t> blockWrite;
  std::optional<std::uint64_t> pids;  ///< processes and threads (pids.current)
};

/// Reads a v2 cgroup directory: cpu.stat usage_usec, memory.current,
/// memory.max ("max": `hostMemory`), io.stat rbytes/wbytes summed over
/// devices, pids.current. Missing files leave members empty. Never throws.
CgroupStats readCgroupStatsV2(const std::string& directory, std::uint64_t hostMemory);

/// Reads v1 hierarchies (`directories`: controller -> directory, e.g.
/// "cpuacct" -> /sys/fs/cgroup/cpu,cpuacct/berth/berth-ID): cpuacct.usage,
/// memory.usage_in_bytes, memory.limit_in_bytes (a limit above
/// `hostMemory` counts as `hostMemory`, as Podman shows it),
/// blkio.throttle.io_service_bytes Read/Write summed (falling back to
/// blkio.io_service_bytes_recursive), pids.current. Never throws.
CgroupStats readCgroupStatsV1(const std::map<std::string, std::string>& directories,
                              std::uint64_t hostMemory);

/// Sums the receive and transmit byte counters of /proc/<pid>/net/dev text,
/// every interface but lo. Pure; std::nullopt when the text has no
/// interface lines.
struct NetStats {
  std::uint64_t received = 0;
  std::uint64_t transmitted = 0;
};
std::optional<NetStats> parseNetDev(std::string_view text);

/// MemTotal of /proc/meminfo in bytes (0 when unreadable).
std::uint64_t hostMemoryBytes() noexcept;

}  // namespace berth::runtime
