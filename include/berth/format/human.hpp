// SPDX-License-Identifier: Apache-2.0
// Human-readable sizes, durations and times as Podman prints them (Docker's
// go-units and Go's time package).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace berth::format {

/// go-units HumanSizeWithPrecision(size, precision): decimal units,
/// "%.<precision>g %s": 2141413 -> "2.14 MB", 702589 -> "703 kB", 10 ->
/// "10 B". go-units HumanSize is precision 4 ("2.141 MB").
std::string humanSize(double bytes, int precision);
inline std::string humanSize(double bytes) {
  return humanSize(bytes, 3);
}

/// go-units HumanDuration: "Less than a second", "1 second", "5 seconds",
/// "About a minute", "3 minutes", "About an hour", "5 hours", "3 days",
/// "2 weeks", "3 months", "56 years".
std::string humanDuration(std::int64_t nanoseconds);

/// A point in time: nanoseconds since the epoch.
using TimeNs = std::int64_t;

/// Parses RFC 3339 ("2023-05-19T20:19:07.468578455Z", "...+02:00").
/// nullopt for anything else.
std::optional<TimeNs> parseRfc3339(std::string_view text) noexcept;

/// Go's time.Time.Format(time.RFC3339Nano) in UTC:
/// "2023-05-19T20:19:07.468578455Z", "1970-01-01T00:00:00Z".
std::string formatRfc3339Nano(TimeNs time);

/// Go's time.Time.String() in UTC: "1970-01-01 00:00:00 +0000 UTC",
/// "2023-05-19 20:19:07.468578455 +0000 UTC".
std::string formatGoTime(TimeNs time);

/// The current time.
TimeNs nowNs() noexcept;

/// A --since/--until value (logs, events): RFC 3339, a Unix time (seconds,
/// with an optional fraction), or a Go duration before now ("10m", "1h30m",
/// "5s"). Throws Error(InvalidArgument) naming `flag` for anything else.
TimeNs parseTimeFlag(const std::string& value, std::string_view flag);

/// Podman's "<humanDuration(now - time)> ago".
std::string timeAgo(TimeNs time, TimeNs now);

}  // namespace berth::format
