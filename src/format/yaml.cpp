// SPDX-License-Identifier: Apache-2.0
// JSON to YAML the way sigs.k8s.io/yaml does it: the value goes through Go's
// JSON encoding, is read back as YAML (numbers become ints or floats, objects
// become maps) and written by gopkg.in/yaml.v2 v2.4.0, whose emitter (a port
// of libyaml) is reproduced here for block mappings, block sequences, empty
// flow collections and the four scalar styles it picks from.
#include "berth/format/yaml.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "berth/format/report.hpp"

namespace berth::format {
namespace {

constexpr int kBestIndent = 2;
constexpr int kBestWidth = 80;

// ---------------------------------------------- libyaml character classes --

unsigned char byteAt(std::string_view s, std::size_t i) {
  return i < s.size() ? static_cast<unsigned char>(s[i]) : 0;
}
std::size_t width(unsigned char b) {
  if ((b & 0x80) == 0x00) return 1;
  if ((b & 0xE0) == 0xC0) return 2;
  if ((b & 0xF0) == 0xE0) return 3;
  if ((b & 0xF8) == 0xF0) return 4;
  return 1;
}
bool isSpace(std::string_view s, std::size_t i) {
  return byteAt(s, i) == ' ';
}
bool isBlank(std::string_view s, std::size_t i) {
  return byteAt(s, i) == ' ' || byteAt(s, i) == '\t';
}
bool isBreak(std::string_view s, std::size_t i) {
  const unsigned char b = byteAt(s, i);
  return (i < s.size() && (b == '\r' || b == '\n')) || (b == 0xC2 && byteAt(s, i + 1) == 0x85) ||
         (b == 0xE2 && byteAt(s, i + 1) == 0x80 &&
          (byteAt(s, i + 2) == 0xA8 || byteAt(s, i + 2) == 0xA9));
}
bool isBlankz(std::string_view s, std::size_t i) {
  return i >= s.size() || isBlank(s, i) || isBreak(s, i) || byteAt(s, i) == 0;
}
bool isBom(std::string_view s, std::size_t i) {
  return byteAt(s, i) == 0xEF && byteAt(s, i + 1) == 0xBB && byteAt(s, i + 2) == 0xBF;
}
bool isPrintable(std::string_view s, std::size_t i) {
  const unsigned char b = byteAt(s, i);
  const unsigned char b1 = byteAt(s, i + 1);
  const unsigned char b2 = byteAt(s, i + 2);
  return b == 0x0A || (b >= 0x20 && b <= 0x7E) || (b == 0xC2 && b1 >= 0xA0) ||
         (b > 0xC2 && b < 0xED) || (b == 0xED && b1 < 0xA0) || b == 0xEE ||
         (b == 0xEF && !(b1 == 0xBB && b2 == 0xBF) && !(b1 == 0xBF && (b2 == 0xBE || b2 == 0xBF)));
}

// ------------------------------------------------- yaml.v2 resolve() tests --

bool isDigit(char c) {
  return c >= '0' && c <= '9';
}

/// Go's strconv.ParseInt(s, 0, 64) (signed) or ParseUint(s, 0, 64) succeeds.
bool parsesAsGoInt(std::string_view s, bool allowSign) {
  bool neg = false;
  if (allowSign && !s.empty() && (s[0] == '+' || s[0] == '-')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  int base = 10;
  if (s.size() > 1 && s[0] == '0') {
    const char p = static_cast<char>(s[1] | 0x20);
    if (p == 'x') {
      base = 16, s.remove_prefix(2);
    } else if (p == 'o') {
      base = 8, s.remove_prefix(2);
    } else if (p == 'b') {
      base = 2, s.remove_prefix(2);
    } else {
      base = 8, s.remove_prefix(1);
    }
  }
  if (s.empty()) return false;
  std::uint64_t v = 0;
  for (char c : s) {
    unsigned d = 0;
    if (isDigit(c)) {
      d = static_cast<unsigned>(c - '0');
    } else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') {
      d = static_cast<unsigned>((c | 0x20) - 'a' + 10);
    } else {
      return false;
    }
    if (d >= static_cast<unsigned>(base)) return false;
    if (v > (UINT64_MAX - d) / static_cast<unsigned>(base)) return false;  // overflows uint64
    v = v * static_cast<unsigned>(base) + d;
  }
  if (!allowSign) return true;
  return neg ? v <= (std::uint64_t{1} << 63) : v <= static_cast<std::uint64_t>(INT64_MAX);
}

/// Go's strconv.ParseFloat(s, 64) accepts s (decimal, hex, inf, nan).
bool parsesAsGoFloat(std::string_view s) {
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) s.remove_prefix(1);
  std::string lower(s);
  for (char& c : lower)
    c = static_cast<char>(c | (c >= 'A' && c <= 'Z' ? 0x20 : 0));
  if (lower == "inf" || lower == "infinity" || lower == "nan") return true;
  const bool hex = lower.starts_with("0x");
  std::size_t i = hex ? 2 : 0;
  auto isMantissaDigit = [&](char c) {
    return isDigit(c) || (hex && c >= 'a' && c <= 'f') || (hex && c == '_');
  };
  bool digits = false;
  while (i < lower.size() && isMantissaDigit(lower[i]))
    digits = true, ++i;
  if (i < lower.size() && lower[i] == '.') {
    ++i;
    while (i < lower.size() && isMantissaDigit(lower[i]))
      digits = true, ++i;
  }
  if (!digits) return false;
  if (i < lower.size() && lower[i] == (hex ? 'p' : 'e')) {
    ++i;
    if (i < lower.size() && (lower[i] == '+' || lower[i] == '-')) ++i;
    const std::size_t start = i;
    while (i < lower.size() && isDigit(lower[i]))
      ++i;
    if (i == start) return false;
  } else if (hex) {
    return false;  // a hex float needs its p exponent
  }
  return i == lower.size();
}

/// ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$
bool isYamlStyleFloat(std::string_view s) {
  std::size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  if (i < s.size() && s[i] == '.') {
    const std::size_t start = ++i;
    while (i < s.size() && isDigit(s[i]))
      ++i;
    if (i == start) return false;
  } else {
    const std::size_t start = i;
    while (i < s.size() && isDigit(s[i]))
      ++i;
    if (i == start) return false;
    if (i < s.size() && s[i] == '.') {
      ++i;
      while (i < s.size() && isDigit(s[i]))
        ++i;
    }
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    const std::size_t start = i;
    while (i < s.size() && isDigit(s[i]))
      ++i;
    if (i == start) return false;
  }
  return i == s.size();
}

/// ^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$
bool isBase60Float(std::string_view s) {
  std::size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  if (i >= s.size() || !isDigit(s[i])) return false;
  while (i < s.size() && (isDigit(s[i]) || s[i] == '_'))
    ++i;
  int groups = 0;
  while (i < s.size() && s[i] == ':') {
    ++i;
    const std::size_t start = i;
    while (i < s.size() && isDigit(s[i]) && i - start < 2)
      ++i;
    const std::size_t n = i - start;
    if (n == 0 || (n == 2 && s[start] > '5')) return false;
    ++groups;
  }
  if (groups == 0) return false;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && (isDigit(s[i]) || s[i] == '_'))
      ++i;
  }
  return i == s.size();
}

/// Reads 1 or 2 digits (Go's time layout "1", "2", "15", "4", "5").
bool readNumber(std::string_view s, std::size_t& i, int& out) {
  if (i >= s.size() || !isDigit(s[i])) return false;
  out = s[i++] - '0';
  if (i < s.size() && isDigit(s[i])) out = out * 10 + (s[i++] - '0');
  return true;
}

/// yaml.v2 parseTimestamp: time.Parse with "2006-1-2T15:4:5.999999999Z07:00",
/// its lower-case 't' variant, "2006-1-2 15:4:5.999999999" or "2006-1-2".
bool isTimestamp(std::string_view s) {
  if (s.size() < 5) return false;
  for (std::size_t k = 0; k < 4; ++k) {
    if (!isDigit(s[k])) return false;
  }
  if (s[4] != '-') return false;
  const int year = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
  std::size_t i = 5;
  int month = 0, day = 0;
  if (!readNumber(s, i, month) || month < 1 || month > 12) return false;
  if (i >= s.size() || s[i++] != '-') return false;
  if (!readNumber(s, i, day)) return false;
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (day < 1 || day > kDays[month - 1] || (month == 2 && day == 29 && !leap)) return false;
  if (i == s.size()) return true;
  const char sep = s[i++];
  if (sep != 'T' && sep != 't' && sep != ' ') return false;
  int hour = 0, minute = 0, second = 0;
  if (!readNumber(s, i, hour) || hour > 23) return false;
  if (i >= s.size() || s[i++] != ':' || !readNumber(s, i, minute) || minute > 59) return false;
  if (i >= s.size() || s[i++] != ':' || !readNumber(s, i, second) || second > 59) return false;
  if (i + 1 < s.size() && s[i] == '.' && isDigit(s[i + 1])) {
    ++i;
    while (i < s.size() && isDigit(s[i]))
      ++i;
  }
  if (sep == ' ') return i == s.size();
  if (i < s.size() && s[i] == 'Z') return i + 1 == s.size();
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    ++i;
    int zh = 0, zm = 0;
    if (i + 5 != s.size() || !isDigit(s[i]) || !isDigit(s[i + 1]) || s[i + 2] != ':' ||
        !isDigit(s[i + 3]) || !isDigit(s[i + 4])) {
      return false;
    }
    zh = (s[i] - '0') * 10 + (s[i + 1] - '0');
    zm = (s[i + 3] - '0') * 10 + (s[i + 4] - '0');
    return zh <= 24 && zm <= 59;
  }
  return false;
}

/// Whether yaml.v2 would write `s` plain: it must read back as a string
/// (resolve() gives !!str) and not look like a base-60 float.
bool canUsePlain(std::string_view s) {
  static const std::vector<std::string_view> kSpecial{
      "y",    "Y",    "yes",  "Yes",   "YES",   "true",  "True",  "TRUE",  "on",    "On",
      "ON",   "n",    "N",    "no",    "No",    "NO",    "false", "False", "FALSE", "off",
      "Off",  "OFF",  "",     "~",     "null",  "Null",  "NULL",  ".nan",  ".NaN",  ".NAN",
      ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF"};
  if (isBase60Float(s)) return false;
  const char first = s.empty() ? 'N' : s[0];
  const bool sign = first == '+' || first == '-';
  const bool digit = isDigit(first);
  const bool inMap =
      std::string_view("yYnNtTfFoO~").find(first) != std::string_view::npos || s.empty();
  if (!sign && !digit && !inMap && first != '.') return true;
  if (std::find(kSpecial.begin(), kSpecial.end(), s) != kSpecial.end()) return false;
  if (inMap) return true;
  if (first == '.') return !parsesAsGoFloat(s);
  if (isTimestamp(s)) return false;
  std::string plain;
  for (char c : s) {
    if (c != '_') plain += c;
  }
  if (parsesAsGoInt(plain, true) || parsesAsGoInt(plain, false)) return false;
  if (isYamlStyleFloat(plain) && parsesAsGoFloat(plain)) return false;
  if (plain.starts_with("0b")) {
    const std::string bin = "0b" + plain.substr(2);
    if (parsesAsGoInt(bin, true)) return false;
  } else if (plain.starts_with("-0b")) {
    if (parsesAsGoInt("-0b" + plain.substr(3), true)) return false;
  }
  return true;
}

// ----------------------------------------------------- scalar analysis --

struct Analysis {
  bool multiline = false;
  bool flowPlainAllowed = false;
  bool blockPlainAllowed = true;
  bool singleQuotedAllowed = true;
  bool blockAllowed = false;
};

/// yaml_emitter_analyze_scalar.
Analysis analyze(std::string_view value) {
  Analysis a;
  if (value.empty()) return a;
  bool blockIndicators = false, flowIndicators = false, lineBreaks = false, special = false;
  bool leadingSpace = false, leadingBreak = false, trailingSpace = false, trailingBreak = false;
  bool breakSpace = false, spaceBreak = false, previousSpace = false, previousBreak = false;
  if (value.starts_with("---") || value.starts_with("...")) {
    blockIndicators = true;
    flowIndicators = true;
  }
  bool precededByWhitespace = true;
  for (std::size_t i = 0, w = 0; i < value.size(); i += w) {
    w = width(byteAt(value, i));
    const bool followedByWhitespace = i + w >= value.size() || isBlank(value, i + w);
    const char c = value[i];
    if (i == 0) {
      switch (c) {
        case '#':
        case ',':
        case '[':
        case ']':
        case '{':
        case '}':
        case '&':
        case '*':
        case '!':
        case '|':
        case '>':
        case '\'':
        case '"':
        case '%':
        case '@':
        case '`':
          flowIndicators = blockIndicators = true;
          break;
        case '?':
        case ':':
          flowIndicators = true;
          if (followedByWhitespace) blockIndicators = true;
          break;
        case '-':
          if (followedByWhitespace) flowIndicators = blockIndicators = true;
          break;
        default:
          break;
      }
    } else {
      switch (c) {
        case ',':
        case '?':
        case '[':
        case ']':
        case '{':
        case '}':
          flowIndicators = true;
          break;
        case ':':
          flowIndicators = true;
          if (followedByWhitespace) blockIndicators = true;
          break;
        case '#':
          if (precededByWhitespace) flowIndicators = blockIndicators = true;
          break;
        default:
          break;
      }
    }
    if (!isPrintable(value, i)) special = true;  // the encoder allows unicode
    if (isSpace(value, i)) {
      if (i == 0) leadingSpace = true;
      if (i + w == value.size()) trailingSpace = true;
      if (previousBreak) breakSpace = true;
      previousSpace = true;
      previousBreak = false;
    } else if (isBreak(value, i)) {
      lineBreaks = true;
      if (i == 0) leadingBreak = true;
      if (i + w == value.size()) trailingBreak = true;
      if (previousSpace) spaceBreak = true;
      previousSpace = false;
      previousBreak = true;
    } else {
      previousSpace = false;
      previousBreak = false;
    }
    precededByWhitespace = isBlankz(value, i);
  }
  a.multiline = lineBreaks;
  a.flowPlainAllowed = a.blockPlainAllowed = a.singleQuotedAllowed = a.blockAllowed = true;
  if (leadingSpace || leadingBreak || trailingSpace || trailingBreak) {
    a.flowPlainAllowed = a.blockPlainAllowed = false;
  }
  if (trailingSpace) a.blockAllowed = false;
  if (breakSpace) a.flowPlainAllowed = a.blockPlainAllowed = a.singleQuotedAllowed = false;
  if (spaceBreak || special) {
    a.flowPlainAllowed = a.blockPlainAllowed = a.singleQuotedAllowed = a.blockAllowed = false;
  }
  if (lineBreaks) a.flowPlainAllowed = a.blockPlainAllowed = false;
  if (flowIndicators) a.flowPlainAllowed = false;
  if (blockIndicators) a.blockPlainAllowed = false;
  return a;
}

enum class Style { Plain, Single, Double, Literal };

// -------------------------------------------------------------- emitter --

class Emitter {
 public:
  std::string out;

  void document(const Json& v) {
    node(v, false);
    writeIndent();  // document end
  }

 private:
  int column_ = 0;
  bool whitespace_ = true;
  bool indention_ = true;
  bool mappingContext_ = false;
  int indent_ = -1;
  std::vector<int> indents_;

  void put(char c) {
    out += c;
    ++column_;
  }
  void putBreak() {
    out += '\n';
    column_ = 0;
  }
  void write(std::string_view s, std::size_t& i) {
    const std::size_t w = width(byteAt(s, i));
    out.append(s.substr(i, w));
    i += w;
    ++column_;
  }
  void writeBreak(std::string_view s, std::size_t& i) {
    if (s[i] == '\n') {
      putBreak();
      ++i;
    } else {
      write(s, i);
      column_ = 0;
    }
  }
  void writeIndent() {
    const int indent = std::max(indent_, 0);
    if (!indention_ || column_ > indent || (column_ == indent && !whitespace_)) putBreak();
    while (column_ < indent)
      put(' ');
    whitespace_ = true;
    indention_ = true;
  }
  void writeIndicator(std::string_view indicator, bool needWhitespace, bool isWhitespace,
                      bool isIndention) {
    if (needWhitespace && !whitespace_) put(' ');
    for (char c : indicator)
      put(c);
    whitespace_ = isWhitespace;
    indention_ = indention_ && isIndention;
  }
  void increaseIndent(bool flow, bool indentless) {
    indents_.push_back(indent_);
    if (indent_ < 0) {
      indent_ = flow ? kBestIndent : 0;
    } else if (!indentless) {
      indent_ += kBestIndent;
    }
  }
  void popIndent() {
    indent_ = indents_.back();
    indents_.pop_back();
  }

  void node(const Json& v, bool mapping) {
    mappingContext_ = mapping;
    if (v.is_object()) {
      if (auto it = v.find(kJsonOverrideKey); it != v.end()) return node(*it, mapping);
    }
    if (v.is_object() && !v.empty()) {
      blockMapping(v);
    } else if (v.is_array() && !v.empty()) {
      blockSequence(v);
    } else if (v.is_object() || v.is_array()) {
      // check_empty_mapping / check_empty_sequence: flow style.
      writeIndicator(v.is_object() ? "{" : "[", true, true, false);
      writeIndicator(v.is_object() ? "}" : "]", false, false, false);
    } else {
      scalar(v, false);
    }
  }

  void blockSequence(const Json& v) {
    increaseIndent(false, mappingContext_ && !indention_);
    for (const auto& item : v) {
      writeIndent();
      writeIndicator("-", true, false, true);
      node(item, false);
    }
    popIndent();
  }

  void blockMapping(const Json& v);

  void scalar(const Json& v, bool simpleKey) {
    std::string text;
    Style style = Style::Plain;
    switch (v.type()) {
      case Json::value_t::null:
        text = "null";
        break;
      case Json::value_t::boolean:
        text = v.get<bool>() ? "true" : "false";
        break;
      case Json::value_t::number_integer:
        text = std::to_string(v.get<std::int64_t>());
        break;
      case Json::value_t::number_unsigned:
        text = std::to_string(v.get<std::uint64_t>());
        break;
      case Json::value_t::number_float:
        text = floatText(v.get<double>());
        break;
      case Json::value_t::string: {
        text = sanitize(v.get_ref<const std::string&>());
        style = chooseStyle(text, simpleKey);
        break;
      }
      default:
        break;
    }
    increaseIndent(true, false);
    switch (style) {
      case Style::Plain:
        writePlain(text, !simpleKey);
        break;
      case Style::Single:
        writeSingleQuoted(text, !simpleKey);
        break;
      case Style::Double:
        writeDoubleQuoted(text, !simpleKey);
        break;
      case Style::Literal:
        writeLiteral(text);
        break;
    }
    popIndent();
  }

  /// How sigs.k8s.io/yaml's JSON round trip prints a float: JSON text that
  /// reads back as an integer stays as is, anything else is a float written
  /// with strconv.FormatFloat(f, 'g', -1, 64).
  static std::string floatText(double f) {
    const std::string json = marshalJson(Json(f));
    if (parsesAsGoInt(json, true) || parsesAsGoInt(json, false)) return json;
    return formatFloat(f, 'g', -1);
  }

  /// The string as it comes back from the JSON round trip: json.Marshal turns
  /// invalid UTF-8 into U+FFFD and leaves U+0085 (NEL) unescaped, which the
  /// YAML parser then reads as a line break folded into a space.
  static std::string sanitize(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size();) {
      const Rune r = decodeRune(s, i);
      if (r.value == 0x85) {
        out += ' ';
      } else if (r.value == 0xFFFD && r.size == 1) {
        out += "\xEF\xBF\xBD";
      } else {
        out.append(s.substr(i, r.size));
      }
      i += r.size;
    }
    return out;
  }

  /// yaml.v2 stringv, then yaml_emitter_select_scalar_style (block context).
  static Style chooseStyle(std::string_view s, bool simpleKey) {
    Style style = Style::Plain;
    if (s.find('\n') != std::string_view::npos) {
      style = Style::Literal;
    } else if (!canUsePlain(s)) {
      style = Style::Double;
    }
    const Analysis a = analyze(s);
    if (simpleKey && a.multiline) style = Style::Double;
    if (style == Style::Plain && (!a.blockPlainAllowed || (s.empty() && simpleKey))) {
      style = Style::Single;
    }
    if (style == Style::Single && !a.singleQuotedAllowed) style = Style::Double;
    if (style == Style::Literal && (!a.blockAllowed || simpleKey)) style = Style::Double;
    return style;
  }

  void writePlain(std::string_view value, bool allowBreaks) {
    if (!whitespace_) put(' ');
    bool spaces = false;
    for (std::size_t i = 0; i < value.size();) {
      if (isSpace(value, i)) {
        if (allowBreaks && !spaces && column_ > kBestWidth && !isSpace(value, i + 1)) {
          writeIndent();
          ++i;
        } else {
          write(value, i);
        }
        spaces = true;
      } else {
        write(value, i);
        indention_ = false;
        spaces = false;
      }
    }
    whitespace_ = false;
    indention_ = false;
  }

  void writeSingleQuoted(std::string_view value, bool allowBreaks) {
    writeIndicator("'", true, false, false);
    bool spaces = false;
    bool breaks = false;
    for (std::size_t i = 0; i < value.size();) {
      if (isSpace(value, i)) {
        if (allowBreaks && !spaces && column_ > kBestWidth && i > 0 && i < value.size() - 1 &&
            !isSpace(value, i + 1)) {
          writeIndent();
          ++i;
        } else {
          write(value, i);
        }
        spaces = true;
      } else if (isBreak(value, i)) {
        if (!breaks && value[i] == '\n') putBreak();
        writeBreak(value, i);
        indention_ = true;
        breaks = true;
      } else {
        if (breaks) writeIndent();
        if (value[i] == '\'') put('\'');
        write(value, i);
        indention_ = false;
        spaces = false;
        breaks = false;
      }
    }
    writeIndicator("'", false, false, false);
  }

  void writeDoubleQuoted(std::string_view value, bool allowBreaks) {
    static constexpr char kUpperHex[] = "0123456789ABCDEF";
    writeIndicator("\"", true, false, false);
    bool spaces = false;
    for (std::size_t i = 0; i < value.size();) {
      if (!isPrintable(value, i) || isBom(value, i) || isBreak(value, i) || value[i] == '"' ||
          value[i] == '\\') {
        const Rune r = decodeRune(value, i);
        i += r.size;
        put('\\');
        switch (r.value) {
          case 0x00:
            put('0');
            break;
          case 0x07:
            put('a');
            break;
          case 0x08:
            put('b');
            break;
          case 0x09:
            put('t');
            break;
          case 0x0A:
            put('n');
            break;
          case 0x0B:
            put('v');
            break;
          case 0x0C:
            put('f');
            break;
          case 0x0D:
            put('r');
            break;
          case 0x1B:
            put('e');
            break;
          case 0x22:
            put('"');
            break;
          case 0x5C:
            put('\\');
            break;
          case 0x85:
            put('N');
            break;
          case 0xA0:
            put('_');
            break;
          case 0x2028:
            put('L');
            break;
          case 0x2029:
            put('P');
            break;
          default: {
            int digits = 8;
            if (r.value <= 0xFF) {
              put('x'), digits = 2;
            } else if (r.value <= 0xFFFF) {
              put('u'), digits = 4;
            } else {
              put('U');
            }
            for (int k = (digits - 1) * 4; k >= 0; k -= 4)
              put(kUpperHex[(r.value >> k) & 0xF]);
          }
        }
        spaces = false;
      } else if (isSpace(value, i)) {
        if (allowBreaks && !spaces && column_ > kBestWidth && i != 0 && i != value.size() - 1) {
          writeIndent();
          if (isSpace(value, i + 1)) put('\\');
          ++i;
        } else {
          write(value, i);
        }
        spaces = true;
      } else {
        write(value, i);
        spaces = false;
      }
    }
    writeIndicator("\"", false, false, false);
  }

  void writeLiteral(std::string_view value) {
    writeIndicator("|", true, false, false);
    // Block scalar hints: an indentation indicator when the text starts with
    // a space or break, then the chomping indicator.
    if (isSpace(value, 0) || isBreak(value, 0)) {
      const char hint[2] = {static_cast<char>('0' + kBestIndent), 0};
      writeIndicator(hint, false, false, false);
    }
    std::string chomp;
    if (value.empty()) {
      chomp = "-";
    } else {
      std::size_t i = value.size() - 1;
      while ((byteAt(value, i) & 0xC0) == 0x80)
        --i;
      if (!isBreak(value, i)) {
        chomp = "-";
      } else if (i == 0) {
        chomp = "+";
      } else {
        --i;
        while ((byteAt(value, i) & 0xC0) == 0x80)
          --i;
        if (isBreak(value, i)) chomp = "+";
      }
    }
    if (!chomp.empty()) writeIndicator(chomp, false, false, false);
    putBreak();
    indention_ = true;
    whitespace_ = true;
    bool breaks = true;
    for (std::size_t i = 0; i < value.size();) {
      if (isBreak(value, i)) {
        writeBreak(value, i);
        indention_ = true;
        breaks = true;
      } else {
        if (breaks) writeIndent();
        write(value, i);
        indention_ = false;
        breaks = false;
      }
    }
  }
};

/// yaml.v2 keyList.Less for two string keys.
bool keyLess(std::string_view a, std::string_view b) {
  std::vector<char32_t> ar, br;
  for (std::size_t i = 0; i < a.size();) {
    const Rune r = decodeRune(a, i);
    ar.push_back(r.value);
    i += r.size;
  }
  for (std::size_t i = 0; i < b.size();) {
    const Rune r = decodeRune(b, i);
    br.push_back(r.value);
    i += r.size;
  }
  // Non-ASCII runes count as letters (yaml.v2 asks unicode.IsLetter).
  auto isLetter = [](char32_t r) {
    return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || r >= 0x80;
  };
  auto digit = [](char32_t r) { return r >= '0' && r <= '9'; };
  for (std::size_t i = 0; i < ar.size() && i < br.size(); ++i) {
    if (ar[i] == br[i]) continue;
    const bool al = isLetter(ar[i]);
    const bool bl = isLetter(br[i]);
    if (al && bl) return ar[i] < br[i];
    if (al || bl) return bl;
    std::uint64_t an = 0, bn = 0;
    if (ar[i] == '0' || br[i] == '0') {
      for (std::size_t j = i; j-- > 0 && digit(ar[j]);) {
        if (ar[j] != '0') {
          an = 1;
          bn = 1;
          break;
        }
      }
    }
    std::size_t ai = i, bi = i;
    for (; ai < ar.size() && digit(ar[ai]); ++ai)
      an = an * 10 + (ar[ai] - '0');
    for (; bi < br.size() && digit(br[bi]); ++bi)
      bn = bn * 10 + (br[bi] - '0');
    if (an != bn) return static_cast<std::int64_t>(an) < static_cast<std::int64_t>(bn);
    if (ai != bi) return ai < bi;
    return ar[i] < br[i];
  }
  return ar.size() < br.size();
}

void Emitter::blockMapping(const Json& v) {
  std::vector<std::pair<std::string_view, const Json*>> members;
  for (auto it = v.begin(); it != v.end(); ++it) {
    if (it.key() != kJsonOverrideKey) members.emplace_back(it.key(), &it.value());
  }
  std::stable_sort(members.begin(), members.end(),
                   [](const auto& x, const auto& y) { return keyLess(x.first, y.first); });
  increaseIndent(false, false);
  for (const auto& [key, value] : members) {
    writeIndent();
    const std::string text = sanitize(key);
    if (analyze(text).multiline || text.size() > 128) {
      // yaml_emitter_check_simple_key fails: a "? key" / ": value" pair.
      writeIndicator("?", true, false, true);
      node(Json(text), true);
      writeIndent();
      writeIndicator(":", true, false, true);
    } else {
      scalar(Json(text), true);
      writeIndicator(":", false, false, false);
    }
    node(*value, true);
  }
  popIndent();
}

}  // namespace

std::string toYaml(const Json& value) {
  Emitter e;
  e.document(value);
  return std::move(e.out);
}

}  // namespace berth::format
