// SPDX-License-Identifier: Apache-2.0
#include <string>

#include "berth/base/error.hpp"
#include "berth/oci/image.hpp"
#include "berth/oci/json_fields.hpp"
#include "catch.hpp"

using namespace berth;
using namespace berth::oci;

namespace {

// Docker Hub's busybox manifest list and its linux/amd64 manifest, written by
// hand in the shape the registry serves them (3-space indentation and all).
const char* kBusyboxList = R"({
   "manifests": [
      {
         "digest": "sha256:023917ec6a886d0e8e15f28fb543515a5fcd8d938edb091e8147db4efed388ee",
         "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
         "platform": {
            "architecture": "amd64",
            "os": "linux"
         },
         "size": 528
      },
      {
         "digest": "sha256:4b7a6b8d4b7f0e9f41b5c0e6b9a4e8ab6b8d4f62a4cc1a44b7d5d44b1e6f2a1c",
         "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
         "platform": {
            "architecture": "arm",
            "os": "linux",
            "variant": "v7"
         },
         "size": 528
      },
      {
         "digest": "sha256:5e42fbc46b177f10319e8937dd39702e7891ce6d8a42d60c1b4f433f94200bd2",
         "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
         "platform": {
            "architecture": "arm64",
            "os": "linux",
            "variant": "v8"
         },
         "size": 528
      }
   ],
   "mediaType": "application\/vnd.docker.distribution.manifest.list.v2+json",
   "schemaVersion": 2
})";

const char* kBusyboxAmd64 = R"({
   "schemaVersion": 2,
   "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
   "config": {
      "mediaType": "application/vnd.docker.container.image.v1+json",
      "size": 1457,
      "digest": "sha256:a416a98b71e224a31ee99cff8e16063554498227d2b696152a9c3e0aa65e5824"
   },
   "layers": [
      {
         "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
         "size": 2219949,
         "digest": "sha256:3f4d90098f5b5a6f6a76e9d217da85aa39b2081e30fa1f7d287138d6e7bf0ad7"
      }
   ]
})";

// An OCI manifest as skopeo copy / podman push --format oci write it.
const char* kOciManifest =
    R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",)"
    R"("config":{"mediaType":"application/vnd.oci.image.config.v1+json",)"
    R"("digest":"sha256:7b9cc5ae2d2b1d5ec9b5b3f1a8a5b1a0c3c1d6b5a4f3e2d1c0b9a8f7e6d5c4b3","size":581},)"
    R"("layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip",)"
    R"("digest":"sha256:3f4d90098f5b5a6f6a76e9d217da85aa39b2081e30fa1f7d287138d6e7bf0ad7","size":2219949}],)"
    R"("annotations":{"org.opencontainers.image.base.name":"docker.io/library/busybox:latest"}})";

// An OCI layout's index.json naming a tag.
const char* kLayoutIndex =
    R"({"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json",)"
    R"("digest":"sha256:023917ec6a886d0e8e15f28fb543515a5fcd8d938edb091e8147db4efed388ee","size":407,)"
    R"("annotations":{"org.opencontainers.image.ref.name":"latest"}}]})";

const std::string kHexA(64, 'a');
const std::string kDigestA = "sha256:" + kHexA;

std::string manifestError(const std::string& text) {
  try {
    Manifest::fromJson(Json::parse(text), "blob x");
  } catch (const Error& e) {
    CHECK(e.kind() == Errc::InvalidArgument);
    return e.what();
  }
  FAIL("no error for " << text);
  return "";
}

std::string indexError(const std::string& text) {
  try {
    Index::fromJson(Json::parse(text), "index.json");
  } catch (const Error& e) {
    CHECK(e.kind() == Errc::InvalidArgument);
    return e.what();
  }
  FAIL("no error for " << text);
  return "";
}

std::string layer(std::string_view digest, std::string_view size = "10") {
  return std::string(R"({"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":")") +
         std::string(digest) + R"(","size":)" + std::string(size) + "}";
}

std::string manifestWithLayers(const std::string& layers) {
  return R"({"schemaVersion":2,"config":)" + layer(kDigestA) + R"(,"layers":[)" + layers + "]}";
}

}  // namespace

TEST_CASE("a Docker Hub manifest list parses with its platforms") {
  const auto index = Index::fromJson(Json::parse(kBusyboxList), "busybox list");
  CHECK(index.isDocker());
  CHECK(index.mediaType == kDockerManifestList);
  REQUIRE(index.manifests.size() == 3);
  CHECK(index.manifests[0].platform->architecture == "amd64");
  CHECK(index.manifests[0].platform->variant.empty());
  CHECK(index.manifests[1].platform->variant == "v7");
  CHECK(index.manifests[2].digest.hex() ==
        "5e42fbc46b177f10319e8937dd39702e7891ce6d8a42d60c1b4f433f94200bd2");
  CHECK(index.manifests[2].size == 528);
  // Read fields keep their place (Docker Hub writes digest first here).
  CHECK(index.toJson() == Json::parse(kBusyboxList));
  CHECK(index.toJson().dump() == Json::parse(kBusyboxList).dump());
}

TEST_CASE("a Docker v2s2 manifest parses and round-trips byte for byte") {
  const auto manifest = Manifest::fromJson(Json::parse(kBusyboxAmd64), "busybox amd64");
  CHECK(manifest.isDocker());
  CHECK(manifest.config.mediaType == kDockerConfig);
  CHECK(manifest.config.size == 1457);
  REQUIRE(manifest.layers.size() == 1);
  CHECK(manifest.layers[0].mediaType == kDockerLayer);
  CHECK(manifest.layers[0].size == 2219949);
  CHECK(encodeJson(manifest.toJson()) == Json::parse(kBusyboxAmd64).dump());
}

TEST_CASE("an OCI manifest and a layout index parse") {
  const auto manifest = Manifest::fromJson(Json::parse(kOciManifest), "oci manifest");
  CHECK_FALSE(manifest.isDocker());
  CHECK(manifest.annotations.at("org.opencontainers.image.base.name") ==
        "docker.io/library/busybox:latest");
  CHECK(encodeJson(manifest.toJson()) == kOciManifest);

  const auto index = Index::fromJson(Json::parse(kLayoutIndex), "index.json");
  CHECK(index.mediaType.empty());
  REQUIRE(index.manifests.size() == 1);
  CHECK(index.manifests[0].annotations.at(std::string(kAnnotationRefName)) == "latest");
  CHECK(encodeJson(index.toJson()) == kLayoutIndex);
}

TEST_CASE("manifests and descriptors built from scratch use Go's field order") {
  Manifest manifest;
  manifest.mediaType = kOciImageManifest;
  manifest.config = {std::string(kOciImageConfig), Digest::parse(kDigestA), 2, {}, {}, {}, {}, {}};
  Descriptor layerDescriptor;
  layerDescriptor.mediaType = kOciLayerGzip;
  layerDescriptor.digest = Digest::parse(kDigestA);
  layerDescriptor.size = 32;
  layerDescriptor.urls = {"https://example.com/l.tgz"};
  manifest.layers = {layerDescriptor};
  manifest.annotations = {{"z", "1"}, {"a", "2"}};
  CHECK(
      encodeJson(manifest.toJson()) ==
      R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",)"
      R"("config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":")" +
          kDigestA +
          R"(","size":2},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip",)"
          R"("digest":")" +
          kDigestA +
          R"(","size":32,"urls":["https://example.com/l.tgz"]}],"annotations":{"a":"2","z":"1"}})");

  manifest.mediaType = kDockerManifest;
  manifest.layers[0].mediaType = kDockerLayer;
  manifest.layers[0].urls.clear();
  manifest.annotations.clear();
  manifest.config.mediaType = kDockerConfig;
  CHECK(
      encodeJson(manifest.toJson()) ==
      R"({"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json",)"
      R"("config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":2,"digest":")" +
          kDigestA +
          R"("},"layers":[{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip",)"
          R"("size":32,"digest":")" +
          kDigestA + R"("}]})");

  Index index;
  index.mediaType = kOciImageIndex;
  Descriptor entry = layerDescriptor;
  entry.mediaType = kOciImageManifest;
  entry.urls.clear();
  entry.platform = Platform{"arm64", "linux", "", {}, "v8", Json::object()};
  index.manifests = {entry};
  CHECK(encodeJson(index.toJson()) ==
        R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json",)"
        R"("manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":")" +
            kDigestA +
            R"(","size":32,"platform":{"architecture":"arm64","os":"linux","variant":"v8"}}]})");
}

TEST_CASE("unknown fields survive a round trip, in place") {
  const std::string text =
      R"({"schemaVersion":2,"x-top":{"keep":[1,2]},"config":{"mediaType":"m","x-desc":true,)"
      R"("digest":")" +
      kDigestA + R"(","size":3,"data":"e30="},"layers":[],"annotations":{"k":"v"},"x-last":"z"})";
  auto manifest = Manifest::fromJson(Json::parse(text), "m");
  CHECK(encodeJson(manifest.toJson()) == text);

  manifest.annotations["k2"] = "v2";
  manifest.config.size = 4;
  const Json out = manifest.toJson();
  CHECK(out["x-top"] == Json::parse(R"({"keep":[1,2]})"));
  CHECK(out["x-last"] == "z");
  CHECK(out["config"]["x-desc"] == true);
  CHECK(out["config"]["data"] == "e30=");
  CHECK(out["config"]["size"] == 4);
  CHECK(out["annotations"] == Json::parse(R"({"k":"v","k2":"v2"})"));
  // Keys keep their order: x-top stays second, x-last last.
  auto it = out.begin();
  CHECK(it.key() == "schemaVersion");
  CHECK((++it).key() == "x-top");
  CHECK(std::prev(out.end()).key() == "x-last");

  // A cleared optional field disappears.
  manifest.annotations.clear();
  CHECK_FALSE(manifest.toJson().contains("annotations"));
}

TEST_CASE("invalid manifests name the document and the field") {
  CHECK(manifestError(R"({"schemaVersion":2,"layers":[]})") ==
        "blob x: manifest.config: missing required field");
  CHECK(manifestError(manifestWithLayers(layer(kDigestA, "-1"))) ==
        "blob x: manifest.layers[0].size: -1 is negative: expected a size in bytes");
  CHECK(manifestError(manifestWithLayers(layer(kDigestA) + "," + layer(kDigestA) + "," +
                                         layer("sha256:xyz"))) ==
        "blob x: manifest.layers[2].digest: invalid digest \"sha256:xyz\": expected "
        "sha256:<64 hex characters>");
  CHECK(manifestError(manifestWithLayers(layer(kDigestA, "\"10\""))) ==
        "blob x: manifest.layers[0].size: expected an integer, not a string");
  CHECK(manifestError(manifestWithLayers(layer(kDigestA, "1.5"))) ==
        "blob x: manifest.layers[0].size: expected an integer, not 1.5");
  CHECK(manifestError(R"({"schemaVersion":1,"config":{}})") ==
        "blob x: manifest.schemaVersion: unsupported schema version 1: expected 2");
  CHECK(manifestError(R"({"config":{}})") ==
        "blob x: manifest.schemaVersion: missing required field");
  CHECK(manifestError("[]") == "blob x: manifest: expected an object, not an array");
  CHECK(manifestError(R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json",)"
                      R"("config":{}})")
            .find("manifest.mediaType: \"application/vnd.oci.image.index.v1+json\" is not an "
                  "image manifest type") != std::string::npos);
  CHECK(manifestError(R"({"schemaVersion":2,"manifests":[],"config":{}})")
            .find("manifest.manifests: unexpected field") != std::string::npos);
  CHECK(manifestError(R"({"schemaVersion":2,"config":)" + layer(kDigestA) + R"(,"layers":{}})") ==
        "blob x: manifest.layers: expected an array of objects, not an object");
  CHECK(
      manifestError(R"({"schemaVersion":2,"config":{"digest":")" + kDigestA + R"(","size":1}})") ==
      "blob x: manifest.config.mediaType: missing required field");
  CHECK(manifestError(R"({"schemaVersion":2,"config":)" + layer(kDigestA) +
                      R"(,"annotations":{"a":1}})") ==
        "blob x: manifest.annotations[\"a\"]: expected a string, not a number");
  CHECK(manifestError(R"({"schemaVersion":2,"config":{"mediaType":"m","size":1}})") ==
        "blob x: manifest.config.digest: missing required field");
}

TEST_CASE("invalid indexes name the document and the field") {
  CHECK(indexError(R"({"schemaVersion":2})") ==
        "index.json: index.manifests: missing required field");
  CHECK(indexError(R"({"schemaVersion":2,"manifests":[{"mediaType":"m","digest":")" + kDigestA +
                   R"(","size":1},{"mediaType":"m","digest":")" + kDigestA +
                   R"(","size":1,"platform":{"architecture":"amd64"}}]})") ==
        "index.json: index.manifests[1].platform.os: missing required field");
  CHECK(indexError(R"({"schemaVersion":2,"manifests":[],"config":{}})")
            .find("index.config: unexpected field") != std::string::npos);
  CHECK(indexError(R"({"schemaVersion":3,"manifests":[]})") ==
        "index.json: index.schemaVersion: unsupported schema version 3: expected 2");
  CHECK(indexError(R"({"schemaVersion":2,"manifests":[3]})") ==
        "index.json: index.manifests[0]: expected an object, not a number");
}

TEST_CASE("json field helpers") {
  CHECK(isRfc3339("2023-05-19T20:19:07.468578455Z"));
  CHECK(isRfc3339("2024-02-29T00:00:00+01:00"));
  CHECK_FALSE(isRfc3339("2023-02-29T00:00:00Z"));
  CHECK_FALSE(isRfc3339("2023-05-19 20:19:07Z"));
  CHECK_FALSE(isRfc3339("2023-05-19T20:19:07"));
  CHECK_FALSE(isRfc3339("2023-13-01T00:00:00Z"));
  CHECK_FALSE(isRfc3339("yesterday"));
  CHECK(isEmptyJsonValue(Json(nullptr)));
  CHECK(isEmptyJsonValue(Json::array()));
  CHECK(isEmptyJsonValue(Json(0)));
  CHECK_FALSE(isEmptyJsonValue(Json("x")));

  Json record = Json::parse(R"({"a":null,"b":[1],"c":"x"})");
  putOptional(record, "a", Json::array());  // an empty value as read stays
  putOptional(record, "b", Json::array());  // a cleared value goes
  putOptional(record, "d", "");             // an empty new value is not added
  putOptional(record, "c", "y");
  CHECK(record.dump() == R"({"a":null,"c":"y"})");
}
