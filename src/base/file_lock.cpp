// SPDX-License-Identifier: Apache-2.0
#include "berth/base/file_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>

#include <cerrno>

#include "berth/base/error.hpp"

namespace berth {

namespace {

UniqueFd openLockFile(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!fd) throwErrno("open lock '{}'", path);
  return fd;
}

int flockOperation(FileLock::Mode mode) {
  return mode == FileLock::Mode::Shared ? LOCK_SH : LOCK_EX;
}

}  // namespace

FileLock::FileLock(const std::string& path, Mode mode) {
  UniqueFd fd = openLockFile(path);
  while (::flock(fd.get(), flockOperation(mode)) != 0) {
    if (errno != EINTR) throwErrno("lock '{}'", path);
  }
  fd_ = std::move(fd);
}

FileLock FileLock::tryLock(const std::string& path, Mode mode) {
  FileLock lock;
  UniqueFd fd = openLockFile(path);
  if (::flock(fd.get(), flockOperation(mode) | LOCK_NB) == 0) {
    lock.fd_ = std::move(fd);
  } else if (errno != EWOULDBLOCK) {
    throwErrno("lock '{}'", path);
  }
  return lock;
}

}  // namespace berth
