// SPDX-License-Identifier: Apache-2.0
#include <unistd.h>

#include "../cli.hpp"
#include "../output.hpp"
#include "berth/base/error.hpp"
#include "berth/base/log.hpp"

namespace berth::cli {

namespace {

void defineLoad(Cli& cli, const std::string& path) {
  CLI::App* app = cli.addCommand(path, "Load image(s) from a tar archive");
  auto input = std::make_shared<std::string>();
  auto quiet = std::make_shared<bool>(false);
  app->add_option("-i,--input", *input, "Read from the specified archive file (default: stdin)");
  app->add_flag("-q,--quiet", *quiet, "Suppress the output");
  cli.setRun(app, [&cli, input, quiet] {
    if (input->empty() && ::isatty(STDIN_FILENO))
      throwError(Errc::InvalidArgument,
                 "cannot read from terminal, use command-line redirection or the --input flag");
    const auto report = cli.engine().load(*input);
    for (const auto& warning : report.warnings)
      logWarn("{}", warning);
    std::string out;
    for (const auto& name : report.names)
      out += "Loaded image: " + name + "\n";
    writeStdout(out);
    (void)quiet;  // Podman's -q only hides progress, which load does not print
    return 0;
  });
}

}  // namespace

void addLoadCommand(Cli& cli) {
  defineLoad(cli, "load");
  defineLoad(cli, "image load");
}

}  // namespace berth::cli
