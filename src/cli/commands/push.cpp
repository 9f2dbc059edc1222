// SPDX-License-Identifier: Apache-2.0
#include "../cli.hpp"
#include "../output.hpp"
#include "../progress.hpp"
#include "berth/base/error.hpp"

namespace berth::cli {

namespace {

struct PushFlags {
  RegistryFlags registry;
  bool quiet = false;
  std::string format;
  std::string compression;
  std::string digestFile;
  bool disableContentTrust = false;
};

void definePush(Cli& cli, const std::string& path) {
  CLI::App* app = cli.addCommand(path, "Push an image to a specified destination", true);
  auto flags = std::make_shared<PushFlags>();
  addRegistryFlags(app, flags->registry, true, true, true);
  app->add_option("--digestfile", flags->digestFile,
                  "Write the digest of the pushed image to the specified file");
  app->add_option("-f,--format", flags->format,
                  "Manifest type (oci or v2s2) to use in the destination (default is manifest "
                  "type of source)");
  app->add_option("--compression-format", flags->compression,
                  "compression format to use (gzip or zstd; default: as stored)");
  app->add_flag("-q,--quiet", flags->quiet, "Suppress output information when pushing images");
  app->add_flag("--disable-content-trust", flags->disableContentTrust,
                "This is a Docker specific option and is a NOOP");
  cli.setRun(app, [&cli, flags] {
    const auto& args = cli.args();
    if (args.empty() || args.size() > 2)
      throwError(Errc::InvalidArgument, "accepts between 1 and 2 arg(s), received {}", args.size());
    engine::Engine::PushRequest request;
    request.image = args[0];
    if (args.size() > 1) request.destination = args[1];
    request.format = flags->format;
    request.compression = flags->compression;
    request.digestFile = flags->digestFile;
    request.access = flags->registry.resolved();
    cli.engine().push(request, progressPrinter(flags->quiet));
    return 0;
  });
}

}  // namespace

void addPushCommand(Cli& cli) {
  definePush(cli, "push");
  definePush(cli, "image push");
}

}  // namespace berth::cli
