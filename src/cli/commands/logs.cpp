// SPDX-License-Identifier: Apache-2.0
// berth logs / container logs: the k8s-file log, stdout and stderr kept apart.
#include <unistd.h>

#include <cstdio>
#include <memory>

#include "../cli.hpp"
#include "../output.hpp"
#include "berth/base/error.hpp"
#include "berth/base/fs.hpp"
#include "berth/format/human.hpp"
#include "berth/state/container_log.hpp"

namespace berth::cli {

namespace {

struct LogsFlags {
  bool follow = false;
  bool timestamps = false;
  bool names = false;
  bool latest = false;
  std::string since;
  std::string until;
  std::string tail = "-1";
};

void print(const state::LogLine& line, const LogsFlags& flags, const std::string& prefix) {
  const auto rendered = state::renderLogLine(line, flags.timestamps, prefix);
  const int fd = rendered.stream == state::LogStream::Stdout ? 1 : 2;
  try {
    writeAll(fd, rendered.text, fd == 1 ? "stdout" : "stderr");
  } catch (const Error&) {
  }
}

bool running(Cli& cli, const std::string& id) {
  return !cli.engine().listContainers(false, {"id=" + id, "status=running"}).empty();
}

int runLogs(Cli& cli, const LogsFlags& flags) {
  std::vector<std::string> names = cli.args();
  if (flags.latest) {
    if (!names.empty())
      throwError(Errc::InvalidArgument, "--latest and containers cannot be used together");
    names.push_back(cli.engine().latestContainer());
  }
  if (names.empty())
    throwError(Errc::InvalidArgument, "specify at least one container name or ID to log");
  state::LogReadOptions options;
  if (!flags.since.empty()) options.sinceNs = format::parseTimeFlag(flags.since, "--since");
  if (!flags.until.empty()) options.untilNs = format::parseTimeFlag(flags.until, "--until");
  try {
    options.tail = std::stoll(flags.tail);
  } catch (const std::exception&) {
    throwError(Errc::InvalidArgument, "invalid argument \"{}\" for \"-n, --tail\" flag",
               flags.tail);
  }
  std::vector<engine::Engine::LogSource> sources;
  for (const auto& name : names)
    sources.push_back(cli.engine().containerLog(name));
  for (const auto& source : sources)
    if (source.driver == "none")
      throwError(Errc::InvalidArgument,
                 "this container is using the 'none' log driver, cannot read logs: this container "
                 "is not logging output");
  const bool prefix = flags.names || sources.size() > 1;
  for (const auto& source : sources) {
    const std::string label = prefix ? (flags.names ? source.name : source.id.substr(0, 12)) : "";
    if (!flags.follow) {
      for (const auto& line : state::readLog(source.path, options).lines)
        print(line, flags, label);
      continue;
    }
    // Follow: read what is there, then new records until the container has
    // exited and everything it wrote is printed.
    state::LogReadOptions first = options;
    first.includeOpenLines = false;
    auto result = state::readLog(source.path, first);
    for (const auto& line : result.lines)
      print(line, flags, label);
    state::LogCursor cursor = result.cursor;
    state::LogReadOptions more = options;
    more.tail = -1;
    more.includeOpenLines = false;
    for (;;) {
      const bool alive = running(cli, source.id);
      if (!alive) more.includeOpenLines = true;
      result = state::readLog(source.path, more, cursor);
      for (const auto& line : result.lines)
        print(line, flags, label);
      cursor = result.cursor;
      if (!alive) break;
      ::usleep(100000);
    }
  }
  return 0;
}

void defineLogs(Cli& cli, const std::string& path) {
  CLI::App* app = cli.addCommand(path, "Fetch the logs of one or more containers", true);
  auto flags = std::make_shared<LogsFlags>();
  app->add_flag("-f,--follow", flags->follow, "Follow log output");
  app->add_flag("-t,--timestamps", flags->timestamps, "Output the timestamps in the log");
  app->add_flag("--names", flags->names, "Output the container name in the log");
  app->add_flag("-l,--latest", flags->latest, "Act on the latest container berth is aware of");
  app->add_option("--since", flags->since, "Show logs since TIMESTAMP");
  app->add_option("--until", flags->until, "Show logs until TIMESTAMP");
  app->add_option("-n,--tail", flags->tail,
                  "Output the specified number of LINES at the end of the logs");
  cli.setRun(app, [&cli, flags] { return runLogs(cli, *flags); });
}

}  // namespace

void addLogsCommand(Cli& cli) {
  defineLogs(cli, "logs");
  defineLogs(cli, "container logs");
}

}  // namespace berth::cli
