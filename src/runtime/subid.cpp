// SPDX-License-Identifier: Apache-2.0
#include "berth/runtime/subid.hpp"

#include <pwd.h>

#include <charconv>

#include "berth/base/fs.hpp"

namespace berth::runtime {

namespace {

bool parseNumber(std::string_view text, std::uint32_t& out) {
  if (text.empty()) return false;
  const auto result = std::from_chars(text.data(), text.data() + text.size(), out);
  return result.ec == std::errc() && result.ptr == text.data() + text.size();
}

}  // namespace

std::vector<IdMapEntry> parseSubordinateIds(std::string_view text, std::string_view user,
                                            uid_t uid) {
  std::vector<IdMapEntry> ranges;
  const std::string uidText = std::to_string(uid);
  while (!text.empty()) {
    const auto end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    if (line.empty() || line.front() == '#') continue;
    const auto first = line.find(':');
    const auto second = first == std::string_view::npos ? first : line.find(':', first + 1);
    if (second == std::string_view::npos) continue;
    const auto owner = line.substr(0, first);
    if (owner != user && owner != uidText) continue;
    IdMapEntry entry;
    if (!parseNumber(line.substr(first + 1, second - first - 1), entry.hostId)) continue;
    if (!parseNumber(line.substr(second + 1), entry.size) || entry.size == 0) continue;
    ranges.push_back(entry);
  }
  return ranges;
}

std::vector<IdMapEntry> rootlessIdMap(uid_t ownId, const std::vector<IdMapEntry>& subordinate) {
  std::vector<IdMapEntry> map{{0, static_cast<std::uint32_t>(ownId), 1}};
  std::uint32_t next = 1;
  for (const auto& range : subordinate) {
    map.push_back({next, range.hostId, range.size});
    next += range.size;
  }
  return map;
}

std::vector<IdMapEntry> readSubordinateIds(const std::string& path, uid_t uid) {
  const auto text = readFileIfExists(path);
  if (!text) return {};
  std::string user;
  struct passwd entry;
  struct passwd* found = nullptr;
  char buffer[4096];
  if (::getpwuid_r(uid, &entry, buffer, sizeof(buffer), &found) == 0 && found != nullptr)
    user = found->pw_name;
  return parseSubordinateIds(*text, user, uid);
}

}  // namespace berth::runtime
