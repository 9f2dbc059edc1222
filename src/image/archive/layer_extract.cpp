// SPDX-License-Identifier: Apache-2.0
// Layer extraction: libarchive parses, we write. Every file system change is
// made relative to a directory fd found by walking the entry's path one
// component at a time with O_NOFOLLOW, so no symlink planted by the archive
// itself can redirect a write outside the layer directory.
#include "berth/image/layer_extract.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <string_view>
#include <utility>
#include <vector>

#include "berth/base/error.hpp"
#include "berth/base/fs.hpp"
#include "berth/base/unique_fd.hpp"
#include "berth/image/sha256.hpp"

namespace berth::image {

namespace {

constexpr std::string_view kWhiteoutPrefix = ".wh.";
constexpr std::string_view kOpaqueMarker = ".wh..wh..opq";
constexpr std::size_t kBlockSize = 1 << 20;

struct ArchiveDeleter {
  void operator()(archive* a) const noexcept { archive_read_free(a); }
};
using ArchivePtr = std::unique_ptr<archive, ArchiveDeleter>;

[[noreturn]] void entryError(std::string_view entry, std::string_view why) {
  throwError(Errc::InvalidArgument, "layer entry \"{}\": {}", entry, why);
}

[[noreturn]] void entryErrno(std::string_view entry, std::string_view operation) {
  const int err = errno;
  throw Error(Errc::InvalidArgument,
              fmt::format("layer entry \"{}\": {}: {}", entry, operation, errnoText(err)), err);
}

/// Stage 1 decompresses the blob (any filter libarchive knows, "raw"
/// format); stage 2 parses the tar from stage 1's output. Between them we
/// see every uncompressed byte once: that is the diff id.
struct Pipeline {
  ArchivePtr decompressor;
  Sha256 diffHash;
  std::uint64_t size = 0;
  std::string error;
};

la_ssize_t readDecompressed(archive*, void* clientData, const void** buffer) {
  auto* pipeline = static_cast<Pipeline*>(clientData);
  static thread_local std::vector<char> block(kBlockSize);
  const la_ssize_t n = archive_read_data(pipeline->decompressor.get(), block.data(), block.size());
  if (n < 0) {
    pipeline->error = archive_error_string(pipeline->decompressor.get())
                          ? archive_error_string(pipeline->decompressor.get())
                          : "decompression failed";
    return -1;
  }
  pipeline->diffHash.update(block.data(), static_cast<std::size_t>(n));
  pipeline->size += static_cast<std::uint64_t>(n);
  *buffer = block.data();
  return n;
}

/// Splits "a/b/c" into components, rejecting absolute paths and "..".
/// `entry` names the tar entry in messages (a hard link's own name when
/// `path` is its target).
std::vector<std::string> splitEntryPath(std::string_view path, std::string_view entry) {
  const std::string what =
      path == entry ? std::string() : fmt::format("hard link target \"{}\": ", path);
  if (!path.empty() && path.front() == '/') entryError(entry, what + "absolute path");
  std::vector<std::string> parts;
  while (!path.empty()) {
    const auto slash = path.find('/');
    const auto part = path.substr(0, slash);
    path.remove_prefix(slash == std::string_view::npos ? path.size() : slash + 1);
    if (part.empty() || part == ".") continue;
    if (part == "..") entryError(entry, what + "path leaves the layer (\"..\")");
    parts.emplace_back(part);
  }
  return parts;
}

class Extractor {
 public:
  Extractor(const std::string& dir, const ExtractOptions& options, ExtractResult& result)
      : options_(options), result_(result) {
    root_ = openFile(dir, O_RDONLY | O_DIRECTORY);
  }

  void apply(archive* tar, archive_entry* entry) {
    const char* rawName = archive_entry_pathname(entry);
    const std::string name = rawName ? rawName : "";
    auto parts = splitEntryPath(name, name);
    if (parts.empty()) return;  // "./": the layer root itself
    const std::string base = parts.back();
    parts.pop_back();

    if (base == kOpaqueMarker) {
      UniqueFd parent = walk(name, parts, /*create=*/true);
      const char* xattr = options_.rootless ? "user.overlay.opaque" : "trusted.overlay.opaque";
      if (::fsetxattr(parent.get(), xattr, "y", 1, 0) != 0) entryErrno(name, "set opaque xattr");
      return;
    }
    if (base.compare(0, kWhiteoutPrefix.size(), kWhiteoutPrefix) == 0) {
      const std::string hidden = base.substr(kWhiteoutPrefix.size());
      if (hidden.empty() || hidden == "." || hidden == "..") entryError(name, "bad whiteout");
      UniqueFd parent = walk(name, parts, /*create=*/true);
      removeExisting(parent.get(), hidden, name);
      // A 0/0 character device: unprivileged creation is allowed since 5.8.
      if (::mknodat(parent.get(), hidden.c_str(), S_IFCHR | 0, makedev(0, 0)) != 0)
        entryErrno(name, "create whiteout");
      return;
    }

    UniqueFd parent = walk(name, parts, /*create=*/true);
    const mode_t mode = archive_entry_perm(entry);
    const uid_t uid = static_cast<uid_t>(archive_entry_uid(entry));
    const gid_t gid = static_cast<gid_t>(archive_entry_gid(entry));

    if (const char* link = archive_entry_hardlink(entry); link != nullptr) {
      auto targetParts = splitEntryPath(link, name);
      if (targetParts.empty()) entryError(name, "hard link to the layer root");
      const std::string targetBase = targetParts.back();
      targetParts.pop_back();
      UniqueFd targetParent = walk(name, targetParts, /*create=*/false);
      struct stat st;
      if (::fstatat(targetParent.get(), targetBase.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
        entryError(name, fmt::format("hard link target \"{}\" is not in the layer", link));
      if (S_ISDIR(st.st_mode)) entryError(name, "hard link to a directory");
      removeExisting(parent.get(), base, name);
      if (::linkat(targetParent.get(), targetBase.c_str(), parent.get(), base.c_str(), 0) != 0)
        entryErrno(name, fmt::format("hard link to \"{}\"", link));
      return;
    }

    switch (archive_entry_filetype(entry)) {
      case AE_IFREG:
        writeRegular(tar, entry, parent.get(), base, name, mode, uid, gid);
        break;
      case AE_IFDIR: {
        struct stat st;
        if (::fstatat(parent.get(), base.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
            !S_ISDIR(st.st_mode))
          removeExisting(parent.get(), base, name);
        if (::mkdirat(parent.get(), base.c_str(), 0700) != 0 && errno != EEXIST)
          entryErrno(name, "mkdir");
        // Metadata last: creating children changes a directory's mtime.
        directories_.push_back(
            {name, archive_entry_mtime(entry), archive_entry_mtime_nsec(entry), mode, uid, gid});
        applyXattrs(entry, parent.get(), base, name, /*isSymlink=*/false);
        break;
      }
      case AE_IFLNK: {
        const char* target = archive_entry_symlink(entry);
        removeExisting(parent.get(), base, name);
        if (::symlinkat(target ? target : "", parent.get(), base.c_str()) != 0)
          entryErrno(name, "symlink");
        chownAt(parent.get(), base, uid, gid, name);
        setTimes(parent.get(), base, entry, name);
        break;
      }
      case AE_IFCHR:
      case AE_IFBLK:
        if (options_.rootless) {
          result_.warnings.push_back(fmt::format(
              "layer entry \"{}\": device nodes cannot be created rootless, skipped", name));
          break;
        }
        [[fallthrough]];
      case AE_IFIFO: {
        removeExisting(parent.get(), base, name);
        const mode_t type = archive_entry_filetype(entry);
        if (::mknodat(parent.get(), base.c_str(), type | mode, archive_entry_rdev(entry)) != 0)
          entryErrno(name, "mknod");
        chownAt(parent.get(), base, uid, gid, name);
        if (::fchmodat(parent.get(), base.c_str(), mode, 0) != 0) entryErrno(name, "chmod");
        setTimes(parent.get(), base, entry, name);
        break;
      }
      default:
        entryError(name, "unsupported file type");
    }
  }

  /// Directory owners, modes and times, deepest first.
  void finish() {
    for (auto it = directories_.rbegin(); it != directories_.rend(); ++it) {
      auto parts = splitEntryPath(it->name, it->name);
      UniqueFd dir = walk(it->name, parts, /*create=*/false);
      if (::fchown(dir.get(), it->uid, it->gid) != 0) ownershipError(it->name, it->uid, it->gid);
      if (::fchmod(dir.get(), it->mode) != 0) entryErrno(it->name, "chmod");
      const struct timespec times[2] = {{it->mtime, it->mtimeNsec}, {it->mtime, it->mtimeNsec}};
      if (::futimens(dir.get(), times) != 0) entryErrno(it->name, "set times");
    }
  }

 private:
  struct DirectoryMeta {
    std::string name;
    time_t mtime;
    long mtimeNsec;
    mode_t mode;
    uid_t uid;
    gid_t gid;
  };

  /// Opens the directory `parts` below the root, one component at a time,
  /// never following a symlink; missing ones are created when `create`.
  UniqueFd walk(std::string_view entry, const std::vector<std::string>& parts, bool create) {
    UniqueFd current(::dup(root_.get()));
    for (const auto& part : parts) {
      int fd =
          ::openat(current.get(), part.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0 && errno == ENOENT && create) {
        if (::mkdirat(current.get(), part.c_str(), 0755) != 0 && errno != EEXIST)
          entryErrno(entry, "mkdir parent");
        fd = ::openat(current.get(), part.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      }
      if (fd < 0) {
        if (errno == ELOOP || errno == ENOTDIR)
          entryError(entry, fmt::format("\"{}\" is a symlink or not a directory", part));
        entryErrno(entry, "open parent");
      }
      current.reset(fd);
    }
    return current;
  }

  void removeExisting(int parent, const std::string& base, std::string_view entry) {
    if (::unlinkat(parent, base.c_str(), 0) == 0 || errno == ENOENT) return;
    if (errno == EISDIR || errno == EPERM) {
      // A directory in the way (this layer replaced it): remove its tree.
      UniqueFd dir(::openat(parent, base.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (dir) {
        char path[64];
        std::snprintf(path, sizeof(path), "/proc/self/fd/%d", dir.get());
        char resolved[4096];
        const ssize_t n = ::readlink(path, resolved, sizeof(resolved) - 1);
        if (n > 0) {
          removeAll(std::string(resolved, static_cast<std::size_t>(n)));
          return;
        }
      }
    }
    entryErrno(entry, "remove existing");
  }

  [[noreturn]] void ownershipError(std::string_view entry, uid_t uid, gid_t gid) {
    if (errno == EINVAL)
      entryError(entry, fmt::format("uid {} or gid {} is not mapped in the user namespace (check "
                                    "/etc/subuid and /etc/subgid)",
                                    uid, gid));
    entryErrno(entry, fmt::format("chown to {}:{}", uid, gid));
  }

  void chownAt(int parent, const std::string& base, uid_t uid, gid_t gid, std::string_view entry) {
    if (::fchownat(parent, base.c_str(), uid, gid, AT_SYMLINK_NOFOLLOW) != 0)
      ownershipError(entry, uid, gid);
  }

  void setTimes(int parent, const std::string& base, archive_entry* entry, std::string_view name) {
    const struct timespec times[2] = {
        {archive_entry_mtime(entry), archive_entry_mtime_nsec(entry)},
        {archive_entry_mtime(entry), archive_entry_mtime_nsec(entry)}};
    if (::utimensat(parent, base.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0)
      entryErrno(name, "set times");
  }

  void applyXattrs(archive_entry* entry, int parent, const std::string& base, std::string_view name,
                   bool isSymlink) {
    if (archive_entry_xattr_reset(entry) == 0) return;
    const char* key;
    const void* value;
    size_t size;
    while (archive_entry_xattr_next(entry, &key, &value, &size) == ARCHIVE_OK) {
      // Overlay's own xattrs must not come from an image.
      if (std::string_view(key).find("overlay.") != std::string_view::npos) continue;
      UniqueFd fd(
          ::openat(parent, base.c_str(), (isSymlink ? O_PATH : O_RDONLY) | O_NOFOLLOW | O_CLOEXEC));
      if (!fd || ::fsetxattr(fd.get(), key, value, size, 0) != 0)
        result_.warnings.push_back(
            fmt::format("layer entry \"{}\": xattr {} not set: {}", name, key, errnoText(errno)));
    }
  }

  void writeRegular(archive* tar, archive_entry* entry, int parent, const std::string& base,
                    std::string_view name, mode_t mode, uid_t uid, gid_t gid) {
    removeExisting(parent, base, name);
    UniqueFd file(
        ::openat(parent, base.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!file) entryErrno(name, "create");
    const void* block;
    size_t size;
    la_int64_t offset;
    la_int64_t written = 0;
    for (;;) {
      const int r = archive_read_data_block(tar, &block, &size, &offset);
      if (r == ARCHIVE_EOF) break;
      if (r != ARCHIVE_OK)
        entryError(name, archive_error_string(tar) ? archive_error_string(tar) : "read error");
      if (offset != written && ::lseek(file.get(), offset, SEEK_SET) < 0) entryErrno(name, "seek");
      writeAll(file.get(), std::string_view(static_cast<const char*>(block), size), name);
      written = offset + static_cast<la_int64_t>(size);
    }
    // Sparse files may end in a hole.
    if (archive_entry_size_is_set(entry) && written < archive_entry_size(entry) &&
        ::ftruncate(file.get(), archive_entry_size(entry)) != 0)
      entryErrno(name, "truncate");
    if (::fchown(file.get(), uid, gid) != 0) ownershipError(name, uid, gid);
    // After chown: chown clears setuid/setgid bits.
    if (::fchmod(file.get(), mode) != 0) entryErrno(name, "chmod");
    applyXattrs(entry, parent, base, name, /*isSymlink=*/false);
    const struct timespec times[2] = {
        {archive_entry_mtime(entry), archive_entry_mtime_nsec(entry)},
        {archive_entry_mtime(entry), archive_entry_mtime_nsec(entry)}};
    if (::futimens(file.get(), times) != 0) entryErrno(name, "set times");
  }

  const ExtractOptions& options_;
  ExtractResult& result_;
  UniqueFd root_;
  std::vector<DirectoryMeta> directories_;
};

}  // namespace

namespace {

/// Both entry points: `open` opens stage 1 (the compressed stream) of the
/// pipeline; `what` names the layer in messages.
template <typename Open>
ExtractResult extract(std::string_view what, const std::string& dir, const ExtractOptions& options,
                      Open open) {
  ExtractResult result;
  Pipeline pipeline;
  pipeline.decompressor.reset(archive_read_new());
  archive* stage1 = pipeline.decompressor.get();
  archive_read_support_filter_all(stage1);
  archive_read_support_format_raw(stage1);
  if (open(stage1) != ARCHIVE_OK)
    throwError(Errc::InvalidArgument, "layer {}: {}", what, archive_error_string(stage1));
  archive_entry* rawEntry;
  if (archive_read_next_header(stage1, &rawEntry) != ARCHIVE_OK)
    throwError(Errc::InvalidArgument, "layer {}: {}", what, archive_error_string(stage1));

  ArchivePtr tar(archive_read_new());
  archive_read_support_format_tar(tar.get());
  archive_read_support_format_gnutar(tar.get());
  if (archive_read_open(tar.get(), &pipeline, nullptr, readDecompressed, nullptr) != ARCHIVE_OK)
    throwError(Errc::InvalidArgument, "layer {}: not a tar archive: {}", what,
               pipeline.error.empty() ? archive_error_string(tar.get()) : pipeline.error);

  Extractor extractor(dir, options, result);
  archive_entry* entry;
  for (;;) {
    const int r = archive_read_next_header(tar.get(), &entry);
    if (r == ARCHIVE_EOF) break;
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
      throwError(Errc::InvalidArgument, "layer {}: {}", what,
                 !pipeline.error.empty()           ? pipeline.error
                 : archive_error_string(tar.get()) ? archive_error_string(tar.get())
                                                   : "corrupt archive");
    extractor.apply(tar.get(), entry);
  }
  extractor.finish();
  // Hash what follows the tar's end marker too: the diff id covers the
  // whole uncompressed stream.
  const void* ignored;
  while (readDecompressed(nullptr, &pipeline, &ignored) > 0) {
  }
  if (!pipeline.error.empty())
    throwError(Errc::InvalidArgument, "layer {}: {}", what, pipeline.error);
  result.diffId = pipeline.diffHash.digest();
  result.uncompressedSize = pipeline.size;
  return result;
}

}  // namespace

ExtractResult extractLayer(const std::string& blobPath, const std::string& dir,
                           const ExtractOptions& options) {
  return extract(blobPath, dir, options, [&](archive* stage1) {
    return archive_read_open_filename(stage1, blobPath.c_str(), kBlockSize);
  });
}

ExtractResult extractLayerStream(const LayerReader& read, std::string_view what,
                                 const std::string& dir, const ExtractOptions& options) {
  struct Source {
    const LayerReader& read;
    std::vector<char> block = std::vector<char>(kBlockSize);
  } source{read};
  const auto callback = [](archive* a, void* data, const void** buffer) -> la_ssize_t {
    auto* from = static_cast<Source*>(data);
    const long n = from->read(from->block.data(), from->block.size());
    if (n < 0) {
      archive_set_error(a, EIO, "the layer stream broke off");
      return -1;
    }
    *buffer = from->block.data();
    return n;
  };
  return extract(what, dir, options, [&](archive* stage1) {
    return archive_read_open(stage1, &source, nullptr, callback, nullptr);
  });
}

}  // namespace berth::image
