// SPDX-License-Identifier: Apache-2.0
// A port of the behaviour of Go's text/tabwriter (Go 1.19): same cell model,
// same block-wise column widths, same flush points.
#include "berth/format/tabwriter.hpp"

#include <algorithm>

#include "berth/format/template.hpp"

namespace berth::format {

TabWriter::TabWriter(Options options) : options_(options) {
  if (options_.padChar == '\t') options_.flags &= ~kAlignRight;  // tabs force left alignment
  reset();
}

void TabWriter::reset() {
  buf_.clear();
  pos_ = 0;
  cell_ = {};
  endChar_ = 0;
  lines_.clear();
  widths_.clear();
  lines_.emplace_back();
}

void TabWriter::append(std::string_view text) {
  buf_ += text;
  cell_.size += text.size();
}

void TabWriter::updateWidth() {
  const std::string_view rest = std::string_view(buf_).substr(pos_);
  for (std::size_t i = 0; i < rest.size(); i += decodeRune(rest, i).size)
    ++cell_.width;
  pos_ = buf_.size();
}

void TabWriter::startEscape(char ch) {
  switch (ch) {
    case kEscape:
      endChar_ = kEscape;
      break;
    case '<':
      endChar_ = '>';
      break;
    case '&':
      endChar_ = ';';
      break;
    default:
      break;
  }
}

void TabWriter::endEscape() {
  switch (endChar_) {
    case kEscape:
      updateWidth();
      if ((options_.flags & kStripEscape) == 0) cell_.width -= 2;  // the escapes have no width
      break;
    case '>':  // a tag has no width
      break;
    case ';':  // an entity counts as one rune
      ++cell_.width;
      break;
    default:
      break;
  }
  pos_ = buf_.size();
  endChar_ = 0;
}

std::size_t TabWriter::terminateCell(bool htab) {
  cell_.htab = htab;
  lines_.back().push_back(cell_);
  cell_ = {};
  return lines_.back().size();
}

void TabWriter::writePadding(std::size_t textWidth, std::size_t cellWidth, bool useTabs) {
  if (options_.padChar == '\t' || useTabs) {
    if (options_.tabWidth == 0) return;  // tabs have no width: no padding possible
    const auto tab = static_cast<std::size_t>(options_.tabWidth);
    cellWidth = (cellWidth + tab - 1) / tab * tab;
    const std::size_t n = cellWidth - textWidth;
    out_.append((n + tab - 1) / tab, '\t');
    return;
  }
  out_.append(cellWidth - textWidth, options_.padChar);
}

std::size_t TabWriter::writeLines(std::size_t pos, std::size_t line0, std::size_t line1) {
  for (std::size_t i = line0; i < line1; ++i) {
    const auto& line = lines_[i];
    bool useTabs = (options_.flags & kTabIndent) != 0;
    for (std::size_t j = 0; j < line.size(); ++j) {
      const Cell& c = line[j];
      if (j > 0 && (options_.flags & kDebug) != 0) out_ += '|';
      if (c.size == 0) {
        if (j < widths_.size()) writePadding(c.width, widths_[j], useTabs);
        continue;
      }
      useTabs = false;
      if ((options_.flags & kAlignRight) == 0) {
        out_.append(buf_, pos, c.size);
        pos += c.size;
        if (j < widths_.size()) writePadding(c.width, widths_[j], false);
      } else {
        if (j < widths_.size()) writePadding(c.width, widths_[j], false);
        out_.append(buf_, pos, c.size);
        pos += c.size;
      }
    }
    if (i + 1 == lines_.size()) {
      // The last buffered line has no newline: write its pending text.
      out_.append(buf_, pos, cell_.size);
      pos += cell_.size;
    } else {
      out_ += '\n';
    }
  }
  return pos;
}

std::size_t TabWriter::format(std::size_t pos, std::size_t line0, std::size_t line1) {
  const std::size_t column = widths_.size();
  // A line's last cell is not tab-terminated and belongs to no column.
  auto hasColumn = [&](std::size_t line) { return column + 1 < lines_[line].size(); };
  for (std::size_t row = line0; row < line1; ++row) {
    if (!hasColumn(row)) continue;
    // This line starts a block of lines that all have this column.
    pos = writeLines(pos, line0, row);
    line0 = row;
    auto width = static_cast<std::size_t>(options_.minWidth);
    bool discardable = true;  // all cells empty and soft
    for (; row < line1 && hasColumn(row); ++row) {
      const Cell& c = lines_[row][column];
      width = std::max(width, c.width + static_cast<std::size_t>(options_.padding));
      if (c.width > 0 || c.htab) discardable = false;
    }
    if (discardable && (options_.flags & kDiscardEmptyColumns) != 0) width = 0;
    // Format the columns right of this one within the block.
    widths_.push_back(width);
    pos = format(pos, line0, row);
    widths_.pop_back();
    line0 = row;
  }
  return writeLines(pos, line0, line1);
}

void TabWriter::write(std::string_view text) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char ch = text[i];
    if (endChar_ == 0) {
      switch (ch) {
        case '\t':
        case '\v':
        case '\n':
        case '\f': {
          append(text.substr(n, i - n));
          updateWidth();
          n = i + 1;
          const std::size_t ncells = terminateCell(ch == '\t');
          if (ch == '\n' || ch == '\f') {
            lines_.emplace_back();
            // A one-cell line cannot affect the alignment of what follows.
            if (ch == '\f' || ncells == 1) {
              flush();
              if (ch == '\f' && (options_.flags & kDebug) != 0) out_ += "---\n";
            }
          }
          break;
        }
        case kEscape:
          append(text.substr(n, i - n));
          updateWidth();
          n = i;
          if ((options_.flags & kStripEscape) != 0) ++n;
          startEscape(kEscape);
          break;
        case '<':
        case '&':
          if ((options_.flags & kFilterHtml) != 0) {
            append(text.substr(n, i - n));
            updateWidth();
            n = i;
            startEscape(ch);
          }
          break;
        default:
          break;
      }
    } else if (ch == endChar_) {
      std::size_t j = i + 1;
      if (ch == kEscape && (options_.flags & kStripEscape) != 0) j = i;
      append(text.substr(n, j - n));
      n = i + 1;
      endEscape();
    }
  }
  append(text.substr(n));
}

void TabWriter::flush() {
  if (cell_.size > 0) {
    if (endChar_ != 0) endEscape();
    terminateCell(false);
  }
  format(0, 0, lines_.size());
  reset();
}

std::string TabWriter::take() {
  flush();
  std::string out = std::move(out_);
  out_.clear();
  return out;
}

}  // namespace berth::format
