// SPDX-License-Identifier: Apache-2.0
#include "../cli.hpp"
#include "../output.hpp"
#include "../progress.hpp"
#include "berth/base/error.hpp"
#include "berth/base/log.hpp"

namespace berth::cli {

namespace {

struct PullFlags {
  RegistryFlags registry;
  bool quiet = false;
  std::string platform;
  std::string os;
  std::string arch;
  std::string variant;
  bool disableContentTrust = false;
  bool allTags = false;
};

void definePull(Cli& cli, const std::string& path) {
  CLI::App* app = cli.addCommand(path, "Pull an image from a registry", true);
  auto flags = std::make_shared<PullFlags>();
  addRegistryFlags(app, flags->registry, true, true, true);
  app->add_option("--arch", flags->arch,
                  "Use ARCH instead of the architecture of the machine for choosing images");
  app->add_option("--os", flags->os, "Use OS instead of the running OS for choosing images");
  app->add_option("--platform", flags->platform,
                  "Specify the platform for selecting the image.  (Conflicts with arch and os)");
  app->add_option("--variant", flags->variant,
                  "Use VARIANT instead of the running architecture variant for choosing images");
  app->add_flag("-q,--quiet", flags->quiet, "Suppress output information when pulling images");
  app->add_flag("-a,--all-tags", flags->allTags,
                "All tagged images in the repository will be pulled");
  app->add_flag("--disable-content-trust", flags->disableContentTrust,
                "This is a Docker specific option and is a NOOP");
  cli.setRun(app, [&cli, flags] {
    if (cli.args().empty())
      throwError(Errc::InvalidArgument, "requires at least 1 arg(s), only received 0");
    const auto progress = progressPrinter(flags->quiet);
    for (const auto& image : cli.args()) {
      engine::Engine::PullRequest request;
      request.image = image;
      request.access = flags->registry.resolved();
      request.platform = flags->platform;
      request.os = flags->os;
      request.arch = flags->arch;
      request.variant = flags->variant;
      const auto reports = flags->allTags ? cli.engine().pullAllTags(request, progress)
                                          : std::vector{cli.engine().pull(request, progress)};
      for (const auto& report : reports) {
        for (const auto& warning : report.warnings)
          logWarn("{}", warning);
        writeStdout(report.imageId + "\n");
      }
    }
    return 0;
  });
}

}  // namespace

void addPullCommand(Cli& cli) {
  definePull(cli, "pull");
  definePull(cli, "image pull");
}

}  // namespace berth::cli
