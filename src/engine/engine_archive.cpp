// SPDX-License-Identifier: Apache-2.0
// Engine::save and Engine::importImage: Podman's argument rules here, the
// work in the archive plugin (libarchive, libcrypto).
#include <cctype>

#include "berth/base/error.hpp"
#include "berth/engine/engine.hpp"
#include "berth/engine/host.hpp"
#include "berth/format/template.hpp"
#include "berth/image/archive_plugin.hpp"
#include "berth/image/change.hpp"
#include "berth/image/reference.hpp"
#include "berth/image/store.hpp"
#include "container_internal.hpp"

namespace berth::engine {

namespace {

image::SaveFormat saveFormat(const std::string& format) {
  if (format == "docker-archive") return image::SaveFormat::DockerArchive;
  if (format == "oci-archive") return image::SaveFormat::OciArchive;
  if (format == "oci-dir") return image::SaveFormat::OciDir;
  if (format == "docker-dir") return image::SaveFormat::DockerDir;
  throwError(Errc::InvalidArgument,
             "format value must be one of oci-dir oci-archive docker-dir docker-archive");
}

/// "scheme://..." as Podman's ValidWebURL sees a URL (http, https, ...).
bool looksLikeUrl(std::string_view text) {
  const auto colon = text.find("://");
  if (colon == std::string_view::npos || colon == 0) return false;
  if (std::isalpha(static_cast<unsigned char>(text.front())) == 0) return false;
  for (char c : text.substr(0, colon))
    if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '+' && c != '-' && c != '.')
      return false;
  return true;
}

}  // namespace

void Engine::save(const SaveRequest& request) const {
  if (request.images.empty()) throwError(Errc::InvalidArgument, "need at least 1 argument");
  const image::SaveFormat format = saveFormat(request.format);
  if (request.compress && format != image::SaveFormat::DockerDir)
    throwError(Errc::InvalidArgument, "--compress can only be set when --format is 'docker-dir'");
  // Podman's parse.ValidateFileName.
  if (request.output.find(':') != std::string::npos)
    throwError(Errc::InvalidArgument, "invalid filename (should not contain ':') {}",
               format::goQuote(request.output));
  if (request.output.empty() &&
      (format == image::SaveFormat::OciDir || format == image::SaveFormat::DockerDir))
    throwError(Errc::InvalidArgument, "--format {} writes a directory: name it with -o DIR",
               request.format);
  image::SaveOptions options;
  options.format = format;
  options.output = request.output;
  options.compress = request.compress;
  if (request.multiImageArchive) {
    options.images = request.images;
  } else {
    options.images = {request.images.front()};
    options.additionalTags.assign(request.images.begin() + 1, request.images.end());
  }
  if (options.images.size() > 1 && format != image::SaveFormat::DockerArchive)
    throwError(Errc::InvalidArgument,
               "unsupported format \"{}\" for saving multiple images (only docker-archive)",
               request.format);
  // No user namespace needed: the store's blobs belong to the user.
  image::archivePlugin().save(paths_, options);
  if (const auto saved = image::ImageStore(paths_).lookup(options.images.front()))
    detail::emitImageEvent(paths_, "save", saved->id(), request.output);
}

Engine::ImportReport Engine::importImage(const ImportRequest& request) const {
  if (request.source.empty())
    throwError(Errc::InvalidArgument,
               "need to give the path to the tarball, or must specify a tarball of '-' for stdin");
  if (looksLikeUrl(request.source))
    throwError(Errc::Unsupported,
               "import from a URL is not supported: {}: download it, then import the file",
               format::goQuote(request.source));
  image::ImportOptions options;
  options.source = request.source;
  options.config = image::configFromChanges(request.changes);
  if (!request.reference.empty()) {
    // Podman tags the imported image (libimage Image.Tag): NormalizeName.
    const image::Reference ref = image::parseLocalName(request.reference);
    if (ref.isDigested())
      throwError(Errc::InvalidArgument, "tag {}: tag by digest not supported", ref.str());
    options.name = ref.str();
  }
  options.message = request.message;
  options.os = request.os.empty() ? "linux" : request.os;
  options.architecture = request.architecture.empty() ? goArch() : request.architecture;
  options.variant = request.variant;
  options.rootless = paths_.rootless;
  // Extraction chowns files to ids of the image: inside the user namespace.
  enterUserNamespace();
  const auto result = image::archivePlugin().importImage(paths_, options);
  detail::emitImageEvent(paths_, "import", result.imageId, request.source);
  return ImportReport{"sha256:" + result.imageId, result.warnings};
}

}  // namespace berth::engine
