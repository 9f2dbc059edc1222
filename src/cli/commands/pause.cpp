// SPDX-License-Identifier: Apache-2.0
// berth pause / unpause (and under `container`).
#include <memory>

#include "../cli.hpp"
#include "../output.hpp"
#include "berth/base/error.hpp"

namespace berth::cli {

namespace {

void definePauseVerb(Cli& cli, const std::string& path, bool pause) {
  CLI::App* app = cli.addCommand(path,
                                 pause ? "Pause all the processes in one or more containers"
                                       : "Unpause the processes in one or more containers",
                                 true);
  auto all = std::make_shared<bool>(false);
  auto latest = std::make_shared<bool>(false);
  app->add_flag("-a,--all", *all,
                pause ? "Pause all running containers" : "Unpause all paused containers");
  app->add_flag("-l,--latest", *latest, "Act on the latest container berth is aware of");
  cli.setRun(app, [&cli, all, latest, pause] {
    std::vector<std::string> names = cli.args();
    if ((*all || *latest) && !names.empty())
      throwError(Errc::InvalidArgument, "--all, --latest and containers cannot be used together");
    if (*all) {
      for (const auto& c :
           cli.engine().listContainers(true, {pause ? "status=running" : "status=paused"}))
        names.push_back(c["Id"].get<std::string>());
    } else if (*latest) {
      const std::string id = cli.engine().latestContainer();
      if (id.empty())
        throwError(Errc::NoSuchContainer, "no containers to {}", pause ? "pause" : "unpause");
      names.push_back(id);
    } else if (names.empty()) {
      throwError(Errc::InvalidArgument, "you must provide at least one container name or id");
    }
    int code = 0;
    for (const auto& name : names) {
      try {
        if (pause)
          cli.engine().pauseContainer(name);
        else
          cli.engine().unpauseContainer(name);
        writeStdout(name + "\n");
      } catch (const Error& e) {
        std::fprintf(stderr, "Error: %s\n", e.what());
        code = kExitEngineError;
      }
    }
    return code;
  });
}

}  // namespace

void addPauseCommands(Cli& cli) {
  for (const char* path : {"pause", "container pause"})
    definePauseVerb(cli, path, true);
  for (const char* path : {"unpause", "container unpause"})
    definePauseVerb(cli, path, false);
}

}  // namespace berth::cli
