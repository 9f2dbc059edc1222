// SPDX-License-Identifier: Apache-2.0
// Go text/tabwriter behaviour. Expected strings are Go 1.19's output.
#include "berth/format/tabwriter.hpp"

#include <string>

#include "catch.hpp"

using berth::format::TabWriter;

namespace {

std::string tabulate(std::string_view text, TabWriter::Options options = {}) {
  TabWriter w(options);
  w.write(text);
  return w.take();
}

}  // namespace

TEST_CASE("Podman's parameters: minwidth 12, padding 2", "[format][tabwriter]") {
  CHECK(tabulate("a\tb\tc\n") == "a           b           c\n");
  CHECK(tabulate("a\tb") == "a           b");  // Flush writes an unterminated line as is
  CHECK(tabulate("abc") == "abc");
  CHECK(tabulate("") == "");
  // The widest cell plus padding sets the column width.
  CHECK(tabulate("a\tb\nccccccccccccccccccccccccccc\td\tlast\n") ==
        "a                            b\nccccccccccccccccccccccccccc  d           last\n");
  // Empty cells are padded; text after the last tab is not a column.
  CHECK(tabulate("\tx\n\t\ty\n") == "            x\n                        y\n");
  CHECK(tabulate("x\t\t\t\n") == "x" + std::string(35, ' ') + "\n");
  // Widths count runes, not bytes.
  CHECK(tabulate("é\tx\n") == "é           x\n");
  CHECK(tabulate("€€€€€€€€€€€€€€\tx\n") == "€€€€€€€€€€€€€€  x\n");
}

TEST_CASE("columns are aligned per block of consecutive lines", "[format][tabwriter]") {
  // A line without tabs ends the block: "d" is not aligned with "ccc...".
  CHECK(tabulate("a\tb\nccccccccccccccc\tx\nno tabs here\nd\te\n") ==
        "a                b\nccccccccccccccc  x\nno tabs here\nd           e\n");
  CHECK(tabulate("one\ttwo\nthree\n\nfour\tfive\n") ==
        "one         two\nthree\n\nfour        five\n");
  // '\f' ends the line and the block.
  CHECK(tabulate("aa\tb\fccc\td\n") == "aa          b\nccc         d\n");
  // '\v' terminates a (soft) cell too.
  CHECK(tabulate("a\vb\vc\n") == "a           b           c\n");
}

TEST_CASE("input may arrive in pieces", "[format][tabwriter]") {
  TabWriter w;
  w.write("CONTAINER");
  w.write(" ID\tNA");
  w.write("MES\n97661b8b1324\tsleeper\n");
  CHECK(w.take() == "CONTAINER ID  NAMES\n97661b8b1324  sleeper\n");
  w.write("x\ty\n");  // the writer is reusable after take()
  CHECK(w.take() == "x           y\n");
}

TEST_CASE("escaped text is one cell, its escapes stripped", "[format][tabwriter]") {
  CHECK(tabulate("\xff"
                 "a\tb\xff\tc\n") == "a\tb         c\n");
  TabWriter::Options keep;
  keep.flags = 0;
  CHECK(tabulate("\xff"
                 "a\tb\xff\tc\n",
                 keep) ==
        "\xff"
        "a\tb\xff         c\n");
}

TEST_CASE("Go's documented examples", "[format][tabwriter]") {
  using Opt = TabWriter::Options;
  SECTION("elastic tabstops: columns are per block (Example_elastic)") {
    const Opt opt{0, 0, 1, '.', TabWriter::kAlignRight | TabWriter::kDebug};
    CHECK(tabulate("a\tb\tc\naa\tbb\tcc\naaa\t\naaaa\tdddd\teeee\n", opt) ==
          "....a|..b|c\n"
          "...aa|.bb|cc\n"
          "..aaa|\n"
          ".aaaa|.dddd|eeee\n");
  }
  SECTION("a trailing tab makes the last cell a column (Example_trailingTab)") {
    const Opt opt{0, 0, 3, '-', TabWriter::kAlignRight | TabWriter::kDebug};
    CHECK(tabulate("a\tb\taligned\t\naa\tbb\taligned\t\naaa\tbbb\tunaligned\n"
                   "aaaa\tbbbb\taligned\t\n",
                   opt) ==
          "------a|------b|---aligned|\n"
          "-----aa|-----bb|---aligned|\n"
          "----aaa|----bbb|unaligned\n"
          "---aaaa|---bbbb|---aligned|\n");
  }
  SECTION("padding with tabs, and right alignment (ExampleWriter_Init)") {
    const std::string text = "a\tb\tc\td\t.\n123\t12345\t1234567\t123456789\t.\n\n";
    CHECK(tabulate(text, Opt{0, 8, 0, '\t', 0}) ==
          "a\tb\tc\td\t\t.\n123\t12345\t1234567\t123456789\t.\n\n");
    CHECK(tabulate(text, Opt{5, 0, 1, ' ', TabWriter::kAlignRight}) ==
          "    a     b       c         d.\n  123 12345 1234567 123456789.\n\n");
  }
}

TEST_CASE("other flags", "[format][tabwriter]") {
  using Opt = TabWriter::Options;
  // Soft empty columns can be discarded.
  CHECK(tabulate("a\v\vb\nc\v\vd\n", Opt{4, 0, 1, '.', 0}) == "a.......b\nc.......d\n");
  CHECK(tabulate("a\v\vb\nc\v\vd\n", Opt{4, 0, 1, '.', TabWriter::kDiscardEmptyColumns}) ==
        "a...b\nc...d\n");
  // HTML tags have no width, entities count as one character.
  CHECK(tabulate("<b>x</b>\ty\n&amp;\tz\n", Opt{0, 0, 1, ' ', TabWriter::kFilterHtml}) ==
        "<b>x</b> y\n&amp; z\n");
  // Leading empty cells become tabs.
  CHECK(tabulate("\tx\n\ty\n", Opt{0, 4, 1, ' ', TabWriter::kTabIndent}) == "\tx\n\ty\n");
}
