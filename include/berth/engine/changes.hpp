// SPDX-License-Identifier: Apache-2.0
// The changes of an overlay upper dir against its lower layers, as
// containers/storage's OverlayChanges computes them (`podman diff`).
#pragma once

#include <string>
#include <vector>

namespace berth::engine {

/// One change: 'A' added, 'C' changed, 'D' deleted, and the absolute path.
struct LayerChange {
  char kind = 'C';
  std::string path;
};

/// Walks `upperDir` in lexical order (a directory before its contents) and
/// reports, as containers/storage does: a whiteout (a 0/0 character device)
/// or an opaque directory (`opaqueXattr` = "y") as 'D'; a path that exists
/// in one of `lowerDirs` (top first) as 'C', unless both are directories
/// with the same size, mode and mtime (not reported); anything else as
/// 'A'; and the parent directory of an addition or deletion as 'C' the
/// first time, unless the walk already saw it as a directory. Throws Error
/// naming a path that cannot be read.
std::vector<LayerChange> overlayChanges(const std::string& upperDir,
                                        const std::vector<std::string>& lowerDirs,
                                        const std::string& opaqueXattr);

}  // namespace berth::engine
