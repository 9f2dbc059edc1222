// SPDX-License-Identifier: Apache-2.0
#include "berth/format/human.hpp"

#include "catch.hpp"

using namespace berth::format;

namespace {
constexpr std::int64_t kSecond = 1000000000;
}

TEST_CASE("humanSize matches go-units HumanSizeWithPrecision(size, 3)", "[format][human]") {
  CHECK(humanSize(0) == "0 B");
  CHECK(humanSize(10) == "10 B");
  CHECK(humanSize(999) == "999 B");
  CHECK(humanSize(1000) == "1 kB");
  CHECK(humanSize(10240) == "10.2 kB");
  CHECK(humanSize(702589) == "703 kB");
  CHECK(humanSize(2141413) == "2.14 MB");
  CHECK(humanSize(2173114) == "2.17 MB");
  CHECK(humanSize(999999) == "1e+03 kB");
  CHECK(humanSize(3.5e12) == "3.5 TB");
}

TEST_CASE("humanSize with precision 4 is go-units HumanSize", "[format][human]") {
  CHECK(humanSize(0, 4) == "0 B");
  CHECK(humanSize(2141413, 4) == "2.141 MB");
  CHECK(humanSize(10240, 4) == "10.24 kB");
  CHECK(humanSize(1500, 4) == "1.5 kB");
}

TEST_CASE("humanDuration matches go-units HumanDuration", "[format][human]") {
  CHECK(humanDuration(0) == "Less than a second");
  CHECK(humanDuration(kSecond) == "1 second");
  CHECK(humanDuration(59 * kSecond) == "59 seconds");
  CHECK(humanDuration(60 * kSecond) == "About a minute");
  CHECK(humanDuration(119 * kSecond) == "About a minute");
  CHECK(humanDuration(120 * kSecond) == "2 minutes");
  CHECK(humanDuration(59 * 60 * kSecond) == "59 minutes");
  CHECK(humanDuration(90 * 60 * kSecond) == "2 hours");  // rounded to the hour
  CHECK(humanDuration(60 * 60 * kSecond) == "About an hour");
  CHECK(humanDuration(47 * 3600 * kSecond) == "47 hours");
  CHECK(humanDuration(48 * 3600 * kSecond) == "2 days");
  CHECK(humanDuration(14 * 24 * 3600 * kSecond) == "2 weeks");
  CHECK(humanDuration(60 * 24 * 3600 * kSecond) == "2 months");
  const TimeNs podmanSample = *parseRfc3339("2026-11-28T00:00:00Z");
  CHECK(timeAgo(0, podmanSample) == "56 years ago");
}

TEST_CASE("RFC 3339 parsing and Go time formatting", "[format][human]") {
  CHECK(parseRfc3339("1970-01-01T00:00:00Z") == 0);
  CHECK(parseRfc3339("1970-01-01T01:00:00+01:00") == 0);
  CHECK(parseRfc3339("2023-05-19T20:19:07.468578455Z") == 1684527547468578455);
  CHECK(parseRfc3339("2023-05-19T20:19:07.5Z") == 1684527547500000000);
  CHECK_FALSE(parseRfc3339("2023-05-19 20:19:07Z"));
  CHECK_FALSE(parseRfc3339("2023-13-19T20:19:07Z"));
  CHECK_FALSE(parseRfc3339("2023-05-19T20:19:07"));
  CHECK_FALSE(parseRfc3339("yesterday"));
  CHECK(formatRfc3339Nano(0) == "1970-01-01T00:00:00Z");
  CHECK(formatRfc3339Nano(1684527547468578455) == "2023-05-19T20:19:07.468578455Z");
  CHECK(formatRfc3339Nano(1684527547500000000) == "2023-05-19T20:19:07.5Z");
  CHECK(formatGoTime(0) == "1970-01-01 00:00:00 +0000 UTC");
  CHECK(formatGoTime(1684527547468578455) == "2023-05-19 20:19:07.468578455 +0000 UTC");
  CHECK(formatRfc3339Nano(-1) == "1969-12-31T23:59:59.999999999Z");
}
