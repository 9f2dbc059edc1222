// SPDX-License-Identifier: Apache-2.0
#include "berth/runtime/subid.hpp"
#include "catch.hpp"

using namespace berth::runtime;

TEST_CASE("subordinate ids by name or uid, skipping comments and bad lines") {
  const char* text =
      "# comment\n"
      "other:100000:65536\n"
      "user:200000:65536\n"
      "broken line\n"
      "user:x:5\n"
      "user:300000:0\n"
      "1001:400000:1000\n"
      "user:500000:10";  // no trailing newline
  const auto ranges = parseSubordinateIds(text, "user", 1001);
  REQUIRE(ranges.size() == 3);
  CHECK(ranges[0] == IdMapEntry{0, 200000, 65536});
  CHECK(ranges[1] == IdMapEntry{0, 400000, 1000});
  CHECK(ranges[2] == IdMapEntry{0, 500000, 10});
  CHECK(parseSubordinateIds(text, "nobody", 7).empty());
}

TEST_CASE("the rootless map puts the user at 0 and the ranges after it") {
  const auto map = rootlessIdMap(1001, {{0, 200000, 65536}, {0, 400000, 1000}});
  REQUIRE(map.size() == 3);
  CHECK(map[0] == IdMapEntry{0, 1001, 1});
  CHECK(map[1] == IdMapEntry{1, 200000, 65536});
  CHECK(map[2] == IdMapEntry{65537, 400000, 1000});
  CHECK(rootlessIdMap(1001, {}).size() == 1);
}
