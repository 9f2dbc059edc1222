// SPDX-License-Identifier: Apache-2.0
#include <string>

#include "berth/base/sha256.hpp"
#include "catch.hpp"

TEST_CASE("sha256 matches the FIPS 180-4 test vectors", "[base][sha256]") {
  CHECK(berth::sha256Hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(berth::sha256Hex("abc") ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(berth::sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK(berth::sha256Digest(std::string(1000000, 'a')) ==
        "sha256:cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("sha256 gives the same digest however the input is split", "[base][sha256]") {
  const std::string data(200, 'x');
  for (std::size_t cut : {0u, 1u, 55u, 56u, 63u, 64u, 65u, 128u, 199u}) {
    berth::Sha256Hasher hasher;
    hasher.update(std::string_view(data).substr(0, cut));
    hasher.update(std::string_view(data).substr(cut));
    const auto out = hasher.finish();
    std::string hex;
    for (auto b : out)
      hex += "0123456789abcdef"[b >> 4], hex += "0123456789abcdef"[b & 0xf];
    CHECK(hex == berth::sha256Hex(data));
  }
}
