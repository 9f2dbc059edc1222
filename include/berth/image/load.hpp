// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <vector>

#include "berth/image/store.hpp"

namespace berth::image {

struct LoadOptions {
  std::string input;  ///< a file path; "" or "-" reads standard input
  bool rootless = false;
};

struct LoadResult {
  std::vector<std::string> names;     ///< full references of the loaded images
  std::vector<std::string> imageIds;  ///< 64-hex ids, one per image
  std::vector<std::string> warnings;
};

/// `berth load`: reads a docker-archive (manifest.json) or an oci-archive
/// (index.json + oci-layout), plain or compressed (gzip, zstd, ... as
/// libarchive detects), verifies every blob's digest and every layer's diff
/// id against the config, extracts the layers it does not have, and only
/// then lists the images in index.json. On any error nothing new is visible
/// and temporary files are removed; Error(InvalidArgument) names the bad
/// entry. Layers are extracted in parallel (up to the number of CPUs).
LoadResult loadArchive(const ImageStore& store, const LoadOptions& options);

}  // namespace berth::image
