// SPDX-License-Identifier: Apache-2.0
// save and import: Podman's bytes (legacy ids, import config) and round
// trips through a store in a temporary directory.
#include <archive.h>
#include <archive_entry.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "berth/base/error.hpp"
#include "berth/base/fs.hpp"
#include "berth/base/json.hpp"
#include "berth/base/sha256.hpp"
#include "berth/image/change.hpp"
#include "berth/image/import.hpp"
#include "berth/image/load.hpp"
#include "berth/image/save.hpp"
#include "berth/oci/json_encoding.hpp"
#include "catch.hpp"
#include "test_dir.hpp"

using namespace berth;
using namespace berth::image;

namespace {

// The busybox fixture's config and diff id, and what `podman save` (4.3.1)
// wrote for it: the legacy layer id and its json.
constexpr const char* kBusyboxConfig =
    R"({"created":"1970-01-01T00:00:00Z","architecture":"amd64","os":"linux","config":{"Env":)"
    R"(["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["/bin/sh"],)"
    R"("WorkingDir":"/"},"rootfs":{"type":"layers","diff_ids":["sha256:12efcadb695b8a341d091e)"
    R"(a6ecbe77f7ea7c10bd330a1c5bcd1c51a696658167"]},"history":[{"created":"1970-01-01T00:00:)"
    R"(00Z","created_by":"fixture: busybox-static rootfs"}]})";
constexpr const char* kDiff1 =
    "sha256:12efcadb695b8a341d091ea6ecbe77f7ea7c10bd330a1c5bcd1c51a696658167";
constexpr const char* kDiff2 =
    "sha256:f512ce9c18efa50e30685e02d2885c7a0ca16fc57b135f181dc33b23bd8fb0b9";
constexpr const char* kDiff3 =
    "sha256:25a25e7f228e12eece8bde8187a42cba74d12b58c5ba740f0ab3ce53439984fa";

struct TarFile {
  std::string path;
  std::string content;  ///< empty with `directory`
  bool directory = false;
};

/// A small plain tar at `path`, owned by the test's own ids.
void writeTar(const std::string& path, const std::vector<TarFile>& files) {
  archive* a = archive_write_new();
  archive_write_set_format_pax_restricted(a);
  REQUIRE(archive_write_open_filename(a, path.c_str()) == ARCHIVE_OK);
  for (const auto& file : files) {
    archive_entry* entry = archive_entry_new();
    archive_entry_set_pathname(entry, file.path.c_str());
    archive_entry_set_uid(entry, ::getuid());
    archive_entry_set_gid(entry, ::getgid());
    archive_entry_set_mtime(entry, 1000, 0);
    archive_entry_set_filetype(entry, file.directory ? AE_IFDIR : AE_IFREG);
    archive_entry_set_perm(entry, file.directory ? 0755 : 0644);
    archive_entry_set_size(entry, static_cast<la_int64_t>(file.content.size()));
    REQUIRE(archive_write_header(a, entry) == ARCHIVE_OK);
    if (!file.content.empty()) archive_write_data(a, file.content.data(), file.content.size());
    archive_entry_free(entry);
  }
  archive_write_close(a);
  archive_write_free(a);
}

state::StorePaths storeAt(const std::string& dir) {
  state::StorePaths paths;
  paths.graphRoot = dir + "/root";
  paths.runRoot = dir + "/run";
  return paths;
}

ImportOptions importOptions(const std::string& source, const std::string& name) {
  ImportOptions options;
  options.source = source;
  options.name = name;
  options.os = "linux";
  options.architecture = "amd64";
  return options;
}

}  // namespace

TEST_CASE("dockerLegacyLayers: the ids and json podman save writes") {
  const auto one = dockerLegacyLayers(parseJson(kBusyboxConfig, "config"), {kDiff1});
  REQUIRE(one.size() == 1);
  CHECK(one[0].id == "1fe1774f4ed21b66236b26b2024d047e9aa542725bfc74f44432d5b4dc44a2ae");
  CHECK(one[0].json ==
        R"({"architecture":"amd64","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:)"
        R"(/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["/bin/sh"],"WorkingDir":"/"},"container":null,)"
        R"("container_config":null,"created":"1970-01-01T00:00:00Z","docker_version":null,)"
        R"("id":"1fe1774f4ed21b66236b26b2024d047e9aa542725bfc74f44432d5b4dc44a2ae","os":"linux"})");
  // The 3-layer fixture: lower layers carry only id and parent.
  const auto three =
      dockerLegacyLayers(parseJson(kBusyboxConfig, "config"), {kDiff1, kDiff2, kDiff3});
  REQUIRE(three.size() == 3);
  CHECK(three[0].json ==
        R"({"id":"8bbb8b5c7fca4b3b64669fb71129b25054f983f64c1806acfd324015c6aa599d"})");
  CHECK(three[1].json ==
        R"({"id":"9152d2f3a35a8973779bdf4691adb2c1eb0efc260747102009330454ab775005",)"
        R"("parent":"8bbb8b5c7fca4b3b64669fb71129b25054f983f64c1806acfd324015c6aa599d"})");
  CHECK(three[2].id == "825285e2fe21130bfec1bbee86c92914b35eb8133c817b3ff5dfc5fdede314c4");
  CHECK(dockerLegacyLayers(Json::object(), {}).empty());
}

TEST_CASE("importConfig: the bytes podman import stored (same image id)") {
  ImportOptions options = importOptions("x", "");
  options.message = "my message";
  options.config = configFromChanges({"CMD [\"/bin/echo\",\"hi\"]", "ENV A=b C=d", "EXPOSE 443/udp",
                                      "LABEL \"x\"=\"y z\"", "USER 1000", "VOLUME /data /d2",
                                      "WORKDIR /w", "WORKDIR sub", "ENTRYPOINT /bin/sh -c",
                                      "STOPSIGNAL SIGTERM", "ONBUILD RUN x"});
  const std::string bytes =
      oci::encodeJson(importConfig(options, "2026-11-28T04:14:54.863394797Z", kDiff1).toJson());
  CHECK(sha256Digest(bytes) ==
        "sha256:0dea3c08ae54e2ae0a8027065bdf855dc1e22c63e0f5de285b2b45e674df9929");
  // Without a message Podman's tarball transport writes its own comment.
  const auto plain = importConfig(importOptions("x", ""), "1970-01-01T00:00:00Z", kDiff1);
  REQUIRE(plain.history.size() == 1);
  CHECK(plain.history[0].comment == "imported from tarball");
  CHECK(
      plain.history[0].createdBy ==
      "/bin/sh -c #(nop) ADD file:12efcadb695b8a341d091ea6ecbe77f7ea7c10bd330a1c5bcd1c51a696658167"
      " in /");
  CHECK(oci::encodeJson(plain.toJson()).find("\"config\":{}") != std::string::npos);
}

TEST_CASE("import, save, load: the same image in another store") {
  TestDir dir;
  const std::string tarball = dir.path() + "/rootfs.tar";
  writeTar(tarball, {{"etc/", "", true}, {"etc/hello", "hello\n"}, {"bin/", "", true}});
  const ImageStore store(storeAt(dir.path() + "/a"));
  ImportOptions options = importOptions(tarball, "localhost/t:1");
  options.config = configFromChanges({"CMD [\"/bin/x\"]"});
  const auto imported = importImage(store, options);
  const auto images = store.images();
  REQUIRE(images.size() == 1);
  CHECK(images[0].id() == imported.imageId);
  CHECK(images[0].names == std::vector<std::string>{"localhost/t:1"});
  const auto chain = store.layerChainIds(images[0]);
  REQUIRE(chain.size() == 1);
  CHECK(readFile(store.layerPath(chain[0]) + "/etc/hello") == "hello\n");
  CHECK(store.readConfig(images[0])["config"]["Cmd"] == Json::array({"/bin/x"}));

  for (const auto format : {SaveFormat::DockerArchive, SaveFormat::OciArchive}) {
    const bool docker = format == SaveFormat::DockerArchive;
    INFO((docker ? "docker-archive" : "oci-archive"));
    SaveOptions save;
    save.format = format;
    save.images = {"t:1"};
    save.output = dir.path() + (docker ? "/docker.tar" : "/oci.tar");
    saveImages(store, save);
    const ImageStore other(storeAt(dir.path() + (docker ? "/b" : "/c")));
    LoadOptions load;
    load.input = save.output;
    const auto loaded = loadArchive(other, load);
    CHECK(loaded.imageIds == std::vector<std::string>{imported.imageId});
    CHECK(loaded.names == std::vector<std::string>{"localhost/t:1"});
    // oci-archive keeps the manifest as stored.
    if (!docker) CHECK(other.images()[0].manifestDigest == images[0].manifestDigest);
  }
}

TEST_CASE("save failures leave nothing behind") {
  TestDir dir;
  const std::string tarball = dir.path() + "/rootfs.tar";
  writeTar(tarball, {{"a", "a\n"}});
  const ImageStore store(storeAt(dir.path() + "/s"));
  importImage(store, importOptions(tarball, "localhost/t:1"));
  makeDirs(dir.path() + "/out");
  SaveOptions save;
  save.output = dir.path() + "/out/x.tar";
  save.images = {"t:1", "nosuch"};
  try {
    saveImages(store, save);
    FAIL("saved an unknown image");
  } catch (const Error& e) {
    CHECK(e.kind() == Errc::NoSuchImage);
    CHECK(std::string(e.what()) == "nosuch: image not known");
  }
  CHECK(dir.entries("/out").empty());
  // A docker-archive is never written over a non-empty file (as Podman).
  writeFileAtomic(save.output, "keep", 0644, false);
  save.images = {"t:1"};
  CHECK_THROWS_WITH(saveImages(store, save),
                    "docker-archive doesn't support modifying existing images");
  CHECK(readFile(save.output) == "keep");
  CHECK(dir.entries("/out") == std::vector<std::string>{"x.tar"});
  // An oci-archive replaces it, atomically.
  save.format = SaveFormat::OciArchive;
  saveImages(store, save);
  CHECK(readFile(save.output).size() > 1024);
  CHECK(dir.entries("/out") == std::vector<std::string>{"x.tar"});
}

TEST_CASE("import failures name the input and store nothing") {
  TestDir dir;
  const ImageStore store(storeAt(dir.path() + "/s"));
  writeFileAtomic(dir.path() + "/junk", "not a tar archive at all", 0644, false);
  try {
    importImage(store, importOptions(dir.path() + "/junk", ""));
    FAIL("imported junk");
  } catch (const Error& e) {
    CHECK(std::string(e.what()).rfind("import " + dir.path() + "/junk: ", 0) == 0);
  }
  CHECK(store.images().empty());
  CHECK(dir.entries("/s/root/images/tmp").empty());
  CHECK(dir.entries("/s/root/layers").empty());
  CHECK_THROWS_WITH(importImage(store, importOptions(dir.path() + "/none.tar", "")),
                    "import: open \"" + dir.path() + "/none.tar\": No such file or directory");
}
