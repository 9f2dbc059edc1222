// SPDX-License-Identifier: Apache-2.0
#include "log_printer.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>

#include "berth/base/error.hpp"
#include "berth/base/fs.hpp"
#include "berth/format/human.hpp"
#include "cli.hpp"

namespace berth::cli {

namespace {

// Podman's log colors (libpod/logs getColor), by the container's place in
// the list.
constexpr std::array<std::string_view, 7> kColors = {"\033[37m", "\033[31m", "\033[33m", "\033[34m",
                                                     "\033[35m", "\033[36m", "\033[32m"};
constexpr std::string_view kColorReset = "\033[0m";

// One container being printed.
struct Source {
  const engine::Engine::LogSource* log = nullptr;
  std::string prefix;
  std::string_view color;
  state::LogCursor cursor;
  bool done = false;
};

// A line with the container it came from.
struct Tagged {
  state::LogLine line;
  const Source* source = nullptr;
};

void print(const Tagged& tagged, const LogPrintOptions& options) {
  auto rendered = state::renderLogLine(tagged.line, options.timestamps, tagged.source->prefix);
  if (!tagged.source->color.empty()) {
    // Podman colors the prefix and the content; the newline comes after the
    // reset.
    std::string& text = rendered.text;
    const bool newline = !text.empty() && text.back() == '\n';
    if (newline) text.pop_back();
    text = std::string(tagged.source->color) + text + std::string(kColorReset);
    if (newline) text += '\n';
  }
  const int fd = rendered.stream == state::LogStream::Stdout ? 1 : 2;
  try {
    writeAll(fd, rendered.text, fd == 1 ? "stdout" : "stderr");
  } catch (const Error&) {
  }
}

// Prints lines of several containers in time order (stable: a container's
// own lines keep their order).
void printMerged(std::vector<Tagged>& lines, const LogPrintOptions& options) {
  std::stable_sort(lines.begin(), lines.end(),
                   [](const Tagged& a, const Tagged& b) { return a.line.timeNs < b.line.timeNs; });
  for (const auto& tagged : lines)
    print(tagged, options);
  lines.clear();
}

void collect(Source& source, const state::LogReadOptions& read, std::vector<Tagged>& out) {
  auto result = state::readLog(source.log->path, read, source.cursor);
  for (auto& line : result.lines)
    out.push_back({std::move(line), &source});
  source.cursor = result.cursor;
}

bool running(Cli& cli, const std::string& id) {
  return !cli.engine().listContainers(false, {"id=" + id, "status=running"}).empty();
}

}  // namespace

void addLogFlags(CLI::App* app, LogFlags& flags, const std::string& namesHelp,
                 const std::string& colorHelp) {
  app->add_flag("-f,--follow", flags.follow, "Follow log output");
  app->add_flag("-t,--timestamps", flags.timestamps, "Output the timestamps in the log");
  app->add_flag("--names", flags.names, namesHelp);
  app->add_flag("--color", flags.color, colorHelp);
  app->add_option("--since", flags.since, "Show logs since TIMESTAMP");
  app->add_option("--until", flags.until, "Show logs until TIMESTAMP");
  app->add_option("-n,--tail", flags.tail,
                  "Output the specified number of LINES at the end of the logs");
}

LogPrintOptions logPrintOptions(const LogFlags& flags) {
  LogPrintOptions options;
  if (!flags.since.empty()) options.read.sinceNs = format::parseTimeFlag(flags.since, "--since");
  if (!flags.until.empty()) options.read.untilNs = format::parseTimeFlag(flags.until, "--until");
  try {
    std::size_t used = 0;
    options.read.tail = std::stoll(flags.tail, &used);
    if (used != flags.tail.size()) throw std::invalid_argument(flags.tail);
  } catch (const std::exception&) {
    throwError(Errc::InvalidArgument, "invalid argument \"{}\" for \"-n, --tail\" flag",
               flags.tail);
  }
  options.follow = flags.follow;
  options.timestamps = flags.timestamps;
  options.names = flags.names;
  options.color = flags.color;
  return options;
}

void printLogs(Cli& cli, const std::vector<engine::Engine::LogSource>& logs,
               const LogPrintOptions& options) {
  for (const auto& log : logs)
    if (log.driver == "none")
      throwError(Errc::InvalidArgument,
                 "this container is using the 'none' log driver, cannot read logs: this container "
                 "is not logging output");
  std::vector<Source> sources(logs.size());
  for (std::size_t i = 0; i < logs.size(); ++i) {
    sources[i].log = &logs[i];
    if (options.prefix) sources[i].prefix = options.names ? logs[i].name : logs[i].id.substr(0, 12);
    if (options.color) sources[i].color = kColors[i % kColors.size()];
  }
  std::vector<Tagged> lines;
  // Follow: lines not yet ended stay in the cursor, to be ended by what the
  // container writes next.
  state::LogReadOptions first = options.read;
  first.includeOpenLines = !options.follow;
  for (auto& source : sources)
    collect(source, first, lines);
  printMerged(lines, options);
  if (!options.follow) return;
  // Then new records of every container, until each has exited and
  // everything it wrote is printed.
  state::LogReadOptions more = options.read;
  more.tail = -1;
  for (;;) {
    bool any = false;
    for (auto& source : sources) {
      if (source.done) continue;
      const bool alive = running(cli, source.log->id);
      more.includeOpenLines = !alive;
      collect(source, more, lines);
      source.done = !alive;
      any = any || alive;
    }
    printMerged(lines, options);
    if (!any) return;
    ::usleep(100000);
  }
}

}  // namespace berth::cli
