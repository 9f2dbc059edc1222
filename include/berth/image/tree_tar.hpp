// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>

namespace berth::image {

struct TreeTarOptions {
  /// The directory whose contents are archived (the directory itself gets
  /// no entry, as in `podman export`).
  int rootFd = -1;
  /// Where the tar goes: a file or a pipe, written sequentially.
  int outputFd = -1;
  /// Names the tree and the output in messages ("container 0123abcd",
  /// "standard output").
  std::string source;
  std::string output;
};

/// Writes the tree under `rootFd` as an uncompressed tar (POSIX pax, raw
/// byte names) in the shape `podman export` writes: entries relative to
/// the root without "./", each directory's names in byte order, numeric
/// owners as stat(2) shows them (inside a user namespace: the ids there),
/// permissions with setuid/setgid/sticky, mtime in seconds, symlinks,
/// hard links (a later name of an inode already written is a link to the
/// first), character and block devices, fifos, and the xattrs that
/// containers/storage keeps (security.capability and user.*, except
/// user.overlay.*). Sockets are skipped. Never follows a symlink. A file
/// that shrinks while it is read is padded with zeros to the size its
/// header announced; one that grows is cut to it.
///
/// Part of the archive plugin (archive_plugin.hpp). Throws Error naming the
/// entry: a read failure as "read <source>: \"<entry>\": ...", a write
/// failure as "write <output>: ...".
void writeTreeTar(const TreeTarOptions& options);

}  // namespace berth::image
