// SPDX-License-Identifier: Apache-2.0
// Engine image operations against a real store on disk: an image written
// through ImageStore (no archive plugin needed) and a container record
// written through ContainerStore, as `create` will write it.
#include <unistd.h>

#include "berth/base/fs.hpp"
#include "berth/base/sha256.hpp"
#include "berth/engine/engine.hpp"
#include "berth/image/store.hpp"
#include "berth/state/container_store.hpp"
#include "catch.hpp"
#include "test_dir.hpp"

using namespace berth;

namespace {

/// A layerless image named `name`; returns its id.
std::string addImage(const image::ImageStore& store, const std::string& name) {
  FileLock writing = store.writerLock();
  store.initialize();
  const std::string config =
      R"({"created":"2024-01-02T03:04:05Z","architecture":"amd64","os":"linux",)"
      R"("config":{"Cmd":["/bin/sh"],"Labels":{"name":")" +
      name + R"("}},"rootfs":{"type":"layers","diff_ids":[]}})";
  const std::string configDigest = sha256Digest(config);
  const std::string manifest =
      R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",)"
      R"("config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":")" +
      configDigest + R"(","size":)" + std::to_string(config.size()) + R"(},"layers":[]})";
  const std::string manifestDigest = sha256Digest(manifest);
  writeFileAtomic(store.tempDir() + "/c", config, 0644, false);
  store.commitBlob(store.tempDir() + "/c", configDigest);
  writeFileAtomic(store.tempDir() + "/m", manifest, 0644, false);
  store.commitBlob(store.tempDir() + "/m", manifestDigest);
  image::StoredImage stored;
  stored.manifestDigest = manifestDigest;
  stored.manifestSize = static_cast<std::int64_t>(manifest.size());
  stored.manifestMediaType = "application/vnd.oci.image.manifest.v1+json";
  stored.configDigest = configDigest;
  stored.names = {name};
  store.addImage(stored);
  return stored.id();
}

}  // namespace

TEST_CASE("rmi refuses an image a container uses unless forced", "[engine][images]") {
  if (::geteuid() != 0) {
    WARN("root only: rootless, removal enters the user namespace of berth-pause");
    return;
  }
  TestDir dir;
  engine::EngineOptions options;
  options.paths.graphRoot = dir.path() + "/root";
  options.paths.runRoot = dir.path() + "/run";
  const engine::Engine engine(options);
  const image::ImageStore store(engine.paths());
  const std::string id = addImage(store, "localhost/used:latest");
  const std::string other = addImage(store, "localhost/unused:latest");

  state::prepareStore(engine.paths());
  state::ContainerStore containers(engine.paths());
  state::ContainerConfig config;
  config.id = std::string(64, 'a');
  config.name = "user";
  config.imageName = "localhost/used:latest";
  config.imageId = id;
  containers.create(config, state::ContainerState{});

  const Json list = engine.listImages({});
  REQUIRE(list.size() == 2);
  CHECK(list[0]["Containers"] == 1);
  CHECK(list[1]["Containers"] == 0);
  CHECK(engine.listImages({"containers=true"}).size() == 1);

  auto report = engine.removeImages({"localhost/used"}, false, false);
  CHECK(report.exitCode == 2);
  REQUIRE(report.errors.size() == 1);
  CHECK(report.errors[0] == "image used by " + config.id +
                                ": image is in use by a container: consider listing external "
                                "containers and force-removing image");
  CHECK(report.deleted.empty());
  CHECK(engine.imageExists("localhost/used"));

  // prune -a keeps it too; the unused one goes.
  CHECK(engine.pruneImages(true) == std::vector<std::string>{other});
  CHECK(engine.imageExists("localhost/used"));

  report = engine.removeImages({"localhost/used"}, true, false);
  CHECK(report.exitCode == 0);
  CHECK(report.deleted == std::vector<std::string>{id});
  CHECK_FALSE(engine.imageExists("localhost/used"));
}
