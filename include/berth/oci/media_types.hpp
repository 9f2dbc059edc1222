// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string_view>

namespace berth::oci {

// OCI image spec (specs-go/v1/mediatype.go).
inline constexpr std::string_view kOciDescriptor = "application/vnd.oci.descriptor.v1+json";
inline constexpr std::string_view kOciLayoutHeader = "application/vnd.oci.layout.header.v1+json";
inline constexpr std::string_view kOciImageManifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view kOciImageIndex = "application/vnd.oci.image.index.v1+json";
inline constexpr std::string_view kOciImageConfig = "application/vnd.oci.image.config.v1+json";
inline constexpr std::string_view kOciEmptyJson = "application/vnd.oci.empty.v1+json";
inline constexpr std::string_view kOciLayer = "application/vnd.oci.image.layer.v1.tar";
inline constexpr std::string_view kOciLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip";
inline constexpr std::string_view kOciLayerZstd = "application/vnd.oci.image.layer.v1.tar+zstd";
// Deprecated by the spec (image-spec#965) but still found in the wild.
inline constexpr std::string_view kOciLayerNondistributable =
    "application/vnd.oci.image.layer.nondistributable.v1.tar";
inline constexpr std::string_view kOciLayerNondistributableGzip =
    "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip";
inline constexpr std::string_view kOciLayerNondistributableZstd =
    "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd";

// Docker image manifest v2 schema 2 (containers/image manifest/manifest.go).
inline constexpr std::string_view kDockerManifest =
    "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr std::string_view kDockerManifestList =
    "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr std::string_view kDockerManifestSchema1 =
    "application/vnd.docker.distribution.manifest.v1+json";
inline constexpr std::string_view kDockerManifestSchema1Signed =
    "application/vnd.docker.distribution.manifest.v1+prettyjws";
inline constexpr std::string_view kDockerConfig = "application/vnd.docker.container.image.v1+json";
inline constexpr std::string_view kDockerLayer =
    "application/vnd.docker.image.rootfs.diff.tar.gzip";
inline constexpr std::string_view kDockerLayerUncompressed =
    "application/vnd.docker.image.rootfs.diff.tar";
inline constexpr std::string_view kDockerForeignLayer =
    "application/vnd.docker.image.rootfs.foreign.diff.tar";
inline constexpr std::string_view kDockerForeignLayerGzip =
    "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";

/// How a layer blob is compressed.
enum class Compression { None, Gzip, Zstd };

/// True for an image manifest type (OCI or Docker v2s2), not an index.
bool isManifestMediaType(std::string_view mediaType) noexcept;
/// True for an OCI index or a Docker manifest list.
bool isIndexMediaType(std::string_view mediaType) noexcept;
/// True for an image config type (OCI or Docker).
bool isConfigMediaType(std::string_view mediaType) noexcept;
/// True for any of the layer types above (OCI, nondistributable, Docker, foreign).
bool isLayerMediaType(std::string_view mediaType) noexcept;
/// True for the nondistributable OCI layers and Docker foreign layers, which
/// registries do not serve and pushes skip.
bool isForeignLayerMediaType(std::string_view mediaType) noexcept;
/// The compression of a layer type; Compression::None for anything else.
Compression layerCompression(std::string_view mediaType) noexcept;

}  // namespace berth::oci
