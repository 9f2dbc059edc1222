// SPDX-License-Identifier: Apache-2.0
#include <string>
#include <unordered_set>

#include "berth/base/error.hpp"
#include "berth/oci/digest.hpp"
#include "berth/oci/json_encoding.hpp"
#include "berth/oci/media_types.hpp"
#include "catch.hpp"

using namespace berth;
using namespace berth::oci;

namespace {

const std::string kHex = "3f4d90098f5b5a6f6a76e9d217da85aa39b2081e30fa1f7d287138d6e7bf0ad7";

std::string errorOf(std::string_view text) {
  try {
    Digest::parse(text);
  } catch (const Error& e) {
    CHECK(e.kind() == Errc::InvalidArgument);
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("digests parse into algorithm and hex") {
  const auto digest = Digest::parse("sha256:" + kHex);
  CHECK(digest.algorithm() == "sha256");
  CHECK(digest.hex() == kHex);
  CHECK(digest.str() == "sha256:" + kHex);
  CHECK_FALSE(digest.empty());

  const std::string hex512(128, 'a');
  CHECK(Digest::parse("sha512:" + hex512).hex() == hex512);
  CHECK(Digest::parse("sha384:" + std::string(96, '0')).algorithm() == "sha384");
  CHECK(Digest::fromParts("sha256", kHex) == digest);

  const Digest empty;
  CHECK(empty.empty());
  CHECK(empty.algorithm().empty());
  CHECK(empty.hex().empty());
}

TEST_CASE("invalid digests are refused with a message naming them") {
  CHECK(errorOf("sha256:xyz") ==
        "invalid digest \"sha256:xyz\": expected sha256:<64 hex characters>");
  CHECK(errorOf("sha512:abc") ==
        "invalid digest \"sha512:abc\": expected sha512:<128 hex characters>");
  const std::string upper = "sha256:" + std::string(64, 'A');
  CHECK(errorOf(upper) == "invalid digest \"" + upper + "\": expected sha256:<64 hex characters>");
  CHECK(errorOf("sha256:" + kHex + "0").find("expected sha256:<64") != std::string::npos);
  CHECK(errorOf("md5:" + std::string(32, 'a')).find("invalid digest \"md5:") == 0);
  CHECK(errorOf(kHex).find(kHex) != std::string::npos);
  CHECK(errorOf("") == "invalid digest \"\": expected sha256:<64 hex characters>");
  CHECK(errorOf("sha256:") != "");
  CHECK_FALSE(Digest::tryParse("sha256:xyz"));
  CHECK(Digest::tryParse("sha256:" + kHex));
  CHECK(Digest::validationError("sha256:" + kHex).empty());
}

TEST_CASE("digests compare and hash by their text") {
  const auto a = Digest::parse("sha256:" + std::string(64, 'a'));
  const auto b = Digest::parse("sha256:" + std::string(64, 'b'));
  CHECK(a < b);
  CHECK(a != b);
  CHECK(a == Digest::parse(a.str()));
  std::unordered_set<Digest> set{a, b, Digest::parse(a.str())};
  CHECK(set.size() == 2);
  CHECK(set.count(b) == 1);
}

TEST_CASE("media types are classified") {
  CHECK(isManifestMediaType(kOciImageManifest));
  CHECK(isManifestMediaType(kDockerManifest));
  CHECK_FALSE(isManifestMediaType(kOciImageIndex));
  CHECK(isIndexMediaType(kDockerManifestList));
  CHECK(isConfigMediaType(kDockerConfig));
  CHECK(isLayerMediaType(kDockerLayer));
  CHECK(isLayerMediaType(kOciLayerNondistributableZstd));
  CHECK_FALSE(isLayerMediaType(kOciImageConfig));
  CHECK(isForeignLayerMediaType(kDockerForeignLayerGzip));
  CHECK_FALSE(isForeignLayerMediaType(kOciLayerGzip));
  CHECK(layerCompression(kOciLayerZstd) == Compression::Zstd);
  CHECK(layerCompression(kDockerLayer) == Compression::Gzip);
  CHECK(layerCompression(kDockerLayerUncompressed) == Compression::None);
  CHECK(layerCompression(kOciLayer) == Compression::None);
}

TEST_CASE("encodeJson escapes like Go's encoding/json") {
  Json value = Json::object();
  value["cmd"] = "a && b <c> \xE2\x80\xA8 caf\xC3\xA9 \"q\" \n\t\x01";
  value["n"] = 5;
  value["list"] = Json::array({true, nullptr});
  CHECK(encodeJson(value) ==
        "{\"cmd\":\"a \\u0026\\u0026 b \\u003cc\\u003e \\u2028 caf\xC3\xA9 \\\"q\\\" "
        "\\n\\t\\u0001\",\"n\":5,\"list\":[true,null]}");
  CHECK(encodeJson(Json::parse(R"({"b":1,"a":{}})")) == R"({"b":1,"a":{}})");
}
