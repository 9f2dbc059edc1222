// SPDX-License-Identifier: Apache-2.0
// berth import / image import: a rootfs tarball into a one-layer image.
#include "../cli.hpp"
#include "../output.hpp"
#include "berth/base/error.hpp"
#include "berth/base/log.hpp"

namespace berth::cli {

namespace {

struct ImportFlags {
  engine::Engine::ImportRequest request;
  std::vector<std::string> arguments;
  bool quiet = false;
};

void defineImport(Cli& cli, const std::string& path) {
  CLI::App* app = cli.addCommand(path, "Import a tarball to create a filesystem image");
  auto flags = std::make_shared<ImportFlags>();
  engine::Engine::ImportRequest& fields = flags->request;
  app->add_option("--arch", fields.architecture, "Set the architecture of the imported image");
  // One instruction per -c: a value may contain spaces and look like anything.
  app->add_option("-c,--change", fields.changes,
                  "Apply the following possible instructions to the created image (default []): "
                  "CMD | ENTRYPOINT | ENV | EXPOSE | LABEL | ONBUILD | STOPSIGNAL | USER | "
                  "VOLUME | WORKDIR")
      ->allow_extra_args(false);
  app->add_option("-m,--message", fields.message, "Set commit message for imported image");
  app->add_option("--os", fields.os, "Set the OS of the imported image");
  app->add_flag("-q,--quiet", flags->quiet, "Suppress output");
  app->add_option("--variant", fields.variant, "Set the variant of the imported image");
  app->add_option("path", flags->arguments, "PATH [REFERENCE]");
  cli.setRun(app, [&cli, flags] {
    auto& request = flags->request;
    const auto& args = flags->arguments;
    if (args.empty() || args.size() > 2)
      throwError(Errc::InvalidArgument, "accepts between 1 and 2 arg(s), received {}", args.size());
    request.source = args[0];
    if (args.size() > 1) request.reference = args[1];
    const auto report = cli.engine().importImage(request);
    for (const auto& warning : report.warnings)
      logWarn("{}", warning);
    // Podman prints the id even with --quiet (which hides progress only).
    writeStdout(report.id + "\n");
    return 0;
  });
}

}  // namespace

void addImportCommand(Cli& cli) {
  defineImport(cli, "import");
  defineImport(cli, "image import");
}

}  // namespace berth::cli
