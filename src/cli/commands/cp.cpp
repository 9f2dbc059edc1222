// SPDX-License-Identifier: Apache-2.0
// berth cp / container cp: files between a container and the host.
#include "../cli.hpp"
#include "berth/base/error.hpp"

namespace berth::cli {

namespace {

struct CopyFlags {
  bool archive = true;
  bool overwrite = false;
  std::vector<std::string> arguments;
};

void defineCopy(Cli& cli, const std::string& path) {
  CLI::App* app =
      cli.addCommand(path, "Copy files/folders between a container and the local filesystem");
  auto flags = std::make_shared<CopyFlags>();
  app->add_flag("-a,--archive", flags->archive,
                "Chown copied files to the primary uid/gid of the destination container.")
      ->default_str("true");
  app->add_flag("--overwrite", flags->overwrite,
                "Allow to overwrite directories with non-directories and vice versa");
  app->add_option("paths", flags->arguments, "[CONTAINER:]SRC_PATH [CONTAINER:]DEST_PATH");
  cli.setRun(app, [&cli, flags] {
    if (flags->arguments.size() != 2)
      throwError(Errc::InvalidArgument, "accepts 2 arg(s), received {}", flags->arguments.size());
    engine::Engine::CopyRequest request;
    request.source = flags->arguments[0];
    request.destination = flags->arguments[1];
    request.archive = flags->archive;
    request.overwrite = flags->overwrite;
    cli.engine().copyFiles(request);
    return 0;
  });
}

}  // namespace

void addCopyCommand(Cli& cli) {
  defineCopy(cli, "cp");
  defineCopy(cli, "container cp");
}

}  // namespace berth::cli
