// SPDX-License-Identifier: Apache-2.0
#include "berth/state/name_registry.hpp"

#include <unistd.h>

#include <cerrno>

#include "berth/base/error.hpp"
#include "berth/base/fs.hpp"

namespace berth::state {

NameRegistry::NameRegistry(std::string kind, std::string dir, std::string objectsDir,
                           std::string lockPath)
    : kind_(std::move(kind)),
      dir_(std::move(dir)),
      objectsDir_(std::move(objectsDir)),
      lockPath_(std::move(lockPath)) {}

FileLock NameRegistry::lock() const {
  return FileLock(lockPath_);
}

std::optional<std::string> NameRegistry::lookup(std::string_view name) const {
  const std::string link = dir_ + "/" + std::string(name);
  char target[256];
  const ssize_t n = ::readlink(link.c_str(), target, sizeof(target) - 1);
  if (n < 0) {
    if (errno == ENOENT || errno == EINVAL || errno == ENAMETOOLONG) return std::nullopt;
    throwErrno("readlink '{}'", link);
  }
  return std::string(target, static_cast<std::size_t>(n));
}

void NameRegistry::reserve(std::string_view name, std::string_view id) const {
  const std::string link = dir_ + "/" + std::string(name);
  const std::string target(id);
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (::symlink(target.c_str(), link.c_str()) == 0) return;
    if (errno != EEXIST) throwErrno("reserve name '{}'", link);
    const auto holder = lookup(name);
    if (holder && pathExists(objectsDir_ + "/" + *holder))
      throwError(Errc::AlreadyExists,
                 "the {0} name \"{1}\" is already in use by {2}. You have to remove that {0} "
                 "to be able to reuse that name: that name is already in use",
                 kind_, name, *holder);
    // Left by a creator that crashed: we hold the registry lock, so no
    // creation is under way. Drop it and try once more.
    if (::unlink(link.c_str()) != 0 && errno != ENOENT) throwErrno("remove stale name '{}'", link);
  }
  throwError(Errc::Internal, "reserve name '{}': still taken after removing a stale entry", name);
}

void NameRegistry::release(std::string_view name, std::string_view id) const {
  const auto holder = lookup(name);
  if (!holder || *holder != id) return;
  const std::string link = dir_ + "/" + std::string(name);
  if (::unlink(link.c_str()) != 0 && errno != ENOENT) throwErrno("release name '{}'", link);
}

}  // namespace berth::state
