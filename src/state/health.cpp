// SPDX-License-Identifier: Apache-2.0
#include "berth/state/health.hpp"

#include "berth/base/error.hpp"
#include "berth/format/human.hpp"

namespace berth::state {

namespace {

std::int64_t parseTime(const Json& value, std::string_view what) {
  const auto time = value.is_string() ? format::parseRfc3339(value.get<std::string>())
                                      : std::optional<std::int64_t>{};
  if (!time) throwError(Errc::InvalidArgument, "{}: bad time {}", what, value.dump());
  return *time;
}

}  // namespace

Json HealthLog::toJson() const {
  Json entries = Json(nullptr);
  if (!log.empty()) {
    entries = Json::array();
    for (const auto& result : log)
      entries.push_back({{"Start", format::formatRfc3339Nano(result.startNs)},
                         {"End", format::formatRfc3339Nano(result.endNs)},
                         {"ExitCode", result.exitCode},
                         {"Output", result.output}});
  }
  return {{"Status", status}, {"FailingStreak", failingStreak}, {"Log", entries}};
}

HealthLog HealthLog::fromJson(const Json& json, std::string_view what) {
  try {
    HealthLog health;
    health.status = json.value("Status", "");
    health.failingStreak = json.value("FailingStreak", 0);
    const auto entries = json.find("Log");
    if (entries != json.end() && !entries->is_null()) {
      for (const auto& entry : *entries) {
        HealthResult result;
        result.startNs = parseTime(entry.at("Start"), what);
        result.endNs = parseTime(entry.at("End"), what);
        result.exitCode = entry.at("ExitCode").get<int>();
        result.output = entry.value("Output", "");
        health.log.push_back(std::move(result));
      }
    }
    return health;
  } catch (const Json::exception& e) {
    throwError(Errc::InvalidArgument, "{}: {}", what, e.what());
  }
}

void recordHealthResult(HealthLog& health, HealthResult result, unsigned retries,
                        bool inStartPeriod) {
  if (result.exitCode == 0) {
    health.status = kHealthHealthy;
    health.failingStreak = 0;
  } else {
    if (health.status.empty()) health.status = kHealthStarting;
    if (!inStartPeriod) {
      ++health.failingStreak;
      if (health.failingStreak >= static_cast<int>(retries)) health.status = kHealthUnhealthy;
    }
  }
  if (result.output.size() > kHealthOutputMax) result.output.resize(kHealthOutputMax);
  health.log.push_back(std::move(result));
  if (health.log.size() > kHealthLogEntries)
    health.log.erase(health.log.begin(), health.log.end() - kHealthLogEntries);
}

std::string healthLogPath(const std::string& containerDir) {
  return containerDir + "/health.json";
}

HealthLog readHealthLog(const std::string& path) {
  const auto json = readJsonFileIfExists(path);
  if (!json) return {};
  return HealthLog::fromJson(*json, path);
}

void writeHealthLog(const std::string& path, const HealthLog& health) {
  writeJsonFileAtomic(path, health.toJson(), /*durable=*/false, 0600);
}

void resetHealthLog(const std::string& path) {
  HealthLog health;
  try {
    health = readHealthLog(path);
  } catch (const Error&) {
    // a damaged record is replaced
  }
  health.status = kHealthStarting;
  health.failingStreak = 0;
  writeHealthLog(path, health);
}

}  // namespace berth::state
