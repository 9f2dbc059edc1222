// SPDX-License-Identifier: Apache-2.0
#include "berth/state/container.hpp"

#include <array>
#include <utility>

#include "berth/base/error.hpp"

namespace berth::state {

namespace {

constexpr std::array<std::pair<ContainerStatus, std::string_view>, 9> kStatusNames{{
    {ContainerStatus::Configured, "configured"},
    {ContainerStatus::Created, "created"},
    {ContainerStatus::Running, "running"},
    {ContainerStatus::Paused, "paused"},
    {ContainerStatus::Stopping, "stopping"},
    {ContainerStatus::Stopped, "stopped"},
    {ContainerStatus::Exited, "exited"},
    {ContainerStatus::Removing, "removing"},
    {ContainerStatus::Unknown, "unknown"},
}};

/// Starts from the record as it was read, so known fields are overwritten in
/// place (same order) and unknown ones survive.
Json startFrom(const Json& extra) {
  return extra.is_object() ? extra : Json::object();
}

void checkRecord(const Json& json, std::string_view what, int supportedVersion) {
  if (!json.is_object()) throwError(Errc::InvalidArgument, "{}: not a JSON object", what);
  const int version = json.value("version", 0);
  if (version > supportedVersion)
    throwError(Errc::InvalidArgument,
               "{}: schema version {} is newer than this berth understands ({})", what, version,
               supportedVersion);
}

template <class T>
T get(const Json& json, const char* key, T fallback, std::string_view what) {
  const auto it = json.find(key);
  if (it == json.end() || it->is_null()) return fallback;
  try {
    return it->get<T>();
  } catch (const Json::exception&) {
    throwError(Errc::InvalidArgument, "{}: field \"{}\" has the wrong type", what, key);
  }
}

}  // namespace

std::string_view toString(ContainerStatus status) noexcept {
  for (const auto& [value, name] : kStatusNames)
    if (value == status) return name;
  return "unknown";
}

ContainerStatus parseContainerStatus(std::string_view text) noexcept {
  for (const auto& [value, name] : kStatusNames)
    if (name == text) return value;
  return ContainerStatus::Unknown;
}

Json ContainerConfig::toJson() const {
  Json json = startFrom(extra);
  json["version"] = kContainerConfigVersion;
  json["id"] = id;
  json["name"] = name;
  json["created"] = createdNs;
  json["imageName"] = imageName;
  json["imageId"] = imageId;
  json["command"] = command;
  json["labels"] = labels;
  json["spec"] = spec;
  return json;
}

namespace {

// The fields of a config record, without spec and extra.
ContainerConfig configFields(const Json& json, std::string_view what) {
  checkRecord(json, what, kContainerConfigVersion);
  ContainerConfig config;
  config.id = get<std::string>(json, "id", "", what);
  config.name = get<std::string>(json, "name", "", what);
  if (config.id.empty() || config.name.empty())
    throwError(Errc::InvalidArgument, "{}: missing id or name", what);
  config.createdNs = get<std::int64_t>(json, "created", 0, what);
  config.imageName = get<std::string>(json, "imageName", "", what);
  config.imageId = get<std::string>(json, "imageId", "", what);
  config.command = get<std::vector<std::string>>(json, "command", {}, what);
  config.labels = get<std::map<std::string, std::string>>(json, "labels", {}, what);
  return config;
}

}  // namespace

ContainerConfig ContainerConfig::fromJson(const Json& json, std::string_view what) {
  ContainerConfig config = configFields(json, what);
  config.spec = json.contains("spec") ? json["spec"] : Json::object();
  config.extra = json;
  return config;
}

ContainerConfig ContainerConfig::fromJson(Json&& json, std::string_view what) {
  // Moved, not copied: `ps` of a thousand containers reads a thousand of
  // these. extra keeps a placeholder where spec was, so the key order
  // survives a rewrite.
  ContainerConfig config = configFields(json, what);
  if (auto it = json.find("spec"); it != json.end()) {
    config.spec = std::move(*it);
    *it = Json::object();
  }
  config.extra = std::move(json);
  return config;
}

Json ContainerState::toJson() const {
  Json json = startFrom(extra);
  json["version"] = kContainerStateVersion;
  json["status"] = toString(status);
  json["pid"] = pid;
  json["pidStartTime"] = pidStartTime;
  json["monitorPid"] = monitorPid;
  json["monitorStartTime"] = monitorStartTime;
  json["bootId"] = bootId;
  json["exitCode"] = exitCode ? Json(*exitCode) : Json(nullptr);
  json["started"] = startedNs;
  json["finished"] = finishedNs;
  json["oomKilled"] = oomKilled;
  json["restartCount"] = restartCount;
  return json;
}

ContainerState ContainerState::fromJson(const Json& json, std::string_view what) {
  checkRecord(json, what, kContainerStateVersion);
  ContainerState state;
  state.status = parseContainerStatus(get<std::string>(json, "status", "unknown", what));
  state.pid = get<pid_t>(json, "pid", 0, what);
  state.pidStartTime = get<std::uint64_t>(json, "pidStartTime", 0, what);
  state.monitorPid = get<pid_t>(json, "monitorPid", 0, what);
  state.monitorStartTime = get<std::uint64_t>(json, "monitorStartTime", 0, what);
  state.bootId = get<std::string>(json, "bootId", "", what);
  if (json.contains("exitCode") && !json["exitCode"].is_null())
    state.exitCode = get<int>(json, "exitCode", 0, what);
  state.startedNs = get<std::int64_t>(json, "started", 0, what);
  state.finishedNs = get<std::int64_t>(json, "finished", 0, what);
  state.oomKilled = get<bool>(json, "oomKilled", false, what);
  state.restartCount = get<int>(json, "restartCount", 0, what);
  state.extra = json;
  return state;
}

void validateContainerName(std::string_view name) {
  const auto isAlnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  };
  bool valid = !name.empty() && name.size() <= 253 && isAlnum(name.front());
  for (char c : name)
    valid = valid && (isAlnum(c) || c == '_' || c == '.' || c == '-');
  if (!valid)
    throwError(Errc::InvalidArgument,
               "container name \"{}\" is invalid: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*",
               name);
}

}  // namespace berth::state
