// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace berth::runtime {

/// One line of a uid or gid map: container ids [containerId, containerId+size)
/// are host ids [hostId, hostId+size).
struct IdMapEntry {
  std::uint32_t containerId = 0;
  std::uint32_t hostId = 0;
  std::uint32_t size = 0;
  bool operator==(const IdMapEntry&) const = default;
};

/// The subordinate ranges of one user in /etc/subuid or /etc/subgid text
/// ("name:start:count" or "uid:start:count" lines, # comments). Malformed
/// lines are skipped, as shadow-utils does.
std::vector<IdMapEntry> parseSubordinateIds(std::string_view text, std::string_view user,
                                            uid_t uid);

/// The map a rootless user namespace gets: 0 -> the user's own id, then the
/// subordinate ranges from 1 on, in file order.
std::vector<IdMapEntry> rootlessIdMap(uid_t ownId, const std::vector<IdMapEntry>& subordinate);

/// Reads /etc/subuid (or /etc/subgid) for the current user; empty when the
/// file is missing or has no entry.
std::vector<IdMapEntry> readSubordinateIds(const std::string& path, uid_t uid);

}  // namespace berth::runtime
