// SPDX-License-Identifier: Apache-2.0
#include <string>
#include <vector>

#include "berth/base/error.hpp"
#include "berth/base/fs.hpp"
#include "berth/base/ids.hpp"
#include "berth/base/json.hpp"
#include "berth/state/pod.hpp"
#include "catch.hpp"
#include "test_dir.hpp"

using namespace berth;
using namespace berth::state;
using S = ContainerStatus;

TEST_CASE("podStatus follows Podman's rule", "[state][pod]") {
  CHECK(podStatus({}) == "Created");
  CHECK(podStatus({S::Created}) == "Created");
  CHECK(podStatus({S::Configured, S::Created}) == "Created");
  CHECK(podStatus({S::Running}) == "Running");
  CHECK(podStatus({S::Running, S::Running}) == "Running");
  CHECK(podStatus({S::Running, S::Exited}) == "Degraded");
  CHECK(podStatus({S::Running, S::Created}) == "Degraded");
  CHECK(podStatus({S::Running, S::Paused}) == "Degraded");
  CHECK(podStatus({S::Paused, S::Paused}) == "Paused");
  CHECK(podStatus({S::Paused, S::Exited}) == "Stopped");
  CHECK(podStatus({S::Exited, S::Stopped}) == "Exited");
  CHECK(podStatus({S::Exited, S::Created}) == "Stopped");
  CHECK(podStatus({S::Unknown, S::Created}) == "Error");
}

TEST_CASE("PodConfig round-trips through JSON and keeps unknown fields", "[state][pod]") {
  PodConfig pod;
  pod.id = std::string(64, 'a');
  pod.name = "web";
  pod.createdNs = 1234;
  pod.createCommand = {"berth", "pod", "create"};
  pod.labels = {{"a", "b"}};
  pod.hostname = "h";
  pod.sharedNamespaces = {"ipc", "net", "uts"};
  pod.infraId = std::string(64, 'b');
  pod.exitPolicy = "stop";
  pod.ports = Json::array({{{"hostPort", 8080}, {"containerPort", 80}}});
  pod.network = "pasta";
  Json json = pod.toJson();
  CHECK(json["version"] == kPodConfigVersion);
  json["futureField"] = 7;
  const PodConfig back = PodConfig::fromJson(json, "pod.json");
  CHECK(back.id == pod.id);
  CHECK(back.name == "web");
  CHECK(back.createdNs == 1234);
  CHECK(back.labels == pod.labels);
  CHECK(back.sharedNamespaces == pod.sharedNamespaces);
  CHECK(back.shares("net"));
  CHECK_FALSE(back.shares("pid"));
  CHECK(back.infraId == pod.infraId);
  CHECK(back.exitPolicy == "stop");
  CHECK(back.ports == pod.ports);
  CHECK(back.network == "pasta");
  CHECK(back.toJson()["futureField"] == 7);

  CHECK_THROWS_AS(PodConfig::fromJson(Json::array(), "pod.json"), Error);
  CHECK_THROWS_AS(PodConfig::fromJson(Json{{"id", "x"}}, "pod.json"), Error);
  Json newer = json;
  newer["version"] = kPodConfigVersion + 1;
  CHECK_THROWS_AS(PodConfig::fromJson(newer, "pod.json"), Error);
  Json wrong = json;
  wrong["labels"] = 3;
  CHECK_THROWS_AS(PodConfig::fromJson(wrong, "pod.json"), Error);
}

TEST_CASE("PodStore creates, resolves, refuses a taken name and removes", "[state][pod]") {
  TestDir dir;
  StorePaths paths{dir.path() + "/root", dir.path() + "/run", false};
  makeDirs(paths.graphRoot);
  makeDirs(paths.runRoot);
  PodStore store(paths);
  PodConfig pod;
  pod.id = generateId();
  pod.name = "p1";
  store.create(pod);
  CHECK(store.resolve("p1") == pod.id);
  CHECK(store.resolve(pod.id.substr(0, 6)) == pod.id);
  CHECK(store.listIds() == std::vector<std::string>{pod.id});

  PodConfig other;
  other.id = generateId();
  other.name = "p1";
  CHECK_THROWS_AS(store.create(other), Error);
  CHECK(store.listIds().size() == 1);
  other.name = "bad/name";
  CHECK_THROWS_AS(store.create(other), Error);

  try {
    store.resolve("nope");
    FAIL("resolve of an unknown pod");
  } catch (const Error& e) {
    CHECK(e.kind() == Errc::NoSuchObject);
    CHECK(std::string(e.what()) == "no pod with name or ID nope found: no such pod");
  }

  {
    FileLock lock = store.lock(pod.id);
    pod.infraId = "x";
    store.write(pod);
    CHECK(store.read(pod.id).infraId == "x");
    store.remove(pod.id);
  }
  CHECK(store.listIds().empty());
  CHECK_THROWS_AS(store.resolve("p1"), Error);
  other.name = "p1";
  store.create(other);  // the name is free again
  CHECK(store.resolve("p1") == other.id);
}
