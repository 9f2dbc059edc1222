// SPDX-License-Identifier: Apache-2.0
#include "berth/state/container_log.hpp"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "berth/base/error.hpp"
#include "berth/base/fs.hpp"
#include "berth/format/human.hpp"
#include "catch.hpp"
#include "test_dir.hpp"

using namespace berth;
using namespace berth::state;

namespace {

constexpr std::int64_t kSecond = 1000000000;
// 2026-11-28T07:03:34.123456789Z
constexpr std::int64_t kT0 = 1795849414 * kSecond + 123456789;

/// Sets TZ for one test and restores it after.
class ScopedTz {
 public:
  explicit ScopedTz(const char* tz) {
    if (const char* old = ::getenv("TZ")) old_ = old;
    ::setenv("TZ", tz, 1);
    ::tzset();
  }
  ~ScopedTz() {
    if (old_) {
      ::setenv("TZ", old_->c_str(), 1);
    } else {
      ::unsetenv("TZ");
    }
    ::tzset();
  }

 private:
  std::optional<std::string> old_;
};

/// The records of a file, each without its "\n"; the last element is what
/// follows the last "\n" (empty for a well-formed file).
std::vector<std::string> records(const std::string& path) {
  std::vector<std::string> out;
  std::string text = readFile(path);
  std::size_t start = 0;
  for (;;) {
    const std::size_t newline = text.find('\n', start);
    if (newline == std::string::npos) break;
    out.push_back(text.substr(start, newline - start));
    start = newline + 1;
  }
  out.push_back(text.substr(start));
  return out;
}

std::int64_t fileSize(const std::string& path) {
  struct stat st;
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_size;
}

std::vector<std::string> contents(const std::vector<LogLine>& lines) {
  std::vector<std::string> out;
  for (const LogLine& line : lines)
    out.push_back(line.content);
  return out;
}

}  // namespace

TEST_CASE("formatLogTimestamp: conmon's local time with a numeric offset", "[state][log]") {
  CHECK(formatLogTimestamp(kT0, 0) == "2026-11-28T07:03:34.123456789+00:00");
  CHECK(formatLogTimestamp(kT0, 3600) == "2026-11-28T08:03:34.123456789+01:00");
  CHECK(formatLogTimestamp(kT0, -(9 * 3600 + 30 * 60)) == "2026-11-27T21:33:34.123456789-09:30");
  CHECK(formatLogTimestamp(1795849414 * kSecond, 0) == "2026-11-28T07:03:34.000000000+00:00");
  CHECK(formatLogTimestamp(0, 0) == "1970-01-01T00:00:00.000000000+00:00");
  CHECK(formatLogTimestamp(-1, 0) == "1969-12-31T23:59:59.999999999+00:00");
}

TEST_CASE("localUtcOffset follows TZ", "[state][log]") {
  {
    ScopedTz tz("UTC0");
    CHECK(localUtcOffset(kT0) == 0);
  }
  {
    ScopedTz tz("<+0530>-5:30");
    CHECK(localUtcOffset(kT0) == 5 * 3600 + 30 * 60);
  }
  {
    ScopedTz tz("<-03>3");
    CHECK(localUtcOffset(kT0) == -3 * 3600);
  }
}

TEST_CASE("LogWriter splits a chunk into F and P records as conmon does", "[state][log]") {
  ScopedTz tz("<+0200>-2");
  TestDir dir;
  const std::string path = dir.path() + "/ctr.log";
  LogWriter writer(path, 0);
  const std::string ts = "2026-11-28T09:03:34.123456789+02:00";

  SECTION("several newlines, then a piece without one") {
    writer.write(LogStream::Stdout, "one\ntwo\n\nthree", kT0);
    CHECK(records(path) == std::vector<std::string>{ts + " stdout F one", ts + " stdout F two",
                                                    ts + " stdout F ", ts + " stdout P three", ""});
  }
  SECTION("an empty write writes nothing, and creates the file 0600") {
    writer.write(LogStream::Stdout, "", kT0);
    CHECK(readFile(path).empty());
    struct stat st;
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
  }
  SECTION("a lone newline is an empty F record") {
    writer.write(LogStream::Stderr, "\n", kT0);
    CHECK(readFile(path) == ts + " stderr F \n");
  }
  SECTION("a chunk ending without newline, continued by the next one") {
    writer.write(LogStream::Stdout, "hel", kT0);
    writer.write(LogStream::Stdout, "lo\nwor", kT0 + kSecond);
    writer.write(LogStream::Stdout, "ld\n", kT0 + 2 * kSecond);
    const std::string ts1 = "2026-11-28T09:03:35.123456789+02:00";
    const std::string ts2 = "2026-11-28T09:03:36.123456789+02:00";
    CHECK(records(path) == std::vector<std::string>{ts + " stdout P hel", ts1 + " stdout F lo",
                                                    ts1 + " stdout P wor", ts2 + " stdout F ld",
                                                    ""});
    auto read = readLog(path);
    CHECK(contents(read.lines) == std::vector<std::string>{"hello", "world"});
    CHECK_FALSE(read.lines[0].partial);
  }
  SECTION("content is kept byte for byte: spaces, tabs, CR, NUL") {
    const std::string data = std::string("a  b\tc\r\n\x01 \0z\n", 13);
    writer.write(LogStream::Stdout, data, kT0);
    auto read = readLog(path);
    CHECK(contents(read.lines) ==
          std::vector<std::string>{"a  b\tc\r", std::string("\x01 \0z", 4)});
  }
}

TEST_CASE("write then read keeps streams apart and in order", "[state][log]") {
  TestDir dir;
  const std::string path = dir.path() + "/ctr.log";
  {
    LogWriter writer(path, -1);
    writer.write(LogStream::Stdout, "out 1\nout ", kT0);
    writer.write(LogStream::Stderr, "err 1\n", kT0 + 1);
    writer.write(LogStream::Stderr, "err ", kT0 + 2);
    writer.write(LogStream::Stdout, "2\n", kT0 + 3);
    writer.write(LogStream::Stderr, "2\n", kT0 + 4);
    writer.write(LogStream::Stdout, "tail", kT0 + 5);
  }
  // Reopened (a restarted container): appends.
  LogWriter again(path, 0);
  again.write(LogStream::Stdout, "\n", kT0 + 6);

  auto read = readLog(path);
  REQUIRE(read.lines.size() == 5);
  const std::vector<std::pair<LogStream, std::string>> expected = {
      {LogStream::Stdout, "out 1"}, {LogStream::Stderr, "err 1"},
      {LogStream::Stdout, "out 2"},  // joined across the stderr record
      {LogStream::Stderr, "err 2"}, {LogStream::Stdout, "tail"},
  };
  for (std::size_t i = 0; i < expected.size(); ++i) {
    INFO(i);
    CHECK(read.lines[i].stream == expected[i].first);
    CHECK(read.lines[i].content == expected[i].second);
    CHECK_FALSE(read.lines[i].partial);
  }
  // A joined line carries the time of the record that ends it.
  CHECK(read.lines[2].timeNs == kT0 + 3);
  CHECK(read.lines[4].timeNs == kT0 + 6);
  CHECK(read.cursor.offset == static_cast<std::uint64_t>(fileSize(path)));
}

TEST_CASE("readLog: since, until and tail as podman logs", "[state][log]") {
  TestDir dir;
  const std::string path = dir.path() + "/ctr.log";
  {
    LogWriter writer(path, 0);
    for (int i = 0; i < 10; ++i)
      writer.write(i % 2 ? LogStream::Stderr : LogStream::Stdout,
                   "line " + std::to_string(i) + "\n", kT0 + i * kSecond);
  }
  auto lines = [&](LogReadOptions options) { return contents(readLog(path, options).lines); };

  CHECK(lines({}).size() == 10);
  // Strictly after / strictly before (libpod LogLine.Since/Until).
  CHECK(lines({.sinceNs = kT0 + 7 * kSecond}) == std::vector<std::string>{"line 8", "line 9"});
  CHECK(lines({.untilNs = kT0 + 2 * kSecond}) == std::vector<std::string>{"line 0", "line 1"});
  CHECK(lines({.sinceNs = kT0 + 2 * kSecond, .untilNs = kT0 + 5 * kSecond}) ==
        std::vector<std::string>{"line 3", "line 4"});
  CHECK(lines({.tail = 3}) == std::vector<std::string>{"line 7", "line 8", "line 9"});
  CHECK(lines({.tail = 0}).empty());
  CHECK(lines({.tail = 100}).size() == 10);
  // The tail is taken first, then filtered (podman getTailLog, then Since).
  CHECK(lines({.sinceNs = kT0 + 8 * kSecond, .tail = 3}) == std::vector<std::string>{"line 9"});
  CHECK(lines({.untilNs = kT0 + 8 * kSecond, .tail = 3}) == std::vector<std::string>{"line 7"});
}

TEST_CASE("readLog: tail counts whole lines, not records", "[state][log]") {
  TestDir dir;
  const std::string path = dir.path() + "/ctr.log";
  {
    LogWriter writer(path, 0);
    writer.write(LogStream::Stdout, "first\nsec", kT0);
    writer.write(LogStream::Stdout, "o", kT0 + 1);
    writer.write(LogStream::Stdout, "nd\nthird\nfou", kT0 + 2);
    writer.write(LogStream::Stdout, "rth\nopen", kT0 + 3);
  }
  CHECK(contents(readLog(path, {.tail = 3}).lines) ==
        std::vector<std::string>{"third", "fourth", "open"});
  CHECK(contents(readLog(path, {.tail = 4}).lines) ==
        std::vector<std::string>{"second", "third", "fourth", "open"});
  auto all = readLog(path).lines;
  REQUIRE(all.size() == 5);
  // A line the container has not ended (yet) is returned as partial.
  CHECK(all.back().partial);
  CHECK(renderLogLine(all.back(), false).text == "open");
}

TEST_CASE("readLog resumes from a cursor", "[state][log]") {
  TestDir dir;
  const std::string path = dir.path() + "/ctr.log";
  LogWriter writer(path, 0);

  SECTION("open lines stay in the cursor") {
    writer.write(LogStream::Stdout, "a\nhal", kT0);
    auto first = readLog(path, {.includeOpenLines = false});
    CHECK(contents(first.lines) == std::vector<std::string>{"a"});
    REQUIRE(first.cursor.open[0]);
    CHECK(first.cursor.open[0]->content == "hal");
    CHECK(first.cursor.offset == static_cast<std::uint64_t>(fileSize(path)));

    writer.write(LogStream::Stderr, "e\n", kT0 + 1);
    writer.write(LogStream::Stdout, "f\nb\n", kT0 + 2);
    auto second = readLog(path, {.includeOpenLines = false}, first.cursor);
    CHECK(contents(second.lines) == std::vector<std::string>{"e", "half", "b"});
    CHECK_FALSE(second.cursor.open[0]);

    auto third = readLog(path, {}, second.cursor);
    CHECK(third.lines.empty());
  }
  SECTION("open lines are returned and not kept") {
    writer.write(LogStream::Stdout, "$ ", kT0);
    auto first = readLog(path);
    REQUIRE(first.lines.size() == 1);
    CHECK(first.lines[0].partial);
    CHECK_FALSE(first.cursor.open[0]);
    writer.write(LogStream::Stdout, "ls\n", kT0 + 1);
    auto second = readLog(path, {}, first.cursor);
    REQUIRE(second.lines.size() == 1);
    CHECK(second.lines[0].content == "ls");
    CHECK_FALSE(second.lines[0].partial);
  }
  SECTION("a record being written is left for the next read") {
    writer.write(LogStream::Stdout, "done\n", kT0);
    const std::uint64_t whole = static_cast<std::uint64_t>(fileSize(path));
    UniqueFd fd = openFile(path, O_WRONLY | O_APPEND);
    writeAll(fd.get(), "2026-11-28T07:03:34.123456789+00:00 stdout F hal", path);
    auto first = readLog(path);
    CHECK(contents(first.lines) == std::vector<std::string>{"done"});
    CHECK(first.cursor.offset == whole);
    writeAll(fd.get(), "f\n", path);
    auto second = readLog(path, {}, first.cursor);
    CHECK(contents(second.lines) == std::vector<std::string>{"half"});
  }
  SECTION("a rotated file is read from its start") {
    writer.write(LogStream::Stdout, "old 1\nold 2\n", kT0);
    auto first = readLog(path);
    writer.rotate();
    writer.write(LogStream::Stdout, "new\n", kT0 + 1);
    auto second = readLog(path, {}, first.cursor);
    CHECK(contents(second.lines) == std::vector<std::string>{"new"});
  }
}

TEST_CASE("LogWriter rotates at maxSize as conmon does", "[state][log]") {
  TestDir dir;
  const std::string path = dir.path() + "/ctr.log";
  // Each record of "line NNN\n" is 35 + 1 + 6 + 1 + 1 + 1 + 8 + 1 = 54 bytes.
  constexpr std::int64_t kRecord = 54;
  constexpr std::int64_t kMax = 10 * kRecord + 20;
  LogWriter writer(path, kMax);
  for (int i = 0; i < 100; ++i) {
    writer.write(LogStream::Stdout, fmt::format("line {:03}\n", i), kT0 + i);
    CHECK(fileSize(path) <= kMax);
    CHECK(writer.size() == fileSize(path));
  }
  // 100 records, ten to a file: the last file holds the last ten.
  auto read = readLog(path);
  REQUIRE(read.lines.size() == 10);
  CHECK(read.lines.front().content == "line 090");
  CHECK(read.lines.back().content == "line 099");
  CHECK_FALSE(pathExists(path + ".tmp"));

  SECTION("within one chunk: the records before the limit go to the old file") {
    std::string chunk;
    for (int i = 0; i < 25; ++i)
      chunk += fmt::format("more {:03}\n", i);
    writer.write(LogStream::Stderr, chunk, kT0 + 200);
    CHECK(fileSize(path) <= kMax);
    auto after = readLog(path);
    REQUIRE(after.lines.size() == 5);
    CHECK(after.lines.front().content == "more 020");
  }
  SECTION("a record larger than maxSize is written whole into a new file") {
    const std::string big(2 * kMax, 'x');
    writer.write(LogStream::Stdout, big + "\n", kT0 + 300);
    auto after = readLog(path);
    REQUIRE(after.lines.size() == 1);
    CHECK(after.lines[0].content == big);
    writer.write(LogStream::Stdout, "small\n", kT0 + 301);
    CHECK(contents(readLog(path).lines) == std::vector<std::string>{"small"});
  }
  SECTION("the size of a file left by an earlier writer counts") {
    LogWriter second(path, kMax);
    CHECK(second.size() == fileSize(path));
    for (int i = 0; i < 5; ++i)
      second.write(LogStream::Stdout, fmt::format("next {:03}\n", i), kT0 + 400);
    CHECK(fileSize(path) <= kMax);
  }
}

TEST_CASE("LogWriter: a file that cannot be opened is an Error naming it", "[state][log]") {
  TestDir dir;
  try {
    LogWriter writer(dir.path() + "/missing/ctr.log", 0);
    FAIL("no error");
  } catch (const Error& error) {
    CHECK(std::string(error.what()).find("missing/ctr.log") != std::string::npos);
  }
}

TEST_CASE("parseLogLine", "[state][log]") {
  auto line = parseLogLine("2026-11-28T08:03:34.123456789+01:00 stderr F  two  spaces ");
  REQUIRE(line);
  CHECK(line->stream == LogStream::Stderr);
  CHECK(line->timeNs == kT0);
  CHECK(line->utcOffsetSeconds == 3600);
  CHECK(line->content == " two  spaces ");
  CHECK_FALSE(line->partial);

  auto partial = parseLogLine("2026-11-28T07:03:34.123456789Z stdout P x\n");
  REQUIRE(partial);
  CHECK(partial->partial);
  CHECK(partial->content == "x");
  CHECK(partial->utcOffsetSeconds == 0);

  auto empty = parseLogLine("2026-11-28T07:03:34.123456789-05:00 stdout F ");
  REQUIRE(empty);
  CHECK(empty->content.empty());
  CHECK(empty->utcOffsetSeconds == -5 * 3600);

  for (const char* bad : {
           "",
           "\n",
           "garbage",
           "2026-11-28T07:03:34.123456789+00:00",
           "2026-11-28T07:03:34.123456789+00:00 stdout",
           "2026-11-28T07:03:34.123456789+00:00 stdout F",  // podman needs the fourth field
           "2026-11-28T07:03:34.123456789+00:00 stdin F x",
           "2026-11-28T07:03:34.123456789+00:00 stdout X x",
           "2026-11-28T07:03:34.123456789+00:00 stdout FP x",
           "2026-11-28T07:03:34.123456789+00:00  stdout F x",
           "2026-11-28 07:03:34 stdout F x",
           "2026-13-28T07:03:34.123456789+00:00 stdout F x",
           "2026-11-28T07:03:34.123456789+0000 stdout F x",
           "not-a-time stdout F x",
       }) {
    INFO(bad);
    CHECK_FALSE(parseLogLine(bad));
  }
}

TEST_CASE("readLog skips malformed records", "[state][log]") {
  TestDir dir;
  const std::string path = dir.path() + "/ctr.log";
  writeFileAtomic(path,
                  "2026-11-28T07:03:34.1+00:00 stdout F good 1\n"
                  "junk\n"
                  "\n"
                  "2026-11-28T07:03:34.2+00:00 stdout Q odd tag\n"
                  "2026-11-28T07:03:34.3+00:00 stderr F good 2\n"
                  "\x01\xff binary stdout F\n"
                  "2026-11-28T07:03:34.4+00:00 stdout F good 3\n",
                  0600, false);
  CHECK(contents(readLog(path).lines) == std::vector<std::string>{"good 1", "good 2", "good 3"});
}

TEST_CASE("readLog: a missing file has no lines", "[state][log]") {
  TestDir dir;
  auto read = readLog(dir.path() + "/none.log");
  CHECK(read.lines.empty());
  CHECK(read.cursor.offset == 0);
}

TEST_CASE("renderLogLine prints as podman logs does", "[state][log]") {
  LogLine line;
  line.stream = LogStream::Stderr;
  line.timeNs = 1795849414 * kSecond + 120000000;
  line.content = "hello";

  auto plain = renderLogLine(line, false);
  CHECK(plain.stream == LogStream::Stderr);
  CHECK(plain.text == "hello\n");
  // LogTimeFormat "2006-01-02T15:04:05.000000000Z07:00": nine digits, Z for UTC.
  CHECK(renderLogLine(line, true).text == "2026-11-28T07:03:34.120000000Z hello\n");
  line.utcOffsetSeconds = -(4 * 3600 + 30 * 60);
  CHECK(renderLogLine(line, true).text == "2026-11-28T02:33:34.120000000-04:30 hello\n");
  CHECK(renderLogLine(line, false, "0123456789ab").text == "0123456789ab hello\n");
  line.partial = true;
  CHECK(renderLogLine(line, false).text == "hello");
}

TEST_CASE("a k8s-file log written by Podman 4.3.1 (conmon)", "[state][log]") {
  // /work/shared/reference/podman-4.3.1-samples/k8s-file-ctr.log, verbatim.
  const std::string sample =
      "2026-11-27T23:51:41.895429008+00:00 stdout F out-line\n"
      "2026-11-27T23:51:41.895621935+00:00 stdout P partial\n"
      "2026-11-27T23:51:41.895630377+00:00 stderr F err-line\n";
  const auto first = parseLogLine("2026-11-27T23:51:41.895429008+00:00 stdout F out-line");
  REQUIRE(first);
  CHECK(first->stream == LogStream::Stdout);
  CHECK(first->content == "out-line");
  CHECK(first->timeNs == *format::parseRfc3339("2026-11-27T23:51:41.895429008Z"));
  // Our writer produces the same bytes for the same input and time.
  CHECK(formatLogTimestamp(first->timeNs, 0) + " stdout F out-line" ==
        "2026-11-27T23:51:41.895429008+00:00 stdout F out-line");

  TestDir dir;
  const std::string path = dir.path() + "/ctr.log";
  writeFileAtomic(path, sample, 0600, false);
  auto read = readLog(path);
  REQUIRE(read.lines.size() == 3);
  CHECK(read.lines[0].content == "out-line");
  CHECK(read.lines[1].stream == LogStream::Stderr);
  CHECK(read.lines[1].content == "err-line");
  // The stdout line was never ended: podman prints it without a newline.
  CHECK(read.lines[2].stream == LogStream::Stdout);
  CHECK(read.lines[2].partial);
  CHECK(renderLogLine(read.lines[2], false).text == "partial");
  CHECK(renderLogLine(read.lines[0], true).text == "2026-11-27T23:51:41.895429008Z out-line\n");
}
