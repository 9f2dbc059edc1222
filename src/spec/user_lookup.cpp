// SPDX-License-Identifier: Apache-2.0
#include "berth/spec/user_lookup.hpp"

#include <algorithm>
#include <optional>

#include "berth/base/error.hpp"
#include "berth/base/fs.hpp"

namespace berth::spec {
namespace {

std::vector<std::string> split(std::string_view text, char sep) {
  std::vector<std::string> parts;
  for (;;) {
    const auto at = text.find(sep);
    parts.emplace_back(text.substr(0, at));
    if (at == std::string_view::npos) return parts;
    text.remove_prefix(at + 1);
  }
}

std::optional<std::uint32_t> number(std::string_view text) {
  if (text.empty() || text.size() > 10) return std::nullopt;
  std::uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (value > 0xffffffffULL) return std::nullopt;
  return static_cast<std::uint32_t>(value);
}

// The colon-separated entries of an /etc file, comments and short lines left out.
std::vector<std::vector<std::string>> entries(const std::string& path, std::size_t fields) {
  std::vector<std::vector<std::string>> out;
  const auto text = readFileIfExists(path);
  if (!text) return out;
  for (const auto& line : split(*text, '\n')) {
    if (line.empty() || line.front() == '#') continue;
    auto parts = split(line, ':');
    if (parts.size() < fields) continue;
    out.push_back(std::move(parts));
  }
  return out;
}

}  // namespace

ResolvedUser resolveUser(std::string_view user, const std::string& rootfs) {
  return resolveUser(user, std::vector<std::string>{rootfs});
}

ResolvedUser resolveUser(std::string_view user, const std::vector<std::string>& roots) {
  // The first root holding the file wins (overlay: the top layer's copy).
  const auto locate = [&roots](const char* file) {
    for (const auto& root : roots) {
      const std::string path = root + file;
      if (pathExists(path)) return path;
    }
    return std::string("/nonexistent") + file;
  };
  const auto colon = user.find(':');
  const std::string_view userPart = user.substr(0, colon);
  const std::optional<std::string_view> groupPart =
      colon == std::string_view::npos ? std::nullopt
                                      : std::optional<std::string_view>(user.substr(colon + 1));

  const auto passwd = entries(locate("/etc/passwd"), 7);
  ResolvedUser result;
  std::string name;
  const auto uid = number(userPart);
  const std::vector<std::string>* entry = nullptr;
  for (const auto& p : passwd) {
    const bool match = userPart.empty() ? p[2] == "0"
                       : uid            ? number(p[2]) == uid
                                        : p[0] == userPart;
    if (match) {
      entry = &p;
      break;
    }
  }
  if (entry != nullptr) {
    result.uid = number((*entry)[2]).value_or(0);
    result.gid = number((*entry)[3]).value_or(0);
    result.home = (*entry)[5].empty() ? "/" : (*entry)[5];
    name = (*entry)[0];
  } else if (uid) {
    result.uid = *uid;
  } else if (!userPart.empty()) {
    throwError(Errc::InvalidArgument, "unable to find user {}: no matching entries in passwd file",
               userPart);
  }

  const auto groups = entries(locate("/etc/group"), 3);
  if (groupPart && !groupPart->empty()) {
    if (const auto gid = number(*groupPart)) {
      result.gid = *gid;
    } else {
      const auto it = std::find_if(groups.begin(), groups.end(),
                                   [&](const auto& g) { return g[0] == *groupPart; });
      if (it == groups.end())
        throwError(Errc::InvalidArgument,
                   "unable to find group {}: no matching entries in group file", *groupPart);
      result.gid = number((*it)[2]).value_or(0);
    }
  }
  if (!name.empty()) {
    for (const auto& g : groups) {
      if (g.size() < 4) continue;
      const auto members = split(g[3], ',');
      if (std::find(members.begin(), members.end(), name) == members.end()) continue;
      const auto gid = number(g[2]);
      if (!gid || *gid == result.gid) continue;
      if (std::find(result.additionalGids.begin(), result.additionalGids.end(), *gid) ==
          result.additionalGids.end())
        result.additionalGids.push_back(*gid);
    }
  }
  return result;
}

}  // namespace berth::spec
