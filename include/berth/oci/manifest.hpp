// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "berth/base/json.hpp"
#include "berth/oci/descriptor.hpp"

namespace berth::oci {

/// An image manifest: OCI (application/vnd.oci.image.manifest.v1+json) or
/// Docker v2 schema 2, which has the same shape.
struct Manifest {
  int schemaVersion = 2;  ///< must be 2
  std::string mediaType;  ///< may be empty for OCI; set for Docker
  std::string artifactType;
  Descriptor config;               ///< required
  std::vector<Descriptor> layers;  ///< base layer first
  std::optional<Descriptor> subject;
  std::map<std::string, std::string> annotations;
  Json extra = Json::object();  ///< the document as read; unknown fields survive

  /// True when mediaType is Docker's v2 schema 2 manifest type.
  bool isDocker() const noexcept;

  /// Go order: schemaVersion, mediaType, artifactType, config, layers,
  /// subject, annotations; empty optional fields left out. Descriptors use
  /// Docker's field order when the manifest is a Docker one.
  Json toJson() const;
  /// Validates: an object, schemaVersion 2, mediaType (when present) an image
  /// manifest type, no "manifests" field (that is an index), config present,
  /// every descriptor valid. Throws Error(InvalidArgument) naming `what` and
  /// the field path, e.g. "<what>: manifest.layers[2].digest: invalid digest ...".
  static Manifest fromJson(const Json& json, std::string_view what);
};

/// An image index (OCI) or manifest list (Docker): manifests per platform.
struct Index {
  int schemaVersion = 2;
  std::string mediaType;
  std::string artifactType;
  std::vector<Descriptor> manifests;  ///< required (may be empty)
  std::optional<Descriptor> subject;
  std::map<std::string, std::string> annotations;
  Json extra = Json::object();

  /// True when mediaType is Docker's manifest list type.
  bool isDocker() const noexcept;

  /// Go order: schemaVersion, mediaType, artifactType, manifests, subject,
  /// annotations.
  Json toJson() const;
  /// Validates like Manifest::fromJson; refuses "config" and "layers" (an
  /// image manifest). Paths are "index.manifests[1].platform.os" and so on.
  static Index fromJson(const Json& json, std::string_view what);
};

}  // namespace berth::oci
