// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <unistd.h>

#include <utility>

namespace berth {

/// Owns one file descriptor and closes it on destruction. Move-only.
/// (API after libcamera's UniqueFD.)
class UniqueFd {
 public:
  UniqueFd() noexcept = default;
  explicit UniqueFd(int fd) noexcept : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    reset(other.release());
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const noexcept { return fd_; }
  bool isValid() const noexcept { return fd_ >= 0; }
  explicit operator bool() const noexcept { return isValid(); }

  /// Gives up ownership without closing; the caller now owns the fd.
  [[nodiscard]] int release() noexcept { return std::exchange(fd_, -1); }

  /// Closes the current fd (if any) and takes `fd`.
  void reset(int fd = -1) noexcept {
    if (fd_ >= 0 && fd_ != fd) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

}  // namespace berth
