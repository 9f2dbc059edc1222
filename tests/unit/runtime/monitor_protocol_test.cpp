// SPDX-License-Identifier: Apache-2.0
// What berth and berth-monitor exchange: every field survives the trip.
#include "berth/runtime/monitor_protocol.hpp"
#include "catch.hpp"

using namespace berth;
using namespace berth::runtime;

TEST_CASE("MonitorConfig round-trips through JSON") {
  MonitorConfig config;
  config.containerId = std::string(64, 'a');
  config.specPath = "/g/containers/a/runtime-spec.json";
  config.rootfs.layerDirs = {"/g/layers/1/diff", "/g/layers/2/diff"};
  config.rootfs.upperDir = "/g/containers/a/upper";
  config.rootfs.workDir = "/g/containers/a/work";
  config.rootfs.target = "/r/containers/a/rootfs";
  config.rootfs.rootless = true;
  config.rootfs.volatileUpper = true;
  config.runDir = "/r/containers/a";
  config.cacheDir = "/r/cache";
  config.logDriver = "none";
  config.logPath = "/g/containers/a/ctr.log";
  config.logMaxSize = 1024;
  config.waitForStart = true;
  config.keepStdin = true;
  config.useCgroup = true;
  config.rootless = true;
  config.cleanupCommand = {"/usr/bin/berth", "container", "cleanup", config.containerId};
  config.restartPolicy = "on-failure";
  config.restartRetries = 2;
  config.statePath = "/g/containers/a/state.json";
  config.lockPath = "/r/locks/a.lock";
  config.notifySocket = "/run/user/1000/systemd/notify";

  const MonitorConfig back = MonitorConfig::fromJson(parseJson(config.toJson().dump(), "test"));
  CHECK(back.toJson() == config.toJson());
  CHECK(back.rootfs.layerDirs == config.rootfs.layerDirs);
  CHECK(back.cleanupCommand == config.cleanupCommand);
  CHECK(back.logMaxSize == 1024);
  CHECK(back.waitForStart);
  CHECK(back.restartRetries == 2);
  CHECK(back.lockPath == config.lockPath);
  CHECK(back.notifySocket == config.notifySocket);
}

TEST_CASE("MonitorConfig: missing fields take their defaults") {
  const MonitorConfig config = MonitorConfig::fromJson(parseJson("{}", "test"));
  CHECK(config.logDriver == "k8s-file");
  CHECK(config.logMaxSize == -1);
  CHECK_FALSE(config.waitForStart);
  CHECK(config.cleanupCommand.empty());
  CHECK(config.notifySocket.empty());
}

TEST_CASE("MonitorReport: success and failure forms") {
  MonitorReport ok;
  ok.pid = 42;
  ok.pidStartTime = 1234;
  ok.monitorPid = 41;
  ok.monitorStartTime = 1200;
  ok.started = true;
  const Json okJson = ok.toJson();
  CHECK_FALSE(okJson.contains("error"));
  const MonitorReport okBack = MonitorReport::fromJson(okJson);
  CHECK(okBack.pid == 42);
  CHECK(okBack.pidStartTime == 1234);
  CHECK(okBack.started);
  CHECK(okBack.error.empty());

  MonitorReport failed;
  failed.error = "executable file `nope` not found in $PATH: No such file or directory";
  failed.sysErrno = 2;
  failed.exitCode = 127;
  const Json failedJson = failed.toJson();
  CHECK_FALSE(failedJson.contains("pid"));
  const MonitorReport failedBack = MonitorReport::fromJson(failedJson);
  CHECK(failedBack.error == failed.error);
  CHECK(failedBack.sysErrno == 2);
  CHECK(failedBack.exitCode == 127);
}

TEST_CASE("ExitRecord round-trips, with a version") {
  ExitRecord record;
  record.exitCode = 137;
  record.signal = 9;
  record.oomKilled = true;
  record.finishedNs = 1795851287355640412;
  const Json json = record.toJson();
  CHECK(json["version"] == 1);
  const ExitRecord back = ExitRecord::fromJson(json);
  CHECK(back.exitCode == 137);
  CHECK(back.signal == 9);
  CHECK(back.oomKilled);
  CHECK(back.finishedNs == record.finishedNs);
}

TEST_CASE("socketPath: short paths as they are, long ones through the directory fd") {
  CHECK(socketPath("/run/user/1000/berth/containers/x/attach", 7) ==
        "/run/user/1000/berth/containers/x/attach");
  const std::string longDir = "/tmp/" + std::string(120, 'd');
  CHECK(socketPath(longDir + "/attach", 9) == "/proc/self/fd/9/attach");
}

TEST_CASE("restartWanted: Podman's shouldRestart") {
  // policy, retries, exit code, restarts so far, stopped by the user
  CHECK_FALSE(restartWanted("", 0, 1, 0, false));
  CHECK_FALSE(restartWanted("no", 0, 1, 0, false));
  CHECK(restartWanted("always", 0, 0, 0, false));
  CHECK(restartWanted("always", 0, 137, 50, false));
  CHECK_FALSE(restartWanted("always", 0, 137, 0, true));
  CHECK(restartWanted("unless-stopped", 0, 0, 7, false));
  CHECK_FALSE(restartWanted("unless-stopped", 0, 1, 0, true));
  CHECK_FALSE(restartWanted("on-failure", 0, 0, 0, false));
  CHECK(restartWanted("on-failure", 0, 1, 1000, false));  // 0: no limit
  CHECK(restartWanted("on-failure", 2, 3, 0, false));
  CHECK(restartWanted("on-failure", 2, 3, 1, false));
  CHECK_FALSE(restartWanted("on-failure", 2, 3, 2, false));
  CHECK_FALSE(restartWanted("on-failure", 2, 3, 0, true));
}

TEST_CASE("restartDelayMs: 100 ms doubling, capped at 30 s") {
  CHECK(restartDelayMs(-1) == 100);
  CHECK(restartDelayMs(0) == 100);
  CHECK(restartDelayMs(1) == 200);
  CHECK(restartDelayMs(2) == 400);
  CHECK(restartDelayMs(8) == 25600);
  CHECK(restartDelayMs(9) == 30000);
  CHECK(restartDelayMs(1000) == 30000);
  CHECK(kRestartResetAfterMs == 10000);
}
