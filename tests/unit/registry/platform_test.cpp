// SPDX-License-Identifier: Apache-2.0
#include "berth/registry/platform.hpp"
#include "berth/base/error.hpp"
#include "berth/base/json.hpp"
#include "catch.hpp"

using namespace berth;
using namespace berth::registry;

namespace {

const std::string kHex = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde";

oci::Index makeIndex(
    const std::vector<std::tuple<std::string, std::string, std::string>>& entries) {
  Json index = {{"schemaVersion", 2},
                {"mediaType", "application/vnd.oci.image.index.v1+json"},
                {"manifests", Json::array()}};
  int n = 0;
  for (const auto& [os, arch, variant] : entries) {
    Json platform = {{"architecture", arch}, {"os", os}};
    if (!variant.empty()) platform["variant"] = variant;
    index["manifests"].push_back({{"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                                  {"digest", "sha256:" + kHex + std::to_string(n++)},
                                  {"size", 100},
                                  {"platform", platform}});
  }
  return oci::Index::fromJson(index, "test");
}

}  // namespace

TEST_CASE("selectManifest: os and architecture must match") {
  const auto index =
      makeIndex({{"linux", "arm64", "v8"}, {"linux", "amd64", ""}, {"windows", "amd64", ""}});
  CHECK(selectManifest(index, PlatformWant{"linux", "amd64", ""}) == 1u);
  CHECK(selectManifest(index, PlatformWant{"windows", "amd64", ""}) == 2u);
  CHECK(selectManifest(index, PlatformWant{"linux", "arm64", ""}) == 0u);
  CHECK_FALSE(selectManifest(index, PlatformWant{"linux", "s390x", ""}));
  CHECK(noMatchMessage(PlatformWant{"linux", "s390x", ""}) ==
        "no image found in image index for architecture s390x, variant \"\", OS linux");
}

TEST_CASE("selectManifest: variants, best first") {
  const auto arm =
      makeIndex({{"linux", "arm", "v6"}, {"linux", "arm", "v7"}, {"linux", "arm", "v5"}});
  CHECK(selectManifest(arm, PlatformWant{"linux", "arm", ""}) == 1u);
  CHECK(selectManifest(arm, PlatformWant{"linux", "arm", "v6"}) == 0u);
  CHECK_FALSE(selectManifest(arm, PlatformWant{"linux", "arm", "v8"}));
  const auto arm64 = makeIndex({{"linux", "arm64", ""}, {"linux", "arm64", "v8"}});
  CHECK(selectManifest(arm64, PlatformWant{"linux", "arm64", ""}) == 1u);
  const auto amd = makeIndex({{"linux", "amd64", "v3"}, {"linux", "amd64", ""}});
  CHECK(selectManifest(amd, PlatformWant{"linux", "amd64", ""}) == 1u);
}

TEST_CASE("--platform parsing") {
  auto want = parsePlatformFlags("linux/arm64/v8", "", "", "");
  CHECK(want.os == "linux");
  CHECK(want.architecture == "arm64");
  CHECK(want.variant == "v8");
  want = parsePlatformFlags("", "", "arm", "v7");
  CHECK(want.architecture == "arm");
  CHECK(want.variant == "v7");
  CHECK_THROWS_AS(parsePlatformFlags("linux/amd64", "", "arm64", ""), Error);
  CHECK_THROWS_AS(parsePlatformFlags("linux//x", "", "", ""), Error);
  CHECK_THROWS_AS(parsePlatformFlags("a/b/c/d", "", "", ""), Error);
}
