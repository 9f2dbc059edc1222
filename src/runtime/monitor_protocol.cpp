// SPDX-License-Identifier: Apache-2.0
#include "berth/runtime/monitor_protocol.hpp"

#include <sys/un.h>

#include <algorithm>

#include "berth/base/fs.hpp"

namespace berth::runtime {

namespace {

template <class T>
void take(const Json& json, const char* key, T& out) {
  if (auto it = json.find(key); it != json.end() && !it->is_null()) out = it->get<T>();
}

}  // namespace

Json MonitorConfig::toJson() const {
  Json volumes = Json::array();
  for (const auto& v : volumeInits)
    volumes.push_back(
        Json{{"destination", v.destination}, {"copyUp", v.copyUp}, {"initOwner", v.initOwner}});
  return Json{
      {"containerId", containerId},
      {"specPath", specPath},
      {"rootfs",
       {{"layerDirs", rootfs.layerDirs},
        {"upperDir", rootfs.upperDir},
        {"workDir", rootfs.workDir},
        {"target", rootfs.target},
        {"privateDir", rootfs.privateDir},
        {"rootless", rootfs.rootless},
        {"volatileUpper", rootfs.volatileUpper}}},
      {"runDir", runDir},
      {"cacheDir", cacheDir},
      {"logDriver", logDriver},
      {"logPath", logPath},
      {"logMaxSize", logMaxSize},
      {"waitForStart", waitForStart},
      {"keepStdin", keepStdin},
      {"terminalRows", terminalRows},
      {"terminalColumns", terminalColumns},
      {"useCgroup", useCgroup},
      {"rootless", rootless},
      {"cleanupCommand", cleanupCommand},
      {"restartPolicy", restartPolicy},
      {"restartRetries", restartRetries},
      {"statePath", statePath},
      {"lockPath", lockPath},
      {"healthIntervalNs", healthIntervalNs},
      {"healthCommand", healthCommand},
      {"healthLogPath", healthLogPath},
      {"volumeInits", volumes},
      {"extraEnv", extraEnv},
      {"network", network},
      {"notifySocket", notifySocket},
      {"notifyProxy", notifyProxy},
  };
}

MonitorConfig MonitorConfig::fromJson(const Json& json) {
  MonitorConfig config;
  take(json, "containerId", config.containerId);
  take(json, "specPath", config.specPath);
  if (auto it = json.find("rootfs"); it != json.end() && it->is_object()) {
    take(*it, "layerDirs", config.rootfs.layerDirs);
    take(*it, "upperDir", config.rootfs.upperDir);
    take(*it, "workDir", config.rootfs.workDir);
    take(*it, "target", config.rootfs.target);
    take(*it, "privateDir", config.rootfs.privateDir);
    take(*it, "rootless", config.rootfs.rootless);
    take(*it, "volatileUpper", config.rootfs.volatileUpper);
  }
  take(json, "runDir", config.runDir);
  take(json, "cacheDir", config.cacheDir);
  take(json, "logDriver", config.logDriver);
  take(json, "logPath", config.logPath);
  take(json, "logMaxSize", config.logMaxSize);
  take(json, "waitForStart", config.waitForStart);
  take(json, "keepStdin", config.keepStdin);
  take(json, "terminalRows", config.terminalRows);
  take(json, "terminalColumns", config.terminalColumns);
  take(json, "useCgroup", config.useCgroup);
  take(json, "rootless", config.rootless);
  take(json, "cleanupCommand", config.cleanupCommand);
  take(json, "restartPolicy", config.restartPolicy);
  take(json, "restartRetries", config.restartRetries);
  take(json, "statePath", config.statePath);
  take(json, "lockPath", config.lockPath);
  take(json, "healthIntervalNs", config.healthIntervalNs);
  take(json, "healthCommand", config.healthCommand);
  take(json, "healthLogPath", config.healthLogPath);
  if (auto it = json.find("volumeInits"); it != json.end() && it->is_array()) {
    for (const auto& v : *it) {
      VolumeInit init;
      take(v, "destination", init.destination);
      take(v, "copyUp", init.copyUp);
      take(v, "initOwner", init.initOwner);
      config.volumeInits.push_back(std::move(init));
    }
  }
  take(json, "extraEnv", config.extraEnv);
  if (auto it = json.find("network"); it != json.end()) config.network = *it;
  take(json, "notifySocket", config.notifySocket);
  take(json, "notifyProxy", config.notifyProxy);
  return config;
}

bool restartWanted(std::string_view policy, unsigned maxRetries, int exitCode, int restartCount,
                   bool stoppedByUser) noexcept {
  if (stoppedByUser) return false;
  if (policy == "always" || policy == "unless-stopped") return true;
  if (policy != "on-failure" || exitCode == 0) return false;
  return maxRetries == 0 || restartCount < static_cast<std::int64_t>(maxRetries);
}

std::int64_t restartDelayMs(int streak) noexcept {
  constexpr std::int64_t kFirst = 100;
  constexpr std::int64_t kMax = 30'000;
  if (streak < 0) streak = 0;
  if (streak >= 9) return kMax;  // 100 << 9 = 51200
  return std::min(kMax, kFirst << streak);
}

Json MonitorReport::toJson() const {
  if (!error.empty()) return Json{{"error", error}, {"errno", sysErrno}, {"exitCode", exitCode}};
  Json out{{"pid", pid},
           {"pidStartTime", pidStartTime},
           {"monitorPid", monitorPid},
           {"monitorStartTime", monitorStartTime}};
  if (!cgroupPath.empty()) out["cgroupPath"] = cgroupPath;
  if (started) out["started"] = true;
  return out;
}

MonitorReport MonitorReport::fromJson(const Json& json) {
  MonitorReport report;
  take(json, "pid", report.pid);
  take(json, "pidStartTime", report.pidStartTime);
  take(json, "monitorPid", report.monitorPid);
  take(json, "monitorStartTime", report.monitorStartTime);
  take(json, "cgroupPath", report.cgroupPath);
  take(json, "started", report.started);
  take(json, "error", report.error);
  take(json, "errno", report.sysErrno);
  take(json, "exitCode", report.exitCode);
  return report;
}

Json ExitRecord::toJson() const {
  return Json{{"version", 1},
              {"exitCode", exitCode},
              {"signal", signal},
              {"oomKilled", oomKilled},
              {"finishedNs", finishedNs}};
}

ExitRecord ExitRecord::fromJson(const Json& json) {
  ExitRecord record;
  take(json, "exitCode", record.exitCode);
  take(json, "signal", record.signal);
  take(json, "oomKilled", record.oomKilled);
  take(json, "finishedNs", record.finishedNs);
  return record;
}

std::string socketPath(const std::string& path, int dirFd) {
  if (path.size() < sizeof(sockaddr_un{}.sun_path)) return path;
  return "/proc/self/fd/" + std::to_string(dirFd) + "/" + path.substr(path.rfind('/') + 1);
}

}  // namespace berth::runtime
