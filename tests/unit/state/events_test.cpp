// SPDX-License-Identifier: Apache-2.0
#include "berth/state/events.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "berth/base/error.hpp"
#include "berth/base/fs.hpp"
#include "berth/format/human.hpp"
#include "catch.hpp"
#include "test_dir.hpp"

using namespace berth;
using state::Event;

namespace {

Event sample() {
  Event e = state::containerEvent(
      "create", "29a00f13c5beae56ff15b4b54d1c82adad437fcb272edd9ee10e441c4f7f1dfb", "evt-probe",
      "localhost/busybox:latest", {{"a", "b"}});
  e.timeNs = *format::parseRfc3339("2026-11-28T09:58:40.878817465Z");
  return e;
}

template <class F>
std::string messageOf(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

std::vector<Event> readAll(const std::string& path) {
  std::vector<Event> out;
  state::readEvents(path, [&out](const Event& e) { out.push_back(e); });
  return out;
}

}  // namespace

TEST_CASE("events: a container event is Podman 4.3.1's events.log line") {
  // Real line from podman-4.3.1-samples (the `podman run --label a=b` above).
  CHECK(sample().toLine() ==
        R"({"ID":"29a00f13c5beae56ff15b4b54d1c82adad437fcb272edd9ee10e441c4f7f1dfb",)"
        R"("Image":"localhost/busybox:latest","Name":"evt-probe","Status":"create",)"
        R"("Time":"2026-11-28T09:58:40.878817465Z","Type":"container","Attributes":{"a":"b"}})");
  CHECK(sample().humanLine(false) ==
        "2026-11-28 09:58:40.878817465 +0000 UTC container create "
        "29a00f13c5beae56ff15b4b54d1c82adad437fcb272edd9ee10e441c4f7f1dfb "
        "(image=localhost/busybox:latest, name=evt-probe, a=b)");
  CHECK(sample().humanLine(true).find(" 29a00f13c5be (image=") != std::string::npos);
}

TEST_CASE("events: image events, died exit codes, round trip") {
  Event image = state::imageEvent("loadfromarchive", "", "/tmp/x.tar");
  image.timeNs = *format::parseRfc3339("2026-11-28T09:58:40.703644165Z");
  CHECK(
      image.toLine() ==
      R"({"Name":"/tmp/x.tar","Status":"loadfromarchive","Time":"2026-11-28T09:58:40.703644165Z",)"
      R"("Type":"image","Attributes":null})");
  CHECK(image.humanLine(true) ==
        "2026-11-28 09:58:40.703644165 +0000 UTC image loadfromarchive  /tmp/x.tar");

  Event died = sample();
  died.status = "died";
  died.containerExitCode = 3;
  CHECK(died.toLine().starts_with(R"({"ContainerExitCode":3,"ID":")"));
  died.containerExitCode = 0;  // omitempty in 4.3.1
  CHECK(died.toLine().find("ContainerExitCode") == std::string::npos);

  died.containerExitCode = 137;
  const Event back = Event::fromJson(parseJson(died.toLine(), "line"));
  CHECK(back.containerExitCode == 137);
  CHECK(back.toLine() == died.toLine());
  CHECK_THROWS_AS(Event::fromJson(parseJson(R"({"Type":"container"})", "line")), Error);
}

TEST_CASE("events: filters as Podman combines them") {
  const Event e = sample();
  const auto match = [&e](std::vector<std::string> filters) {
    return state::EventFilter::parse(filters).matches(e);
  };
  CHECK(match({}));
  CHECK(match({"container=evt-probe"}));
  CHECK(match({"container=29a00f"}));
  CHECK_FALSE(match({"container=other"}));
  CHECK(match({"event=create"}));
  CHECK(match({"status=create"}));
  CHECK(match({"event=start", "event=create"}));       // same key: either
  CHECK_FALSE(match({"event=create", "type=image"}));  // keys: all
  CHECK(match({"type=container", "label=a=b", "label=a"}));
  CHECK_FALSE(match({"label=a=c"}));
  CHECK(match({"image=localhost/busybox:latest"}));
  CHECK(match({"image=busybox"}));
  CHECK_FALSE(match({"image=alpine"}));
  CHECK(messageOf([] {
          state::EventFilter::parse({"foo=bar"});
        }).starts_with("invalid filter \"foo=bar\""));
  CHECK_THROWS_AS(state::EventFilter::parse({"event"}), Error);
  CHECK_THROWS_AS(state::EventFilter::parse({"type=car"}), Error);
}

TEST_CASE("events: append, rotation and reading across it") {
  TestDir dir;
  const std::string path = dir.path() + "/events/events.log";
  Event e = sample();
  for (int i = 0; i < 10; ++i) {
    e.name = "c" + std::to_string(i);
    state::appendEvent(path, e, 1500);
  }
  // ~330 bytes a line: rotated at least once; nothing lost across one
  // rotation, and the new file starts with the rotation event.
  REQUIRE(pathExists(path + ".1"));
  const auto events = readAll(path);
  REQUIRE(!events.empty());
  CHECK(events.back().name == "c9");
  bool sawRotation = false;
  for (const auto& ev : events)
    sawRotation = sawRotation || ev.status == "log-rotation";
  CHECK(sawRotation);
  CHECK(readFile(path).size() < 1500 + 400);
}

TEST_CASE("events: concurrent writers never interleave lines") {
  TestDir dir;
  const std::string path = dir.path() + "/events.log";
  std::vector<pid_t> children;
  for (int c = 0; c < 4; ++c) {
    const pid_t pid = ::fork();
    if (pid == 0) {
      Event e = sample();
      for (int i = 0; i < 200; ++i) {
        e.name = "w" + std::to_string(c) + "-" + std::to_string(i);
        state::appendEvent(path, e, 1 << 30);
      }
      ::_exit(0);
    }
    children.push_back(pid);
  }
  for (const pid_t pid : children)
    ::waitpid(pid, nullptr, 0);
  CHECK(readAll(path).size() == 800);
}

TEST_CASE("events: follow sees new events and survives a rotation") {
  TestDir dir;
  const std::string path = dir.path() + "/events.log";
  Event e = sample();
  state::appendEvent(path, e, 1 << 20);
  const auto position = state::readEvents(path, [](const Event&) {});
  const pid_t writer = ::fork();
  if (writer == 0) {
    ::usleep(150000);
    for (int i = 0; i < 8; ++i) {
      e.name = "n" + std::to_string(i);
      state::appendEvent(path, e, 1000);  // rotates along the way
    }
    ::_exit(0);
  }
  std::vector<std::string> seen;
  state::followEvents(
      path, position,
      [&seen](const Event& ev) {
        if (ev.type == "container") seen.push_back(ev.name);
        return ev.name != "n7";
      },
      nullptr);
  ::waitpid(writer, nullptr, 0);
  CHECK(seen == std::vector<std::string>{"n0", "n1", "n2", "n3", "n4", "n5", "n6", "n7"});
}

TEST_CASE("time flags: RFC 3339, Unix seconds and Go durations") {
  CHECK(format::parseTimeFlag("2026-11-28T09:58:40Z", "--since") ==
        *format::parseRfc3339("2026-11-28T09:58:40Z"));
  CHECK(format::parseTimeFlag("1700000000.5", "--since") == 1700000000500000000LL);
  const auto now = format::nowNs();
  const auto tenMinutes = format::parseTimeFlag("10m", "--since");
  CHECK(std::llabs(now - 600000000000LL - tenMinutes) < 5000000000LL);
  CHECK(messageOf([] {
          format::parseTimeFlag("1x", "--until");
        }).starts_with("invalid value \"1x\" for --until"));
}
