// SPDX-License-Identifier: Apache-2.0
// Podman's --change parser (containers/common libimage
// ImageConfigFromChanges), message for message: scripts match on them.
#include "berth/image/change.hpp"

#include "berth/format/template.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <tuple>
#include <utility>

#include <fmt/format.h>

#include "berth/base/error.hpp"
#include "berth/base/json.hpp"
#include "berth/base/signal_names.hpp"
#include "berth/format/template.hpp"

namespace berth::image {

namespace {

constexpr std::string_view kSpaces = " \t\n\v\f\r";

/// Go's strings.TrimSpace for ASCII white space.
std::string_view trimSpace(std::string_view text) {
  const auto first = text.find_first_not_of(kSpaces);
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(kSpaces);
  return text.substr(first, last - first + 1);
}

std::string toUpperAscii(std::string_view text) {
  std::string upper(text);
  for (char& c : upper)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return upper;
}

/// Go's strconv.Atoi on a 64-bit platform: an optional sign and decimal
/// digits. The error is strconv's message ("strconv.Atoi: parsing \"x\":
/// invalid syntax").
std::pair<std::optional<long long>, std::string> goAtoi(std::string_view text) {
  const auto syntax = [&] {
    return std::make_pair(
        std::optional<long long>{},
        fmt::format("strconv.Atoi: parsing {}: invalid syntax", format::goQuote(text)));
  };
  std::string_view digits = text;
  bool negative = false;
  if (!digits.empty() && (digits.front() == '+' || digits.front() == '-')) {
    negative = digits.front() == '-';
    digits.remove_prefix(1);
  }
  if (digits.empty()) return syntax();
  const unsigned long long limit =
      static_cast<unsigned long long>(INT64_MAX) + (negative ? 1u : 0u);
  unsigned long long value = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return syntax();
    const auto digit = static_cast<unsigned long long>(c - '0');
    if (value > (limit - digit) / 10)
      return {std::nullopt,
              fmt::format("strconv.Atoi: parsing {}: value out of range", format::goQuote(text))};
    value = value * 10 + digit;
  }
  if (negative) return {value == limit ? INT64_MIN : -static_cast<long long>(value), {}};
  return {static_cast<long long>(value), {}};
}

/// json.Unmarshal into a []string: a JSON array of strings (a null element
/// is ""), or null (no list). nullopt when the text is anything else.
struct StringList {
  std::vector<std::string> items;
  bool null = false;
};
std::optional<StringList> parseJsonStrings(std::string_view text) {
  const Json json = Json::parse(text.begin(), text.end(), nullptr, false);
  if (json.is_discarded()) return std::nullopt;
  StringList list;
  if (json.is_null()) {
    list.null = true;
    return list;
  }
  if (!json.is_array()) return std::nullopt;
  for (const auto& item : json) {
    if (item.is_null()) {
      list.items.emplace_back();
    } else if (item.is_string()) {
      list.items.push_back(item.get<std::string>());
    } else {
      return std::nullopt;
    }
  }
  return list;
}

/// Podman strips one pair of surrounding double quotes from ENV and LABEL
/// keys and values (a lone `"` becomes empty, as strings.TrimPrefix of
/// TrimSuffix does).
std::string stripQuotes(std::string_view text) {
  if (!text.empty() && text.front() == '"' && text.back() == '"') {
    text.remove_suffix(1);
    if (!text.empty() && text.front() == '"') text.remove_prefix(1);
  }
  return std::string(text);
}

[[noreturn]] void invalidChange(std::string_view change, std::string_view why) {
  throwError(Errc::InvalidArgument, "invalid change {} - {}", format::goQuote(change), why);
}

}  // namespace

std::string goCleanPath(std::string_view path) {
  if (path.empty()) return ".";
  const bool rooted = path.front() == '/';
  std::vector<std::string_view> parts;
  std::size_t i = 0;
  while (i < path.size()) {
    const auto slash = path.find('/', i);
    const auto end = slash == std::string_view::npos ? path.size() : slash;
    const std::string_view part = path.substr(i, end - i);
    i = end + 1;
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (!parts.empty() && parts.back() != "..") {
        parts.pop_back();
      } else if (!rooted) {
        parts.push_back(part);
      }
      continue;
    }
    parts.push_back(part);
  }
  std::string out = rooted ? "/" : "";
  for (std::size_t p = 0; p < parts.size(); ++p) {
    if (p > 0) out += '/';
    out.append(parts[p]);
  }
  return out.empty() ? "." : out;
}

long long parseSignal(std::string_view text) {
  const auto [number, ignored] = goAtoi(text);
  if (number) {
    if (*number == 0) throwError(Errc::InvalidArgument, "invalid signal: {}", text);
    return *number;
  }
  std::string name = toUpperAscii(text);
  if (name.rfind("SIG", 0) == 0) name.erase(0, 3);
  if (auto signal = signalByName(name)) return *signal;
  throwError(Errc::InvalidArgument, "invalid signal: {}", text);
}

oci::RunConfig configFromChanges(const std::vector<std::string>& changes) {
  oci::RunConfig config;
  for (const std::string& change : changes) {
    // "KEY VALUE" as in a Dockerfile, else "KEY=VALUE".
    auto separator = change.find(' ');
    if (separator == std::string::npos) separator = change.find('=');
    if (separator == std::string::npos) invalidChange(change, "must be formatted as KEY VALUE");
    const std::string key = toUpperAscii(trimSpace(std::string_view(change).substr(0, separator)));
    const std::string_view value = trimSpace(std::string_view(change).substr(separator + 1));

    if (key == "USER") {
      if (value.empty()) invalidChange(change, "must provide a value to USER");
      config.user = value;
    } else if (key == "EXPOSE") {
      // PORT or PORT/PROTO, PROTO tcp or udp.
      std::vector<std::string_view> parts;
      for (std::size_t start = 0;;) {
        const auto slash = value.find('/', start);
        parts.push_back(
            value.substr(start, slash == std::string_view::npos ? slash : slash - start));
        if (slash == std::string_view::npos) break;
        start = slash + 1;
      }
      if (parts.size() > 2) invalidChange(change, "EXPOSE port must be formatted as PORT[/PROTO]");
      const auto [port, error] = goAtoi(parts[0]);
      if (!port) invalidChange(change, "EXPOSE port must be an integer: " + error);
      if (*port > 65535 || *port <= 0)
        invalidChange(change, "EXPOSE port must be a valid port number");
      std::string proto = "tcp";
      if (parts.size() > 1) {
        proto = toUpperAscii(parts[1]) == "UDP"   ? "udp"
                : toUpperAscii(parts[1]) == "TCP" ? "tcp"
                                                  : "";
        if (proto.empty()) invalidChange(change, "EXPOSE protocol must be TCP or UDP");
      }
      config.exposedPorts.insert(fmt::format("{}/{}", *port, proto));
    } else if (key == "ENV") {
      // One KEY=VALUE (a value is optional); Podman does not split pairs.
      const auto eq = value.find('=');
      const std::string_view envKey = value.substr(0, eq);
      if (envKey.empty()) invalidChange(change, "ENV must have at least one argument");
      const std::string_view envValue =
          eq == std::string_view::npos ? std::string_view() : value.substr(eq + 1);
      config.env.push_back(stripQuotes(envKey) + "=" + stripQuotes(envValue));
    } else if (key == "ENTRYPOINT") {
      // A JSON array, else an argument to sh -c; empty means no entrypoint.
      if (auto list = parseJsonStrings(value)) {
        config.entrypoint = list->items;
      } else if (!value.empty()) {
        config.entrypoint = {"/bin/sh", "-c", std::string(value)};
      } else {
        config.entrypoint.clear();
      }
    } else if (key == "CMD") {
      // As ENTRYPOINT, but an empty CMD is sh -c without a command.
      if (auto list = parseJsonStrings(value)) {
        config.cmd = list->items;
      } else {
        config.cmd = {"/bin/sh", "-c"};
        if (!value.empty()) config.cmd.emplace_back(value);
      }
    } else if (key == "VOLUME") {
      // A JSON array or space-separated paths; always added.
      std::vector<std::string> paths;
      if (auto list = parseJsonStrings(value)) {
        paths = list->items;
      } else {
        for (std::size_t start = 0;;) {
          const auto space = value.find(' ', start);
          paths.emplace_back(
              value.substr(start, space == std::string_view::npos ? space : space - start));
          if (space == std::string_view::npos) break;
          start = space + 1;
        }
      }
      if (paths.empty()) invalidChange(change, "must provide at least one argument to VOLUME");
      for (const auto& path : paths) {
        if (path.empty()) invalidChange(change, "VOLUME paths must not be empty");
        config.volumes.insert(path);
      }
    } else if (key == "WORKDIR") {
      // Relative to the previous WORKDIR: filepath.Join(previous, value).
      if (value.empty()) invalidChange(change, "must provide a non-empty WORKDIR");
      config.workingDir =
          goCleanPath(config.workingDir.empty() ? std::string(value)
                                                : config.workingDir + "/" + std::string(value));
    } else if (key == "LABEL") {
      const auto eq = value.find('=');
      if (eq == std::string_view::npos) invalidChange(change, "LABEL must be formatted key=value");
      const std::string labelKey = stripQuotes(value.substr(0, eq));
      const std::string labelValue = stripQuotes(value.substr(eq + 1));
      if (labelKey.empty()) invalidChange(change, "LABEL must have a non-empty key");
      config.labels[labelKey] = labelValue;
    } else if (key == "STOPSIGNAL") {
      try {
        config.stopSignal = std::to_string(parseSignal(value));
      } catch (const Error& e) {
        invalidChange(change, std::string("KILLSIGNAL must be given a valid signal: ") + e.what());
      }
    } else if (key == "ONBUILD") {
      if (value.empty()) invalidChange(change, "ONBUILD must be given an argument");
      config.onBuild.emplace_back(value);
    } else {
      invalidChange(change, "invalid instruction " + key);
    }
  }
  return config;
}

}  // namespace berth::image
