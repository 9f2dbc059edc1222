// SPDX-License-Identifier: Apache-2.0
// berth save / image save: Podman's flags and checks; the engine writes.
#include <unistd.h>

#include <set>

#include "../cli.hpp"
#include "berth/base/error.hpp"

namespace berth::cli {

namespace {

struct SaveFlags {
  engine::Engine::SaveRequest request;
  bool quiet = false;
  bool uncompressed = false;
};

void defineSave(Cli& cli, const std::string& path) {
  CLI::App* app = cli.addCommand(path, "Save image(s) to an archive");
  auto flags = std::make_shared<SaveFlags>();
  engine::Engine::SaveRequest& fields = flags->request;
  CLI::Option* compress = app->add_flag(
      "--compress", fields.compress,
      "Compress tarball image layers when saving to a directory using the 'dir' transport. "
      "(default is same compression type as source)");
  app->add_option("--format", fields.format,
                  "Save image to oci-archive, oci-dir (directory with oci manifest type), "
                  "docker-archive, docker-dir (directory with v2s2 manifest type)")
      ->capture_default_str();
  app->add_flag("-m,--multi-image-archive", fields.multiImageArchive,
                "Interpret additional arguments as images not tags and create a "
                "multi-image-archive (only for docker-archive)");
  app->add_option("-o,--output", fields.output,
                  "Write to a specified file (default: stdout, which must be redirected)");
  app->add_flag("-q,--quiet", flags->quiet, "Suppress the output");
  app->add_flag("--uncompressed", flags->uncompressed,
                "Accept uncompressed layers when copying OCI images");
  app->add_option("image", fields.images, "IMAGE [IMAGE...]");
  cli.setRun(app, [&cli, flags, compress] {
    const auto& request = flags->request;
    // Podman checks the arguments, then --compress, then the terminal.
    if (request.images.empty()) throwError(Errc::InvalidArgument, "need at least 1 argument");
    const std::set<std::string> formats{"oci-dir", "oci-archive", "docker-dir", "docker-archive"};
    if (formats.count(request.format) == 0)
      throwError(Errc::InvalidArgument,
                 "format value must be one of oci-dir oci-archive docker-dir docker-archive");
    if (compress->count() > 0 && request.format != "docker-dir")
      throwError(Errc::InvalidArgument, "--compress can only be set when --format is 'docker-dir'");
    if (request.output.empty() && ::isatty(STDOUT_FILENO))
      throwError(Errc::InvalidArgument, "refusing to save to terminal. Use -o flag or redirect");
    // save prints no progress, so --quiet changes nothing; blobs are copied
    // as stored, so --uncompressed neither.
    cli.engine().save(request);
    return 0;
  });
}

}  // namespace

void addSaveCommand(Cli& cli) {
  defineSave(cli, "save");
  defineSave(cli, "image save");
}

}  // namespace berth::cli
