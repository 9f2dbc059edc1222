// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "berth/base/json.hpp"
#include "berth/oci/descriptor.hpp"
#include "berth/oci/digest.hpp"

namespace berth::oci {

/// One image of a docker-archive (`docker save`, `podman save --format
/// docker-archive`): an element of the top-level manifest.json array
/// (containers/image docker/internal/tarfile ManifestItem).
struct DockerArchiveImage {
  std::string config;                         ///< "Config": the config blob's path in the archive
  std::vector<std::string> repoTags;          ///< "RepoTags": "docker.io/library/busybox:latest"
  std::vector<std::string> layers;            ///< "Layers": layer tar paths, base first
  std::string parent;                         ///< "Parent": legacy image id, usually empty
  std::map<Digest, Descriptor> layerSources;  ///< "LayerSources": foreign layers
  Json extra = Json::object();

  /// Go order: Config, RepoTags (always, [] when none), Layers, Parent and
  /// LayerSources (left out when empty); layer sources in Docker descriptor order.
  Json toJson() const;
};

/// Parses manifest.json: an array of images, each with a Config path and
/// Layers paths that are relative and stay inside the archive (no "..", not
/// absolute). Throws Error(InvalidArgument) "<what>: manifest[0].Layers[1]: ...".
std::vector<DockerArchiveImage> parseDockerArchiveManifest(const Json& json, std::string_view what);

/// The manifest.json array for `images`.
Json dockerArchiveManifestToJson(const std::vector<DockerArchiveImage>& images);

/// The legacy `repositories` file: repository -> tag -> top layer id.
using DockerRepositories = std::map<std::string, std::map<std::string, std::string>>;

/// Parses a `repositories` file. Throws Error(InvalidArgument) naming `what`.
DockerRepositories parseDockerRepositories(const Json& json, std::string_view what);

/// The `repositories` object (keys sorted, as Go writes maps).
Json dockerRepositoriesToJson(const DockerRepositories& repositories);

/// True for a path an archive entry may be read from: not empty, relative,
/// and with no ".." component.
bool isSafeArchivePath(std::string_view path) noexcept;

}  // namespace berth::oci
