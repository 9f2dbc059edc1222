// SPDX-License-Identifier: Apache-2.0
#include "berth/base/log.hpp"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <string>

#include "berth/base/error.hpp"

namespace berth {

namespace {

std::atomic<LogLevel> gLevel{LogLevel::Warn};
const auto gStart = std::chrono::steady_clock::now();

struct LevelName {
  std::string_view shortName;  // logrus' terminal form
  std::string_view longName;   // logrus' key=value form
};

LevelName levelName(LogLevel level) {
  switch (level) {
    case LogLevel::Error:
      return {"ERRO", "error"};
    case LogLevel::Warn:
      return {"WARN", "warning"};
    case LogLevel::Info:
      return {"INFO", "info"};
    case LogLevel::Debug:
      return {"DEBU", "debug"};
  }
  return {"INFO", "info"};
}

}  // namespace

LogLevel parseLogLevel(std::string_view text) {
  if (text == "error") return LogLevel::Error;
  if (text == "warn" || text == "warning") return LogLevel::Warn;
  if (text == "info") return LogLevel::Info;
  if (text == "debug" || text == "trace") return LogLevel::Debug;
  throwError(Errc::InvalidArgument,
             "log level \"{}\" is invalid: expected one of error, warn, info, debug", text);
}

void setLogLevel(LogLevel level) noexcept {
  gLevel = level;
}
LogLevel logLevel() noexcept {
  return gLevel;
}

void logMessage(LogLevel level, std::string_view message) noexcept {
  try {
    const LevelName name = levelName(level);
    std::string line;
    if (::isatty(STDERR_FILENO)) {
      const auto elapsed = std::chrono::duration_cast<std::chrono::seconds>(
                               std::chrono::steady_clock::now() - gStart)
                               .count();
      line = fmt::format("{}[{:04}] {}\n", name.shortName, elapsed, message);
    } else {
      char stamp[64];
      const std::time_t now = std::time(nullptr);
      std::tm tm{};
      ::gmtime_r(&now, &tm);
      std::strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
      std::string quoted;
      for (char c : message) {
        if (c == '"' || c == '\\') quoted.push_back('\\');
        quoted.push_back(c);
      }
      line = fmt::format("time=\"{}\" level={} msg=\"{}\"\n", stamp, name.longName, quoted);
    }
    // One write call per line so concurrent processes do not interleave.
    [[maybe_unused]] const ssize_t ignored = ::write(STDERR_FILENO, line.data(), line.size());
  } catch (...) {
    // Logging must never throw; a failed log line is dropped.
  }
}

}  // namespace berth
