// SPDX-License-Identifier: Apache-2.0
// berth system prune: Podman's warning, headings and reclaimed-space line.
#include <cstdio>
#include <memory>
#include <string>

#include "../cli.hpp"
#include "../output.hpp"
#include "berth/base/error.hpp"
#include "berth/format/human.hpp"

namespace berth::cli {

namespace {

// "Deleted Containers" and the ids, or nothing when none went.
std::string section(const char* heading, const engine::Engine::PruneReport& report) {
  if (report.removed.empty()) return {};
  std::string out = std::string(heading) + "\n";
  for (const auto& id : report.removed)
    out += id + "\n";
  return out;
}

void definePrune(Cli& cli) {
  CLI::App* app = cli.addCommand("system prune", "Remove unused data", false);
  auto all = std::make_shared<bool>(false);
  auto force = std::make_shared<bool>(false);
  auto volumes = std::make_shared<bool>(false);
  app->add_flag("-a,--all", *all, "Remove all unused data");
  app->add_flag("-f,--force", *force, "Do not prompt for confirmation.  The default is false");
  app->add_flag("--volumes", *volumes, "Prune volumes");
  cli.setRun(app, [&cli, all, force, volumes] {
    if (!*force) {
      std::string warning =
          "WARNING! This command removes:\n"
          "\t- all stopped containers\n"
          "\t- all networks not used by at least one container\n";
      if (*volumes) warning += "\t- all volumes not used by at least one container\n";
      warning += *all ? "\t- all images without at least one container associated with them\n"
                      : "\t- all dangling images\n";
      if (!confirmPrune(warning + "\n")) return 0;
    }
    const auto report = cli.engine().pruneSystem(*all, *volumes);
    writeStdout(section("Deleted Containers", report.containers) +
                section("Deleted Pods", report.pods) + section("Deleted Volumes", report.volumes) +
                section("Deleted Images", report.images) +
                section("Deleted Networks", report.networks) + "Total reclaimed space: " +
                format::humanSize(static_cast<double>(report.containers.reclaimedBytes +
                                                      report.volumes.reclaimedBytes +
                                                      report.images.reclaimedBytes),
                                  4) +
                "\n");
    for (const auto& error : report.containers.errors)
      std::fprintf(stderr, "Error: %s\n", error.c_str());
    return report.containers.errors.empty() ? 0 : kExitEngineError;
  });
}

}  // namespace

void addSystemCommands(Cli& cli) {
  cli.group("system", "Manage berth");
  definePrune(cli);
}

}  // namespace berth::cli
