// SPDX-License-Identifier: Apache-2.0
#include "berth/state/container_log.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <deque>

#include <fmt/format.h>

#include "berth/base/error.hpp"
#include "berth/base/fs.hpp"
#include "berth/format/human.hpp"

namespace berth::state {

namespace {

constexpr std::int64_t kNsPerSec = 1000000000;

std::size_t streamIndex(LogStream stream) noexcept {
  return stream == LogStream::Stdout ? 0 : 1;
}

/// Broken-down wall-clock time of `timeNs` shifted by `utcOffsetSeconds`.
struct WallClock {
  struct tm tm;
  long nanos;
};

WallClock wallClock(std::int64_t timeNs, int utcOffsetSeconds) {
  std::int64_t secs = timeNs / kNsPerSec;
  std::int64_t nanos = timeNs % kNsPerSec;
  if (nanos < 0) {
    nanos += kNsPerSec;
    --secs;
  }
  WallClock clock{};
  const time_t shifted = static_cast<time_t>(secs + utcOffsetSeconds);
  ::gmtime_r(&shifted, &clock.tm);
  clock.nanos = static_cast<long>(nanos);
  return clock;
}

/// "±HH:MM" (seconds of an offset dropped, as conmon and Go both do).
std::string numericOffset(int utcOffsetSeconds) {
  const char sign = utcOffsetSeconds < 0 ? '-' : '+';
  const int minutes = (utcOffsetSeconds < 0 ? -utcOffsetSeconds : utcOffsetSeconds) / 60;
  return fmt::format("{}{:02}:{:02}", sign, minutes / 60, minutes % 60);
}

std::string formatTime(std::int64_t timeNs, int utcOffsetSeconds, std::string_view zone) {
  const WallClock c = wallClock(timeNs, utcOffsetSeconds);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:09}{}", c.tm.tm_year + 1900,
                     c.tm.tm_mon + 1, c.tm.tm_mday, c.tm.tm_hour, c.tm.tm_min, c.tm.tm_sec, c.nanos,
                     zone);
}

/// The offset written at the end of a timestamp parseRfc3339 accepted.
int offsetOf(std::string_view timestamp) noexcept {
  const char last = timestamp.back();
  if (last == 'Z' || last == 'z') return 0;
  const std::string_view text = timestamp.substr(timestamp.size() - 6);
  const int hours = (text[1] - '0') * 10 + (text[2] - '0');
  const int minutes = (text[4] - '0') * 10 + (text[5] - '0');
  const int seconds = hours * 3600 + minutes * 60;
  return text[0] == '-' ? -seconds : seconds;
}

}  // namespace

std::string_view logStreamName(LogStream stream) noexcept {
  return stream == LogStream::Stdout ? "stdout" : "stderr";
}

std::string formatLogTimestamp(std::int64_t timeNs, int utcOffsetSeconds) {
  return formatTime(timeNs, utcOffsetSeconds, numericOffset(utcOffsetSeconds));
}

int localUtcOffset(std::int64_t timeNs) noexcept {
  // localtime_r need not read TZ (POSIX); conmon calls tzset() once too.
  static const bool tzInitialized = (::tzset(), true);
  (void)tzInitialized;
  std::int64_t secs = timeNs / kNsPerSec;
  if (timeNs % kNsPerSec < 0) --secs;
  const time_t when = static_cast<time_t>(secs);
  struct tm local;
  if (::localtime_r(&when, &local) == nullptr) return 0;
  return static_cast<int>(local.tm_gmtoff);
}

// ---------------------------------------------------------------------------
// Writing

LogWriter::LogWriter(std::string path, std::int64_t maxSize)
    : path_(std::move(path)), maxSize_(maxSize) {
  fd_ = openFile(path_, O_WRONLY | O_APPEND | O_CREAT, 0600);
  struct stat st;
  if (::fstat(fd_.get(), &st) < 0) throwErrno("stat '{}'", path_);
  size_ = st.st_size;
}

void LogWriter::write(LogStream stream, std::string_view data, std::int64_t timeNs) {
  if (data.empty()) return;
  // One timestamp for every record of the chunk, as conmon (write_k8s_log).
  std::string prefix = formatLogTimestamp(timeNs, localUtcOffset(timeNs));
  prefix += ' ';
  prefix += logStreamName(stream);
  prefix += ' ';

  batch_.clear();
  while (!data.empty()) {
    const std::size_t newline = data.find('\n');
    const bool partial = newline == std::string_view::npos;
    const std::size_t consumed = partial ? data.size() : newline + 1;
    const std::string_view content = data.substr(0, partial ? consumed : newline);
    const auto recordSize = static_cast<std::int64_t>(prefix.size() + 2 + content.size() + 1);
    const auto pending = size_ + static_cast<std::int64_t>(batch_.size());
    // conmon rotates when the record would pass the limit; a file holding
    // nothing yet gains nothing from it (a record larger than the limit).
    if (maxSize_ > 0 && pending > 0 && pending + recordSize > maxSize_) {
      flush();
      rotate();
    }
    batch_ += prefix;
    batch_ += partial ? "P " : "F ";
    batch_ += content;
    batch_ += '\n';
    data.remove_prefix(consumed);
  }
  flush();
}

void LogWriter::flush() {
  if (batch_.empty()) return;
  writeAll(fd_.get(), batch_, path_);
  size_ += static_cast<std::int64_t>(batch_.size());
  batch_.clear();
}

void LogWriter::rotate() {
  // conmon's reopen_k8s_file: an empty <path>.tmp renamed over the log, so a
  // reader never finds the path missing. The new fd replaces the old one only
  // once the rename worked.
  const std::string tmp = path_ + ".tmp";
  UniqueFd fd = openFile(tmp, O_WRONLY | O_APPEND | O_CREAT | O_TRUNC, 0600);
  if (::rename(tmp.c_str(), path_.c_str()) < 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    throwErrnoValue(err, fmt::format("rename '{}' to '{}'", tmp, path_));
  }
  fd_ = std::move(fd);
  size_ = 0;
}

void LogWriter::sync() {
  if (::fsync(fd_.get()) < 0) throwErrno("fsync '{}'", path_);
}

// ---------------------------------------------------------------------------
// Reading

std::optional<LogLine> parseLogLine(std::string_view record) noexcept {
  if (!record.empty() && record.back() == '\n') record.remove_suffix(1);
  const std::size_t timeEnd = record.find(' ');
  if (timeEnd == std::string_view::npos) return std::nullopt;
  const std::size_t streamEnd = record.find(' ', timeEnd + 1);
  if (streamEnd == std::string_view::npos) return std::nullopt;
  const std::size_t tagEnd = record.find(' ', streamEnd + 1);
  if (tagEnd == std::string_view::npos) return std::nullopt;

  const std::string_view timestamp = record.substr(0, timeEnd);
  const std::string_view stream = record.substr(timeEnd + 1, streamEnd - timeEnd - 1);
  const std::string_view tag = record.substr(streamEnd + 1, tagEnd - streamEnd - 1);
  const auto timeNs = format::parseRfc3339(timestamp);
  if (!timeNs) return std::nullopt;

  LogLine line;
  if (stream == "stdout") {
    line.stream = LogStream::Stdout;
  } else if (stream == "stderr") {
    line.stream = LogStream::Stderr;
  } else {
    return std::nullopt;
  }
  if (tag == "F") {
    line.partial = false;
  } else if (tag == "P") {
    line.partial = true;
  } else {
    return std::nullopt;
  }
  line.timeNs = *timeNs;
  line.utcOffsetSeconds = offsetOf(timestamp);
  try {
    line.content.assign(record.substr(tagEnd + 1));
  } catch (...) {  // bad_alloc: this function promises not to throw
    return std::nullopt;
  }
  return line;
}

namespace {

/// Joins records into lines and applies tail, since and until.
class LineCollector {
 public:
  LineCollector(const LogReadOptions& options, LogCursor& cursor)
      : options_(options), cursor_(cursor) {}

  void add(LogLine record) {
    const std::size_t index = streamIndex(record.stream);
    std::optional<LogLine>& open = cursor_.open[index];
    if (record.partial) {
      if (open) {
        open->content += record.content;
        open->timeNs = record.timeNs;
        open->utcOffsetSeconds = record.utcOffsetSeconds;
      } else {
        open = std::move(record);
      }
      openOrder_[index] = sequence_++;
      return;
    }
    if (open) {
      record.content.insert(0, open->content);
      open.reset();
    }
    ++sequence_;
    emit(std::move(record));
  }

  std::vector<LogLine> finish() {
    if (options_.includeOpenLines) {
      // Open lines last, in the order of their latest records.
      std::size_t first = openOrder_[0] <= openOrder_[1] ? 0 : 1;
      for (std::size_t index : {first, 1 - first}) {
        if (!cursor_.open[index]) continue;
        emit(std::move(*cursor_.open[index]));
        cursor_.open[index].reset();
      }
    }
    std::vector<LogLine> lines;
    lines.reserve(tail_.size());
    for (LogLine& line : tail_) {
      if (selected(line)) lines.push_back(std::move(line));
    }
    return lines;
  }

 private:
  void emit(LogLine line) {
    if (options_.tail == 0) return;
    // Without a tail, filter now; with one, the tail is taken from all lines
    // first and filtered after (podman getTailLog, then Since/Until).
    if (options_.tail < 0 && !selected(line)) return;
    tail_.push_back(std::move(line));
    if (options_.tail > 0 && tail_.size() > static_cast<std::uint64_t>(options_.tail))
      tail_.pop_front();
  }

  bool selected(const LogLine& line) const {
    if (options_.sinceNs != 0 && line.timeNs <= options_.sinceNs) return false;
    if (options_.untilNs != 0 && line.timeNs >= options_.untilNs) return false;
    return true;
  }

  const LogReadOptions& options_;
  LogCursor& cursor_;
  std::deque<LogLine> tail_;
  std::uint64_t sequence_ = 1;
  std::uint64_t openOrder_[2] = {0, 0};  // 0: opened before this read
};

}  // namespace

LogReadResult readLog(const std::string& path, const LogReadOptions& options,
                      const LogCursor& from) {
  LogReadResult result;
  result.cursor = from;
  LogCursor& cursor = result.cursor;
  LineCollector collector(options, cursor);

  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    if (errno != ENOENT) throwErrno("open '{}'", path);
    result.lines = collector.finish();
    return result;
  }
  struct stat st;
  if (::fstat(fd.get(), &st) < 0) throwErrno("stat '{}'", path);
  const auto inode = static_cast<std::uint64_t>(st.st_ino);
  // A new file (rotated) or a shorter one (truncated): start over.
  if ((cursor.inode != 0 && cursor.inode != inode) ||
      static_cast<std::uint64_t>(st.st_size) < cursor.offset)
    cursor.offset = 0;
  cursor.inode = inode;

  std::string pending;  // the start of a record the last read cut off
  char buffer[65536];
  std::uint64_t readAt = cursor.offset;
  for (;;) {
    const ssize_t n = ::pread(fd.get(), buffer, sizeof(buffer), static_cast<off_t>(readAt));
    if (n < 0) {
      if (errno == EINTR) continue;
      throwErrno("read '{}'", path);
    }
    if (n == 0) break;
    readAt += static_cast<std::uint64_t>(n);
    std::string_view chunk(buffer, static_cast<std::size_t>(n));
    for (;;) {
      const std::size_t newline = chunk.find('\n');
      if (newline == std::string_view::npos) {
        pending.append(chunk);
        break;
      }
      std::string_view record = chunk.substr(0, newline);
      if (!pending.empty()) {
        pending.append(record);
        record = pending;
      }
      cursor.offset += record.size() + 1;
      if (auto line = parseLogLine(record)) collector.add(std::move(*line));
      pending.clear();
      chunk.remove_prefix(newline + 1);
    }
  }
  result.lines = collector.finish();
  return result;
}

RenderedLogLine renderLogLine(const LogLine& line, bool timestamps, std::string_view prefix) {
  RenderedLogLine rendered{line.stream, {}};
  std::string& text = rendered.text;
  if (!prefix.empty()) {
    text += prefix;
    text += ' ';
  }
  if (timestamps) {
    // Go's Format("2006-01-02T15:04:05.000000000Z07:00") of the parsed time,
    // which keeps the offset it was written with; Z07:00 spells 0 as "Z".
    text += formatTime(
        line.timeNs, line.utcOffsetSeconds,
        line.utcOffsetSeconds == 0 ? std::string("Z") : numericOffset(line.utcOffsetSeconds));
    text += ' ';
  }
  text += line.content;
  if (!line.partial) text += '\n';
  return rendered;
}

}  // namespace berth::state
