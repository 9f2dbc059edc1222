// SPDX-License-Identifier: Apache-2.0
#include "berth/format/human.hpp"

#include <fmt/format.h>

#include "berth/base/error.hpp"

#include <array>
#include <cctype>
#include <chrono>
#include <ctime>

namespace berth::format {

std::string humanSize(double bytes, int precision) {
  static constexpr std::array<const char*, 9> kUnits = {"B",  "kB", "MB", "GB", "TB",
                                                        "PB", "EB", "ZB", "YB"};
  std::size_t unit = 0;
  while (bytes >= 1000.0 && unit + 1 < kUnits.size()) {
    bytes /= 1000.0;
    ++unit;
  }
  return fmt::format("{:.{}g} {}", bytes, precision, kUnits[unit]);
}

std::string humanDuration(std::int64_t ns) {
  const std::int64_t seconds = ns / 1000000000;
  if (seconds < 1) return "Less than a second";
  if (seconds == 1) return "1 second";
  if (seconds < 60) return fmt::format("{} seconds", seconds);
  const std::int64_t minutes = seconds / 60;
  if (minutes == 1) return "About a minute";
  if (minutes < 60) return fmt::format("{} minutes", minutes);
  // Go's d.Round(time.Hour): halves away from zero.
  const std::int64_t hour = std::int64_t{3600} * 1000000000;
  const std::int64_t hours = (ns + hour / 2) / hour;
  if (hours == 1) return "About an hour";
  if (hours < 48) return fmt::format("{} hours", hours);
  if (hours < 24 * 7 * 2) return fmt::format("{} days", hours / 24);
  if (hours < 24 * 30 * 2) return fmt::format("{} weeks", hours / 24 / 7);
  if (hours < 24 * 365 * 2) return fmt::format("{} months", hours / 24 / 30);
  return fmt::format("{} years", ns / hour / 24 / 365);
}

namespace {

bool digits(std::string_view text, std::size_t pos, std::size_t count, int& out) {
  if (pos + count > text.size()) return false;
  int value = 0;
  for (std::size_t i = pos; i < pos + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    value = value * 10 + (text[i] - '0');
  }
  out = value;
  return true;
}

/// Days since 1970-01-01 of a civil date (proleptic Gregorian).
std::int64_t daysFromCivil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct Civil {
  std::int64_t year;
  unsigned month, day, hour, minute, second;
  std::int64_t nanos;
};

Civil toCivil(TimeNs time) {
  std::int64_t secs = time / 1000000000;
  std::int64_t nanos = time % 1000000000;
  if (nanos < 0) {
    nanos += 1000000000;
    --secs;
  }
  std::int64_t days = secs / 86400;
  std::int64_t rem = secs % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const auto doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2);
  return Civil{y,
               m,
               d,
               static_cast<unsigned>(rem / 3600),
               static_cast<unsigned>(rem % 3600 / 60),
               static_cast<unsigned>(rem % 60),
               nanos};
}

/// ".468578455" with trailing zeros removed; "" for zero.
std::string fraction(std::int64_t nanos) {
  if (nanos == 0) return "";
  std::string text = fmt::format(".{:09}", nanos);
  while (text.back() == '0')
    text.pop_back();
  return text;
}

}  // namespace

std::optional<TimeNs> parseRfc3339(std::string_view text) noexcept {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!digits(text, 0, 4, year) || text.size() < 20 || text[4] != '-' ||
      !digits(text, 5, 2, month) || text[7] != '-' || !digits(text, 8, 2, day) ||
      (text[10] != 'T' && text[10] != 't') || !digits(text, 11, 2, hour) || text[13] != ':' ||
      !digits(text, 14, 2, minute) || text[16] != ':' || !digits(text, 17, 2, second))
    return std::nullopt;
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60)
    return std::nullopt;
  std::size_t pos = 19;
  std::int64_t nanos = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    int count = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (count < 9) nanos = nanos * 10 + (text[pos] - '0');
      ++count;
      ++pos;
    }
    if (count == 0) return std::nullopt;
    for (int i = count; i < 9; ++i)
      nanos *= 10;
  }
  std::int64_t offset = 0;
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    int oh = 0, om = 0;
    if (!digits(text, pos + 1, 2, oh) || pos + 3 >= text.size() || text[pos + 3] != ':' ||
        !digits(text, pos + 4, 2, om))
      return std::nullopt;
    offset = (oh * 3600 + om * 60) * (text[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != text.size()) return std::nullopt;
  const std::int64_t secs =
      daysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * 86400 +
      hour * 3600 + minute * 60 + second - offset;
  return secs * 1000000000 + nanos;
}

std::string formatRfc3339Nano(TimeNs time) {
  const Civil c = toCivil(time);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{}Z", c.year, c.month, c.day, c.hour,
                     c.minute, c.second, fraction(c.nanos));
}

std::string formatGoTime(TimeNs time) {
  const Civil c = toCivil(time);
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}{} +0000 UTC", c.year, c.month, c.day,
                     c.hour, c.minute, c.second, fraction(c.nanos));
}

TimeNs nowNs() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string timeAgo(TimeNs time, TimeNs now) {
  return humanDuration(now - time) + " ago";
}

TimeNs parseTimeFlag(const std::string& value, std::string_view flag) {
  if (auto t = parseRfc3339(value)) return *t;
  const TimeNs now = nowNs();
  if (!value.empty() && value.find_first_not_of("0123456789.") == std::string::npos) {
    const double seconds = std::stod(value);
    return static_cast<TimeNs>(seconds * 1e9);
  }
  double total = 0;
  std::size_t i = 0;
  bool any = false;
  while (i < value.size()) {
    std::size_t j = i;
    while (j < value.size() &&
           (std::isdigit(static_cast<unsigned char>(value[j])) || value[j] == '.'))
      ++j;
    if (j == i) break;
    const double number = std::stod(value.substr(i, j - i));
    std::size_t k = j;
    while (k < value.size() && std::isalpha(static_cast<unsigned char>(value[k])))
      ++k;
    const std::string unit = value.substr(j, k - j);
    double scale = 0;
    if (unit == "ns")
      scale = 1;
    else if (unit == "us" || unit == "µs")
      scale = 1e3;
    else if (unit == "ms")
      scale = 1e6;
    else if (unit == "s")
      scale = 1e9;
    else if (unit == "m")
      scale = 60e9;
    else if (unit == "h")
      scale = 3600e9;
    else
      break;
    total += number * scale;
    any = true;
    i = k;
  }
  if (!any || i != value.size())
    throwError(Errc::InvalidArgument,
               "invalid value \"{}\" for {}: expected an RFC 3339 time, a Unix timestamp or a "
               "duration such as 10m",
               value, flag);
  return now - static_cast<TimeNs>(total);
}

}  // namespace berth::format
