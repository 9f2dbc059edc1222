// SPDX-License-Identifier: Apache-2.0
// Streaming helpers of the archive plugin (save, import): reading blobs as
// stored or decompressed, writing tar archives and gzip streams. Internal to
// src/image/archive.
#pragma once

#include <archive.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "berth/image/sha256.hpp"
#include "berth/oci/media_types.hpp"

namespace berth::image::detail {

/// Receives consecutive chunks of a stream.
using ChunkSink = std::function<void(const char* data, std::size_t size)>;

/// Streams the file at `path` as it is. Throws Error naming the path.
void readFileChunks(const std::string& path, const ChunkSink& sink);

/// Streams the decompressed content of a file (gzip, zstd, xz, bzip2, ...
/// as libarchive detects; plain data passes through). `what` names the
/// input in messages. Throws Error(InvalidArgument) on corrupt data.
void readDecompressed(const std::string& path, std::string_view what, const ChunkSink& sink);
/// The same for an open descriptor (standard input).
void readDecompressed(int fd, std::string_view what, const ChunkSink& sink);

/// gzip, zstd or none, from the file's first bytes.
oci::Compression sniffCompression(const std::string& path);

/// Counts and hashes what passes through.
struct DigestCounter {
  Sha256 hash;
  std::uint64_t size = 0;
  void update(const char* data, std::size_t n) {
    hash.update(data, n);
    size += n;
  }
};

/// A tar archive written to a file descriptor (POSIX ustar, pax headers
/// only when a field needs one), entries owned by 0:0 with mtime 0, as the
/// archives containers/image writes. Every method throws Error naming
/// `what` and the entry on a write failure.
class TarWriter {
 public:
  TarWriter(int fd, std::string what);
  ~TarWriter();
  TarWriter(const TarWriter&) = delete;
  TarWriter& operator=(const TarWriter&) = delete;

  void addDirectory(const std::string& name, int mode = 0755);
  void addSymlink(const std::string& name, const std::string& target);
  void addBytes(const std::string& name, std::string_view data, int mode);
  /// A regular file of exactly `size` bytes, produced by `produce`, which
  /// gets the sink to write into. Throws if it wrote another size.
  void addStream(const std::string& name, std::uint64_t size, int mode,
                 const std::function<void(const ChunkSink&)>& produce);
  /// Writes the end-of-archive blocks. Required for a valid archive.
  void finish();

 private:
  void writeHeader(struct archive_entry* entry, const std::string& name);
  [[noreturn]] void fail(const std::string& name);

  struct archive* archive_;
  std::string what_;
  bool finished_ = false;
};

/// Writes a gzip stream of what `produce` gives into `fd`; returns the
/// digest and size of the compressed bytes written.
struct WrittenBlob {
  std::string digest;
  std::uint64_t size = 0;
};
WrittenBlob writeGzip(int fd, std::string_view what,
                      const std::function<void(const ChunkSink&)>& produce);
/// The same with gzip or zstd (Compression::None copies the bytes).
WrittenBlob writeCompressed(int fd, std::string_view what, oci::Compression compression,
                            const std::function<void(const ChunkSink&)>& produce);

}  // namespace berth::image::detail
