// SPDX-License-Identifier: Apache-2.0
// Expected values and messages from podman 4.3.1 (`podman create
// --health-cmd ... busybox`, then inspect .Config.Healthcheck).
#include "berth/spec/healthcheck.hpp"

#include <functional>

#include "berth/base/error.hpp"
#include "catch.hpp"

using namespace berth;
using namespace berth::spec;
using Strings = std::vector<std::string>;

namespace {

std::string errorOf(const std::function<void()>& call) {
  try {
    call();
  } catch (const Error& e) {
    CHECK(e.kind() == Errc::InvalidArgument);
    return e.what();
  }
  return "(no error)";
}

HealthCheck withCmd(const std::string& cmd) {
  HealthFlags flags;
  flags.cmd = cmd;
  return parseHealthFlags(flags);
}

}  // namespace

TEST_CASE("parseGoDuration is Go's time.ParseDuration") {
  CHECK(parseGoDuration("0") == 0);
  CHECK(parseGoDuration("0s") == 0);
  CHECK(parseGoDuration("1s") == 1'000'000'000);
  CHECK(parseGoDuration("1.5h") == 5'400'000'000'000);
  CHECK(parseGoDuration("1h2m3.5s") == 3'723'500'000'000);
  CHECK(parseGoDuration("300ms") == 300'000'000);
  CHECK(parseGoDuration("-1s") == -1'000'000'000);
  CHECK(parseGoDuration("+2us") == 2'000);
  CHECK(parseGoDuration("2\u00b5s") == 2'000);
  CHECK(parseGoDuration(".5s") == 500'000'000);
  CHECK(parseGoDuration("1.s") == 1'000'000'000);
  CHECK(parseGoDuration("7ns") == 7);
  CHECK(errorOf([] { parseGoDuration("0x", "invalid healthcheck-interval"); }) ==
        "invalid healthcheck-interval: time: unknown unit \"x\" in duration \"0x\"");
  CHECK(errorOf([] { parseGoDuration("5"); }) == "time: missing unit in duration \"5\"");
  CHECK(errorOf([] { parseGoDuration("abc"); }) == "time: invalid duration \"abc\"");
  CHECK(errorOf([] { parseGoDuration(".s"); }) == "time: invalid duration \".s\"");
  CHECK(errorOf([] { parseGoDuration(""); }) == "time: invalid duration \"\"");
  CHECK(errorOf([] { parseGoDuration("-"); }) == "time: invalid duration \"-\"");
  CHECK(errorOf([] { parseGoDuration("3000000h"); }) == "time: invalid duration \"3000000h\"");
}

TEST_CASE("--health-cmd forms follow makeHealthCheckFromCli") {
  CHECK(withCmd("echo hi").test == Strings{"CMD-SHELL", "echo hi"});
  CHECK(withCmd("CMD-SHELL echo hi").test == Strings{"CMD-SHELL", "echo hi"});
  CHECK(withCmd("CMD echo  hi").test == Strings{"CMD", "echo", "hi"});
  CHECK(withCmd(R"(["echo","hi"])").test == Strings{"CMD", "echo", "hi"});
  CHECK(withCmd(R"(["echo"])").test == Strings{"CMD-SHELL", "echo"});
  // Podman 4.3.1 splits a JSON array starting with CMD on blanks, as is.
  CHECK(withCmd(R"(["CMD","echo","hi"])").test == Strings{R"(["CMD","echo","hi"])"});
  CHECK(withCmd("none").test == Strings{"NONE"});
  CHECK(withCmd("NONE x").test == Strings{"NONE"});
  CHECK(errorOf([] { withCmd("[]"); }) == "must define a healthcheck command for all healthchecks");
}

TEST_CASE("--health-* values, defaults and Podman's errors") {
  HealthFlags flags;
  flags.cmd = "true";
  HealthCheck check = parseHealthFlags(flags);
  CHECK(check.intervalNs == 30'000'000'000);
  CHECK(check.timeoutNs == 30'000'000'000);
  CHECK(check.startPeriodNs == 0);
  CHECK(check.retries == 3);
  CHECK(
      check.toJson().dump() ==
      R"({"Test":["CMD-SHELL","true"],"Interval":30000000000,"Timeout":30000000000,"Retries":3})");
  flags.interval = "disable";
  flags.startPeriod = "5s";
  flags.retries = "1";
  flags.timeout = "1s";
  check = parseHealthFlags(flags);
  CHECK(check.intervalNs == 0);
  CHECK(check.retries == 1);
  CHECK(
      check.toJson().dump() ==
      R"({"Test":["CMD-SHELL","true"],"StartPeriod":5000000000,"Timeout":1000000000,"Retries":1})");
  CHECK(HealthCheck::disabled().toJson().dump() == R"({"Test":["NONE"]})");
  CHECK(HealthCheck::fromJson(HealthCheck::disabled().toJson(), "x") == HealthCheck::disabled());
  CHECK(HealthCheck::fromJson(check.toJson(), "x") == check);

  const auto bad = [](auto set) {
    HealthFlags f;
    f.cmd = "true";
    set(f);
    return errorOf([&] { parseHealthFlags(f); });
  };
  CHECK(bad([](HealthFlags& f) { f.interval = "0x"; }) ==
        "invalid healthcheck-interval: time: unknown unit \"x\" in duration \"0x\"");
  CHECK(bad([](HealthFlags& f) { f.timeout = "0s"; }) ==
        "healthcheck-timeout must be at least 1 second");
  CHECK(bad([](HealthFlags& f) { f.timeout = "1y"; }) ==
        "invalid healthcheck-timeout: time: unknown unit \"y\" in duration \"1y\"");
  CHECK(bad([](HealthFlags& f) { f.retries = "0"; }) ==
        "healthcheck-retries must be greater than 0");
  CHECK(bad([](HealthFlags& f) { f.retries = "x"; }) ==
        "invalid argument \"x\" for \"--health-retries\" flag: strconv.ParseUint: parsing \"x\": "
        "invalid syntax");
  CHECK(bad([](HealthFlags& f) { f.startPeriod = "-1s"; }) ==
        "healthcheck-start-period must be 0 seconds or greater");
}

TEST_CASE("HealthCheck::fromImage: an image's HEALTHCHECK, 0 taking the defaults") {
  oci::Healthcheck image;
  image.test = {"CMD", "true"};
  image.startPeriod = 7;
  const HealthCheck check = HealthCheck::fromImage(image);
  CHECK(check.test == Strings{"CMD", "true"});
  CHECK(check.intervalNs == 30'000'000'000);
  CHECK(check.timeoutNs == 30'000'000'000);
  CHECK(check.startPeriodNs == 7);
  CHECK(check.retries == 3);
}

TEST_CASE("--health-on-failure") {
  for (const char* action : {"none", "kill", "restart", "stop"})
    CHECK(parseHealthOnFailure(action) == action);
  CHECK(errorOf([] { parseHealthOnFailure("bogus"); }) ==
        "invalid on-failure action \"bogus\" for health check: supported actions are "
        "none,kill,restart,stop");
}

TEST_CASE("formatGoDuration prints as Go's Duration.String") {
  using berth::spec::formatGoDuration;
  CHECK(formatGoDuration(0) == "0s");
  CHECK(formatGoDuration(999) == "999ns");
  CHECK(formatGoDuration(1'500) == "1.5\u00b5s");
  CHECK(formatGoDuration(500'000'000) == "500ms");
  CHECK(formatGoDuration(1'000'000'000) == "1s");
  CHECK(formatGoDuration(1'500'000'000) == "1.5s");
  CHECK(formatGoDuration(30'000'000'000) == "30s");
  CHECK(formatGoDuration(90'000'000'000) == "1m30s");
  CHECK(formatGoDuration(3'600'000'000'000) == "1h0m0s");
  CHECK(formatGoDuration(-2'000'000'000) == "-2s");
}
