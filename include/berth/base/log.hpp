// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string_view>
#include <utility>

#include <fmt/format.h>

namespace berth {

enum class LogLevel { Error = 0, Warn = 1, Info = 2, Debug = 3 };

/// Parses "error", "warn" ("warning"), "info", "debug"; throws
/// Error(InvalidArgument) naming the value and the accepted ones.
LogLevel parseLogLevel(std::string_view text);

void setLogLevel(LogLevel level) noexcept;
LogLevel logLevel() noexcept;

/// Writes one line to stderr in Podman's (logrus) shape: `WARN[0000] text` on
/// a terminal, `time="..." level=warning msg="text"` otherwise.
void logMessage(LogLevel level, std::string_view message) noexcept;

template <class... Args>
void logAt(LogLevel level, fmt::format_string<Args...> format, Args&&... args) {
  if (level > logLevel()) return;
  logMessage(level, fmt::format(format, std::forward<Args>(args)...));
}
template <class... Args>
void logWarn(fmt::format_string<Args...> format, Args&&... args) {
  logAt(LogLevel::Warn, format, std::forward<Args>(args)...);
}
template <class... Args>
void logInfo(fmt::format_string<Args...> format, Args&&... args) {
  logAt(LogLevel::Info, format, std::forward<Args>(args)...);
}
template <class... Args>
void logDebug(fmt::format_string<Args...> format, Args&&... args) {
  logAt(LogLevel::Debug, format, std::forward<Args>(args)...);
}

}  // namespace berth
