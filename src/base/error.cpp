// SPDX-License-Identifier: Apache-2.0
#include "berth/base/error.hpp"

#include <cstring>

namespace berth {

Error Error::wrapped(std::string_view context) const {
  std::string message;
  message.reserve(context.size() + 2 + message_.size());
  message.append(context).append(": ").append(message_);
  return Error(kind_, std::move(message), sysErrno_);
}

Errc errcFromErrno(int err) noexcept {
  switch (err) {
    case EACCES:
    case EPERM:
      return Errc::PermissionDenied;
    case EEXIST:
      return Errc::AlreadyExists;
    case ENOTSUP:
    case ENOSYS:
      return Errc::Unsupported;
    default:
      return Errc::Internal;
  }
}

std::string errnoText(int err) {
  char buffer[256];
  // GNU strerror_r returns a pointer that may or may not be `buffer`.
  const char* text = ::strerror_r(err, buffer, sizeof(buffer));
  return text;
}

void throwErrnoValue(int err, std::string operation) {
  operation.append(": ").append(errnoText(err));
  throw Error(errcFromErrno(err), std::move(operation), err);
}

}  // namespace berth
