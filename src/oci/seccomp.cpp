// SPDX-License-Identifier: Apache-2.0
#include "berth/oci/seccomp.hpp"

#include <limits>

#include <fmt/format.h>

#include "berth/oci/json_fields.hpp"

namespace berth::oci {

namespace {

// Go's uint64: a JSON number without sign, fraction or exponent.
std::uint64_t readUnsigned(const JsonReader& reader, std::string_view key,
                           std::uint64_t max = std::numeric_limits<std::uint64_t>::max()) {
  const auto it = reader.json().find(std::string(key));
  if (it == reader.json().end() || it->is_null()) return 0;
  std::uint64_t number = 0;
  if (it->is_number_unsigned()) {
    number = it->get<std::uint64_t>();
  } else if (it->is_number_integer()) {
    reader.fail(
        key, fmt::format("{} is negative: expected an unsigned integer", it->get<std::int64_t>()));
  } else {
    reader.fail(key, fmt::format("expected an unsigned integer, not {}", it->dump()));
  }
  if (number > max) reader.fail(key, fmt::format("{} is out of range (at most {})", number, max));
  return number;
}

std::optional<std::uint32_t> readOptionalErrno(const JsonReader& reader, std::string_view key) {
  if (!reader.has(key)) return std::nullopt;
  return static_cast<std::uint32_t>(
      readUnsigned(reader, key, std::numeric_limits<std::uint32_t>::max()));
}

}  // namespace

Json LinuxSeccompArg::toJson() const {
  Json json = Json::object();
  json["index"] = index;
  json["value"] = value;
  if (valueTwo != 0) json["valueTwo"] = valueTwo;
  json["op"] = op;
  return json;
}

LinuxSeccompArg LinuxSeccompArg::fromJson(const JsonReader& reader) {
  LinuxSeccompArg arg;
  arg.index = static_cast<std::uint32_t>(
      readUnsigned(reader, "index", std::numeric_limits<std::uint32_t>::max()));
  arg.value = readUnsigned(reader, "value");
  arg.valueTwo = readUnsigned(reader, "valueTwo");
  arg.op = reader.string("op");
  return arg;
}

Json LinuxSyscall::toJson() const {
  Json json = Json::object();
  json["names"] = names;  // no omitempty in runtime-spec: [] stays
  json["action"] = action;
  if (errnoRet) json["errnoRet"] = *errnoRet;
  if (!args.empty()) {
    Json list = Json::array();
    for (const auto& arg : args)
      list.push_back(arg.toJson());
    json["args"] = std::move(list);
  }
  return json;
}

LinuxSyscall LinuxSyscall::fromJson(const JsonReader& reader) {
  LinuxSyscall call;
  call.names = reader.strings("names");
  call.action = reader.string("action");
  call.errnoRet = readOptionalErrno(reader, "errnoRet");
  for (const auto& arg : reader.objects("args"))
    call.args.push_back(LinuxSeccompArg::fromJson(arg));
  return call;
}

Json LinuxSeccomp::toJson() const {
  Json json = Json::object();
  json["defaultAction"] = defaultAction;
  if (defaultErrnoRet) json["defaultErrnoRet"] = *defaultErrnoRet;
  if (!architectures.empty()) json["architectures"] = architectures;
  if (!flags.empty()) json["flags"] = flags;
  if (!listenerPath.empty()) json["listenerPath"] = listenerPath;
  if (!listenerMetadata.empty()) json["listenerMetadata"] = listenerMetadata;
  if (!syscalls.empty()) {
    Json list = Json::array();
    for (const auto& call : syscalls)
      list.push_back(call.toJson());
    json["syscalls"] = std::move(list);
  }
  return json;
}

LinuxSeccomp LinuxSeccomp::fromJson(const JsonReader& reader) {
  LinuxSeccomp seccomp;
  seccomp.defaultAction = reader.string("defaultAction");
  seccomp.defaultErrnoRet = readOptionalErrno(reader, "defaultErrnoRet");
  seccomp.architectures = reader.strings("architectures");
  seccomp.flags = reader.strings("flags");
  seccomp.listenerPath = reader.string("listenerPath");
  seccomp.listenerMetadata = reader.string("listenerMetadata");
  for (const auto& call : reader.objects("syscalls"))
    seccomp.syscalls.push_back(LinuxSyscall::fromJson(call));
  return seccomp;
}

LinuxSeccomp LinuxSeccomp::fromJson(const Json& json, std::string_view what) {
  return fromJson(JsonReader(json, what, "seccomp"));
}

}  // namespace berth::oci
