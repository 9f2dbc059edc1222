// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "berth/base/unique_fd.hpp"

namespace berth {

/// Reads a whole file. Throws Error naming the path on failure.
std::string readFile(const std::string& path);

/// Like readFile, but std::nullopt when the file does not exist (ENOENT).
std::optional<std::string> readFileIfExists(const std::string& path);

/// Creates `path` and missing parents with `mode` (like mkdir -p). Existing
/// directories are fine; a non-directory in the way is an error.
void makeDirs(const std::string& path, mode_t mode = 0755);

/// Removes a file or a whole tree; a missing path is not an error. Does not
/// follow symlinks and does not cross mount points' contents on purpose: it
/// fails on a busy mount rather than deleting what lies below it.
void removeAll(const std::string& path);

/// Removes each tree in `paths` (as removeAll, errors ignored) in a
/// detached process, so the caller does not wait: on a filesystem that
/// discards freed blocks synchronously (ext4 -o discard without a journal)
/// each deleted directory and written file costs milliseconds. The caller
/// makes the trees unreachable first (renames them to a `.removing-` name)
/// and sweeps what a killed remover left (staleRemovals). The remover holds
/// no descriptor of the caller's (so no lock), has stdio on /dev/null and
/// its command line blanked to "berth-rm" (it names no store); when fork
/// fails the trees are removed in place.
void removeAllDetached(std::vector<std::string> paths);

/// Entries of `dir` named `<prefix>...` whose status changed more than
/// `minAgeSeconds` ago (a rename sets it): trees a killed removal left.
/// `younger`, when given, counts the others (removals at work).
std::vector<std::string> staleRemovals(const std::string& dir, std::string_view prefix,
                                       int minAgeSeconds, std::size_t* younger = nullptr);

/// Removes `doomed`, a tree already renamed to `<dir>/<prefix>...`, and the
/// trees of `dir` a killed remover left a minute or more ago: with
/// removeAllDetached, or in place when 16 or more removals are at work in
/// `dir` already (an `rm -a` of a thousand containers starts no thousand
/// processes).
void removeRenamed(const std::string& dir, std::string_view prefix, const std::string& doomed);

/// True when `path` exists (lstat succeeds).
bool pathExists(const std::string& path) noexcept;

/// Writes `data` to `path` atomically: a temp file in the same directory,
/// written fully, fsynced when `durable`, renamed over `path`, then the
/// directory fsynced when `durable`. A reader sees the old or the new
/// content, never a mix; a crash leaves one of the two. Throws on failure
/// and leaves no temp file behind.
void writeFileAtomic(const std::string& path, std::string_view data, mode_t mode = 0644,
                     bool durable = true);

/// Writes `data` to `path` in place (created or truncated), fsynced when
/// `durable`. Only for files nobody else reads while they are written: in
/// a directory not visible yet, or the volatile files of a container that
/// is not running. Throws naming the path.
void writeFile(const std::string& path, std::string_view data, mode_t mode = 0644,
               bool durable = false);

/// fsyncs a file or directory by path (for data written non-durably before
/// a rename makes it visible). Throws naming the path.
void syncPath(const std::string& path);

/// Opens with O_CLOEXEC; throws Error "open '<path>': <errno text>" on failure.
UniqueFd openFile(const std::string& path, int flags, mode_t mode = 0);

/// Writes all of `data` to `fd`, retrying on EINTR and short writes.
/// Throws naming `what` on failure.
void writeAll(int fd, std::string_view data, std::string_view what);

/// The directory part of a path ("/a/b" -> "/a", "b" -> ".").
std::string dirName(std::string_view path);

}  // namespace berth
