// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <sys/types.h>

#include <functional>
#include <optional>
#include <string>

namespace berth::state {

/// Where one store lives: the persistent graph root and the volatile run
/// root (tmpfs, cleared at boot). Every path berth uses derives from these.
struct StorePaths {
  std::string graphRoot;
  std::string runRoot;
  bool rootless = false;

  std::string containersDir() const { return graphRoot + "/containers"; }
  std::string containerDir(const std::string& id) const { return containersDir() + "/" + id; }
  std::string containerNamesDir() const { return graphRoot + "/names"; }
  std::string imagesDir() const { return graphRoot + "/images"; }
  std::string layersDir() const { return graphRoot + "/layers"; }
  std::string volumesDir() const { return graphRoot + "/volumes"; }
  std::string podsDir() const { return graphRoot + "/pods"; }
  std::string podDir(const std::string& id) const { return podsDir() + "/" + id; }
  std::string podNamesDir() const { return graphRoot + "/pod-names"; }
  std::string runContainersDir() const { return runRoot + "/containers"; }
  std::string runContainerDir(const std::string& id) const { return runContainersDir() + "/" + id; }
  /// Lock files live on tmpfs: they need no cleanup across reboots.
  std::string locksDir() const { return runRoot + "/locks"; }
  std::string pausePidFile() const { return runRoot + "/pause.pid"; }
};

/// What the user asked for on the command line (--root, --runroot).
struct PathOverrides {
  std::optional<std::string> graphRoot;
  std::optional<std::string> runRoot;
};

/// The process facts default paths depend on; injectable for tests.
struct PathEnvironment {
  uid_t uid = 0;
  std::function<std::optional<std::string>(const char*)> getenv;
  /// Owner uid of a directory, or nullopt when it is missing or not a dir.
  std::function<std::optional<uid_t>(const std::string&)> directoryOwner;

  /// The real process: getuid(), ::getenv, stat(2).
  static PathEnvironment current();
};

/// Default and overridden store paths, as Podman chooses them:
/// root: /var/lib/berth and /run/berth;
/// rootless: $XDG_DATA_HOME/berth (else $HOME/.local/share/berth) and
/// $XDG_RUNTIME_DIR/berth when that directory exists and is ours, else
/// /tmp/berth-run-<uid>. Throws Error(InvalidArgument) for a relative
/// override or when no home directory can be found. Creates nothing.
StorePaths resolveStorePaths(const PathOverrides& overrides, const PathEnvironment& env);

/// Creates the run root (0700) and graph root (0700 rootless, 0711 root) and
/// their fixed subdirectories if missing. For a /tmp fallback run root, it
/// refuses a directory owned by someone else (another user could have
/// planted it).
void prepareStore(const StorePaths& paths);

}  // namespace berth::state
