// SPDX-License-Identifier: Apache-2.0
#include "berth/oci/image_config.hpp"

#include <fmt/format.h>

#include "berth/oci/json_fields.hpp"

namespace berth::oci {

namespace {

Json startFrom(const Json& extra) {
  return extra.is_object() ? extra : Json::object();
}

// A Go map[string]struct{}: {"80/tcp": {}}; Go writes the keys sorted.
Json keySetToJson(const std::set<std::string>& keys) {
  Json json = Json::object();
  for (const auto& key : keys)
    json[key] = Json::object();
  return json;
}

std::set<std::string> readKeySet(const JsonReader& reader, std::string_view key) {
  const auto keys = reader.keySet(key);
  return {keys.begin(), keys.end()};
}

// Docker's strslice.StrSlice: a list of strings, or one string.
std::vector<std::string> readStrSlice(const JsonReader& reader, std::string_view key) {
  const auto it = reader.json().find(std::string(key));
  if (it != reader.json().end() && it->is_string()) return {it->get<std::string>()};
  return reader.strings(key);
}

std::int64_t readDuration(const JsonReader& reader, std::string_view key) {
  const auto value = reader.integer(key);
  if (value < 0)
    reader.fail(key, fmt::format("{} is negative: expected a duration in nanoseconds", value));
  return value;
}

}  // namespace

Json Healthcheck::toJson() const {
  Json json = startFrom(extra);
  putOptional(json, "Test", test);
  putOptional(json, "Interval", interval);
  putOptional(json, "Timeout", timeout);
  putOptional(json, "StartPeriod", startPeriod);
  putOptional(json, "StartInterval", startInterval);
  putOptional(json, "Retries", retries);
  return json;
}

Healthcheck Healthcheck::fromJson(const JsonReader& reader) {
  Healthcheck check;
  check.test = reader.strings("Test");
  check.interval = readDuration(reader, "Interval");
  check.timeout = readDuration(reader, "Timeout");
  check.startPeriod = readDuration(reader, "StartPeriod");
  check.startInterval = readDuration(reader, "StartInterval");
  check.retries = reader.integer("Retries");
  if (check.retries < 0)
    reader.fail("Retries", fmt::format("{} is negative: expected a count", check.retries));
  check.extra = reader.json();
  return check;
}

Json RunConfig::toJson() const {
  Json json = startFrom(extra);
  putOptional(json, "User", user);
  putOptional(json, "ExposedPorts", keySetToJson(exposedPorts));
  putOptional(json, "Env", env);
  putOptional(json, "Entrypoint", entrypoint);
  putOptional(json, "Cmd", cmd);
  putOptional(json, "Volumes", keySetToJson(volumes));
  putOptional(json, "WorkingDir", workingDir);
  putOptional(json, "Labels", labels);
  putOptional(json, "StopSignal", stopSignal);
  if (healthcheck)
    json["Healthcheck"] = healthcheck->toJson();
  else
    json.erase("Healthcheck");
  putOptional(json, "OnBuild", onBuild);
  putOptional(json, "Shell", shell);
  return json;
}

RunConfig RunConfig::fromJson(const JsonReader& reader) {
  RunConfig config;
  config.user = reader.string("User");
  config.exposedPorts = readKeySet(reader, "ExposedPorts");
  config.env = reader.strings("Env");
  config.entrypoint = readStrSlice(reader, "Entrypoint");
  config.cmd = readStrSlice(reader, "Cmd");
  config.volumes = readKeySet(reader, "Volumes");
  config.workingDir = reader.string("WorkingDir");
  config.labels = reader.stringMap("Labels");
  config.stopSignal = reader.string("StopSignal");
  if (auto check = reader.optionalObject("Healthcheck"))
    config.healthcheck = Healthcheck::fromJson(*check);
  config.onBuild = reader.strings("OnBuild");
  config.shell = readStrSlice(reader, "Shell");
  config.extra = reader.json();
  return config;
}

Json RootFs::toJson() const {
  Json json = startFrom(extra);
  json["type"] = type;
  Json ids = Json::array();
  for (const auto& id : diffIds)
    ids.push_back(id.str());
  json["diff_ids"] = std::move(ids);
  return json;
}

RootFs RootFs::fromJson(const JsonReader& reader) {
  RootFs rootfs;
  rootfs.type = reader.string("type", true);
  if (rootfs.type != "layers")
    reader.fail("type",
                fmt::format("unsupported rootfs type \"{}\": expected \"layers\"", rootfs.type));
  const auto ids = reader.strings("diff_ids");
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (auto message = Digest::validationError(ids[i]); !message.empty())
      reader.fail(fmt::format("diff_ids[{}]", i), message);
    rootfs.diffIds.push_back(Digest::parse(ids[i]));
  }
  rootfs.extra = reader.json();
  return rootfs;
}

Json HistoryEntry::toJson() const {
  Json json = startFrom(extra);
  putOptional(json, "created", created);
  putOptional(json, "created_by", createdBy);
  putOptional(json, "author", author);
  putOptional(json, "comment", comment);
  putOptional(json, "empty_layer", emptyLayer);
  return json;
}

HistoryEntry HistoryEntry::fromJson(const JsonReader& reader) {
  HistoryEntry entry;
  entry.created = reader.timestamp("created");
  entry.createdBy = reader.string("created_by");
  entry.author = reader.string("author");
  entry.comment = reader.string("comment");
  entry.emptyLayer = reader.boolean("empty_layer");
  entry.extra = reader.json();
  return entry;
}

Json ImageConfig::toJson() const {
  Json json = startFrom(extra);
  putOptional(json, "created", created);
  putOptional(json, "author", author);
  json["architecture"] = architecture;
  json["os"] = os;
  putOptional(json, "os.version", osVersion);
  putOptional(json, "os.features", osFeatures);
  putOptional(json, "variant", variant);
  json["config"] = config.toJson();
  json["rootfs"] = rootfs.toJson();
  Json entries = Json::array();
  for (const auto& entry : history)
    entries.push_back(entry.toJson());
  putOptional(json, "history", std::move(entries));
  return json;
}

ImageConfig ImageConfig::fromJson(const Json& json, std::string_view what) {
  const JsonReader reader(json, what, "image");
  ImageConfig image;
  image.created = reader.timestamp("created");
  image.author = reader.string("author");
  image.architecture = reader.string("architecture");
  image.os = reader.string("os");
  image.osVersion = reader.string("os.version");
  image.osFeatures = reader.strings("os.features");
  image.variant = reader.string("variant");
  if (auto config = reader.optionalObject("config")) image.config = RunConfig::fromJson(*config);
  image.rootfs = RootFs::fromJson(reader.object("rootfs"));
  for (const auto& entry : reader.objects("history"))
    image.history.push_back(HistoryEntry::fromJson(entry));
  image.extra = json;
  return image;
}

}  // namespace berth::oci
