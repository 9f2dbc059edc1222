// SPDX-License-Identifier: Apache-2.0
#include "berth/oci/runtime_spec.hpp"

#include <fmt/format.h>

#include <limits>

#include "berth/oci/json_fields.hpp"

namespace berth::oci {

namespace {

Json startFrom(const Json& extra) {
  return extra.is_object() ? extra : Json::object();
}

std::uint32_t readUint32(const JsonReader& reader, std::string_view key, bool required = false) {
  const auto value = reader.integer(key, required);
  if (value < 0 || value > std::numeric_limits<std::uint32_t>::max())
    reader.fail(key, fmt::format("{} is out of range: expected 0..4294967295", value));
  return static_cast<std::uint32_t>(value);
}

std::uint64_t readUint64(const JsonReader& reader, std::string_view key) {
  const auto it = reader.json().find(std::string(key));
  if (it == reader.json().end() || it->is_null()) return 0;
  // Values above INT64_MAX are valid here (RLIM_INFINITY is 2^64-1).
  if (it->is_number_unsigned()) return it->get<std::uint64_t>();
  const auto value = reader.integer(key);
  if (value < 0)
    reader.fail(key, fmt::format("{} is negative: expected an unsigned number", value));
  return static_cast<std::uint64_t>(value);
}

std::optional<std::int64_t> readOptionalInt64(const JsonReader& reader, std::string_view key) {
  if (!reader.has(key)) return std::nullopt;
  return reader.integer(key);
}

std::optional<std::uint64_t> readOptionalUint64(const JsonReader& reader, std::string_view key) {
  if (!reader.has(key)) return std::nullopt;
  return readUint64(reader, key);
}

// A Go pointer field with omitempty: written when set, even as 0.
template <class T>
void putPointer(Json& out, std::string_view key, const std::optional<T>& value) {
  if (value)
    out[std::string(key)] = *value;
  else
    out.erase(std::string(key));
}

// A Go pointer-to-struct field with omitempty: {} is written when present.
template <class T>
void putStruct(Json& out, std::string_view key, const std::optional<T>& value) {
  if (value)
    out[std::string(key)] = value->toJson();
  else
    out.erase(std::string(key));
}

template <class T>
Json listToJson(const std::vector<T>& items) {
  Json list = Json::array();
  for (const auto& item : items)
    list.push_back(item.toJson());
  return list;
}

template <class T>
std::vector<T> readList(const JsonReader& reader, std::string_view key) {
  std::vector<T> items;
  for (const auto& item : reader.objects(key))
    items.push_back(T::fromJson(item));
  return items;
}

}  // namespace

Json User::toJson() const {
  Json json = startFrom(extra);
  json["uid"] = uid;
  json["gid"] = gid;
  putPointer(json, "umask", umask);
  putOptional(json, "additionalGids", additionalGids);
  putOptional(json, "username", username);
  return json;
}

User User::fromJson(const JsonReader& reader) {
  User user;
  user.uid = readUint32(reader, "uid");
  user.gid = readUint32(reader, "gid");
  if (reader.has("umask")) user.umask = readUint32(reader, "umask");
  if (reader.has("additionalGids")) {
    const Json& gids = reader.json()["additionalGids"];
    if (!gids.is_array()) reader.fail("additionalGids", "expected an array of numbers");
    for (std::size_t i = 0; i < gids.size(); ++i) {
      if (!gids[i].is_number_unsigned() ||
          gids[i].get<std::uint64_t>() > std::numeric_limits<std::uint32_t>::max())
        reader.fail(fmt::format("additionalGids[{}]", i), "expected a group id 0..4294967295");
      user.additionalGids.push_back(gids[i].get<std::uint32_t>());
    }
  }
  user.username = reader.string("username");
  user.extra = reader.json();
  return user;
}

Json LinuxCapabilities::toJson() const {
  Json json = startFrom(extra);
  putOptional(json, "bounding", bounding);
  putOptional(json, "effective", effective);
  putOptional(json, "inheritable", inheritable);
  putOptional(json, "permitted", permitted);
  putOptional(json, "ambient", ambient);
  return json;
}

LinuxCapabilities LinuxCapabilities::fromJson(const JsonReader& reader) {
  LinuxCapabilities caps;
  caps.bounding = reader.strings("bounding");
  caps.effective = reader.strings("effective");
  caps.inheritable = reader.strings("inheritable");
  caps.permitted = reader.strings("permitted");
  caps.ambient = reader.strings("ambient");
  caps.extra = reader.json();
  return caps;
}

Json PosixRlimit::toJson() const {
  Json json = startFrom(extra);
  json["type"] = type;
  json["hard"] = hard;
  json["soft"] = soft;
  return json;
}

PosixRlimit PosixRlimit::fromJson(const JsonReader& reader) {
  PosixRlimit limit;
  limit.type = reader.string("type", true);
  limit.hard = readUint64(reader, "hard");
  limit.soft = readUint64(reader, "soft");
  limit.extra = reader.json();
  return limit;
}

Json Process::toJson() const {
  Json json = startFrom(extra);
  putOptional(json, "terminal", terminal);
  json["user"] = user.toJson();
  putOptional(json, "args", args);
  putOptional(json, "env", env);
  json["cwd"] = cwd;
  putStruct(json, "capabilities", capabilities);
  putOptional(json, "rlimits", listToJson(rlimits));
  putOptional(json, "noNewPrivileges", noNewPrivileges);
  putPointer(json, "oomScoreAdj", oomScoreAdj);
  return json;
}

Process Process::fromJson(const JsonReader& reader) {
  Process process;
  process.terminal = reader.boolean("terminal");
  if (auto user = reader.optionalObject("user")) process.user = User::fromJson(*user);
  process.args = reader.strings("args");
  process.env = reader.strings("env");
  process.cwd = reader.string("cwd", true);
  if (auto caps = reader.optionalObject("capabilities"))
    process.capabilities = LinuxCapabilities::fromJson(*caps);
  process.rlimits = readList<PosixRlimit>(reader, "rlimits");
  process.noNewPrivileges = reader.boolean("noNewPrivileges");
  if (reader.has("oomScoreAdj")) {
    const auto adj = reader.integer("oomScoreAdj");
    if (adj < -1000 || adj > 1000)
      reader.fail("oomScoreAdj", fmt::format("{} is out of range: expected -1000..1000", adj));
    process.oomScoreAdj = static_cast<int>(adj);
  }
  process.extra = reader.json();
  return process;
}

Json Root::toJson() const {
  Json json = startFrom(extra);
  json["path"] = path;
  putOptional(json, "readonly", readonly);
  return json;
}

Root Root::fromJson(const JsonReader& reader) {
  Root root;
  root.path = reader.string("path", true);
  root.readonly = reader.boolean("readonly");
  root.extra = reader.json();
  return root;
}

Json Mount::toJson() const {
  Json json = startFrom(extra);
  json["destination"] = destination;
  putOptional(json, "type", type);
  putOptional(json, "source", source);
  putOptional(json, "options", options);
  return json;
}

Mount Mount::fromJson(const JsonReader& reader) {
  Mount mount;
  mount.destination = reader.string("destination", true);
  mount.type = reader.string("type");
  mount.source = reader.string("source");
  mount.options = reader.strings("options");
  mount.extra = reader.json();
  return mount;
}

Json LinuxIdMapping::toJson() const {
  Json json = Json::object();
  json["containerID"] = containerId;
  json["hostID"] = hostId;
  json["size"] = size;
  return json;
}

LinuxIdMapping LinuxIdMapping::fromJson(const JsonReader& reader) {
  LinuxIdMapping mapping;
  mapping.containerId = readUint32(reader, "containerID");
  mapping.hostId = readUint32(reader, "hostID");
  mapping.size = readUint32(reader, "size");
  return mapping;
}

Json LinuxNamespace::toJson() const {
  Json json = Json::object();
  json["type"] = type;
  putOptional(json, "path", path);
  return json;
}

LinuxNamespace LinuxNamespace::fromJson(const JsonReader& reader) {
  LinuxNamespace ns;
  ns.type = reader.string("type", true);
  ns.path = reader.string("path");
  return ns;
}

Json LinuxMemory::toJson() const {
  Json json = startFrom(extra);
  putPointer(json, "limit", limit);
  putPointer(json, "reservation", reservation);
  putPointer(json, "swap", swap);
  return json;
}

LinuxMemory LinuxMemory::fromJson(const JsonReader& reader) {
  LinuxMemory memory;
  memory.limit = readOptionalInt64(reader, "limit");
  memory.reservation = readOptionalInt64(reader, "reservation");
  memory.swap = readOptionalInt64(reader, "swap");
  memory.extra = reader.json();
  return memory;
}

Json LinuxCpu::toJson() const {
  Json json = startFrom(extra);
  putPointer(json, "shares", shares);
  putPointer(json, "quota", quota);
  putPointer(json, "period", period);
  putOptional(json, "cpus", cpus);
  putOptional(json, "mems", mems);
  return json;
}

LinuxCpu LinuxCpu::fromJson(const JsonReader& reader) {
  LinuxCpu cpu;
  cpu.shares = readOptionalUint64(reader, "shares");
  cpu.quota = readOptionalInt64(reader, "quota");
  cpu.period = readOptionalUint64(reader, "period");
  cpu.cpus = reader.string("cpus");
  cpu.mems = reader.string("mems");
  cpu.extra = reader.json();
  return cpu;
}

Json LinuxResources::toJson() const {
  Json json = startFrom(extra);
  putStruct(json, "memory", memory);
  putStruct(json, "cpu", cpu);
  if (pidsLimit) {
    Json pids = json.contains("pids") && json["pids"].is_object() ? json["pids"] : Json::object();
    pids["limit"] = *pidsLimit;
    json["pids"] = std::move(pids);
  } else {
    json.erase("pids");
  }
  return json;
}

LinuxResources LinuxResources::fromJson(const JsonReader& reader) {
  LinuxResources resources;
  if (auto memory = reader.optionalObject("memory"))
    resources.memory = LinuxMemory::fromJson(*memory);
  if (auto cpu = reader.optionalObject("cpu")) resources.cpu = LinuxCpu::fromJson(*cpu);
  if (auto pids = reader.optionalObject("pids")) resources.pidsLimit = pids->integer("limit");
  resources.extra = reader.json();
  return resources;
}

const LinuxNamespace* Linux::findNamespace(std::string_view type) const noexcept {
  for (const auto& ns : namespaces)
    if (ns.type == type) return &ns;
  return nullptr;
}

Json Linux::toJson() const {
  Json json = startFrom(extra);
  putOptional(json, "uidMappings", listToJson(uidMappings));
  putOptional(json, "gidMappings", listToJson(gidMappings));
  putOptional(json, "sysctl", sysctl);
  putStruct(json, "resources", resources);
  putOptional(json, "cgroupsPath", cgroupsPath);
  putOptional(json, "namespaces", listToJson(namespaces));
  putStruct(json, "seccomp", seccomp);
  putOptional(json, "maskedPaths", maskedPaths);
  putOptional(json, "readonlyPaths", readonlyPaths);
  putOptional(json, "mountLabel", mountLabel);
  return json;
}

Linux Linux::fromJson(const JsonReader& reader) {
  Linux linux_;
  linux_.uidMappings = readList<LinuxIdMapping>(reader, "uidMappings");
  linux_.gidMappings = readList<LinuxIdMapping>(reader, "gidMappings");
  linux_.sysctl = reader.stringMap("sysctl");
  if (auto resources = reader.optionalObject("resources"))
    linux_.resources = LinuxResources::fromJson(*resources);
  linux_.cgroupsPath = reader.string("cgroupsPath");
  linux_.namespaces = readList<LinuxNamespace>(reader, "namespaces");
  if (auto seccomp = reader.optionalObject("seccomp"))
    linux_.seccomp = LinuxSeccomp::fromJson(*seccomp);
  linux_.maskedPaths = reader.strings("maskedPaths");
  linux_.readonlyPaths = reader.strings("readonlyPaths");
  linux_.mountLabel = reader.string("mountLabel");
  linux_.extra = reader.json();
  return linux_;
}

Json Spec::toJson() const {
  Json json = startFrom(extra);
  json["ociVersion"] = ociVersion;
  putStruct(json, "process", process);
  putStruct(json, "root", root);
  putOptional(json, "hostname", hostname);
  putOptional(json, "mounts", listToJson(mounts));
  putOptional(json, "annotations", annotations);
  putStruct(json, "linux", linuxConfig);
  return json;
}

Spec Spec::fromJson(const Json& json, std::string_view what) {
  const JsonReader reader(json, what, "spec");
  Spec spec;
  spec.ociVersion = reader.string("ociVersion", true);
  if (auto process = reader.optionalObject("process")) spec.process = Process::fromJson(*process);
  if (auto root = reader.optionalObject("root")) spec.root = Root::fromJson(*root);
  spec.hostname = reader.string("hostname");
  spec.mounts = readList<Mount>(reader, "mounts");
  spec.annotations = reader.stringMap("annotations");
  if (auto linux_ = reader.optionalObject("linux")) spec.linuxConfig = Linux::fromJson(*linux_);
  spec.extra = json;
  return spec;
}

}  // namespace berth::oci
