// SPDX-License-Identifier: Apache-2.0
// berth logs / container logs: the k8s-file log, stdout and stderr kept apart.
#include <memory>

#include "../cli.hpp"
#include "../log_printer.hpp"
#include "berth/base/error.hpp"

namespace berth::cli {

namespace {

struct LogsFlags : LogFlags {
  bool latest = false;
};

int runLogs(Cli& cli, const LogsFlags& flags) {
  std::vector<std::string> names = cli.args();
  if (flags.latest) {
    if (!names.empty())
      throwError(Errc::InvalidArgument, "--latest and containers cannot be used together");
    names.push_back(cli.engine().latestContainer());
  }
  if (names.empty())
    throwError(Errc::InvalidArgument, "specify at least one container name or ID to log");
  LogPrintOptions options = logPrintOptions(flags);
  std::vector<engine::Engine::LogSource> sources;
  for (const auto& name : names)
    sources.push_back(cli.engine().containerLog(name));
  options.prefix = flags.names || sources.size() > 1;
  printLogs(cli, sources, options);
  return 0;
}

void defineLogs(Cli& cli, const std::string& path) {
  CLI::App* app = cli.addCommand(path, "Fetch the logs of one or more containers", true);
  auto flags = std::make_shared<LogsFlags>();
  addLogFlags(app, *flags, "Output the container name in the log",
              "Output the containers with different colors in the log");
  app->add_flag("-l,--latest", flags->latest, "Act on the latest container berth is aware of");
  cli.setRun(app, [&cli, flags] { return runLogs(cli, *flags); });
}

}  // namespace

void addLogsCommand(Cli& cli) {
  defineLogs(cli, "logs");
  defineLogs(cli, "container logs");
}

}  // namespace berth::cli
