// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>

#include "berth/base/unique_fd.hpp"

namespace berth {

/// An flock(2) on a lock file, held for the lifetime of the object.
/// The lock file is created if missing and never removed (removing a lock
/// file another process has open would let two holders coexist).
/// Locks are per open file description, so two FileLocks on one path in the
/// same process exclude each other too. Never hold two in an order that can
/// invert: lock containers before their pod, and names before containers.
class FileLock {
 public:
  enum class Mode { Exclusive, Shared };

  /// Blocks until the lock is held. Throws Error naming the path.
  explicit FileLock(const std::string& path, Mode mode = Mode::Exclusive);

  /// Tries once; an empty (not held) lock when another process holds it.
  static FileLock tryLock(const std::string& path, Mode mode = Mode::Exclusive);

  FileLock(FileLock&&) noexcept = default;
  FileLock& operator=(FileLock&&) noexcept = default;

  bool held() const noexcept { return fd_.isValid(); }
  /// Releases early (the destructor releases otherwise).
  void unlock() noexcept { fd_.reset(); }

 private:
  FileLock() = default;
  UniqueFd fd_;
};

}  // namespace berth
