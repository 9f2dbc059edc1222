// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cerrno>
#include <exception>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>

namespace berth {

/// What went wrong, as a type the CLI can map to an exit code and a test can
/// assert on. Never parse the message text to find this out.
enum class Errc {
  Internal,
  InvalidArgument,
  NoSuchContainer,
  NoSuchImage,
  NoSuchObject,  ///< pods, volumes, networks, secrets
  AlreadyExists,
  InvalidState,
  PermissionDenied,
  Unsupported,
};

/// Exit codes as Podman and Docker use them (podman define/exec_codes.go).
inline constexpr int kExitEngineError = 125;
inline constexpr int kExitCannotInvoke = 126;
inline constexpr int kExitCommandNotFound = 127;

/// The one exception type of the engine: a kind, the errno of the failed
/// syscall (0 when the failure is not a syscall's) and a message chain
/// "outer context: inner context: cause".
class Error : public std::exception {
 public:
  Error(Errc kind, std::string message, int sysErrno = 0)
      : kind_(kind), sysErrno_(sysErrno), message_(std::move(message)) {}

  Errc kind() const noexcept { return kind_; }
  int sysErrno() const noexcept { return sysErrno_; }
  const char* what() const noexcept override { return message_.c_str(); }
  const std::string& message() const noexcept { return message_; }

  /// A copy with `context` prepended: "context: message". Kind and errno stay.
  [[nodiscard]] Error wrapped(std::string_view context) const;

 private:
  Errc kind_;
  int sysErrno_;
  std::string message_;
};

/// An Error with the exit code the CLI must end with instead of 125: a
/// container command that cannot be found (127) or run (126), `rm` of a
/// running container (2).
class ExitCodeError : public Error {
 public:
  ExitCodeError(Errc kind, std::string message, int exitCode, int sysErrno = 0)
      : Error(kind, std::move(message), sysErrno), exitCode_(exitCode) {}
  int exitCode() const noexcept { return exitCode_; }

 private:
  int exitCode_;
};

/// The kind a failed syscall maps to (EACCES, EPERM -> PermissionDenied,
/// EEXIST -> AlreadyExists, ENOTSUP/ENOSYS -> Unsupported, else Internal).
Errc errcFromErrno(int err) noexcept;

/// Throws Error{kind, formatted message}.
template <class... Args>
[[noreturn]] void throwError(Errc kind, fmt::format_string<Args...> format, Args&&... args) {
  throw Error(kind, fmt::format(format, std::forward<Args>(args)...));
}

/// Throws an Error for a syscall that failed with `err`:
/// "<formatted operation>: <strerror(err)>".
[[noreturn]] void throwErrnoValue(int err, std::string operation);

/// Like throwErrnoValue with the current errno, captured before the message
/// is formatted (formatting may allocate and clobber errno).
/// `if (::pivot_root(".", ".") < 0) throwErrno("pivot_root into '{}'", rootfs);`
template <class... Args>
[[noreturn]] void throwErrno(fmt::format_string<Args...> format, Args&&... args) {
  const int saved = errno;
  throwErrnoValue(saved, fmt::format(format, std::forward<Args>(args)...));
}

/// strerror_r that always returns the text ("No such file or directory").
std::string errnoText(int err);

}  // namespace berth
