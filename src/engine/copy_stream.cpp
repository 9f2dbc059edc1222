// SPDX-License-Identifier: Apache-2.0
// berth cp's file work. Every path inside a container is opened with
// openat2(RESOLVE_IN_ROOT) on an fd of the container's root, and every last
// component is created, replaced, chowned and chmodded through an fd or
// with *at(..., AT_SYMLINK_NOFOLLOW): a symlink the container planted
// (/etc -> the host's /etc, ../../../../etc) is resolved inside the
// container's root, never on the host.
#include "berth/engine/copy_stream.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <map>

#include "berth/base/error.hpp"
#include "berth/base/fs.hpp"
#include "berth/base/log.hpp"

namespace berth::engine::detail {

namespace {

constexpr std::size_t kBlock = 512;

std::string relativeTo(const std::string& path) {
  // openat2 takes the path relative to the root fd; "/" is the root itself.
  std::size_t start = 0;
  while (start < path.size() && path[start] == '/')
    ++start;
  return start == path.size() ? std::string(".") : path.substr(start);
}

std::string joinPath(const std::string& dir, const std::string& name) {
  if (name.empty()) return dir;
  return dir == "/" ? "/" + name : dir + "/" + name;
}

std::string parentOf(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == 0 || slash == std::string::npos) return "/";
  return path.substr(0, slash);
}

std::string baseOf(const std::string& path) {
  return path.substr(path.rfind('/') + 1);
}

std::vector<std::string> splitPath(const std::string& path) {
  std::vector<std::string> parts;
  std::size_t pos = 0;
  while (pos <= path.size()) {
    auto next = path.find('/', pos);
    if (next == std::string::npos) next = path.size();
    if (next > pos) parts.push_back(path.substr(pos, next - pos));
    pos = next + 1;
  }
  return parts;
}

std::string readLinkAt(int fd, const char* name, const std::string& what) {
  std::string target(4096, '\0');
  const ssize_t n = ::readlinkat(fd, name, target.data(), target.size());
  if (n < 0) throwErrno("readlink {}", what);
  target.resize(static_cast<std::size_t>(n));
  return target;
}

void writeFull(int fd, const char* data, std::size_t size, const std::string& what) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throwErrno("write {}", what);
    data += n;
    size -= static_cast<std::size_t>(n);
  }
}

/// Reads exactly `size` bytes; false at a clean end of stream (nothing read).
bool readFull(int fd, char* data, std::size_t size) {
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = ::read(fd, data + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throwErrno("read the tar stream");
    if (n == 0) {
      if (done == 0) return false;
      throwError(Errc::InvalidArgument, "read the tar stream: unexpected end of archive");
    }
    done += static_cast<std::size_t>(n);
  }
  return true;
}

// ------------------------------------------------------------------ walk

/// Podman's cp ignores what it may not read (IgnoreUnreadable): in a
/// rootless container, the terminal devices belong to the host's root.
bool unreadable(const std::string& path) {
  if (errno != EACCES && errno != EPERM) return false;
  logDebug("cp: skipping {}: {}", path, std::strerror(errno));
  return true;
}

class Walker {
 public:
  Walker(CopySink& sink) : sink_(sink) {}

  void entry(int dirFd, const char* name, const struct stat& st, const std::string& entryName,
             const std::string& path) {
    CopyEntry e;
    e.name = entryName;
    e.mode = st.st_mode & 07777;
    e.uid = st.st_uid;
    e.gid = st.st_gid;
    e.mtime = st.st_mtim.tv_sec;
    if (!S_ISDIR(st.st_mode) && st.st_nlink > 1) {
      const auto key = std::make_pair(st.st_dev, st.st_ino);
      if (auto it = links_.find(key); it != links_.end()) {
        e.type = '1';
        e.link = it->second;
        sink_.put(e, nullptr);
        return;
      }
      links_.emplace(key, entryName);
    }
    if (S_ISREG(st.st_mode)) {
      UniqueFd fd(::openat(dirFd, name, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC));
      if (!fd && unreadable(path)) {
        links_.erase(std::make_pair(st.st_dev, st.st_ino));
        return;
      }
      if (!fd) throwErrno("open {}", path);
      e.type = '0';
      e.size = static_cast<std::uint64_t>(st.st_size);
      // A file that shrinks while read is padded, one that grows is cut:
      // the header announced st_size.
      std::uint64_t left = e.size;
      sink_.put(e, [&fd, &left, &path](char* buffer, std::size_t n) -> std::size_t {
        if (left == 0) return 0;
        const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(n, left));
        ssize_t got;
        while ((got = ::read(fd.get(), buffer, want)) < 0 && errno == EINTR) {
        }
        if (got < 0) throwErrno("read {}", path);
        if (got == 0) {
          std::memset(buffer, 0, want);
          got = static_cast<ssize_t>(want);
        }
        left -= static_cast<std::uint64_t>(got);
        return static_cast<std::size_t>(got);
      });
    } else if (S_ISDIR(st.st_mode)) {
      e.type = '5';
      sink_.put(e, nullptr);
      UniqueFd fd(::openat(dirFd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!fd && unreadable(path)) return;
      if (!fd) throwErrno("open {}", path);
      children(fd.get(), entryName, path);
    } else if (S_ISLNK(st.st_mode)) {
      e.type = '2';
      e.link = readLinkAt(dirFd, name, path);
      sink_.put(e, nullptr);
    } else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
      e.type = S_ISCHR(st.st_mode) ? '3' : '4';
      e.devMajor = major(st.st_rdev);
      e.devMinor = minor(st.st_rdev);
      sink_.put(e, nullptr);
    } else if (S_ISFIFO(st.st_mode)) {
      e.type = '6';
      sink_.put(e, nullptr);
    }
    // Sockets are not archived (as tar and Podman do).
  }

  /// Everything below the directory `dirFd`, names prefixed with `prefix/`.
  void children(int dirFd, const std::string& prefix, const std::string& path) {
    std::vector<std::string> names;
    {
      const int dup = ::fcntl(dirFd, F_DUPFD_CLOEXEC, 0);
      if (dup < 0) throwErrno("dup");
      DIR* dir = ::fdopendir(dup);
      if (dir == nullptr) {
        ::close(dup);
        throwErrno("open directory {}", path);
      }
      ::rewinddir(dir);
      errno = 0;
      while (const dirent* d = ::readdir(dir)) {
        if (std::strcmp(d->d_name, ".") != 0 && std::strcmp(d->d_name, "..") != 0)
          names.emplace_back(d->d_name);
      }
      const int err = errno;
      ::closedir(dir);
      if (err != 0) throwErrnoValue(err, "read directory " + path);
    }
    std::sort(names.begin(), names.end());
    for (const auto& name : names) {
      struct stat st {};
      const std::string childPath = joinPath(path, name);
      if (::fstatat(dirFd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno == ENOENT) continue;  // removed meanwhile (a running container)
        throwErrno("stat {}", childPath);
      }
      entry(dirFd, name.c_str(), st, prefix.empty() ? name : prefix + "/" + name, childPath);
    }
  }

 private:
  CopySink& sink_;
  std::map<std::pair<dev_t, ino_t>, std::string> links_;
};

// ------------------------------------------------------------------ tar

void putOctal(char* field, std::size_t width, std::uint64_t value) {
  // width-1 zero-padded digits and a NUL, as GNU tar and Go write them.
  for (std::size_t i = width - 1; i-- > 0;) {
    field[i] = static_cast<char>('0' + (value & 7));
    value >>= 3;
  }
  field[width - 1] = '\0';
}

bool fitsOctal(std::uint64_t value, std::size_t width) {
  return value < (std::uint64_t{1} << (3 * (width - 1)));
}

void putString(char* field, std::size_t width, const std::string& value) {
  std::memcpy(field, value.data(), std::min(width, value.size()));
}

/// One pax record: "<length> key=value\n", the length counting itself.
std::string paxRecord(const std::string& key, const std::string& value) {
  const std::size_t body = key.size() + value.size() + 3;  // ' ' '=' '\n'
  std::size_t length = body + 1;
  while (std::to_string(length).size() + body != length)
    length = std::to_string(length).size() + body;
  return std::to_string(length) + " " + key + "=" + value + "\n";
}

std::string headerBlock(const std::string& name, char type, unsigned mode, std::uint64_t uid,
                        std::uint64_t gid, std::uint64_t size, std::int64_t mtime,
                        const std::string& link, unsigned devMajor, unsigned devMinor) {
  std::string block(kBlock, '\0');
  char* h = block.data();
  putString(h, 100, name);
  putOctal(h + 100, 8, mode);
  putOctal(h + 108, 8, fitsOctal(uid, 8) ? uid : 0);
  putOctal(h + 116, 8, fitsOctal(gid, 8) ? gid : 0);
  putOctal(h + 124, 12, fitsOctal(size, 12) ? size : 0);
  putOctal(h + 136, 12, mtime > 0 ? static_cast<std::uint64_t>(mtime) : 0);
  h[156] = type;
  putString(h + 157, 100, link);
  std::memcpy(h + 257,
              "ustar\0"
              "00",
              8);
  if (type == '3' || type == '4') {
    putOctal(h + 329, 8, devMajor);
    putOctal(h + 337, 8, devMinor);
  }
  std::memset(h + 148, ' ', 8);
  unsigned sum = 0;
  for (std::size_t i = 0; i < kBlock; ++i)
    sum += static_cast<unsigned char>(h[i]);
  putOctal(h + 148, 7, sum);  // six digits, NUL, then the space kept
  h[155] = ' ';
  return block;
}

std::uint64_t parseNumber(const char* field, std::size_t width) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(field);
  if ((bytes[0] & 0x80) != 0) {  // base-256 (GNU)
    std::uint64_t value = bytes[0] & 0x3f;
    for (std::size_t i = 1; i < width; ++i)
      value = (value << 8) | bytes[i];
    return value;
  }
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < width && field[i] != '\0'; ++i) {
    if (field[i] == ' ') continue;
    if (field[i] < '0' || field[i] > '7')
      throwError(Errc::InvalidArgument, "read the tar stream: invalid number in a header");
    value = value * 8 + static_cast<std::uint64_t>(field[i] - '0');
  }
  return value;
}

std::string fieldString(const char* field, std::size_t width) {
  return std::string(field, strnlen(field, width));
}

bool checksumMatches(const char* h) {
  unsigned sum = 0;
  for (std::size_t i = 0; i < kBlock; ++i)
    sum += (i >= 148 && i < 156) ? ' ' : static_cast<unsigned char>(h[i]);
  std::uint64_t stored = 0;
  try {
    stored = parseNumber(h + 148, 8);
  } catch (const Error&) {
    return false;
  }
  return stored == sum;
}

void parsePax(const std::string& data, std::map<std::string, std::string>& out) {
  std::size_t pos = 0;
  while (pos < data.size()) {
    const auto space = data.find(' ', pos);
    if (space == std::string::npos) break;
    const std::size_t length = std::strtoull(data.substr(pos, space - pos).c_str(), nullptr, 10);
    if (length == 0 || pos + length > data.size()) break;
    const std::string record = data.substr(space + 1, pos + length - space - 2);
    if (const auto eq = record.find('='); eq != std::string::npos)
      out[record.substr(0, eq)] = record.substr(eq + 1);
    pos += length;
  }
}

[[noreturn]] void notATar(const unsigned char* b) {
  const bool compressed = (b[0] == 0x1f && b[1] == 0x8b) || (b[0] == 'B' && b[1] == 'Z') ||
                          (b[0] == 0xfd && b[1] == '7' && b[2] == 'z') ||
                          (b[0] == 0x28 && b[1] == 0xb5 && b[2] == 0x2f && b[3] == 0xfd);
  if (compressed)
    throwError(Errc::InvalidArgument,
               "source must be an uncompressed tar archive when copying from stdin (berth does "
               "not decompress it)");
  throwError(Errc::InvalidArgument,
             "source must be a (compressed) tar archive when copying from stdin");
}

// ------------------------------------------------------------- extract

/// The entry's name below the extraction dir: leading "/" and "./" go, ".."
/// is refused (a tar must not climb out of where it is extracted).
std::string sanitizeName(const std::string& name) {
  std::string out;
  for (const auto& part : splitPath(name)) {
    if (part == ".") continue;
    if (part == "..")
      throwError(Errc::InvalidArgument, "invalid tar entry \"{}\": a path with \"..\"", name);
    out += out.empty() ? part : "/" + part;
  }
  return out;
}

void removeTreeAt(int dirFd, const std::string& name, const std::string& path) {
  UniqueFd fd(::openat(dirFd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) throwErrno("open {}", path);
  std::vector<std::pair<std::string, bool>> children;
  {
    DIR* dir = ::fdopendir(::fcntl(fd.get(), F_DUPFD_CLOEXEC, 0));
    if (dir == nullptr) throwErrno("open directory {}", path);
    while (const dirent* d = ::readdir(dir))
      if (std::strcmp(d->d_name, ".") != 0 && std::strcmp(d->d_name, "..") != 0)
        children.emplace_back(d->d_name, d->d_type == DT_DIR);
    ::closedir(dir);
  }
  for (const auto& [child, isDir] : children) {
    if (isDir) {
      removeTreeAt(fd.get(), child, joinPath(path, child));
    } else if (::unlinkat(fd.get(), child.c_str(), 0) != 0) {
      throwErrno("remove {}", joinPath(path, child));
    }
  }
  if (::unlinkat(dirFd, name.c_str(), AT_REMOVEDIR) != 0) throwErrno("remove {}", path);
}

}  // namespace

// --------------------------------------------------------------- resolve

UniqueFd openInRoot(int rootFd, const std::string& path, int flags) {
  struct open_how how {};
  how.flags = static_cast<std::uint64_t>(flags | O_CLOEXEC);
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  const std::string relative = relativeTo(path);
  long fd;
  while ((fd = ::syscall(SYS_openat2, rootFd, relative.c_str(), &how, sizeof(how))) < 0 &&
         (errno == EINTR || errno == EAGAIN)) {
  }
  if (fd < 0) throwErrno("open {}", path);
  return UniqueFd(static_cast<int>(fd));
}

CopyPathFacts resolveInRoot(int rootFd, const std::string& path) {
  std::deque<std::string> todo;
  for (auto& part : splitPath(path))
    todo.push_back(std::move(part));
  std::vector<std::string> done;
  const auto current = [&done] {
    std::string out;
    for (const auto& part : done)
      out += "/" + part;
    return out.empty() ? std::string("/") : out;
  };
  int links = 0;
  CopyPathFacts facts;
  while (!todo.empty()) {
    std::string part = std::move(todo.front());
    todo.pop_front();
    if (part == ".") continue;
    if (part == "..") {
      if (!done.empty()) done.pop_back();
      continue;
    }
    const std::string candidate = joinPath(current(), part);
    struct open_how how {};
    how.flags = O_PATH | O_NOFOLLOW | O_CLOEXEC;
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    const std::string relative = relativeTo(candidate);
    const long fd = ::syscall(SYS_openat2, rootFd, relative.c_str(), &how, sizeof(how));
    if (fd < 0) {
      if (errno != ENOENT && errno != ENOTDIR) throwErrno("stat {}", candidate);
      facts.exists = false;
      std::string rest = candidate;
      for (const auto& left : todo)
        rest = joinPath(rest, left);
      facts.resolved = cleanPath(rest);
      return facts;
    }
    UniqueFd owned(static_cast<int>(fd));
    struct stat st {};
    if (::fstat(owned.get(), &st) != 0) throwErrno("stat {}", candidate);
    if (!S_ISLNK(st.st_mode)) {
      done.push_back(std::move(part));
      continue;
    }
    if (++links > 40) throwErrnoValue(ELOOP, "resolve " + path);
    const std::string target = readLinkAt(owned.get(), "", candidate);
    if (!target.empty() && target[0] == '/') done.clear();
    auto parts = splitPath(target);
    todo.insert(todo.begin(), parts.begin(), parts.end());
  }
  facts.resolved = current();
  UniqueFd fd = openInRoot(rootFd, facts.resolved, O_PATH);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) throwErrno("stat {}", facts.resolved);
  facts.exists = true;
  facts.isDir = S_ISDIR(st.st_mode);
  return facts;
}

// ------------------------------------------------------------------ walk

void walkTree(int rootFd, const std::string& path, const std::string& topName, CopySink& sink) {
  Walker walker(sink);
  if (topName.empty()) {
    UniqueFd dir = openInRoot(rootFd, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
    walker.children(dir.get(), "", path);
  } else {
    UniqueFd parent = openInRoot(rootFd, parentOf(path), O_PATH | O_DIRECTORY);
    const std::string name = path == "/" ? "." : baseOf(path);
    struct stat st {};
    if (::fstatat(parent.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
      throwErrno("stat {}", path);
    // openat on an O_PATH directory fd works for the files below it.
    walker.entry(parent.get(), name.c_str(), st, topName, path);
  }
  sink.finish();
}

// ------------------------------------------------------------------- tar

std::string encodeTarHeader(const CopyEntry& entry) {
  std::string name = entry.name;
  if (entry.type == '5') name += "/";
  const std::uint64_t uid = static_cast<std::uint64_t>(entry.uid);
  const std::uint64_t gid = static_cast<std::uint64_t>(entry.gid);
  std::string pax;
  if (name.size() > 100) pax += paxRecord("path", name);
  if (entry.link.size() > 100) pax += paxRecord("linkpath", entry.link);
  if (!fitsOctal(uid, 8)) pax += paxRecord("uid", std::to_string(uid));
  if (!fitsOctal(gid, 8)) pax += paxRecord("gid", std::to_string(gid));
  if (!fitsOctal(entry.size, 12)) pax += paxRecord("size", std::to_string(entry.size));
  std::string out;
  if (!pax.empty()) {
    // The pax header's own name, as Go's archive/tar names it.
    std::string paxName = "PaxHeaders.0/" + baseOf(entry.name);
    if (paxName.size() > 100) paxName.resize(100);
    out += headerBlock(paxName, 'x', 0644, 0, 0, pax.size(), entry.mtime, "", 0, 0);
    pax.resize((pax.size() + kBlock - 1) / kBlock * kBlock, '\0');
    out += pax;
  }
  out += headerBlock(name.substr(0, 100), entry.type, entry.mode, uid, gid,
                     entry.type == '0' ? entry.size : 0, entry.mtime, entry.link.substr(0, 100),
                     entry.devMajor, entry.devMinor);
  return out;
}

void TarWriterSink::writeBlock(const char* data, std::size_t size) {
  writeFull(fd_, data, size, label_);
}

void TarWriterSink::put(const CopyEntry& entry, const CopyDataReader& data) {
  const std::string header = encodeTarHeader(entry);
  writeBlock(header.data(), header.size());
  if (entry.type != '0' || entry.size == 0) return;
  std::vector<char> buffer(1 << 16);
  std::uint64_t written = 0;
  while (written < entry.size) {
    const std::size_t n = data(buffer.data(), buffer.size());
    if (n == 0) break;
    writeBlock(buffer.data(), n);
    written += n;
  }
  const std::size_t pad = static_cast<std::size_t>((kBlock - entry.size % kBlock) % kBlock);
  const char zeros[kBlock] = {};
  writeBlock(zeros, pad);
}

void TarWriterSink::finish() {
  const char zeros[2 * kBlock] = {};
  writeBlock(zeros, sizeof(zeros));
}

void readTar(int fd, CopySink& sink) {
  char h[kBlock];
  std::map<std::string, std::string> pax;
  std::string longName;
  std::string longLink;
  bool first = true;
  for (;;) {
    if (!readFull(fd, h, kBlock)) {
      if (first) notATar(reinterpret_cast<const unsigned char*>("\0\0\0\0"));
      break;
    }
    if (std::all_of(h, h + kBlock, [](char c) { return c == '\0'; })) break;
    if (!checksumMatches(h)) {
      if (first) notATar(reinterpret_cast<const unsigned char*>(h));
      throwError(Errc::InvalidArgument, "read the tar stream: a header's checksum is wrong");
    }
    first = false;
    const char type = h[156] == '\0' ? '0' : h[156];
    std::uint64_t size = parseNumber(h + 124, 12);
    // Metadata entries: their data is read whole.
    if (type == 'x' || type == 'g' || type == 'L' || type == 'K') {
      if (size > (16u << 20))
        throwError(Errc::InvalidArgument, "read the tar stream: a metadata entry is too large");
      std::string data(static_cast<std::size_t>((size + kBlock - 1) / kBlock * kBlock), '\0');
      if (!data.empty() && !readFull(fd, data.data(), data.size()))
        throwError(Errc::InvalidArgument, "read the tar stream: unexpected end of archive");
      data.resize(static_cast<std::size_t>(size));
      if (type == 'x') parsePax(data, pax);
      if (type == 'L') longName = data.substr(0, data.find('\0'));
      if (type == 'K') longLink = data.substr(0, data.find('\0'));
      continue;
    }
    CopyEntry e;
    e.type = type == '7' ? '0' : type;
    std::string name = fieldString(h, 100);
    const std::string prefix = fieldString(h + 345, 155);
    if (std::memcmp(h + 257, "ustar", 5) == 0 && !prefix.empty()) name = prefix + "/" + name;
    if (!longName.empty()) name = longName;
    if (auto it = pax.find("path"); it != pax.end()) name = it->second;
    e.link = fieldString(h + 157, 100);
    if (!longLink.empty()) e.link = longLink;
    if (auto it = pax.find("linkpath"); it != pax.end()) e.link = it->second;
    e.mode = static_cast<unsigned>(parseNumber(h + 100, 8) & 07777);
    e.uid = static_cast<std::int64_t>(parseNumber(h + 108, 8));
    e.gid = static_cast<std::int64_t>(parseNumber(h + 116, 8));
    if (auto it = pax.find("uid"); it != pax.end()) e.uid = std::stoll(it->second);
    if (auto it = pax.find("gid"); it != pax.end()) e.gid = std::stoll(it->second);
    if (auto it = pax.find("size"); it != pax.end()) size = std::stoull(it->second);
    e.mtime = static_cast<std::int64_t>(parseNumber(h + 136, 12));
    if (auto it = pax.find("mtime"); it != pax.end()) e.mtime = std::stoll(it->second);
    e.devMajor = static_cast<unsigned>(parseNumber(h + 329, 8));
    e.devMinor = static_cast<unsigned>(parseNumber(h + 337, 8));
    pax.clear();
    longName.clear();
    longLink.clear();
    if (!name.empty() && name.back() == '/') {
      if (e.type == '0') e.type = '5';
      while (!name.empty() && name.back() == '/')
        name.pop_back();
    }
    e.name = name;
    // Only regular files carry data that is theirs; skip anything else's.
    const std::uint64_t dataSize = size;
    if (e.type == '0') e.size = size;
    std::uint64_t left = e.type == '0' ? size : 0;
    if (e.type == '0' || e.type == '1' || e.type == '2' || e.type == '3' || e.type == '4' ||
        e.type == '5' || e.type == '6') {
      sink.put(e, [fd, &left](char* buffer, std::size_t n) -> std::size_t {
        if (left == 0) return 0;
        const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(n, left));
        if (!readFull(fd, buffer, want))
          throwError(Errc::InvalidArgument, "read the tar stream: unexpected end of archive");
        left -= want;
        return want;
      });
    }
    // What the sink did not read, and the padding.
    std::uint64_t skip = (e.type == '0' ? left : dataSize) + (kBlock - dataSize % kBlock) % kBlock;
    char buffer[kBlock];
    while (skip > 0) {
      const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(skip, kBlock));
      if (!readFull(fd, buffer, n))
        throwError(Errc::InvalidArgument, "read the tar stream: unexpected end of archive");
      skip -= n;
    }
  }
  sink.finish();
}

// --------------------------------------------------------------- extract

UniqueFd ExtractSink::parentDir(const std::string& path) {
  try {
    return openInRoot(rootFd_, path, O_PATH | O_DIRECTORY);
  } catch (const Error& e) {
    if (e.sysErrno() != ENOENT || path == "/") throw;
  }
  // A stream without entries for its directories: make them.
  UniqueFd parent = parentDir(parentOf(path));
  if (::mkdirat(parent.get(), baseOf(path).c_str(), 0755) != 0 && errno != EEXIST)
    throwErrno("mkdir {}", path);
  return openInRoot(rootFd_, path, O_PATH | O_DIRECTORY);
}

void ExtractSink::setOwner(int fd, const char* name, int flags, const CopyEntry& entry,
                           const std::string& path) {
  const uid_t uid = policy_.chownTo ? policy_.chownTo->first : static_cast<uid_t>(entry.uid);
  const gid_t gid = policy_.chownTo ? policy_.chownTo->second : static_cast<gid_t>(entry.gid);
  if (::fchownat(fd, name, uid, gid, flags) != 0) throwErrno("chown {} to {}:{}", path, uid, gid);
}

void ExtractSink::put(const CopyEntry& entry, const CopyDataReader& data) {
  const std::string name = sanitizeName(entry.name);
  if (name.empty()) return;  // the extraction dir itself ("./")
  const std::string path = joinPath(dir_, name);
  UniqueFd parent = parentDir(parentOf(path));
  const std::string base = baseOf(path);
  const char* const leaf = base.c_str();

  struct stat existing {};
  const bool exists = ::fstatat(parent.get(), leaf, &existing, AT_SYMLINK_NOFOLLOW) == 0;
  if (exists) {
    const bool wasDir = S_ISDIR(existing.st_mode);
    const bool isDir = entry.type == '5';
    if (wasDir && isDir) {
      // Kept; its owner and mode are updated below.
    } else if (wasDir != isDir && !policy_.overwrite) {
      if (isDir)
        throwError(Errc::InvalidArgument,
                   "cannot overwrite non-directory \"{}\" with directory on {}", path,
                   policy_.where);
      throwError(Errc::InvalidArgument,
                 "cannot overwrite directory \"{}\" with non-directory on {}", path, policy_.where);
    } else if (wasDir) {
      removeTreeAt(parent.get(), base, path);
    } else if (::unlinkat(parent.get(), leaf, 0) != 0) {
      throwErrno("remove {}", path);
    }
  }

  switch (entry.type) {
    case '0': {
      UniqueFd fd(::openat(parent.get(), leaf,
                           O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, 0600));
      if (!fd) throwErrno("create {}", path);
      std::vector<char> buffer(1 << 16);
      for (;;) {
        const std::size_t n = data(buffer.data(), buffer.size());
        if (n == 0) break;
        writeFull(fd.get(), buffer.data(), n, path);
      }
      setOwner(fd.get(), "", AT_EMPTY_PATH, entry, path);
      if (::fchmod(fd.get(), entry.mode) != 0) throwErrno("chmod {}", path);
      const struct timespec times[2] = {{entry.mtime, 0}, {entry.mtime, 0}};
      ::futimens(fd.get(), times);
      return;
    }
    case '5': {
      if (!exists && ::mkdirat(parent.get(), leaf, 0700) != 0) throwErrno("mkdir {}", path);
      UniqueFd fd(::openat(parent.get(), leaf, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!fd) throwErrno("open {}", path);
      setOwner(fd.get(), "", AT_EMPTY_PATH, entry, path);
      if (::fchmod(fd.get(), entry.mode) != 0) throwErrno("chmod {}", path);
      dirTimes_.emplace_back(path, entry.mtime);
      return;
    }
    case '2': {
      if (::symlinkat(entry.link.c_str(), parent.get(), leaf) != 0) throwErrno("symlink {}", path);
      setOwner(parent.get(), leaf, AT_SYMLINK_NOFOLLOW, entry, path);
      const struct timespec times[2] = {{entry.mtime, 0}, {entry.mtime, 0}};
      ::utimensat(parent.get(), leaf, times, AT_SYMLINK_NOFOLLOW);
      return;
    }
    case '1': {
      const std::string target = joinPath(dir_, sanitizeName(entry.link));
      UniqueFd targetParent = openInRoot(rootFd_, parentOf(target), O_PATH | O_DIRECTORY);
      if (::linkat(targetParent.get(), baseOf(target).c_str(), parent.get(), leaf, 0) != 0)
        throwErrno("link {} to {}", path, target);
      return;
    }
    case '3':
    case '4':
    case '6': {
      const mode_t kind = entry.type == '3' ? S_IFCHR : entry.type == '4' ? S_IFBLK : S_IFIFO;
      if (::mknodat(parent.get(), leaf, kind | 0600, makedev(entry.devMajor, entry.devMinor)) !=
          0) {
        // Devices cannot be made in a user namespace: skipped, as Podman does.
        if (kind != S_IFIFO && (errno == EPERM || errno == EACCES)) return;
        throwErrno("mknod {}", path);
      }
      UniqueFd fd(::openat(parent.get(), leaf, O_PATH | O_NOFOLLOW | O_CLOEXEC));
      if (!fd) throwErrno("open {}", path);
      setOwner(fd.get(), "", AT_EMPTY_PATH, entry, path);
      // chmod through the fd's /proc link: the very inode, no path walk.
      const std::string self = "/proc/self/fd/" + std::to_string(fd.get());
      if (::chmod(self.c_str(), entry.mode) != 0) throwErrno("chmod {}", path);
      return;
    }
    default:
      return;  // other types (GNU sparse, ...) are skipped
  }
}

void ExtractSink::finish() {
  // Innermost first, so setting a directory's time is not undone by
  // creating something inside it.
  for (auto it = dirTimes_.rbegin(); it != dirTimes_.rend(); ++it) {
    try {
      UniqueFd fd = openInRoot(rootFd_, it->first, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
      const struct timespec times[2] = {{it->second, 0}, {it->second, 0}};
      ::futimens(fd.get(), times);
    } catch (const Error&) {
      // Times are best effort, as tar's.
    }
  }
}

}  // namespace berth::engine::detail
