// SPDX-License-Identifier: Apache-2.0
#include "berth/engine/engine.hpp"

#include <unistd.h>

#include <cstdlib>

#include "berth/base/error.hpp"
#include "berth/image/archive_plugin.hpp"
#include "berth/runtime/userns.hpp"
#include "container_internal.hpp"

namespace berth::engine {

Engine::Engine(const EngineOptions& options)
    : paths_(state::resolveStorePaths(options.paths, state::PathEnvironment::current())) {}

void Engine::enterUserNamespace() const {
  runtime::enterUserNamespace(paths_);
}

Engine::LoadReport Engine::load(const std::string& input) const {
  enterUserNamespace();
  image::LoadOptions options;
  options.input = input;
  options.rootless = paths_.rootless;
  const auto result = image::archivePlugin().load(paths_, options);
  LoadReport report;
  report.names = result.names;
  if (report.names.empty())
    for (const auto& id : result.imageIds)
      report.names.push_back("sha256:" + id);
  report.warnings = result.warnings;
  detail::emitImageEvent(paths_, "loadfromarchive", "", input);
  return report;
}

void Engine::unshare(const std::vector<std::string>& command) const {
  if (!paths_.rootless) throwError(Errc::InvalidArgument, "please use unshare with rootless");
  enterUserNamespace();
  // Where `berth mount` mounts: the mount namespace berth-pause holds.
  runtime::joinPauseMountNamespace(paths_);
  std::vector<std::string> argv = command;
  if (argv.empty()) {
    const char* shell = ::getenv("SHELL");
    argv.push_back(shell != nullptr && *shell != '\0' ? shell : "/bin/sh");
  }
  ::setenv("CONTAINERS_GRAPHROOT", paths_.graphRoot.c_str(), 1);
  ::setenv("CONTAINERS_RUNROOT", paths_.runRoot.c_str(), 1);
  std::vector<char*> args;
  for (auto& arg : argv)
    args.push_back(arg.data());
  args.push_back(nullptr);
  ::execvp(args[0], args.data());
  throwErrno("exec '{}'", argv[0]);
}

}  // namespace berth::engine
