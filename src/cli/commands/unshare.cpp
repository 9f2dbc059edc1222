// SPDX-License-Identifier: Apache-2.0
#include <cerrno>

#include "../cli.hpp"
#include "berth/base/error.hpp"

namespace berth::cli {

void addUnshareCommand(Cli& cli) {
  CLI::App* app = cli.addCommand("unshare", "Run a command in a modified user namespace",
                                 /*takesArguments=*/true);
  // Everything from the first argument on is the command's, flags included.
  app->prefix_command();
  app->fallthrough(false);
  cli.setRun(app, [&cli, app] {
    const std::vector<std::string> argv = app->remaining();
    for (const auto& token : argv) {
      if (!token.empty() && token[0] != '-') break;
      throw Error(Errc::InvalidArgument, "unknown flag: " + token.substr(0, token.find('=')));
    }
    try {
      cli.engine().unshare(argv);
    } catch (const Error& e) {
      // As Podman: a command that cannot run gives 126 or 127.
      if (e.sysErrno() == ENOENT) {
        std::fprintf(stderr, "Error: %s\n", e.what());
        return kExitCommandNotFound;
      }
      if (e.sysErrno() == EACCES || e.sysErrno() == ENOEXEC) {
        std::fprintf(stderr, "Error: %s\n", e.what());
        return kExitCannotInvoke;
      }
      throw;
    }
  });
}

}  // namespace berth::cli
