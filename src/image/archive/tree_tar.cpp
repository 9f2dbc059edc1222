// SPDX-License-Identifier: Apache-2.0
// A directory tree as a tar stream (berth export). The tree is walked with
// directory fds and *at() calls, never following a symlink; libarchive only
// formats the stream.
#include "berth/image/tree_tar.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <locale.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

#include "berth/base/error.hpp"
#include "berth/base/log.hpp"
#include "berth/base/scope_exit.hpp"
#include "berth/base/unique_fd.hpp"

namespace berth::image {

namespace {

constexpr std::size_t kChunk = 1 << 20;

struct WriteArchiveFree {
  void operator()(archive* a) const noexcept { archive_write_free(a); }
};
struct EntryFree {
  void operator()(archive_entry* e) const noexcept { archive_entry_free(e); }
};
using EntryPtr = std::unique_ptr<archive_entry, EntryFree>;

/// The xattrs containers/storage puts in a layer tar (pkg/archive:
/// security.capability, and user.* but overlay's own).
bool keepXattr(std::string_view name) {
  if (name == "security.capability") return true;
  return name.starts_with("user.") && !name.starts_with("user.overlay.");
}

class TreeWriter {
 public:
  explicit TreeWriter(const TreeTarOptions& options)
      : options_(options), archive_(archive_write_new()), buffer_(kChunk) {
    archive* a = archive_.get();
    archive_write_set_format_pax_restricted(a);
    // Xattrs as SCHILY.xattr.* records only, as GNU tar and Go write them
    // (GNU tar warns about libarchive's own LIBARCHIVE.xattr.* copies).
    archive_write_set_format_option(a, "pax", "xattrheader", "SCHILY");
    // Large writes; no padding after the end marker (as Go's archive/tar).
    archive_write_set_bytes_per_block(a, 64 * 1024);
    archive_write_set_bytes_in_last_block(a, 1);
    if (archive_write_open_fd(a, options_.outputFd) != ARCHIVE_OK) writeFailed("");
  }

  ~TreeWriter() {
    // A failed tree gets no end-of-archive blocks: a reader sees a
    // truncated archive rather than a complete-looking part of one.
    if (!finished_) archive_write_fail(archive_.get());
  }
  TreeWriter(const TreeWriter&) = delete;
  TreeWriter& operator=(const TreeWriter&) = delete;

  void run() {
    UniqueFd root(::fcntl(options_.rootFd, F_DUPFD_CLOEXEC, 3));
    if (!root) readFailed("", "dup the root directory fd");
    walk(std::move(root), "");
    if (archive_write_close(archive_.get()) != ARCHIVE_OK) writeFailed("");
    finished_ = true;
  }

 private:
  [[noreturn]] void readFailed(const std::string& entry, std::string_view operation) {
    const int err = errno;
    throw Error(errcFromErrno(err),
                fmt::format("read {}: \"{}\": {}: {}", options_.source, entry.empty() ? "." : entry,
                            operation, errnoText(err)),
                err);
  }

  [[noreturn]] void writeFailed(const std::string& entry) {
    archive* a = archive_.get();
    const int err = archive_errno(a);
    const char* text = archive_error_string(a);
    std::string message = fmt::format("write {}", options_.output);
    if (!entry.empty()) message += fmt::format(": entry \"{}\"", entry);
    message += ": ";
    message += text != nullptr ? text : (err != 0 ? errnoText(err) : "write failed");
    throw Error(Errc::Internal, std::move(message), err > 0 ? err : 0);
  }

  /// Names in a directory, in byte order.
  std::vector<std::string> list(int dirFd, const std::string& path) {
    const int copy = ::fcntl(dirFd, F_DUPFD_CLOEXEC, 3);
    if (copy < 0) readFailed(path, "dup a directory fd");
    DIR* dir = ::fdopendir(copy);
    if (dir == nullptr) {
      const int err = errno;
      ::close(copy);
      errno = err;
      readFailed(path, "open directory");
    }
    ::rewinddir(dir);
    std::vector<std::string> names;
    for (;;) {
      errno = 0;
      const dirent* d = ::readdir(dir);
      if (d == nullptr) {
        const int err = errno;
        ::closedir(dir);
        if (err != 0) {
          errno = err;
          readFailed(path, "read directory");
        }
        break;
      }
      const std::string_view name = d->d_name;
      if (name != "." && name != "..") names.emplace_back(name);
    }
    std::sort(names.begin(), names.end());
    return names;
  }

  void walk(UniqueFd dir, const std::string& prefix) {
    for (const auto& name : list(dir.get(), prefix)) {
      const std::string path = prefix + name;
      struct stat st {};
      if (::fstatat(dir.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
        readFailed(path, "stat");
      switch (st.st_mode & S_IFMT) {
        case S_IFDIR: {
          UniqueFd sub(
              ::openat(dir.get(), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
          if (!sub) readFailed(path, "open directory");
          if (::fstat(sub.get(), &st) != 0) readFailed(path, "stat");
          EntryPtr entry = newEntry(path, st);
          addXattrs(entry.get(), sub.get(), path);
          writeHeader(entry.get(), path);
          walk(std::move(sub), path + "/");
          break;
        }
        case S_IFREG:
          addRegular(dir.get(), name, path, st);
          break;
        case S_IFLNK: {
          EntryPtr entry = newEntry(path, st);
          archive_entry_set_symlink_utf8(entry.get(), readLink(dir.get(), name, path, st).c_str());
          writeHeader(entry.get(), path);
          break;
        }
        case S_IFCHR:
        case S_IFBLK:
        case S_IFIFO: {
          if (linkToEarlier(path, st)) break;
          EntryPtr entry = newEntry(path, st);
          if (!S_ISFIFO(st.st_mode)) archive_entry_set_rdev(entry.get(), st.st_rdev);
          writeHeader(entry.get(), path);
          break;
        }
        default:
          // Sockets: a tar cannot hold them (Go's archive/tar, and so
          // Podman, skip them too).
          logDebug("export: skipping socket \"{}\"", path);
          break;
      }
    }
  }

  EntryPtr newEntry(const std::string& path, const struct stat& st) {
    EntryPtr entry(archive_entry_new());
    archive_entry_copy_pathname(entry.get(), path.c_str());
    archive_entry_set_filetype(entry.get(), st.st_mode & S_IFMT);
    archive_entry_set_perm(entry.get(), st.st_mode & 07777);
    archive_entry_set_uid(entry.get(), st.st_uid);
    archive_entry_set_gid(entry.get(), st.st_gid);
    archive_entry_set_mtime(entry.get(), st.st_mtim.tv_sec, 0);
    return entry;
  }

  /// A later name of an inode written already (st_nlink > 1) becomes a
  /// hard link entry to the first name.
  bool linkToEarlier(const std::string& path, const struct stat& st) {
    if (st.st_nlink <= 1) return false;
    const auto [it, inserted] = links_.try_emplace({st.st_dev, st.st_ino}, path);
    if (inserted) return false;
    EntryPtr entry = newEntry(path, st);
    archive_entry_set_filetype(entry.get(), AE_IFREG);
    archive_entry_copy_hardlink(entry.get(), it->second.c_str());
    archive_entry_set_size(entry.get(), 0);
    writeHeader(entry.get(), path);
    return true;
  }

  std::string readLink(int dirFd, const std::string& name, const std::string& path,
                       const struct stat& st) {
    std::string target(static_cast<std::size_t>(st.st_size > 0 ? st.st_size : 256) + 1, '\0');
    for (;;) {
      const ssize_t n = ::readlinkat(dirFd, name.c_str(), target.data(), target.size());
      if (n < 0) readFailed(path, "readlink");
      if (static_cast<std::size_t>(n) < target.size()) {
        target.resize(static_cast<std::size_t>(n));
        return target;
      }
      target.resize(target.size() * 2);
    }
  }

  void addXattrs(archive_entry* entry, int fd, const std::string& path) {
    std::vector<char> names(1024);
    for (;;) {
      const ssize_t n = ::flistxattr(fd, names.data(), names.size());
      if (n >= 0) {
        names.resize(static_cast<std::size_t>(n));
        break;
      }
      if (errno == ENOTSUP) return;
      if (errno != ERANGE) readFailed(path, "list xattrs");
      names.resize(names.size() * 4);
    }
    std::vector<char> value(256);
    for (std::size_t at = 0; at < names.size();) {
      const std::string name(names.data() + at);
      at += name.size() + 1;
      if (!keepXattr(name)) continue;
      for (;;) {
        const ssize_t n = ::fgetxattr(fd, name.c_str(), value.data(), value.size());
        if (n >= 0) {
          archive_entry_xattr_add_entry(entry, name.c_str(), value.data(),
                                        static_cast<std::size_t>(n));
          break;
        }
        if (errno == ENODATA) break;  // removed since it was listed
        if (errno != ERANGE) readFailed(path, fmt::format("read xattr {}", name));
        value.resize(value.size() * 4);
      }
    }
  }

  void addRegular(int dirFd, const std::string& name, const std::string& path,
                  const struct stat& listed) {
    if (linkToEarlier(path, listed)) return;
    UniqueFd file(::openat(dirFd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC));
    if (!file) readFailed(path, "open");
    struct stat st {};
    if (::fstat(file.get(), &st) != 0) readFailed(path, "stat");
    EntryPtr entry = newEntry(path, st);
    archive_entry_set_size(entry.get(), st.st_size);
    addXattrs(entry.get(), file.get(), path);
    writeHeader(entry.get(), path);
    auto remaining = static_cast<std::uint64_t>(st.st_size);
    while (remaining > 0) {
      const ssize_t n = ::read(file.get(), buffer_.data(),
                               static_cast<std::size_t>(std::min<std::uint64_t>(
                                   remaining, static_cast<std::uint64_t>(buffer_.size()))));
      if (n < 0) {
        if (errno == EINTR) continue;
        readFailed(path, "read");
      }
      if (n == 0) break;  // shrank: libarchive pads the entry with zeros
      const char* data = buffer_.data();
      auto left = static_cast<std::size_t>(n);
      while (left > 0) {
        const la_ssize_t w = archive_write_data(archive_.get(), data, left);
        if (w <= 0) writeFailed(path);
        data += w;
        left -= static_cast<std::size_t>(w);
      }
      remaining -= static_cast<std::uint64_t>(n);
    }
    if (archive_write_finish_entry(archive_.get()) != ARCHIVE_OK) writeFailed(path);
  }

  void writeHeader(archive_entry* entry, const std::string& path) {
    const int r = archive_write_header(archive_.get(), entry);
    if (r == ARCHIVE_WARN) {
      logDebug("export: entry \"{}\": {}", path,
               archive_error_string(archive_.get()) ? archive_error_string(archive_.get()) : "");
      return;
    }
    if (r != ARCHIVE_OK) writeFailed(path);
  }

  const TreeTarOptions& options_;
  std::unique_ptr<archive, WriteArchiveFree> archive_;
  std::vector<char> buffer_;
  std::map<std::pair<dev_t, ino_t>, std::string> links_;
  bool finished_ = false;
};

}  // namespace

void writeTreeTar(const TreeTarOptions& options) {
  // libarchive takes names in the locale's charset and writes them as UTF-8
  // in pax records. In the "C" locale every non-ASCII name fails to convert
  // and gets a hdrcharset=BINARY record (which GNU tar warns about); with
  // C.UTF-8 a UTF-8 name (what Linux names practically are) passes as it
  // is, and only invalid bytes take that way. For this thread only.
  locale_t utf8 = ::newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(nullptr));
  locale_t previous = utf8 != nullptr ? ::uselocale(utf8) : nullptr;
  ScopeExit restore([utf8, previous] {
    if (utf8 == nullptr) return;
    ::uselocale(previous);
    ::freelocale(utf8);
  });
  TreeWriter writer(options);
  writer.run();
}

}  // namespace berth::image
