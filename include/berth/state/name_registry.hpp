// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "berth/base/file_lock.hpp"

namespace berth::state {

/// Names of one object kind as symlinks `<dir>/<name> -> <id>`: symlink(2)
/// fails when the name exists, so exactly one of several racing creators
/// wins. The registry lock (held by the creator for the whole creation)
/// makes it safe to drop a stale entry left by a crash: under that lock, an
/// entry whose object directory is missing cannot be in creation.
class NameRegistry {
 public:
  /// `kind` names the objects in messages ("container", "pod"), `dir` holds
  /// the links, `objectsDir/<id>` is where live objects are, `lockPath` is
  /// the registry lock file.
  NameRegistry(std::string kind, std::string dir, std::string objectsDir, std::string lockPath);

  /// Takes the registry lock; hold it across reserve + object creation.
  FileLock lock() const;

  /// Reserves `name` for `id`. The caller holds lock(). Throws
  /// Error(AlreadyExists) naming the holder's id when taken by a live object.
  void reserve(std::string_view name, std::string_view id) const;

  /// Removes `name` if it still points to `id`; no error if already gone.
  void release(std::string_view name, std::string_view id) const;

  /// The id a name points to, if any (no check that the object exists).
  std::optional<std::string> lookup(std::string_view name) const;

 private:
  std::string kind_;
  std::string dir_;
  std::string objectsDir_;
  std::string lockPath_;
};

}  // namespace berth::state
