// SPDX-License-Identifier: Apache-2.0
#include "berth/state/health.hpp"

#include "berth/base/error.hpp"
#include "catch.hpp"

using namespace berth;
using namespace berth::state;

namespace {

HealthResult result(int exitCode, std::string output = "") {
  return HealthResult{1'700'000'000'000'000'000, 1'700'000'000'500'000'000, exitCode,
                      std::move(output)};
}

}  // namespace

TEST_CASE("health: failures turn a container unhealthy after `retries` in a row") {
  HealthLog health;
  health.status = "starting";
  recordHealthResult(health, result(1), 3, false);
  recordHealthResult(health, result(1), 3, false);
  CHECK(health.status == "starting");
  CHECK(health.failingStreak == 2);
  recordHealthResult(health, result(1), 3, false);
  CHECK(health.status == "unhealthy");
  CHECK(health.failingStreak == 3);
  recordHealthResult(health, result(0), 3, false);
  CHECK(health.status == "healthy");
  CHECK(health.failingStreak == 0);
  // A healthy container needs the whole streak again.
  recordHealthResult(health, result(1), 2, false);
  CHECK(health.status == "healthy");
  recordHealthResult(health, result(-1), 2, false);
  CHECK(health.status == "unhealthy");
}

TEST_CASE("health: failures in the start period do not count") {
  HealthLog health;
  health.status = "starting";
  for (int i = 0; i < 5; ++i)
    recordHealthResult(health, result(1), 1, true);
  CHECK(health.status == "starting");
  CHECK(health.failingStreak == 0);
  CHECK(health.log.size() == 5);
  recordHealthResult(health, result(0), 1, true);
  CHECK(health.status == "healthy");
}

TEST_CASE("health: the log keeps the last five results, output cut to 500 bytes") {
  HealthLog health;
  for (int i = 0; i < 7; ++i)
    recordHealthResult(health, result(i == 6 ? 0 : 1, std::string(600 + i, 'x')), 3, false);
  REQUIRE(health.log.size() == kHealthLogEntries);
  CHECK(health.log.front().output.size() == kHealthOutputMax);
  CHECK(health.log.back().exitCode == 0);
  CHECK(health.log[0].output == std::string(500, 'x'));
}

TEST_CASE("health: JSON in Podman's shape, round trip") {
  HealthLog empty;
  const Json emptyJson = empty.toJson();
  CHECK(emptyJson.dump() == R"({"Status":"","FailingStreak":0,"Log":null})");

  HealthLog health;
  health.status = "healthy";
  health.log.push_back(result(0, "ok\n"));
  const Json json = health.toJson();
  CHECK(json["Log"][0]["Start"] == "2023-11-14T22:13:20Z");
  CHECK(json["Log"][0]["End"] == "2023-11-14T22:13:20.5Z");
  CHECK(json["Log"][0]["Output"] == "ok\n");
  const HealthLog back = HealthLog::fromJson(json, "health.json");
  CHECK(back.status == "healthy");
  CHECK(back.log == health.log);

  CHECK_THROWS_AS(HealthLog::fromJson(Json::parse(R"({"Log":[{"Start":"x"}]})"), "h"), Error);
}
