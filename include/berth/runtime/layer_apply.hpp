// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <vector>

namespace berth::runtime {

/// Copies extracted layers (overlay's format: a 0/0 character device is a
/// whiteout, a directory with trusted.overlay.opaque or user.overlay.opaque
/// "y" hides what lower layers have there) into the existing directory
/// `dest`, bottom layer first, so that `dest` ends up as overlay would show
/// the stack: the vfs driver.
///
/// Keeps file types, modes, owners, times, hard links within a layer,
/// symlinks as they are, and extended attributes except overlay's own
/// (those a user namespace may not set are skipped). Never follows a
/// symlink in `dest`: every entry is reached from a directory fd with
/// O_NOFOLLOW, so a layer cannot write outside `dest`. Throws Error naming
/// the file; `dest` is then half-written and the caller starts over.
void applyLayers(const std::vector<std::string>& layerDirs, const std::string& dest);

/// Removes everything inside the directory `dirFd` (not following
/// symlinks). `shownPath` names it in errors.
void clearDirectory(int dirFd, const std::string& shownPath);

}  // namespace berth::runtime
