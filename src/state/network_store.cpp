// SPDX-License-Identifier: Apache-2.0
#include "berth/state/network_store.hpp"

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "berth/base/error.hpp"
#include "berth/base/fs.hpp"
#include "berth/format/human.hpp"

namespace berth::state {

void validateNetworkName(std::string_view name) {
  const auto isAlnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  };
  bool valid = !name.empty() && name.size() <= 253 && isAlnum(name.front());
  for (char c : name)
    valid = valid && (isAlnum(c) || c == '_' || c == '.' || c == '-');
  if (!valid)
    throwError(Errc::InvalidArgument,
               "network name {} invalid: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid "
               "argument",
               name);
}

NetworkStore::NetworkStore(StorePaths paths) : paths_(std::move(paths)) {}

FileLock NetworkStore::lock() const {
  makeDirs(paths_.locksDir(), 0700);
  return FileLock(paths_.locksDir() + "/networks.lock");
}

std::string NetworkStore::recordPath(std::string_view name) const {
  return paths_.graphRoot + "/networks/" + std::string(name) + ".json";
}

Json NetworkStore::defaultNetwork() {
  Json j = Json::object();
  j["name"] = kDefaultNetworkName;
  j["id"] = kDefaultNetworkId;
  j["driver"] = "bridge";
  j["network_interface"] = "berth0";
  j["created"] = format::formatRfc3339Nano(format::nowNs());
  j["subnets"] = Json::array({{{"subnet", "10.88.0.0/16"}, {"gateway", "10.88.0.1"}}});
  j["ipv6_enabled"] = false;
  j["internal"] = false;
  j["dns_enabled"] = false;
  j["ipam_options"] = {{"driver", "host-local"}};
  return j;
}

std::optional<Json> NetworkStore::read(std::string_view name) const {
  if (name.empty() || name.find('/') != std::string_view::npos || name.front() == '.')
    return std::nullopt;
  if (auto json = readJsonFileIfExists(recordPath(name))) return json;
  if (name == kDefaultNetworkName) return defaultNetwork();
  return std::nullopt;
}

std::vector<Json> NetworkStore::list() const {
  std::vector<Json> out;
  bool sawDefault = false;
  if (DIR* dir = ::opendir((paths_.graphRoot + "/networks").c_str())) {
    while (const dirent* entry = ::readdir(dir)) {
      const std::string file = entry->d_name;
      if (file.front() == '.' || !file.ends_with(".json")) continue;
      if (auto json = readJsonFileIfExists(paths_.graphRoot + "/networks/" + file)) {
        sawDefault = sawDefault || json->value("name", "") == kDefaultNetworkName;
        out.push_back(std::move(*json));
      }
    }
    ::closedir(dir);
  }
  if (!sawDefault) out.push_back(defaultNetwork());
  std::sort(out.begin(), out.end(),
            [](const Json& a, const Json& b) { return a.value("name", "") < b.value("name", ""); });
  return out;
}

Json NetworkStore::find(std::string_view nameOrId) const {
  if (auto json = read(nameOrId)) return *json;
  std::optional<Json> match;
  if (!nameOrId.empty())
    for (auto& network : list()) {
      if (!network.value("id", "").starts_with(nameOrId)) continue;
      if (match)
        throwError(Errc::InvalidArgument,
                   "more than one result for network ID {}: network not found", nameOrId);
      match = std::move(network);
    }
  if (!match)
    throwError(Errc::NoSuchObject, "unable to find network with name or ID {}: network not found",
               nameOrId);
  return *match;
}

void NetworkStore::write(const Json& record) const {
  makeDirs(paths_.graphRoot + "/networks", 0700);
  writeJsonFileAtomic(recordPath(record.at("name").get<std::string>()), record);
}

void NetworkStore::remove(std::string_view name) const {
  if (::unlink(recordPath(name).c_str()) != 0 && errno != ENOENT)
    throwErrno("remove {}", recordPath(name));
  ::unlink((paths_.runRoot + "/networks/" + std::string(name) + ".json").c_str());
}

Json NetworkStore::members(std::string_view name) const {
  auto json = readJsonFileIfExists(paths_.runRoot + "/networks/" + std::string(name) + ".json");
  return json && json->is_object() ? *json : Json::object();
}

void NetworkStore::writeMembers(std::string_view name, const Json& members) const {
  makeDirs(paths_.runRoot + "/networks", 0700);
  writeJsonFileAtomic(paths_.runRoot + "/networks/" + std::string(name) + ".json", members, false);
}

}  // namespace berth::state
