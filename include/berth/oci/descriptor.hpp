// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "berth/base/json.hpp"
#include "berth/oci/digest.hpp"

namespace berth::oci {

class JsonReader;

/// The annotation naming a tag in an OCI layout's index.json.
inline constexpr std::string_view kAnnotationRefName = "org.opencontainers.image.ref.name";
/// The annotation holding an image's creation time (RFC 3339).
inline constexpr std::string_view kAnnotationCreated = "org.opencontainers.image.created";

/// Field order when a descriptor is written from scratch: the OCI one
/// (mediaType, digest, size, ...) or Docker schema 2's (mediaType, size,
/// digest, urls). Fields of a descriptor that was read keep their place.
enum class DescriptorStyle { Oci, Docker };

/// The platform of an index entry (OCI Platform, Docker Schema2PlatformSpec).
struct Platform {
  std::string architecture;             ///< required: "amd64", "arm64", ...
  std::string os;                       ///< required: "linux"
  std::string osVersion;                ///< "os.version"
  std::vector<std::string> osFeatures;  ///< "os.features"
  std::string variant;                  ///< "v8" for arm64, ...
  Json extra = Json::object();          ///< the object as read; unknown fields ("features") survive

  /// Fields in Go order: architecture, os, os.version, os.features, variant.
  Json toJson() const;
  /// Requires architecture and os. Throws Error(InvalidArgument) naming the path.
  static Platform fromJson(const JsonReader& reader);

  bool operator==(const Platform& other) const;
};

/// A content descriptor: what a manifest, index or archive says about a blob.
struct Descriptor {
  std::string mediaType;  ///< required
  Digest digest;          ///< required, validated
  std::int64_t size = 0;  ///< required, >= 0
  std::vector<std::string> urls;
  std::map<std::string, std::string> annotations;
  std::optional<Platform> platform;  ///< index entries only
  std::string artifactType;          ///< OCI 1.1
  Json extra = Json::object();       ///< the object as read ("data" and unknown fields)

  /// OCI order: mediaType, digest, size, urls, annotations, [data], platform,
  /// artifactType; Docker order: mediaType, size, digest, urls, annotations, platform.
  /// Empty optional fields are left out (omitempty).
  Json toJson(DescriptorStyle style = DescriptorStyle::Oci) const;
  /// Validates mediaType (a non-empty string), digest and size (an integer
  /// >= 0). Throws Error(InvalidArgument) "<what>: <path>.digest: ...".
  static Descriptor fromJson(const JsonReader& reader);
  /// Convenience: parses `json` as a descriptor whose path is `path`.
  static Descriptor fromJson(const Json& json, std::string_view what,
                             std::string_view path = "descriptor");

  /// Compares the modelled fields (not `extra`).
  bool operator==(const Descriptor& other) const;
};

}  // namespace berth::oci
