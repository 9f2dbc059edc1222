// SPDX-License-Identifier: Apache-2.0
#include "berth/base/ids.hpp"

#include <sys/random.h>

#include <algorithm>
#include <cerrno>

#include "berth/base/error.hpp"

namespace berth {

namespace {

bool isLowerHex(char c) noexcept {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

}  // namespace

std::string generateId() {
  static constexpr char kHex[] = "0123456789abcdef";
  for (;;) {
    unsigned char bytes[kIdLength / 2];
    std::size_t filled = 0;
    while (filled < sizeof(bytes)) {
      const ssize_t n = ::getrandom(bytes + filled, sizeof(bytes) - filled, 0);
      if (n < 0) {
        if (errno == EINTR) continue;
        throwErrno("getrandom");
      }
      filled += static_cast<std::size_t>(n);
    }
    std::string id(kIdLength, '0');
    for (std::size_t i = 0; i < sizeof(bytes); ++i) {
      id[2 * i] = kHex[bytes[i] >> 4];
      id[2 * i + 1] = kHex[bytes[i] & 0xf];
    }
    const auto shortForm = shortId(id);
    const bool allDigits = std::all_of(shortForm.begin(), shortForm.end(),
                                       [](char c) { return c >= '0' && c <= '9'; });
    if (!allDigits) return id;
  }
}

std::string_view shortId(std::string_view id) noexcept {
  return id.substr(0, kShortIdLength);
}

bool isFullId(std::string_view text) noexcept {
  return text.size() == kIdLength && std::all_of(text.begin(), text.end(), isLowerHex);
}

bool isIdPrefix(std::string_view text) noexcept {
  return !text.empty() && text.size() <= kIdLength &&
         std::all_of(text.begin(), text.end(), isLowerHex);
}

}  // namespace berth
