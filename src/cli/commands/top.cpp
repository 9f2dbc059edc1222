// SPDX-License-Identifier: Apache-2.0
// berth top / container top: the processes of a running container.
#include "../cli.hpp"
#include "../output.hpp"
#include "berth/base/error.hpp"
#include "berth/format/tabwriter.hpp"

namespace berth::cli {

namespace {

struct TopFlags {
  bool latest = false;
};

void defineTop(Cli& cli, const std::string& path) {
  CLI::App* app = cli.addCommand(path, "Display the running processes of a container",
                                 /*takesArguments=*/true);
  auto flags = std::make_shared<TopFlags>();
  app->add_flag("-l,--latest", flags->latest, "Act on the latest container berth is aware of");
  // Everything from the container on is the command's: descriptors, and
  // ps(1) options ("-eo"), which are refused as unknown descriptors.
  app->prefix_command();
  app->fallthrough(false);
  cli.setRun(app, [&cli, flags, app] {
    std::vector<std::string> arguments = app->remaining();
    std::string name;
    if (flags->latest) {
      name = cli.engine().latestContainer();
      if (name.empty())
        throwError(Errc::NoSuchContainer, "no containers to top: no such container");
    } else {
      if (arguments.empty())
        throwError(Errc::InvalidArgument, "you must provide the name or id of a running container");
      name = arguments.front();
      arguments.erase(arguments.begin());
    }
    const auto rows = cli.engine().containerTop(name, arguments);
    format::TabWriter writer;
    for (const auto& row : rows) {
      std::string line;
      for (std::size_t i = 0; i < row.size(); ++i)
        line += (i == 0 ? "" : "\t") + row[i];
      writer.write(line + "\n");
    }
    writeStdout(writer.take());
    return 0;
  });
}

}  // namespace

void addTopCommand(Cli& cli) {
  defineTop(cli, "top");
  defineTop(cli, "container top");
}

}  // namespace berth::cli
