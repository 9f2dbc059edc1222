// SPDX-License-Identifier: Apache-2.0
// berth diff / container diff: a container's changes against its image.
#include "../cli.hpp"
#include "../output.hpp"
#include "berth/base/error.hpp"
#include "berth/format/report.hpp"

namespace berth::cli {

namespace {

struct DiffFlags {
  std::string format;
  bool latest = false;
  std::vector<std::string> arguments;
};

void defineDiff(Cli& cli, const std::string& path, const std::string& description) {
  CLI::App* app = cli.addCommand(path, description);
  auto flags = std::make_shared<DiffFlags>();
  app->add_option("--format", flags->format, "Change the output format (json)");
  app->add_flag("-l,--latest", flags->latest, "Act on the latest container berth is aware of");
  app->add_option("container", flags->arguments, "CONTAINER");
  cli.setRun(app, [&cli, flags] {
    std::string name;
    if (flags->latest) {
      if (!flags->arguments.empty())
        throwError(Errc::InvalidArgument, "--latest and containers cannot be used together");
      name = cli.engine().latestContainer();
      if (name.empty())
        throwError(Errc::NoSuchContainer, "no containers to diff: no such container");
    } else {
      if (flags->arguments.size() != 1)
        throwError(Errc::InvalidArgument, "requires exactly 1 arg(s), only received {}",
                   flags->arguments.size());
      name = flags->arguments.front();
    }
    if (!flags->format.empty() && flags->format != "json")
      throwError(Errc::InvalidArgument, "only supported value for '--format' is 'json'");
    const auto changes = cli.engine().containerChanges(name);
    if (flags->format == "json") {
      // Podman's ChangesReportJSON: empty lists are left out.
      Json changed = Json::array(), added = Json::array(), deleted = Json::array();
      for (const auto& change : changes)
        (change.kind == 'A'   ? added
         : change.kind == 'D' ? deleted
                              : changed)
            .push_back(change.path);
      Json report = Json::object();
      if (!changed.empty()) report["changed"] = changed;
      if (!added.empty()) report["added"] = added;
      if (!deleted.empty()) report["deleted"] = deleted;
      writeStdout(format::marshalJson(report) + "\n");
      return 0;
    }
    std::string out;
    for (const auto& change : changes)
      out += std::string(1, change.kind) + " " + change.path + "\n";
    writeStdout(out);
    return 0;
  });
}

}  // namespace

void addDiffCommand(Cli& cli) {
  defineDiff(cli, "diff", "Display the changes to the object's file system");
  defineDiff(cli, "container diff", "Inspect changes to the container's file systems");
}

}  // namespace berth::cli
