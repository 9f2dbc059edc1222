// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace berth::image {

struct ExtractOptions {
  /// Rootless: opaque directories get `user.overlay.opaque` (overlay is
  /// mounted with userxattr) instead of `trusted.overlay.opaque`, and device
  /// nodes, which cannot be created in a user namespace, are skipped with a
  /// warning (as Podman does) instead of created.
  bool rootless = false;
};

struct ExtractResult {
  std::string diffId;  ///< sha256 of the uncompressed tar stream
  std::uint64_t uncompressedSize = 0;
  std::vector<std::string> warnings;  ///< one line each, e.g. a skipped device
};

/// Extracts the layer tar at `blobPath` (plain, gzip, zstd, ...: detected)
/// into the existing directory `dir`, as overlayfs wants a layer: `.wh.NAME`
/// becomes a 0/0 character device NAME, `.wh..wh..opq` an opaque-directory
/// xattr on its parent; whiteout files never appear themselves.
///
/// Hostile input is rejected with Error(InvalidArgument) naming the entry:
/// absolute paths, `..` components, entries below a symlink, hard links to
/// a path outside the layer or not yet extracted, truncated or corrupt data.
/// Nothing is ever written outside `dir`: every path is resolved component
/// by component from a directory fd, refusing symlinks. The caller removes
/// `dir` on failure. Ownership is applied as in the tar (lchown); in a user
/// namespace, an id outside the mapping fails with an error naming the file
/// and the id.
ExtractResult extractLayer(const std::string& blobPath, const std::string& dir,
                           const ExtractOptions& options);

/// Reads up to `size` bytes of a layer into `buffer`: the count read, 0 at
/// its end, -1 on a failure.
using LayerReader = std::function<long(void* buffer, std::size_t size)>;

/// extractLayer from a stream: the layer is read with `read` (for instance
/// from a blob file that is still downloading) up to its end; `what` names
/// it in messages. The caller verifies the compressed digest itself.
ExtractResult extractLayerStream(const LayerReader& read, std::string_view what,
                                 const std::string& dir, const ExtractOptions& options);

}  // namespace berth::image
