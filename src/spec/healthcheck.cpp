// SPDX-License-Identifier: Apache-2.0
#include "berth/spec/healthcheck.hpp"

#include <algorithm>
#include <cctype>
#include <limits>

#include "berth/base/error.hpp"
#include "berth/oci/json_fields.hpp"
#include "berth/spec/parse.hpp"

namespace berth::spec {

namespace {

constexpr std::uint64_t kMaxDuration = std::uint64_t{1} << 63;

bool isDigit(char c) {
  return c >= '0' && c <= '9';
}

std::uint64_t unitScale(std::string_view unit) {
  if (unit == "ns") return 1;
  if (unit == "us" || unit == "\u00b5s" || unit == "\u03bcs") return 1'000;
  if (unit == "ms") return 1'000'000;
  if (unit == "s") return 1'000'000'000;
  if (unit == "m") return 60'000'000'000;
  if (unit == "h") return 3'600'000'000'000;
  return 0;
}

// Go's time.ParseDuration; its message, or nullopt-free: throws.
std::int64_t goDuration(std::string_view text, std::string_view what) {
  const auto fail = [&](const std::string& message) {
    if (what.empty()) throwError(Errc::InvalidArgument, "{}", message);
    throwError(Errc::InvalidArgument, "{}: {}", what, message);
  };
  const std::string invalid = fmt::format("time: invalid duration \"{}\"", text);
  std::string_view s = text;
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return 0;
  if (s.empty()) fail(invalid);
  std::uint64_t total = 0;
  while (!s.empty()) {
    if (!(s[0] == '.' || isDigit(s[0]))) fail(invalid);
    std::uint64_t whole = 0;
    std::size_t i = 0;
    for (; i < s.size() && isDigit(s[i]); ++i) {
      if (whole > (kMaxDuration - 1) / 10) fail(invalid);
      whole = whole * 10 + static_cast<std::uint64_t>(s[i] - '0');
      if (whole > kMaxDuration) fail(invalid);
    }
    const bool before = i > 0;
    s.remove_prefix(i);
    std::uint64_t fraction = 0;
    double scale = 1;
    bool after = false;
    if (!s.empty() && s[0] == '.') {
      s.remove_prefix(1);
      std::size_t j = 0;
      bool overflow = false;
      for (; j < s.size() && isDigit(s[j]); ++j) {
        if (overflow) continue;
        if (fraction > (std::numeric_limits<std::int64_t>::max() - 9) / 10) {
          overflow = true;  // digits past int64 precision are dropped, as Go does
          continue;
        }
        fraction = fraction * 10 + static_cast<std::uint64_t>(s[j] - '0');
        scale *= 10;
      }
      after = j > 0;
      s.remove_prefix(j);
    }
    if (!before && !after) fail(invalid);
    std::size_t u = 0;
    while (u < s.size() && s[u] != '.' && !isDigit(s[u]))
      ++u;
    if (u == 0) fail(fmt::format("time: missing unit in duration \"{}\"", text));
    const std::string_view unitName = s.substr(0, u);
    s.remove_prefix(u);
    const std::uint64_t unit = unitScale(unitName);
    if (unit == 0)
      fail(fmt::format("time: unknown unit \"{}\" in duration \"{}\"", unitName, text));
    if (whole > kMaxDuration / unit) fail(invalid);
    whole *= unit;
    if (fraction > 0) {
      whole += static_cast<std::uint64_t>(static_cast<double>(fraction) *
                                          (static_cast<double>(unit) / scale));
      if (whole > kMaxDuration) fail(invalid);
    }
    total += whole;
    if (total > kMaxDuration) fail(invalid);
  }
  if (negative) return static_cast<std::int64_t>(0 - total);
  if (total > kMaxDuration - 1) fail(invalid);
  return static_cast<std::int64_t>(total);
}

std::string upper(std::string_view text) {
  std::string out(text);
  for (auto& c : out)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// strings.Fields: runs of blanks separate.
std::vector<std::string> fields(std::string_view text) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i])))
      ++i;
    std::size_t j = i;
    while (j < text.size() && !std::isspace(static_cast<unsigned char>(text[j])))
      ++j;
    if (j > i) out.emplace_back(text.substr(i, j - i));
    i = j;
  }
  return out;
}

}  // namespace

namespace {

/// `value` (in units of 10^-digits) as Go prints it: "1", "1.5", "0.001".
std::string withFraction(std::uint64_t value, int digits) {
  std::uint64_t scale = 1;
  for (int i = 0; i < digits; ++i)
    scale *= 10;
  std::string text = std::to_string(value / scale);
  if (const std::uint64_t fraction = value % scale; fraction != 0) {
    std::string digitsText = std::to_string(fraction);
    digitsText.insert(0, static_cast<std::size_t>(digits) - digitsText.size(), '0');
    digitsText.erase(digitsText.find_last_not_of('0') + 1);
    text += "." + digitsText;
  }
  return text;
}

}  // namespace

std::string formatGoDuration(std::int64_t nanoseconds) {
  if (nanoseconds == 0) return "0s";
  const std::string sign = nanoseconds < 0 ? "-" : "";
  const std::uint64_t u = nanoseconds < 0 ? 0 - static_cast<std::uint64_t>(nanoseconds)
                                          : static_cast<std::uint64_t>(nanoseconds);
  if (u < 1'000) return sign + std::to_string(u) + "ns";
  if (u < 1'000'000) return sign + withFraction(u, 3) + "\u00b5s";
  if (u < 1'000'000'000) return sign + withFraction(u, 6) + "ms";
  const std::string seconds = withFraction(u % 60'000'000'000, 9) + "s";
  const std::uint64_t minutes = u / 60'000'000'000;
  if (minutes == 0) return sign + seconds;
  if (minutes < 60) return sign + std::to_string(minutes) + "m" + seconds;
  return sign + std::to_string(minutes / 60) + "h" + std::to_string(minutes % 60) + "m" + seconds;
}

std::int64_t parseGoDuration(std::string_view text, std::string_view what) {
  return goDuration(text, what);
}

Json HealthCheck::toJson() const {
  // Podman's key order (Docker's HealthConfig); zero values are omitempty.
  Json out{{"Test", test}};
  if (startPeriodNs != 0) out["StartPeriod"] = startPeriodNs;
  if (intervalNs != 0) out["Interval"] = intervalNs;
  if (timeoutNs != 0) out["Timeout"] = timeoutNs;
  if (retries != 0) out["Retries"] = retries;
  return out;
}

HealthCheck HealthCheck::fromJson(const Json& json, std::string_view what) {
  const oci::JsonReader r(json, what, "Healthcheck");
  HealthCheck check;
  check.test = r.strings("Test");
  check.intervalNs = r.integer("Interval");
  check.timeoutNs = r.integer("Timeout");
  check.startPeriodNs = r.integer("StartPeriod");
  check.retries = static_cast<unsigned>(std::max<std::int64_t>(0, r.integer("Retries")));
  return check;
}

HealthCheck HealthCheck::fromImage(const oci::Healthcheck& image) {
  HealthCheck check;
  check.test = image.test;
  // As Podman normalises an image's check: 0 means the default.
  if (image.interval != 0) check.intervalNs = image.interval;
  if (image.timeout != 0) check.timeoutNs = image.timeout;
  check.startPeriodNs = image.startPeriod;
  if (image.retries > 0) check.retries = static_cast<unsigned>(image.retries);
  return check;
}

HealthCheck HealthCheck::disabled() {
  HealthCheck check;
  check.test = {"NONE"};
  check.intervalNs = 0;
  check.timeoutNs = 0;
  check.retries = 0;
  return check;
}

HealthCheck parseHealthFlags(const HealthFlags& flags) {
  HealthCheck check;
  std::vector<std::string> command;
  bool isArray = false;
  try {
    const Json parsed = parseJson(flags.cmd, "--health-cmd");
    if (parsed.is_array()) {
      for (const auto& item : parsed) {
        if (!item.is_string()) throw Error(Errc::InvalidArgument, "not strings");
        command.push_back(item.get<std::string>());
      }
      isArray = true;
    }
  } catch (const Error&) {
    command.clear();
  }
  if (!isArray) {
    // strings.SplitN(cmd, " ", 2)
    const auto space = flags.cmd.find(' ');
    command = {flags.cmd.substr(0, space)};
    if (space != std::string::npos) command.push_back(flags.cmd.substr(space + 1));
  }
  if (command.empty())
    throwError(Errc::InvalidArgument, "must define a healthcheck command for all healthchecks");
  const std::string first = upper(command[0]);
  if (first == "CMD" || first == "NONE") {
    command = fields(flags.cmd);
  } else if (first != "CMD-SHELL") {
    if (isArray && command.size() > 1) {
      command.insert(command.begin(), "CMD");
    } else {
      std::string joined;
      for (const auto& part : command)
        joined += (joined.empty() ? "" : " ") + part;
      command = {"CMD-SHELL", joined};
    }
  }
  if (!command.empty() && upper(command[0]) == "NONE") command = {"NONE"};
  check.test = command;

  const std::string interval = flags.interval.value_or("30s");
  check.intervalNs =
      goDuration(interval == "disable" ? "0" : interval, "invalid healthcheck-interval");
  const std::uint64_t retries =
      flags.retries ? parseUintFlag(*flags.retries, "--health-retries") : 3;
  if (retries < 1) throwError(Errc::InvalidArgument, "healthcheck-retries must be greater than 0");
  check.retries = static_cast<unsigned>(std::min<std::uint64_t>(retries, 1U << 31));
  check.timeoutNs = goDuration(flags.timeout.value_or("30s"), "invalid healthcheck-timeout");
  if (check.timeoutNs < 1)
    throwError(Errc::InvalidArgument, "healthcheck-timeout must be at least 1 second");
  check.startPeriodNs =
      goDuration(flags.startPeriod.value_or("0s"), "invalid healthcheck-start-period");
  if (check.startPeriodNs < 0)
    throwError(Errc::InvalidArgument, "healthcheck-start-period must be 0 seconds or greater");
  return check;
}

std::string parseHealthOnFailure(std::string_view value) {
  if (value == "none" || value == "kill" || value == "restart" || value == "stop")
    return std::string(value);
  throwError(Errc::InvalidArgument,
             "invalid on-failure action \"{}\" for health check: supported actions are "
             "none,kill,restart,stop",
             value);
}

}  // namespace berth::spec
