// SPDX-License-Identifier: Apache-2.0
#include "berth/oci/media_types.hpp"

namespace berth::oci {

bool isManifestMediaType(std::string_view mediaType) noexcept {
  return mediaType == kOciImageManifest || mediaType == kDockerManifest;
}

bool isIndexMediaType(std::string_view mediaType) noexcept {
  return mediaType == kOciImageIndex || mediaType == kDockerManifestList;
}

bool isConfigMediaType(std::string_view mediaType) noexcept {
  return mediaType == kOciImageConfig || mediaType == kDockerConfig;
}

bool isLayerMediaType(std::string_view mediaType) noexcept {
  return mediaType == kOciLayer || mediaType == kOciLayerGzip || mediaType == kOciLayerZstd ||
         isForeignLayerMediaType(mediaType) || mediaType == kDockerLayer ||
         mediaType == kDockerLayerUncompressed;
}

bool isForeignLayerMediaType(std::string_view mediaType) noexcept {
  return mediaType == kOciLayerNondistributable || mediaType == kOciLayerNondistributableGzip ||
         mediaType == kOciLayerNondistributableZstd || mediaType == kDockerForeignLayer ||
         mediaType == kDockerForeignLayerGzip;
}

Compression layerCompression(std::string_view mediaType) noexcept {
  if (mediaType == kOciLayerGzip || mediaType == kOciLayerNondistributableGzip ||
      mediaType == kDockerLayer || mediaType == kDockerForeignLayerGzip)
    return Compression::Gzip;
  if (mediaType == kOciLayerZstd || mediaType == kOciLayerNondistributableZstd)
    return Compression::Zstd;
  return Compression::None;
}

}  // namespace berth::oci
