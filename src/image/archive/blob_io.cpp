// SPDX-License-Identifier: Apache-2.0
#include "blob_io.hpp"

#include <archive_entry.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "berth/base/error.hpp"
#include "berth/base/fs.hpp"
#include "berth/base/unique_fd.hpp"

namespace berth::image::detail {

namespace {

constexpr std::size_t kChunk = 1 << 20;

struct ReadArchiveFree {
  void operator()(archive* a) const noexcept { archive_read_free(a); }
};

std::string archiveError(archive* a, std::string_view fallback) {
  const char* text = archive_error_string(a);
  return text != nullptr ? text : std::string(fallback);
}

/// The raw format reader streams one "entry": the whole decompressed input.
void drainRaw(archive* a, int opened, std::string_view what, const ChunkSink& sink) {
  // Empty input: libarchive (3.6) finds no format to bid on zero bytes.
  if (opened != ARCHIVE_OK && archive_filter_bytes(a, -1) == 0) return;
  if (opened != ARCHIVE_OK)
    throwError(Errc::InvalidArgument, "{}: {}", what, archiveError(a, "cannot open"));
  archive_entry* entry;
  const int r = archive_read_next_header(a, &entry);
  if (r == ARCHIVE_EOF) return;
  if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
    throwError(Errc::InvalidArgument, "{}: {}", what, archiveError(a, "unreadable data"));
  std::vector<char> buffer(kChunk);
  for (;;) {
    const la_ssize_t n = archive_read_data(a, buffer.data(), buffer.size());
    if (n < 0)
      throwError(Errc::InvalidArgument, "{}: {}", what, archiveError(a, "decompression failed"));
    if (n == 0) break;
    sink(buffer.data(), static_cast<std::size_t>(n));
  }
}

std::unique_ptr<archive, ReadArchiveFree> rawReader() {
  std::unique_ptr<archive, ReadArchiveFree> reader(archive_read_new());
  archive_read_support_filter_all(reader.get());
  archive_read_support_format_raw(reader.get());
  return reader;
}

}  // namespace

void readFileChunks(const std::string& path, const ChunkSink& sink) {
  UniqueFd fd = openFile(path, O_RDONLY);
  std::vector<char> buffer(kChunk);
  for (;;) {
    const ssize_t n = ::read(fd.get(), buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throwErrno("read '{}'", path);
    }
    if (n == 0) break;
    sink(buffer.data(), static_cast<std::size_t>(n));
  }
}

void readDecompressed(const std::string& path, std::string_view what, const ChunkSink& sink) {
  auto reader = rawReader();
  drainRaw(reader.get(), archive_read_open_filename(reader.get(), path.c_str(), kChunk), what,
           sink);
}

void readDecompressed(int fd, std::string_view what, const ChunkSink& sink) {
  auto reader = rawReader();
  drainRaw(reader.get(), archive_read_open_fd(reader.get(), fd, kChunk), what, sink);
}

oci::Compression sniffCompression(const std::string& path) {
  unsigned char magic[4] = {};
  UniqueFd fd = openFile(path, O_RDONLY);
  const ssize_t n = ::read(fd.get(), magic, sizeof(magic));
  if (n >= 2 && magic[0] == 0x1f && magic[1] == 0x8b) return oci::Compression::Gzip;
  if (n >= 4 && magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd)
    return oci::Compression::Zstd;
  return oci::Compression::None;
}

TarWriter::TarWriter(int fd, std::string what)
    : archive_(archive_write_new()), what_(std::move(what)) {
  archive_write_set_format_pax_restricted(archive_);
  // Large writes, and no padding of the last block beyond the tar's own
  // end marker (as Go's archive/tar).
  archive_write_set_bytes_per_block(archive_, 64 * 1024);
  archive_write_set_bytes_in_last_block(archive_, 1);
  if (archive_write_open_fd(archive_, fd) != ARCHIVE_OK)
    throwError(Errc::Internal, "write {}: {}", what_, archiveError(archive_, "cannot open"));
}

TarWriter::~TarWriter() {
  // Without finish() the archive is abandoned: free without writing the
  // end blocks (the caller removes the partial output).
  if (!finished_) archive_write_fail(archive_);
  archive_write_free(archive_);
}

void TarWriter::fail(const std::string& name) {
  throwError(Errc::Internal, "write {}: entry \"{}\": {}", what_, name,
             archiveError(archive_, "write failed"));
}

void TarWriter::writeHeader(archive_entry* entry, const std::string& name) {
  archive_entry_set_pathname(entry, name.c_str());
  archive_entry_set_uid(entry, 0);
  archive_entry_set_gid(entry, 0);
  archive_entry_set_mtime(entry, 0, 0);
  const int r = archive_write_header(archive_, entry);
  archive_entry_free(entry);
  if (r != ARCHIVE_OK) fail(name);
}

void TarWriter::addDirectory(const std::string& name, int mode) {
  archive_entry* entry = archive_entry_new();
  archive_entry_set_filetype(entry, AE_IFDIR);
  archive_entry_set_perm(entry, static_cast<mode_t>(mode));
  writeHeader(entry, name);
}

void TarWriter::addSymlink(const std::string& name, const std::string& target) {
  archive_entry* entry = archive_entry_new();
  archive_entry_set_filetype(entry, AE_IFLNK);
  archive_entry_set_perm(entry, 0);
  archive_entry_set_symlink(entry, target.c_str());
  writeHeader(entry, name);
}

void TarWriter::addBytes(const std::string& name, std::string_view data, int mode) {
  addStream(name, data.size(), mode,
            [&](const ChunkSink& sink) { sink(data.data(), data.size()); });
}

void TarWriter::addStream(const std::string& name, std::uint64_t size, int mode,
                          const std::function<void(const ChunkSink&)>& produce) {
  archive_entry* entry = archive_entry_new();
  archive_entry_set_filetype(entry, AE_IFREG);
  archive_entry_set_perm(entry, static_cast<mode_t>(mode));
  archive_entry_set_size(entry, static_cast<la_int64_t>(size));
  writeHeader(entry, name);
  std::uint64_t written = 0;
  produce([&](const char* data, std::size_t n) {
    if (written + n > size)
      throwError(Errc::Internal, "write {}: entry \"{}\": more than the {} bytes expected", what_,
                 name, size);
    while (n > 0) {
      const la_ssize_t w = archive_write_data(archive_, data, n);
      if (w < 0) fail(name);
      data += w;
      n -= static_cast<std::size_t>(w);
      written += static_cast<std::uint64_t>(w);
    }
  });
  if (written != size)
    throwError(Errc::Internal, "write {}: entry \"{}\": {} bytes instead of {}", what_, name,
               written, size);
  if (archive_write_finish_entry(archive_) != ARCHIVE_OK) fail(name);
}

void TarWriter::finish() {
  if (archive_write_close(archive_) != ARCHIVE_OK)
    throwError(Errc::Internal, "write {}: {}", what_, archiveError(archive_, "close failed"));
  finished_ = true;
}

WrittenBlob writeGzip(int fd, std::string_view what,
                      const std::function<void(const ChunkSink&)>& produce) {
  return writeCompressed(fd, what, oci::Compression::Gzip, produce);
}

WrittenBlob writeCompressed(int fd, std::string_view what, oci::Compression compression,
                            const std::function<void(const ChunkSink&)>& produce) {
  struct Target {
    int fd;
    std::string what;
    DigestCounter counter;
    int error = 0;
  } target{fd, std::string(what), {}, 0};
  const auto write = [](archive*, void* data, const void* buffer, size_t length) -> la_ssize_t {
    auto* t = static_cast<Target*>(data);
    try {
      writeAll(t->fd, std::string_view(static_cast<const char*>(buffer), length), t->what);
    } catch (const Error& e) {
      t->error = e.sysErrno() != 0 ? e.sysErrno() : EIO;
      return -1;
    }
    t->counter.update(static_cast<const char*>(buffer), length);
    return static_cast<la_ssize_t>(length);
  };
  archive* a = archive_write_new();
  struct Free {
    archive* a;
    ~Free() { archive_write_free(a); }
  } free{a};
  archive_write_set_format_raw(a);
  if (compression == oci::Compression::Gzip) archive_write_add_filter_gzip(a);
  if (compression == oci::Compression::Zstd && archive_write_add_filter_zstd(a) != ARCHIVE_OK)
    throwError(Errc::Unsupported, "compress {}: {}", what, archiveError(a, "no zstd support"));
  archive_write_set_bytes_per_block(a, 0);
  if (archive_write_open(a, &target, nullptr, write, nullptr) != ARCHIVE_OK)
    throwError(Errc::Internal, "compress {}: {}", what, archiveError(a, "cannot open"));
  archive_entry* entry = archive_entry_new();
  archive_entry_set_filetype(entry, AE_IFREG);
  archive_entry_set_pathname(entry, "data");
  const int header = archive_write_header(a, entry);
  archive_entry_free(entry);
  if (header != ARCHIVE_OK)
    throwError(Errc::Internal, "compress {}: {}", what, archiveError(a, "header failed"));
  produce([&](const char* data, std::size_t n) {
    if (archive_write_data(a, data, n) < 0)
      throwError(Errc::Internal, "compress {}: {}", what,
                 target.error != 0 ? errnoText(target.error) : archiveError(a, "write failed"));
  });
  if (archive_write_close(a) != ARCHIVE_OK)
    throwError(Errc::Internal, "compress {}: {}", what,
               target.error != 0 ? errnoText(target.error) : archiveError(a, "close failed"));
  return {target.counter.hash.digest(), target.counter.size};
}

}  // namespace berth::image::detail
