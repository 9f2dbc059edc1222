// SPDX-License-Identifier: Apache-2.0
// Column alignment with exactly the behaviour of Go's text/tabwriter.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace berth::format {

/// Aligns tab-terminated cells into columns like Go's text/tabwriter: a cell
/// is text terminated by '\t' (or '\v', a soft cell); the text after the last
/// tab of a line is not part of a column. A column's width is set per block
/// of consecutive lines that have that column: max(minWidth, widest cell +
/// padding). A line without any tab ends all blocks (flushes). Widths count
/// UTF-8 runes. '\f' ends a line and flushes. Output accumulates until take().
class TabWriter {
 public:
  /// Go's tabwriter flags (same values).
  enum Flag : unsigned {
    kFilterHtml = 1u << 0,           ///< <tags> have zero width, &entities; one
    kStripEscape = 1u << 1,          ///< drop the 0xff escape bytes from output
    kAlignRight = 1u << 2,           ///< right-align cell contents
    kDiscardEmptyColumns = 1u << 3,  ///< zero width for all-empty soft columns
    kTabIndent = 1u << 4,            ///< pad leading empty cells with tabs
    kDebug = 1u << 5,                ///< print '|' between columns
  };

  /// Brackets text whose tabs and width are not interpreted.
  static constexpr char kEscape = '\xff';

  struct Options {
    int minWidth = 12;  ///< minimal cell width including padding
    int tabWidth = 2;   ///< width of a tab when padding with tabs
    int padding = 2;    ///< added to the widest cell of a column
    char padChar = ' ';
    unsigned flags = kStripEscape;
  };

  /// The defaults are Podman's report formatter: minwidth 12, tabwidth 2,
  /// padding 2, padchar ' ', StripEscape (containers/common pkg/report).
  TabWriter() : TabWriter(Options{}) {}
  explicit TabWriter(Options options);

  /// Feeds text; may be called many times, cells may span calls.
  void write(std::string_view text);

  /// Formats everything buffered, like Go's Flush: an unterminated last
  /// cell is output as is (no newline is added).
  void flush();

  /// flush(), then returns the output so far and clears it.
  std::string take();

 private:
  struct Cell {
    std::size_t size = 0;   // bytes
    std::size_t width = 0;  // runes
    bool htab = false;      // terminated by '\t' (not '\v')
  };

  void reset();
  void append(std::string_view text);
  void updateWidth();
  void startEscape(char ch);
  void endEscape();
  std::size_t terminateCell(bool htab);
  void writePadding(std::size_t textWidth, std::size_t cellWidth, bool useTabs);
  std::size_t writeLines(std::size_t pos, std::size_t line0, std::size_t line1);
  std::size_t format(std::size_t pos, std::size_t line0, std::size_t line1);

  Options options_;
  std::string buf_;  // cell text without tabs and line breaks
  std::size_t pos_ = 0;
  Cell cell_;
  char endChar_ = 0;
  std::vector<std::vector<Cell>> lines_;
  std::vector<std::size_t> widths_;
  std::string out_;
};

}  // namespace berth::format
