// SPDX-License-Identifier: Apache-2.0
// berth healthcheck run: Podman's command and exit codes (0 healthy; 1 and
// "unhealthy" printed when the check failed).
#include "../cli.hpp"
#include "../output.hpp"
#include "berth/base/error.hpp"

namespace berth::cli {

void addHealthcheckCommand(Cli& cli) {
  cli.group("healthcheck", "Manage health checks on containers");
  CLI::App* app = cli.addCommand("healthcheck run", "Run the health check of a container", true);
  cli.setRun(app, [&cli] {
    const auto& args = cli.args();
    if (args.size() != 1)
      throwError(Errc::InvalidArgument, "accepts 1 arg(s), received {}", args.size());
    const auto report = cli.engine().runHealthCheck(args[0]);
    if (report.passed) return 0;
    writeStdout("unhealthy\n");
    return 1;
  });
}

}  // namespace berth::cli
