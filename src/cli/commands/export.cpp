// SPDX-License-Identifier: Apache-2.0
// berth export / container export: a container's root filesystem as a tar.
#include <unistd.h>

#include "../cli.hpp"
#include "berth/base/error.hpp"

namespace berth::cli {

namespace {

struct ExportFlags {
  std::string output;
  std::vector<std::string> arguments;
};

void defineExport(Cli& cli, const std::string& path) {
  CLI::App* app = cli.addCommand(path, "Export container's filesystem contents as a tar archive");
  auto flags = std::make_shared<ExportFlags>();
  app->add_option("-o,--output", flags->output,
                  "Write to a specified file (default: stdout, which must be redirected)");
  app->add_option("container", flags->arguments, "CONTAINER");
  cli.setRun(app, [&cli, flags] {
    // Podman checks the arguments, then the terminal, then looks up.
    if (flags->arguments.size() != 1)
      throwError(Errc::InvalidArgument, "accepts 1 arg(s), received {}", flags->arguments.size());
    if (flags->output.empty() && ::isatty(STDOUT_FILENO))
      throwError(Errc::InvalidArgument, "refusing to export to terminal. Use -o flag or redirect");
    cli.engine().exportContainer(flags->arguments.front(), flags->output);
    return 0;
  });
}

}  // namespace

void addExportCommand(Cli& cli) {
  defineExport(cli, "export");
  defineExport(cli, "container export");
}

}  // namespace berth::cli
