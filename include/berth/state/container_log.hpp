// SPDX-License-Identifier: Apache-2.0
// The container log in conmon's k8s-file format, which `podman logs` and
// Kubernetes tooling read: one record per line,
//   <time> <stdout|stderr> <F|P> <content>\n
// e.g. "2026-11-28T07:03:34.123456789+00:00 stdout F hello". F: the content
// ends a line (its newline is not part of the content); P: the chunk ended
// without a newline and the next record of that stream continues it.
// Written by berth-monitor (LogWriter), read by `berth logs` (readLog).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "berth/base/unique_fd.hpp"

namespace berth::state {

enum class LogStream { Stdout, Stderr };

/// "stdout" or "stderr", as the record spells it.
std::string_view logStreamName(LogStream stream) noexcept;

/// conmon's record timestamp: local wall-clock time, always nine fraction
/// digits and a numeric offset: "2026-11-28T07:03:34.123456789+01:00".
/// `utcOffsetSeconds` is east of UTC (tm_gmtoff).
std::string formatLogTimestamp(std::int64_t timeNs, int utcOffsetSeconds);

/// The local time zone's offset from UTC at `timeNs` (localtime_r's
/// tm_gmtoff, so TZ applies), in seconds east of UTC.
int localUtcOffset(std::int64_t timeNs) noexcept;

/// Appends k8s-file records to one log file. Used in berth-monitor; not
/// thread-safe; the only writer of its file.
///
/// Rotation is conmon's (ctr_logging.c write_k8s_log/reopen_k8s_file): when a
/// record would take the file past `maxSize`, the records so far are
/// flushed, then an empty "<path>.tmp" is created and renamed over `path`:
/// the old content is dropped, not kept as ctr.log.1. So the file never
/// holds more than maxSize bytes, except a single record larger than
/// maxSize, which is written whole into a fresh file. Unlike conmon, which
/// counts from zero at every start, the count starts at the file's size when
/// opened, so a restarted container's log stays bounded too; and the
/// replaced file is not fsynced first (it is about to be unlinked).
class LogWriter {
 public:
  /// Opens (creates) `path` O_WRONLY|O_APPEND|O_CREAT|O_CLOEXEC, mode 0600.
  /// `maxSize` <= 0 means unlimited. Throws Error naming the path.
  LogWriter(std::string path, std::int64_t maxSize);

  /// Logs one chunk read from the container's stdout or stderr, as conmon
  /// does: every "\n"-terminated piece becomes an F record, a trailing piece
  /// without "\n" a P record; all of them carry `timeNs` (in the local time
  /// zone). Empty data writes nothing. Normally one write(2) for the whole
  /// chunk (two around a rotation). Throws Error naming the path when a
  /// write or a rotation fails; after a failed rotation the old file stays
  /// open and keeps growing.
  void write(LogStream stream, std::string_view data, std::int64_t timeNs);

  /// Starts a new empty file now (conmon's reopen on its control fifo).
  void rotate();

  /// fsyncs the file (conmon's sync_logs when the container exits).
  void sync();

  const std::string& path() const noexcept { return path_; }
  /// Bytes in the current file, as counted by this writer.
  std::int64_t size() const noexcept { return size_; }

 private:
  void flush();

  std::string path_;
  std::int64_t maxSize_;
  UniqueFd fd_;
  std::int64_t size_ = 0;
  std::string batch_;  // records not yet written; reused to spare allocations
};

/// One record, or one line joined from records.
struct LogLine {
  LogStream stream = LogStream::Stdout;
  std::int64_t timeNs = 0;
  std::string content;       ///< without the line's newline
  bool partial = false;      ///< no newline ends it (a P record, or an unended line)
  int utcOffsetSeconds = 0;  ///< the zone the time was written in (for -t)
};

/// Parses one record (a trailing "\n" is allowed and ignored). The content
/// is everything after the third space, kept verbatim. nullopt unless the
/// time is RFC 3339, the stream is stdout or stderr and the tag is F or P
/// (podman skips such lines with an error message). Never throws.
std::optional<LogLine> parseLogLine(std::string_view record) noexcept;

/// Filters as `podman logs` applies them (libpod logs.LogLine Since/Until
/// and getTailLog).
struct LogReadOptions {
  std::int64_t sinceNs = 0;  ///< only lines strictly after; 0 = no limit
  std::int64_t untilNs = 0;  ///< only lines strictly before; 0 = no limit
  std::int64_t tail = -1;    ///< the last N lines of the file, before since/until; -1 = all
  /// Also return the lines not yet ended by an F record (the container wrote
  /// no newline yet, or never will) as partial LogLines, leaving them out of
  /// the returned cursor. When false they stay in the cursor, to be joined
  /// with what the next call reads.
  bool includeOpenLines = true;
};

/// Where a read stopped, to resume from there (`logs -f`).
struct LogCursor {
  std::uint64_t offset = 0;  ///< bytes consumed: always the end of a whole record
  std::uint64_t inode = 0;   ///< the file read; 0 = none yet. Another inode means
                             ///< the log was rotated: resume at its start
  /// Per stream (indexed by LogStream), the P records read but not yet ended.
  std::array<std::optional<LogLine>, 2> open;
};

struct LogReadResult {
  std::vector<LogLine> lines;
  LogCursor cursor;
};

/// Reads the records after `from` and returns whole lines: a stream's P
/// records are joined with its next F record (the other stream's records in
/// between do not break the line). A joined line has the time, offset and
/// place in the order of the record that ends it. Malformed records are
/// skipped; a last record without its "\n" (being written) is left for the
/// next call. A missing file gives no lines (podman: not an error). Throws
/// Error naming the path when the file cannot be read.
LogReadResult readLog(const std::string& path, const LogReadOptions& options = {},
                      const LogCursor& from = {});

/// How `podman logs` prints a line: optional prefix (the container's short
/// id or name with --names, for several containers), then with -t the time
/// in Go's "2006-01-02T15:04:05.000000000Z07:00" in the zone it was written
/// in ("Z" for UTC), a space, the content, and "\n" unless partial. The
/// caller writes `text` to its stdout or stderr as `stream` says.
struct RenderedLogLine {
  LogStream stream;
  std::string text;
};
RenderedLogLine renderLogLine(const LogLine& line, bool timestamps, std::string_view prefix = {});

}  // namespace berth::state
