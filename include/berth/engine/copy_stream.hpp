// SPDX-License-Identifier: Apache-2.0
// The moving parts of `berth cp`: path resolution confined to a root
// directory fd, a tree walker, a tar writer and reader, and an extractor,
// all joined by one entry interface (walker -> extractor for a direct
// copy, walker -> tar for `cp CTR:P -`, tar -> extractor for `cp - CTR:P`).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "berth/base/unique_fd.hpp"
#include "berth/engine/copy_plan.hpp"

namespace berth::engine::detail {

/// Opens `path` (absolute, read as inside the root) with openat2 and
/// RESOLVE_IN_ROOT: ".." and absolute symlinks never leave `rootFd`, magic
/// links are refused. Throws Error with errno naming the path.
UniqueFd openInRoot(int rootFd, const std::string& path, int flags);

/// What `path` is inside the root: resolved component by component, every
/// symlink followed inside the root (at most 40), as Podman's stat of a
/// container path. A missing last component gives exists=false; a missing
/// directory above it too (resolved then keeps the rest unresolved).
CopyPathFacts resolveInRoot(int rootFd, const std::string& path);

/// One file in a copy stream, as a tar header describes it.
struct CopyEntry {
  std::string name;   ///< relative, '/'-separated, no trailing slash
  char type = '0';    ///< tar typeflag: '0' file, '1' hard link, '2' symlink, '3' char, '4' block,
                      ///< '5' dir, '6' fifo
  unsigned mode = 0;  ///< permission bits with setuid/setgid/sticky
  std::int64_t uid = 0;
  std::int64_t gid = 0;
  std::int64_t mtime = 0;  ///< seconds
  std::uint64_t size = 0;  ///< regular files only
  std::string link;        ///< symlink target, or hard link target (an entry name)
  unsigned devMajor = 0;
  unsigned devMinor = 0;
};

/// Reads a regular file's data: fills up to n bytes, returns 0 at the end.
using CopyDataReader = std::function<std::size_t(char* buffer, std::size_t n)>;

/// Receives the entries of a stream in order (a directory before its contents).
class CopySink {
 public:
  virtual ~CopySink() = default;
  virtual void put(const CopyEntry& entry, const CopyDataReader& data) = 0;
  /// After the last entry.
  virtual void finish() {}
};

/// Walks `path` (resolved, inside the root) and feeds the sink: the path
/// itself named `topName` and everything below it as "topName/...", or, for
/// topName "", only what is below it. Never follows a symlink below the
/// path; hard links within the tree become '1' entries; sockets are skipped.
void walkTree(int rootFd, const std::string& path, const std::string& topName, CopySink& sink);

/// Writes the entries as an uncompressed POSIX tar (pax records for long
/// names and large values) to `fd`; finish() writes the end blocks.
class TarWriterSink final : public CopySink {
 public:
  TarWriterSink(int fd, std::string label) : fd_(fd), label_(std::move(label)) {}
  void put(const CopyEntry& entry, const CopyDataReader& data) override;
  void finish() override;

 private:
  void writeBlock(const char* data, std::size_t size);
  int fd_;
  std::string label_;
};

/// Encodes one entry's header blocks (a pax header first when needed).
/// Exposed for tests.
std::string encodeTarHeader(const CopyEntry& entry);

/// Reads an uncompressed tar stream from `fd` and feeds the sink. Throws
/// Error(InvalidArgument) for something that is not a tar ("source must be
/// a (compressed) tar archive when copying from stdin" when it does not
/// even start like one, naming compressed streams, which berth cannot read).
void readTar(int fd, CopySink& sink);

/// How the extractor writes.
struct ExtractPolicy {
  /// Owner of everything written; unset: the ids of the entries.
  std::optional<std::pair<uid_t, gid_t>> chownTo;
  /// Replace a directory by a non-directory and the other way round.
  bool overwrite = false;
  /// Where, for messages: "container ctr" / "the host".
  std::string where;
};

/// Creates the entries below `dir` (resolved, inside the root), every path
/// opened with openInRoot and every last component created or replaced
/// without following it, so nothing is ever written outside the root. An
/// entry with ".." in its name is refused. Directory times are set last.
class ExtractSink final : public CopySink {
 public:
  ExtractSink(int rootFd, std::string dir, ExtractPolicy policy)
      : rootFd_(rootFd), dir_(std::move(dir)), policy_(std::move(policy)) {}
  void put(const CopyEntry& entry, const CopyDataReader& data) override;
  void finish() override;

 private:
  UniqueFd parentDir(const std::string& path);
  void setOwner(int fd, const char* name, int flags, const CopyEntry& entry,
                const std::string& path);
  int rootFd_;
  std::string dir_;
  ExtractPolicy policy_;
  std::vector<std::pair<std::string, std::int64_t>> dirTimes_;
};

}  // namespace berth::engine::detail
