// SPDX-License-Identifier: Apache-2.0
// A container's health: the status, failing streak and last results of its
// health check, in Podman 4.3.1's form (define.HealthCheckResults, the
// healthcheck.log beside its container config), kept as health.json in the
// container's directory. Written by the CLI process that runs a check (or
// starts the container) and by the monitor when it restarts the container,
// each holding the container's lock.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "berth/base/json.hpp"

namespace berth::state {

inline constexpr std::string_view kHealthStarting = "starting";
inline constexpr std::string_view kHealthHealthy = "healthy";
inline constexpr std::string_view kHealthUnhealthy = "unhealthy";

/// Podman keeps the last 5 results and 500 bytes of each one's output.
inline constexpr std::size_t kHealthLogEntries = 5;
inline constexpr std::size_t kHealthOutputMax = 500;

/// One run of the check (define.HealthCheckLog).
struct HealthResult {
  std::int64_t startNs = 0;
  std::int64_t endNs = 0;
  /// 0 healthy; 1 the command failed (any non-zero code, or it could not be
  /// run); -1 it exceeded its timeout; 125 an engine error. As Podman.
  int exitCode = 0;
  std::string output;  ///< stdout and stderr, cut to kHealthOutputMax bytes

  bool operator==(const HealthResult&) const = default;
};

/// define.HealthCheckResults: {"Status", "FailingStreak", "Log"}.
struct HealthLog {
  std::string status;  ///< "" (never started), "starting", "healthy", "unhealthy"
  int failingStreak = 0;
  std::vector<HealthResult> log;

  /// The JSON inspect shows as State.Health (Log: null when empty; times
  /// as Go's RFC 3339 with nanoseconds).
  Json toJson() const;
  /// Throws Error(InvalidArgument) naming `what` for a malformed record.
  static HealthLog fromJson(const Json& json, std::string_view what);
};

/// Podman's updateHealthCheckLog: a success makes it healthy and clears the
/// streak; a failure outside the start period adds to the streak and makes
/// it unhealthy once the streak reaches `retries` (in the start period it
/// changes nothing but the log). The log keeps the last kHealthLogEntries.
void recordHealthResult(HealthLog& health, HealthResult result, unsigned retries,
                        bool inStartPeriod);

/// The path of a container's health.json: <containerDir>/health.json.
std::string healthLogPath(const std::string& containerDir);

/// The record at `path`; an empty one (status "") when there is none.
HealthLog readHealthLog(const std::string& path);
/// Writes it atomically (not fsynced: it is rewritten every interval).
void writeHealthLog(const std::string& path, const HealthLog& health);
/// A start: "starting" with no failing streak, the results kept.
void resetHealthLog(const std::string& path);

}  // namespace berth::state
