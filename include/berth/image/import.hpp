// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <vector>

#include "berth/image/store.hpp"
#include "berth/oci/image_config.hpp"

namespace berth::image {

struct ImportOptions {
  std::string source;        ///< a file path; "-" reads standard input
  std::string name;          ///< a full reference (parseLocalName'd) or "" for an unnamed image
  oci::RunConfig config;     ///< from --change (configFromChanges)
  std::string message;       ///< the history comment; "" gives "imported from tarball"
  std::string os;            ///< required ("linux")
  std::string architecture;  ///< required (the host's GOARCH unless --arch)
  std::string variant;
  bool rootless = false;
};

struct ImportResult {
  std::string imageId;  ///< 64 hex
  std::vector<std::string> warnings;
};

/// `berth import`: a root file system tarball (plain or compressed, as
/// libarchive detects) becomes a one-layer image, as Podman's tarball
/// transport builds it: the layer is stored uncompressed (its digest is its
/// diff id) and extracted (extractLayer: hostile entries refused); the
/// config has the host's platform, `created` = the file's mtime (now for
/// standard input), the --change settings and one history entry
/// {created, created_by "/bin/sh -c #(nop) ADD file:<diffid hex> in /",
/// comment}; so the image id equals Podman's for the same file. The image
/// is listed last, under the writers lock: a failure leaves nothing.
/// Throws Error(InvalidArgument) naming the source for a missing file,
/// a non-tar input or a hostile entry.
ImportResult importImage(const ImageStore& store, const ImportOptions& options);

/// The config of an imported image (pure; import's bytes are
/// oci::encodeJson of its toJson()).
oci::ImageConfig importConfig(const ImportOptions& options, const std::string& created,
                              const std::string& diffId);

}  // namespace berth::image
