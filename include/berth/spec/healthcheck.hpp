// SPDX-License-Identifier: Apache-2.0
// The --health-* flags of `berth create/run`, parsed as Podman 4.3.1's
// makeHealthCheckFromCli does, with its messages, into Docker's
// HealthConfig (the image config's .config.Healthcheck form), which the
// container's spec keeps. The monitor runs them (Engine::runHealthCheck).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "berth/base/json.hpp"
#include "berth/oci/image_config.hpp"

namespace berth::spec {

/// Go's time.ParseDuration: "300ms", "-1.5h", "2h45m", "0"; units ns, us
/// (µs, μs), ms, s, m, h. Throws Error(InvalidArgument) with Go's message,
/// prefixed by `what` and ": " when not empty: "invalid
/// healthcheck-interval: time: unknown unit \"x\" in duration \"0x\"".
std::int64_t parseGoDuration(std::string_view text, std::string_view what = "");

/// Go's time.Duration.String(): "0s", "500ms", "1.5s", "1m30s", "1h0m0s".
std::string formatGoDuration(std::int64_t nanoseconds);

/// A health check: Docker's HealthConfig (durations in nanoseconds).
struct HealthCheck {
  /// {"CMD-SHELL", command} (run by /bin/sh -c), {"CMD", argv...} or
  /// {"NONE"} (disabled).
  std::vector<std::string> test;
  std::int64_t intervalNs = 30'000'000'000;  ///< 0: no timer (--health-interval disable)
  std::int64_t timeoutNs = 30'000'000'000;
  std::int64_t startPeriodNs = 0;
  unsigned retries = 3;

  bool operator==(const HealthCheck&) const = default;

  /// {"Test", "StartPeriod", "Interval", "Timeout", "Retries"}, zero
  /// values left out, as Podman's inspect .Config.Healthcheck shows it.
  Json toJson() const;
  /// That form back (absent fields 0); throws Error(InvalidArgument)
  /// naming `what` for bad types.
  static HealthCheck fromJson(const Json& json, std::string_view what);
  /// An image's HEALTHCHECK, an interval or timeout of 0 taking the defaults.
  static HealthCheck fromImage(const oci::Healthcheck& image);
  /// --no-healthcheck: {"Test": ["NONE"]}.
  static HealthCheck disabled();
};

/// The --health-* values as given; nullopt: the flag was not given.
struct HealthFlags {
  std::string cmd;  ///< --health-cmd ("" = none given)
  std::optional<std::string> interval;
  std::optional<std::string> timeout;
  std::optional<std::string> retries;
  std::optional<std::string> startPeriod;
};

/// Podman's makeHealthCheckFromCli: a command that is a JSON array is the
/// exec form (prefixed with CMD unless it is one word), one that starts
/// with CMD or NONE is split on blanks, anything else is CMD-SHELL; "none"
/// (any case) disables. Interval "disable" is 0; retries >= 1
/// ("healthcheck-retries must be greater than 0"), timeout >= 1 ns
/// ("healthcheck-timeout must be at least 1 second"), start period >= 0
/// ("healthcheck-start-period must be 0 seconds or greater").
HealthCheck parseHealthFlags(const HealthFlags& flags);

/// --health-on-failure: none, kill, restart or stop; else "invalid
/// on-failure action \"x\" for health check: supported actions are
/// none,kill,restart,stop".
std::string parseHealthOnFailure(std::string_view value);

}  // namespace berth::spec
