// SPDX-License-Identifier: Apache-2.0
#include "berth/state/paths.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include "berth/base/error.hpp"
#include "berth/base/fs.hpp"

namespace berth::state {

PathEnvironment PathEnvironment::current() {
  PathEnvironment env;
  env.uid = ::getuid();
  env.getenv = [](const char* name) -> std::optional<std::string> {
    const char* value = ::getenv(name);
    if (value == nullptr || *value == '\0') return std::nullopt;
    return std::string(value);
  };
  env.directoryOwner = [](const std::string& path) -> std::optional<uid_t> {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return std::nullopt;
    return st.st_uid;
  };
  return env;
}

namespace {

std::string requireAbsolute(const std::string& path, const char* flag) {
  if (path.empty() || path.front() != '/')
    throwError(Errc::InvalidArgument, "{} \"{}\" must be an absolute path", flag, path);
  // "/a/b/" and "/a/b" are the same store.
  std::string normal = path;
  while (normal.size() > 1 && normal.back() == '/')
    normal.pop_back();
  return normal;
}

std::string defaultRootlessGraphRoot(const PathEnvironment& env) {
  if (auto dataHome = env.getenv("XDG_DATA_HOME"); dataHome && dataHome->front() == '/')
    return *dataHome + "/berth";
  auto home = env.getenv("HOME");
  if (!home || home->front() != '/')
    throwError(Errc::InvalidArgument,
               "cannot find the store: neither XDG_DATA_HOME nor HOME is an absolute path; "
               "use --root");
  return *home + "/.local/share/berth";
}

std::string defaultRootlessRunRoot(const PathEnvironment& env) {
  if (auto runtimeDir = env.getenv("XDG_RUNTIME_DIR"); runtimeDir && runtimeDir->front() == '/') {
    if (auto owner = env.directoryOwner(*runtimeDir); owner && *owner == env.uid)
      return *runtimeDir + "/berth";
  }
  return "/tmp/berth-run-" + std::to_string(env.uid);
}

}  // namespace

StorePaths resolveStorePaths(const PathOverrides& overrides, const PathEnvironment& env) {
  StorePaths paths;
  paths.rootless = env.uid != 0;
  if (overrides.graphRoot) {
    paths.graphRoot = requireAbsolute(*overrides.graphRoot, "--root");
  } else {
    paths.graphRoot = paths.rootless ? defaultRootlessGraphRoot(env) : "/var/lib/berth";
  }
  if (overrides.runRoot) {
    paths.runRoot = requireAbsolute(*overrides.runRoot, "--runroot");
  } else {
    paths.runRoot = paths.rootless ? defaultRootlessRunRoot(env) : "/run/berth";
  }
  return paths;
}

void prepareStore(const StorePaths& paths) {
  makeDirs(paths.runRoot, 0700);
  struct stat st;
  if (::stat(paths.runRoot.c_str(), &st) != 0) throwErrno("stat '{}'", paths.runRoot);
  if (st.st_uid != ::geteuid())
    throwError(Errc::PermissionDenied, "run root '{}' is owned by uid {}, not by uid {}",
               paths.runRoot, st.st_uid, ::geteuid());
  makeDirs(paths.graphRoot, paths.rootless ? 0700 : 0711);
  for (const auto& dir : {paths.containersDir(), paths.containerNamesDir()})
    makeDirs(dir, 0700);
  for (const auto& dir : {paths.runContainersDir(), paths.locksDir()})
    makeDirs(dir, 0700);
}

}  // namespace berth::state
