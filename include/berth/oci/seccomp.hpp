// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "berth/base/json.hpp"

namespace berth::oci {

class JsonReader;

/// One argument comparison of a seccomp rule (runtime-spec LinuxSeccompArg).
/// For SCMP_CMP_MASKED_EQ, `value` is the mask and `valueTwo` the datum.
struct LinuxSeccompArg {
  std::uint32_t index = 0;  ///< syscall argument 0..5
  std::uint64_t value = 0;
  std::uint64_t valueTwo = 0;
  std::string op;  ///< "SCMP_CMP_EQ", "SCMP_CMP_NE", "SCMP_CMP_MASKED_EQ", ...

  bool operator==(const LinuxSeccompArg&) const = default;
  /// index, value, valueTwo (left out when 0), op.
  Json toJson() const;
  static LinuxSeccompArg fromJson(const JsonReader& reader);
};

/// One rule: the action taken for these syscalls when all `args` match
/// (runtime-spec LinuxSyscall).
struct LinuxSyscall {
  std::vector<std::string> names;
  std::string action;                     ///< "SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", ...
  std::optional<std::uint32_t> errnoRet;  ///< for SCMP_ACT_ERRNO/TRACE; EPERM when unset
  std::vector<LinuxSeccompArg> args;

  bool operator==(const LinuxSyscall&) const = default;
  /// names, action, errnoRet and args (both left out when unset/empty).
  Json toJson() const;
  static LinuxSyscall fromJson(const JsonReader& reader);
};

/// linux.seccomp of an OCI runtime spec: the filter the runtime installs in
/// the container's init before exec. Names are those of the spec and of
/// libseccomp ("SCMP_ARCH_X86_64", "SECCOMP_FILTER_FLAG_LOG").
struct LinuxSeccomp {
  std::string defaultAction;
  std::optional<std::uint32_t> defaultErrnoRet;
  std::vector<std::string> architectures;
  std::vector<std::string> flags;
  std::string listenerPath;  ///< SCMP_ACT_NOTIFY agent socket (not supported by berth)
  std::string listenerMetadata;
  std::vector<LinuxSyscall> syscalls;

  bool operator==(const LinuxSeccomp&) const = default;

  /// Go field order of runtime-spec's LinuxSeccomp: defaultAction (always),
  /// defaultErrnoRet, architectures, flags, listenerPath, listenerMetadata,
  /// syscalls, each left out when empty as Go's omitempty does.
  Json toJson() const;
  /// Validates types (numbers unsigned and in range); unknown fields are
  /// ignored as Go's decoder does. Throws Error(InvalidArgument)
  /// "<what>: <path>.syscalls[3].args[0].value: ...".
  static LinuxSeccomp fromJson(const JsonReader& reader);
  /// The same for a whole document (path "seccomp").
  static LinuxSeccomp fromJson(const Json& json, std::string_view what);
};

}  // namespace berth::oci
