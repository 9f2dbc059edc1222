// SPDX-License-Identifier: Apache-2.0
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <string>
#include <vector>

#include "berth/base/error.hpp"
#include "berth/base/fs.hpp"
#include "berth/base/ids.hpp"
#include "berth/base/json.hpp"
#include "berth/state/container_store.hpp"
#include "berth/state/paths.hpp"
#include "catch.hpp"
#include "test_dir.hpp"

using namespace berth;
using namespace berth::state;

namespace {

PathEnvironment fakeEnv(uid_t uid, std::map<std::string, std::string> vars,
                        std::map<std::string, uid_t> dirs = {}) {
  PathEnvironment env;
  env.uid = uid;
  env.getenv = [vars](const char* name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
  env.directoryOwner = [dirs](const std::string& path) -> std::optional<uid_t> {
    auto it = dirs.find(path);
    if (it == dirs.end()) return std::nullopt;
    return it->second;
  };
  return env;
}

StorePaths testStore(const TestDir& dir) {
  StorePaths paths;
  paths.graphRoot = dir.path() + "/root";
  paths.runRoot = dir.path() + "/run";
  paths.rootless = ::getuid() != 0;
  prepareStore(paths);
  return paths;
}

ContainerConfig makeConfig(std::string name, std::string id = generateId()) {
  ContainerConfig config;
  config.id = std::move(id);
  config.name = std::move(name);
  config.createdNs = 1;
  config.imageName = "localhost/busybox:latest";
  config.command = {"berth", "run", "busybox"};
  return config;
}

/// Runs `body` in `count` forked children started together; returns their
/// exit codes.
template <class F>
std::vector<int> inChildren(int count, F body) {
  int gate[2];
  REQUIRE(::pipe(gate) == 0);
  std::vector<pid_t> pids;
  for (int i = 0; i < count; ++i) {
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::close(gate[1]);
      char c;
      [[maybe_unused]] auto ignored = ::read(gate[0], &c, 1);  // wait for the start
      int code = 0;
      try {
        code = body(i);
      } catch (...) {
        code = 99;
      }
      ::_exit(code);
    }
    pids.push_back(pid);
  }
  ::close(gate[0]);
  ::close(gate[1]);  // EOF releases every child at once
  std::vector<int> codes;
  for (pid_t pid : pids) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    codes.push_back(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
  }
  return codes;
}

}  // namespace

TEST_CASE("store paths: root defaults") {
  const auto paths = resolveStorePaths({}, fakeEnv(0, {{"HOME", "/root"}}));
  CHECK(paths.graphRoot == "/var/lib/berth");
  CHECK(paths.runRoot == "/run/berth");
  CHECK_FALSE(paths.rootless);
}

TEST_CASE("store paths: rootless follows XDG, falls back to HOME and /tmp") {
  auto paths = resolveStorePaths(
      {}, fakeEnv(1001, {{"HOME", "/home/u"}, {"XDG_RUNTIME_DIR", "/run/user/1001"}},
                  {{"/run/user/1001", 1001}}));
  CHECK(paths.rootless);
  CHECK(paths.graphRoot == "/home/u/.local/share/berth");
  CHECK(paths.runRoot == "/run/user/1001/berth");

  paths = resolveStorePaths({}, fakeEnv(1001, {{"HOME", "/home/u"}, {"XDG_DATA_HOME", "/d"}}));
  CHECK(paths.graphRoot == "/d/berth");
  CHECK(paths.runRoot == "/tmp/berth-run-1001");

  // XDG_RUNTIME_DIR owned by someone else (or missing) is not used.
  paths =
      resolveStorePaths({}, fakeEnv(1001, {{"HOME", "/home/u"}, {"XDG_RUNTIME_DIR", "/run/user/0"}},
                                    {{"/run/user/0", 0}}));
  CHECK(paths.runRoot == "/tmp/berth-run-1001");
  paths = resolveStorePaths(
      {}, fakeEnv(1001, {{"HOME", "/home/u"}, {"XDG_RUNTIME_DIR", "/run/user/1001"}}));
  CHECK(paths.runRoot == "/tmp/berth-run-1001");

  // A relative XDG_DATA_HOME is ignored, as the XDG spec says.
  paths = resolveStorePaths({}, fakeEnv(1001, {{"HOME", "/home/u"}, {"XDG_DATA_HOME", "rel"}}));
  CHECK(paths.graphRoot == "/home/u/.local/share/berth");
  CHECK_THROWS_AS(resolveStorePaths({}, fakeEnv(1001, {})), Error);
}

TEST_CASE("store paths: overrides win and must be absolute") {
  PathOverrides overrides;
  overrides.graphRoot = "/srv/g/";
  overrides.runRoot = "/srv/r";
  const auto paths = resolveStorePaths(overrides, fakeEnv(1001, {{"HOME", "/home/u"}}));
  CHECK(paths.graphRoot == "/srv/g");
  CHECK(paths.runRoot == "/srv/r");
  overrides.graphRoot = "relative";
  try {
    resolveStorePaths(overrides, fakeEnv(0, {}));
    FAIL("no throw");
  } catch (const Error& e) {
    CHECK(e.kind() == Errc::InvalidArgument);
    CHECK(std::string(e.what()) == "--root \"relative\" must be an absolute path");
  }
}

TEST_CASE("records round-trip and keep fields this version does not know") {
  Json json = makeConfig("web", std::string(64, 'a')).toJson();
  json["futureField"] = {{"x", 1}};
  const auto config = ContainerConfig::fromJson(json, "config.json");
  CHECK(config.name == "web");
  const Json again = config.toJson();
  CHECK(again["futureField"]["x"] == 1);
  CHECK(again == json);

  Json stateJson = ContainerState{}.toJson();
  stateJson["healthLog"] = Json::array({"ok"});
  auto state = ContainerState::fromJson(stateJson, "state.json");
  state.status = ContainerStatus::Running;
  state.exitCode = 3;
  const Json written = state.toJson();
  CHECK(written["healthLog"][0] == "ok");
  CHECK(written["status"] == "running");
  CHECK(ContainerState::fromJson(written, "s").exitCode == 3);

  json["version"] = kContainerConfigVersion + 1;
  CHECK_THROWS_WITH(ContainerConfig::fromJson(json, "c.json"),
                    Catch::Contains("schema version 2 is newer"));
  CHECK_THROWS_AS(ContainerConfig::fromJson(Json::array(), "c.json"), Error);
  Json wrongType = ContainerState{}.toJson();
  wrongType["pid"] = "twelve";
  CHECK_THROWS_WITH(ContainerState::fromJson(wrongType, "s.json"),
                    Catch::Contains("\"pid\" has the wrong type"));
}

TEST_CASE("container names follow Podman's rule") {
  for (const char* good : {"web", "a", "Web_1.x-y", "0abc"})
    CHECK_NOTHROW(validateContainerName(good));
  for (const char* bad : {"", "-web", ".web", "_web", "we b", "we/b", "wé", "a:b"}) {
    CHECK_THROWS_AS(validateContainerName(bad), Error);
  }
  CHECK_THROWS_AS(validateContainerName(std::string(254, 'a')), Error);
}

TEST_CASE("create, resolve by id, name and prefix; ambiguity and absence are errors") {
  TestDir dir;
  ContainerStore store(testStore(dir));
  const std::string idA = "abc1" + std::string(60, '0');
  const std::string idB = "abc2" + std::string(60, '0');
  const std::string idC = "def0" + std::string(60, '1');
  store.create(makeConfig("first", idA), {});
  store.create(makeConfig("second", idB), {});
  // A name that looks like a prefix of another container's id.
  store.create(makeConfig("abc1", idC), {});

  CHECK(store.resolve(idA) == idA);
  CHECK(store.resolve("second") == idB);
  CHECK(store.resolve("abc2") == idB);
  CHECK(store.resolve("abc1") == idC);  // an exact name beats an id prefix
  CHECK(store.resolve("def") == idC);
  try {
    store.resolve("abc");
    FAIL("no throw");
  } catch (const Error& e) {
    CHECK(e.kind() == Errc::InvalidArgument);
    CHECK(std::string(e.what()) ==
          "more than one container matches ID prefix \"abc\": " + idA + ", " + idB);
  }
  try {
    store.resolve("nothing");
    FAIL("no throw");
  } catch (const Error& e) {
    CHECK(e.kind() == Errc::NoSuchContainer);
    CHECK(std::string(e.what()) ==
          "no container with name or ID \"nothing\" found: no such container");
  }
  CHECK_THROWS_AS(store.resolve(""), Error);
  CHECK_THROWS_AS(store.resolve("ABC1"), Error);  // ids are lower case
  CHECK(store.listIds().size() == 3);
  CHECK(store.readConfig(idB).name == "second");
  CHECK(store.readState(idB).status == ContainerStatus::Configured);
}

TEST_CASE("a taken name or a bad name leaves nothing behind") {
  TestDir dir;
  ContainerStore store(testStore(dir));
  const auto first = makeConfig("web");
  store.create(first, {});
  const auto entriesBefore = dir.entries("/root/containers");
  try {
    store.create(makeConfig("web"), {});
    FAIL("no throw");
  } catch (const Error& e) {
    CHECK(e.kind() == Errc::AlreadyExists);
    CHECK(std::string(e.what()).find("already in use by " + first.id) != std::string::npos);
  }
  CHECK_THROWS_AS(store.create(makeConfig("bad name"), {}), Error);
  CHECK(dir.entries("/root/containers") == entriesBefore);
  CHECK(dir.entries("/root/names") == std::vector<std::string>{"web"});
}

TEST_CASE("remove frees the name; rename moves it") {
  TestDir dir;
  ContainerStore store(testStore(dir));
  const auto config = makeConfig("web");
  store.create(config, {});
  {
    auto lock = store.lock(config.id);
    store.rename(config.id, "web2");
  }
  CHECK(store.resolve("web2") == config.id);
  CHECK_THROWS_AS(store.resolve("web"), Error);
  CHECK_NOTHROW(store.create(makeConfig("web"), {}));
  CHECK_THROWS_AS(store.rename(config.id, "web"), Error);  // taken
  CHECK(store.resolve("web2") == config.id);               // unchanged
  {
    auto lock = store.lock(config.id);
    store.remove(config.id);
  }
  CHECK_FALSE(store.exists(config.id));
  CHECK_THROWS_AS(store.resolve("web2"), Error);
  CHECK_NOTHROW(store.create(makeConfig("web2"), {}));
}

TEST_CASE("a name left by a crashed creator is reclaimed") {
  TestDir dir;
  const auto paths = testStore(dir);
  ContainerStore store(paths);
  const std::string ghost = generateId();
  REQUIRE(::symlink(ghost.c_str(), (paths.containerNamesDir() + "/web").c_str()) == 0);
  const auto config = makeConfig("web");
  store.create(config, {});
  CHECK(store.resolve("web") == config.id);
}

TEST_CASE("8 processes x 200 state writes: never torn, empty or missing; readers always parse") {
  TestDir dir;
  ContainerStore store(testStore(dir));
  const auto config = makeConfig("busy");
  store.create(config, {});
  const std::string statePath = store.paths().containerDir(config.id) + "/state.json";

  // A reader polls the file the whole time in its own process.
  const pid_t reader = ::fork();
  REQUIRE(reader >= 0);
  if (reader == 0) {
    int bad = 0;
    for (int i = 0; i < 20000 && bad == 0; ++i) {
      try {
        auto text = readFileIfExists(statePath);
        if (!text || text->empty()) {
          bad = 1;
        } else {
          auto json = parseJson(*text, statePath);
          auto state = ContainerState::fromJson(json, statePath);
          if (text->back() != '\n' || !json.contains("pid")) bad = 2;
        }
      } catch (...) {
        bad = 3;
      }
    }
    ::_exit(bad);
  }

  const auto codes = inChildren(8, [&](int writer) {
    for (int i = 0; i < 200; ++i) {
      auto lock = store.lock(config.id);
      ContainerState state;
      state.pid = writer * 1000 + i;
      // Records of different sizes, so a torn write would show.
      state.extra = Json::object({{"writer", std::string(100 + writer * 50, 'x')}});
      store.writeState(config.id, state);
    }
    return 0;
  });
  for (int code : codes)
    CHECK(code == 0);
  int status = 0;
  REQUIRE(::waitpid(reader, &status, 0) == reader);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  const auto finalState = store.readState(config.id);
  CHECK(finalState.pid % 1000 == 199);
  // No temp files were left behind.
  CHECK(dir.entries("/root/containers/" + config.id) ==
        std::vector<std::string>{"config.json", "spec.json", "state.json"});
}

TEST_CASE("8 processes reserving one name: exactly one wins") {
  TestDir dir;
  ContainerStore store(testStore(dir));
  for (int round = 0; round < 5; ++round) {
    const std::string name = "contended" + std::to_string(round);
    const auto codes = inChildren(8, [&](int) {
      try {
        store.create(makeConfig(name), {});
        return 0;
      } catch (const Error& e) {
        return e.kind() == Errc::AlreadyExists ? 1 : 2;
      }
    });
    int winners = 0;
    for (int code : codes) {
      CHECK(code != 2);
      if (code == 0) ++winners;
    }
    CHECK(winners == 1);
  }
  CHECK(store.listIds().size() == 5);
  CHECK(dir.entries("/root/names").size() == 5);
}

TEST_CASE("listing reads (SAX) give the same fields as the full reads") {
  TestDir dir;
  ContainerStore store(testStore(dir));
  ContainerConfig config = makeConfig("listed");
  config.createdNs = 1795852444123456789;
  config.imageId = std::string(64, 'e');
  config.labels = {{"tier", "web"}, {"empty", ""}};
  config.spec = Json{{"rm", true}, {"env", {"A=1"}}, {"nested", {{"args", {"not", "these"}}}}};
  config.extra["args"] = {"sleep", "1000"};
  config.extra["layers"] = {"/l/1"};
  ContainerState state;
  state.status = ContainerStatus::Exited;
  state.pid = 0;
  state.pidStartTime = 99;
  state.monitorPid = 7;
  state.monitorStartTime = 98;
  state.bootId = "boot";
  state.exitCode = 137;
  state.startedNs = 11;
  state.finishedNs = 12;
  state.oomKilled = true;
  state.restartCount = 3;
  store.create(config, state);

  const ContainerConfig summary = store.readConfigSummary(config.id);
  CHECK(summary.id == config.id);
  CHECK(summary.name == "listed");
  CHECK(summary.createdNs == config.createdNs);
  CHECK(summary.imageName == config.imageName);
  CHECK(summary.imageId == config.imageId);
  CHECK(summary.labels == config.labels);
  CHECK(summary.spec == Json{{"rm", true}});
  CHECK(summary.extra["args"] == Json{"sleep", "1000"});

  const ContainerState full = store.readState(config.id);
  const ContainerState fast = store.readStateSummary(config.id);
  CHECK(fast.status == full.status);
  CHECK(fast.pidStartTime == full.pidStartTime);
  CHECK(fast.monitorPid == full.monitorPid);
  CHECK(fast.monitorStartTime == full.monitorStartTime);
  CHECK(fast.bootId == full.bootId);
  CHECK(fast.exitCode == full.exitCode);
  CHECK(fast.startedNs == full.startedNs);
  CHECK(fast.finishedNs == full.finishedNs);
  CHECK(fast.oomKilled == full.oomKilled);
  CHECK(fast.restartCount == full.restartCount);

  // A record the fast path cannot take goes through the full reader's checks.
  writeFileAtomic(dir.path() + "/root/containers/" + config.id + "/state.json", "[1]", 0600, false);
  CHECK_THROWS_AS(store.readStateSummary(config.id), Error);
}
