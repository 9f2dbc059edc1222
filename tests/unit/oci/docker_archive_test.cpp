// SPDX-License-Identifier: Apache-2.0
#include <string>

#include "berth/base/error.hpp"
#include "berth/oci/docker_archive.hpp"
#include "berth/oci/json_encoding.hpp"
#include "berth/oci/media_types.hpp"
#include "catch.hpp"

using namespace berth;
using namespace berth::oci;

namespace {

const std::string kConfigHex = "a416a98b71e224a31ee99cff8e16063554498227d2b696152a9c3e0aa65e5824";
const std::string kLayerHex = "3f4d90098f5b5a6f6a76e9d217da85aa39b2081e30fa1f7d287138d6e7bf0ad7";

// As `podman save --format docker-archive busybox` writes it.
const std::string kManifestJson = R"([{"Config":")" + kConfigHex +
                                  R"(.json","RepoTags":["docker.io/library/busybox:latest"],)"
                                  R"("Layers":[")" +
                                  kLayerHex + R"(.tar"]}])";

std::string archiveError(const std::string& text) {
  try {
    parseDockerArchiveManifest(Json::parse(text), "busybox.tar");
  } catch (const Error& e) {
    CHECK(e.kind() == Errc::InvalidArgument);
    return e.what();
  }
  FAIL("no error for " << text);
  return "";
}

}  // namespace

TEST_CASE("a docker-archive manifest.json parses and round-trips") {
  const auto images = parseDockerArchiveManifest(Json::parse(kManifestJson), "busybox.tar");
  REQUIRE(images.size() == 1);
  CHECK(images[0].config == kConfigHex + ".json");
  CHECK(images[0].repoTags == std::vector<std::string>{"docker.io/library/busybox:latest"});
  CHECK(images[0].layers == std::vector<std::string>{kLayerHex + ".tar"});
  CHECK(images[0].parent.empty());
  CHECK(encodeJson(dockerArchiveManifestToJson(images)) == kManifestJson);
}

TEST_CASE("docker-archive entries built from scratch match containers/image's writer") {
  DockerArchiveImage image;
  image.config = kConfigHex + ".json";
  image.layers = {kLayerHex + ".tar"};
  CHECK(encodeJson(image.toJson()) == R"({"Config":")" + kConfigHex +
                                          R"(.json","RepoTags":[],"Layers":[")" + kLayerHex +
                                          R"(.tar"]})");

  Descriptor foreign;
  foreign.mediaType = kDockerForeignLayer;
  foreign.digest = Digest::parse("sha256:" + kLayerHex);
  foreign.size = 7;
  foreign.urls = {"https://example.com/layer"};
  image.layerSources.emplace(foreign.digest, foreign);
  image.parent = "sha256:" + kConfigHex;
  const std::string text = encodeJson(image.toJson());
  CHECK(text == R"({"Config":")" + kConfigHex + R"(.json","RepoTags":[],"Layers":[")" + kLayerHex +
                    R"(.tar"],"Parent":"sha256:)" + kConfigHex + R"(","LayerSources":{"sha256:)" +
                    kLayerHex +
                    R"(":{"mediaType":"application/vnd.docker.image.rootfs.foreign.diff.tar",)"
                    R"("size":7,"digest":"sha256:)" +
                    kLayerHex + R"(","urls":["https://example.com/layer"]}}})");
  const auto back = parseDockerArchiveManifest(Json::parse("[" + text + "]"), "x");
  REQUIRE(back.size() == 1);
  CHECK(back[0].layerSources.at(foreign.digest) == foreign);
}

TEST_CASE("docker-archive paths must stay inside the archive") {
  CHECK(isSafeArchivePath("abc.tar"));
  CHECK(isSafeArchivePath("abc/layer.tar"));
  CHECK(isSafeArchivePath("a..b/layer.tar"));
  CHECK_FALSE(isSafeArchivePath(""));
  CHECK_FALSE(isSafeArchivePath("/etc/passwd"));
  CHECK_FALSE(isSafeArchivePath("../x.tar"));
  CHECK_FALSE(isSafeArchivePath("a/../../x.tar"));
  CHECK_FALSE(isSafeArchivePath("a/.."));

  CHECK(archiveError(R"([{"Config":"c.json","Layers":["ok.tar","../../etc/shadow"]}])") ==
        "busybox.tar: manifest[0].Layers[1]: unsafe path \"../../etc/shadow\": expected a "
        "relative path inside the archive");
  CHECK(archiveError(R"([{"Config":"/c.json"}])") ==
        "busybox.tar: manifest[0].Config: unsafe path \"/c.json\": expected a relative path "
        "inside the archive");
  CHECK(archiveError(R"([{"Layers":[]}])") ==
        "busybox.tar: manifest[0].Config: missing required field");
  CHECK(archiveError(R"({"Config":"c.json"})") ==
        "busybox.tar: manifest: expected an array of images");
  CHECK(archiveError(R"([{"Config":"c.json","RepoTags":"busybox"}])") ==
        "busybox.tar: manifest[0].RepoTags: expected an array of strings, not a string");
  CHECK(archiveError(R"([{"Config":"c.json","LayerSources":{"sha256:bad":{}}}])") ==
        "busybox.tar: manifest[0].LayerSources[\"sha256:bad\"]: invalid digest \"sha256:bad\": "
        "expected sha256:<64 hex characters>");
}

TEST_CASE("the legacy repositories file") {
  const std::string text = R"({"docker.io/library/busybox":{"latest":")" + kLayerHex + R"("}})";
  const auto repositories = parseDockerRepositories(Json::parse(text), "repositories");
  CHECK(repositories.at("docker.io/library/busybox").at("latest") == kLayerHex);
  CHECK(encodeJson(dockerRepositoriesToJson(repositories)) == text);
  try {
    parseDockerRepositories(Json::parse(R"({"busybox":{"latest":1}})"), "repositories");
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(std::string(e.what()) ==
          "repositories: repositories[\"busybox\"][\"latest\"]: expected a layer id string");
  }
}
