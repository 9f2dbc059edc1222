// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <vector>

#include "berth/base/json.hpp"
#include "berth/image/store.hpp"

namespace berth::image {

/// What `berth save --format` writes.
enum class SaveFormat {
  DockerArchive,  ///< `docker save` tar: manifest.json, <config>.json, <diffid>.tar, repositories
  OciArchive,     ///< a tar of an OCI image layout
  OciDir,         ///< an OCI image layout directory
  DockerDir,      ///< containers/image `dir:` with a Docker v2s2 manifest
};

struct SaveOptions {
  SaveFormat format = SaveFormat::DockerArchive;
  /// Images as the user named them (looked up as Podman does). Only a
  /// docker-archive holds more than one.
  std::vector<std::string> images;
  /// docker-archive: more RepoTags for the (single) image, normalized as
  /// Podman's NormalizeName (names that do not parse are skipped, as Podman
  /// does; a digested one is an error).
  std::vector<std::string> additionalTags;
  /// A file (archives) or directory (oci-dir, docker-dir); "" writes the
  /// archive to standard output.
  std::string output;
  /// docker-dir: gzip layers that are stored uncompressed (or zstd).
  bool compress = false;
};

/// `berth save`. Reads the store under its shared writers lock (prune waits)
/// and verifies every blob it copies against its digest (layers written
/// uncompressed against their diff id).
///
/// docker-archive, as Podman 4.3 writes it: each layer once as an
/// uncompressed <diffid-hex>.tar, the config as <config-hex>.json, Docker's
/// legacy <id>/{VERSION,json,layer.tar} entries, then manifest.json
/// (Config, RepoTags, Layers) and `repositories`. RepoTags come from the
/// name the image was looked up by ("busybox" -> localhost/busybox:latest
/// when that is the image found); an image named by id gets none.
/// oci-archive / oci-dir: blobs as stored, the manifest as stored (a Docker
/// one converted to OCI), index.json with the looked-up name as
/// org.opencontainers.image.ref.name. An existing oci-dir layout gets the
/// image added (an entry with the same name is replaced).
/// docker-dir: a `dir:` directory; an existing one is replaced only when it
/// is empty or a `dir:` directory.
///
/// Files and directories appear atomically: written under a temporary name
/// beside the target, fsynced, renamed; a failure removes them. Errors:
/// Error(NoSuchImage) "NAME: image not known", Error(InvalidArgument) for a
/// bad output path, Error for a corrupt blob naming its digest.
void saveImages(const ImageStore& store, const SaveOptions& options);

/// Docker's legacy per-layer metadata in a docker-archive, as
/// containers/image computes it: one entry per layer, bottom first. `json`
/// is the <id>/json content (the top layer's carries the config's
/// architecture, config, container, container_config, created,
/// docker_version and os; every layer its parent); `id` is the sha256 of
/// that JSON with the layer's chain id added as "layer_id".
struct LegacyLayer {
  std::string id;  ///< 64 hex
  std::string json;
};
std::vector<LegacyLayer> dockerLegacyLayers(const Json& config,
                                            const std::vector<std::string>& diffIds);

}  // namespace berth::image
