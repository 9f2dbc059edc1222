// SPDX-License-Identifier: Apache-2.0
#include "go_strconv.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>

namespace berth::spec::detail {
namespace {

std::string syntaxError(std::string_view func, std::string_view text) {
  return fmt::format("strconv.{}: parsing \"{}\": invalid syntax", func, text);
}

std::string rangeError(std::string_view func, std::string_view text) {
  return fmt::format("strconv.{}: parsing \"{}\": value out of range", func, text);
}

// Digits only (no sign): the magnitude, or nullopt for bad syntax; `overflow`
// set when it does not fit in 64 bits.
std::optional<std::uint64_t> digits(std::string_view text, bool& overflow) {
  overflow = false;
  if (text.empty()) return std::nullopt;
  std::uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    const auto d = static_cast<std::uint64_t>(c - '0');
    if (value > (std::numeric_limits<std::uint64_t>::max() - d) / 10) overflow = true;
    value = value * 10 + d;
  }
  return value;
}

}  // namespace

std::optional<std::int64_t> goParseInt(std::string_view text, std::string& error) {
  std::string_view body = text;
  bool negative = false;
  if (!body.empty() && (body[0] == '+' || body[0] == '-')) {
    negative = body[0] == '-';
    body.remove_prefix(1);
  }
  bool overflow = false;
  const auto magnitude = digits(body, overflow);
  if (!magnitude) {
    error = syntaxError("ParseInt", text);
    return std::nullopt;
  }
  const std::uint64_t limit = negative ? std::uint64_t{1} << 63 : (std::uint64_t{1} << 63) - 1;
  if (overflow || *magnitude > limit) {
    error = rangeError("ParseInt", text);
    return std::nullopt;
  }
  if (negative) return static_cast<std::int64_t>(0 - *magnitude);
  return static_cast<std::int64_t>(*magnitude);
}

std::optional<std::uint64_t> goParseUint(std::string_view text, std::string& error) {
  bool overflow = false;
  const auto value = digits(text, overflow);
  if (!value) {
    error = syntaxError("ParseUint", text);
    return std::nullopt;
  }
  if (overflow) {
    error = rangeError("ParseUint", text);
    return std::nullopt;
  }
  return value;
}

std::optional<double> goParseFloat(std::string_view text, std::string& error) {
  // strtod skips leading blanks and accepts a trailing partial parse; Go does
  // neither.
  const std::string copy(text);
  if (copy.empty() || copy.front() == ' ' || copy.front() == '\t' || copy.front() == '\n') {
    error = syntaxError("ParseFloat", text);
    return std::nullopt;
  }
  char* end = nullptr;
  errno = 0;
  const double value = std::strtod(copy.c_str(), &end);
  if (end != copy.c_str() + copy.size()) {
    error = syntaxError("ParseFloat", text);
    return std::nullopt;
  }
  if (errno == ERANGE && std::isinf(value)) {
    error = rangeError("ParseFloat", text);
    return std::nullopt;
  }
  return value;
}

std::optional<bool> goParseBool(std::string_view text) {
  if (text == "1" || text == "t" || text == "T" || text == "TRUE" || text == "true" ||
      text == "True")
    return true;
  if (text == "0" || text == "f" || text == "F" || text == "FALSE" || text == "false" ||
      text == "False")
    return false;
  return std::nullopt;
}

std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> parts;
  for (;;) {
    const auto at = text.find(sep);
    parts.push_back(text.substr(0, at));
    if (at == std::string_view::npos) return parts;
    text.remove_prefix(at + 1);
  }
}

}  // namespace berth::spec::detail
