// SPDX-License-Identifier: Apache-2.0
#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <string>
#include <thread>
#include <vector>

#include "berth/base/error.hpp"
#include "berth/base/fs.hpp"
#include "berth/image/layer_extract.hpp"
#include "berth/image/sha256.hpp"
#include "catch.hpp"
#include "test_dir.hpp"

using namespace berth;
using namespace berth::image;

namespace {

struct TarEntry {
  std::string path;
  mode_t type = AE_IFREG;
  std::string content;  // file data, or the symlink / hard link target
  mode_t perm = 0644;
  int uid = -1;  // -1: the test's own ids (chown to others needs root)
  int gid = -1;
  bool hardlink = false;
};

/// Writes a tar (optionally gzip-compressed) with libarchive's writer.
std::string makeTar(const std::vector<TarEntry>& entries, bool gzip = false) {
  std::vector<char> buffer(4 << 20);
  size_t used = 0;
  archive* a = archive_write_new();
  archive_write_set_format_pax_restricted(a);
  if (gzip) archive_write_add_filter_gzip(a);
  archive_write_open_memory(a, buffer.data(), buffer.size(), &used);
  for (const auto& e : entries) {
    archive_entry* entry = archive_entry_new();
    archive_entry_set_pathname(entry, e.path.c_str());
    archive_entry_set_uid(entry, e.uid < 0 ? ::getuid() : static_cast<uid_t>(e.uid));
    archive_entry_set_gid(entry, e.gid < 0 ? ::getgid() : static_cast<gid_t>(e.gid));
    archive_entry_set_mtime(entry, 1000, 0);
    archive_entry_set_perm(entry, e.perm);
    if (e.hardlink) {
      archive_entry_set_filetype(entry, AE_IFREG);
      archive_entry_set_hardlink(entry, e.content.c_str());
      archive_entry_set_size(entry, 0);
    } else {
      archive_entry_set_filetype(entry, e.type);
      if (e.type == AE_IFLNK) archive_entry_set_symlink(entry, e.content.c_str());
      if (e.type == AE_IFREG)
        archive_entry_set_size(entry, static_cast<la_int64_t>(e.content.size()));
      if (e.type == AE_IFCHR) archive_entry_set_rdev(entry, makedev(1, 3));
    }
    archive_write_header(a, entry);
    if (e.type == AE_IFREG && !e.hardlink)
      archive_write_data(a, e.content.data(), e.content.size());
    archive_entry_free(entry);
  }
  archive_write_close(a);
  archive_write_free(a);
  return std::string(buffer.data(), used);
}

struct Layer {
  TestDir dir;
  std::string blob() const { return dir.path() + "/blob"; }
  std::string root() const { return dir.path() + "/diff"; }
  Layer() { makeDirs(dir.path() + "/diff"); }
  ExtractResult extract(const std::string& tar, bool rootless = ::getuid() != 0) {
    writeFileAtomic(blob(), tar, 0600, false);
    ExtractOptions options;
    options.rootless = rootless;
    return extractLayer(blob(), root(), options);
  }
};

std::string errorOf(Layer& layer, const std::string& tar) {
  try {
    layer.extract(tar);
  } catch (const Error& e) {
    CHECK(e.kind() == Errc::InvalidArgument);
    return e.what();
  }
  FAIL("extraction of a hostile layer succeeded");
  return "";
}

}  // namespace

TEST_CASE("a layer extracts with content, modes, links and the right diff id") {
  Layer layer;
  const std::string tar = makeTar({
      {"./", AE_IFDIR, "", 0755},
      {"bin/", AE_IFDIR, "", 0755},
      {"bin/tool", AE_IFREG, "#!/bin/sh\necho hi\n", 04755},
      {"bin/alias", AE_IFLNK, "tool"},
      {"bin/same", AE_IFREG, "bin/tool", 0644, -1, -1, true},
      {"etc/deep/config", AE_IFREG, "x=1\n", 0600},
  });
  const auto result = layer.extract(tar);
  CHECK(result.diffId == [&] {
    Sha256 h;
    h.update(tar);
    return h.digest();
  }());
  CHECK(result.uncompressedSize == tar.size());
  CHECK(readFile(layer.root() + "/bin/tool") == "#!/bin/sh\necho hi\n");
  struct stat st;
  REQUIRE(::stat((layer.root() + "/bin/tool").c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 04755);
  CHECK(st.st_mtime == 1000);
  CHECK(st.st_nlink == 2);  // bin/same is a hard link
  char target[64] = {};
  REQUIRE(::readlink((layer.root() + "/bin/alias").c_str(), target, sizeof(target) - 1) > 0);
  CHECK(std::string(target) == "tool");
  REQUIRE(::stat((layer.root() + "/etc/deep").c_str(), &st) == 0);  // implicit parent
  CHECK(S_ISDIR(st.st_mode));
  REQUIRE(::stat((layer.root() + "/bin").c_str(), &st) == 0);
  CHECK(st.st_mtime == 1000);  // directory times applied after its children
}

TEST_CASE("gzip layers extract and hash the uncompressed stream") {
  Layer layer;
  const std::vector<TarEntry> entries{{"a", AE_IFREG, "hello"}};
  const auto result = layer.extract(makeTar(entries, /*gzip=*/true));
  Sha256 h;
  h.update(makeTar(entries));
  CHECK(result.diffId == h.digest());
  CHECK(readFile(layer.root() + "/a") == "hello");
}

TEST_CASE("a layer extracts from a stream (a pipe fed by another thread) as from a file") {
  const auto fromPipe = [](int fd) -> LayerReader {
    return [fd](void* buffer, std::size_t size) {
      return static_cast<long>(::read(fd, buffer, size));
    };
  };
  Layer layer;
  const std::vector<TarEntry> entries{{"d/", AE_IFDIR, "", 0755},
                                      {"d/big", AE_IFREG, std::string(3 << 20, 'q')}};
  const std::string gz = makeTar(entries, /*gzip=*/true);
  ExtractOptions options;
  options.rootless = ::getuid() != 0;
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  std::thread writer([&] {
    for (std::size_t at = 0; at < gz.size(); at += 4096)
      writeAll(fds[1], std::string_view(gz).substr(at, 4096), "pipe");
    ::close(fds[1]);
  });
  const auto result = extractLayerStream(fromPipe(fds[0]), "streamed", layer.root(), options);
  writer.join();
  ::close(fds[0]);
  Sha256 h;
  h.update(makeTar(entries));
  CHECK(result.diffId == h.digest());
  CHECK(result.uncompressedSize == makeTar(entries).size());
  CHECK(readFile(layer.root() + "/d/big") == std::string(3 << 20, 'q'));

  // A stream cut short is an error.
  REQUIRE(::pipe(fds) == 0);
  writeAll(fds[1], std::string_view(gz).substr(0, gz.size() / 2), "pipe");
  ::close(fds[1]);
  Layer other;
  CHECK_THROWS_WITH(extractLayerStream(fromPipe(fds[0]), "cut", other.root(), options),
                    Catch::Contains("layer"));
  ::close(fds[0]);
}

TEST_CASE("whiteouts become 0/0 devices and opaque markers xattrs") {
  Layer layer;
  layer.extract(makeTar({
      {"dir/", AE_IFDIR, "", 0755},
      {"dir/.wh..wh..opq", AE_IFREG, ""},
      {"dir/.wh.gone", AE_IFREG, ""},
      {".wh.top", AE_IFREG, ""},
  }));
  struct stat st;
  REQUIRE(::lstat((layer.root() + "/dir/gone").c_str(), &st) == 0);
  CHECK(S_ISCHR(st.st_mode));
  CHECK(st.st_rdev == makedev(0, 0));
  REQUIRE(::lstat((layer.root() + "/top").c_str(), &st) == 0);
  CHECK(S_ISCHR(st.st_mode));
  CHECK_FALSE(pathExists(layer.root() + "/dir/.wh.gone"));
  CHECK_FALSE(pathExists(layer.root() + "/dir/.wh..wh..opq"));
  const char* xattr = ::getuid() != 0 ? "user.overlay.opaque" : "trusted.overlay.opaque";
  char value[8] = {};
  REQUIRE(::getxattr((layer.root() + "/dir").c_str(), xattr, value, sizeof(value)) == 1);
  CHECK(value[0] == 'y');
}

TEST_CASE("hostile layers are rejected and write nothing outside the layer") {
  Layer layer;
  const std::string outside = layer.dir.path() + "/outside";
  SECTION("parent escape") {
    CHECK_THAT(errorOf(layer, makeTar({{"../outside", AE_IFREG, "x"}})),
               Catch::Contains("\"../outside\"") && Catch::Contains(".."));
  }
  SECTION("absolute path") {
    CHECK_THAT(errorOf(layer, makeTar({{"/etc/x", AE_IFREG, "x"}})),
               Catch::Contains("\"/etc/x\": absolute path"));
  }
  SECTION("write through a symlink") {
    CHECK_THAT(
        errorOf(layer, makeTar({{"a", AE_IFLNK, layer.dir.path()}, {"a/outside", AE_IFREG, "x"}})),
        Catch::Contains("\"a/outside\"") && Catch::Contains("symlink"));
  }
  SECTION("hard link to a path outside the layer") {
    CHECK_THAT(errorOf(layer, makeTar({{"h", AE_IFREG, "../outside", 0644, -1, -1, true}})),
               Catch::Contains("\"h\""));
    CHECK_THAT(errorOf(layer, makeTar({{"h", AE_IFREG, "/etc/passwd", 0644, -1, -1, true}})),
               Catch::Contains("absolute path"));
  }
  SECTION("hard link through a symlink") {
    CHECK_THAT(errorOf(layer, makeTar({{"a", AE_IFLNK, "/etc"},
                                       {"h", AE_IFREG, "a/passwd", 0644, -1, -1, true}})),
               Catch::Contains("symlink"));
  }
  SECTION("truncated tar") {
    std::string tar = makeTar({{"big", AE_IFREG, std::string(100000, 'x')}});
    tar.resize(20000);
    CHECK_THAT(errorOf(layer, tar), Catch::Contains("layer"));
  }
  SECTION("not a tar at all") {
    CHECK_THAT(errorOf(layer, std::string(2000, 'z')), Catch::Contains("layer"));
  }
  CHECK_FALSE(pathExists(outside));
  CHECK(pathExists("/etc/passwd"));
}

TEST_CASE("device nodes: created as root, skipped with a warning rootless") {
  Layer layer;
  const auto result = layer.extract(makeTar({{"dev/null", AE_IFCHR, "", 0666}}), /*rootless=*/true);
  CHECK_FALSE(pathExists(layer.root() + "/dev/null"));
  REQUIRE(result.warnings.size() == 1);
  CHECK_THAT(result.warnings[0], Catch::Contains("dev/null"));
}
