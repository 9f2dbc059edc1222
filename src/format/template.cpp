// SPDX-License-Identifier: Apache-2.0
// Go text/template, ported by behaviour (Go 1.19, the toolchain of Podman
// 4.3.1): lexer and parser follow text/template/parse, execution follows
// text/template/exec.go and funcs.go, value printing follows fmt.
#include "berth/format/template.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "berth/base/error.hpp"
#include "berth/format/report.hpp"

namespace berth::format {

// ---------------------------------------------------------------- UTF-8 --

Rune decodeRune(std::string_view s, std::size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) return {c, 1};
  std::size_t n = 0;
  char32_t r = 0;
  char32_t min = 0;
  if ((c & 0xE0) == 0xC0) {
    n = 2, r = c & 0x1F, min = 0x80;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3, r = c & 0x0F, min = 0x800;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4, r = c & 0x07, min = 0x10000;
  } else {
    return {0xFFFD, 1};
  }
  if (i + n > s.size()) return {0xFFFD, 1};
  for (std::size_t k = 1; k < n; ++k) {
    const auto cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xC0) != 0x80) return {0xFFFD, 1};
    r = (r << 6) | (cc & 0x3F);
  }
  if (r < min || r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF)) return {0xFFFD, 1};
  return {r, n};
}

void appendRune(std::string& out, char32_t r) {
  if (r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF)) r = 0xFFFD;
  if (r < 0x80) {
    out += static_cast<char>(r);
  } else if (r < 0x800) {
    out += static_cast<char>(0xC0 | (r >> 6));
    out += static_cast<char>(0x80 | (r & 0x3F));
  } else if (r < 0x10000) {
    out += static_cast<char>(0xE0 | (r >> 12));
    out += static_cast<char>(0x80 | ((r >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (r & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (r >> 18));
    out += static_cast<char>(0x80 | ((r >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((r >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (r & 0x3F));
  }
}

namespace {

std::size_t runeCount(std::string_view s) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size(); i += decodeRune(s, i).size)
    ++n;
  return n;
}

// ------------------------------------------------------- float printing --

/// A decimal digit string: value = 0.digits * 10^dp (Go's decimalSlice).
struct Decimal {
  std::string d;  // no leading or trailing zeros; empty for zero
  int dp = 0;
};

/// The digits of |v| rounded to `sig` significant digits (-1: shortest
/// round-trip), trailing zeros trimmed, as Go's strconv computes them.
Decimal decimalDigits(double v, int sig) {
  Decimal out;
  v = std::fabs(v);
  if (v == 0) return out;
  char buf[512];
  const auto res = sig < 0 ? std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific)
                           : std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific,
                                           std::max(sig, 1) - 1);
  std::string_view text(buf, static_cast<std::size_t>(res.ptr - buf));
  const auto e = text.find('e');
  for (char c : text.substr(0, e)) {
    if (c != '.') out.d += c;
  }
  int exp = 0;
  std::from_chars(text.data() + e + 1 + (text[e + 1] == '+' ? 1 : 0), text.data() + text.size(),
                  exp);
  out.dp = exp + 1;
  while (!out.d.empty() && out.d.back() == '0')
    out.d.pop_back();
  return out;
}

std::string fmtE(bool neg, const Decimal& d, int prec, char fmt) {
  std::string out;
  if (neg) out += '-';
  out += d.d.empty() ? '0' : d.d[0];
  if (prec > 0) {
    out += '.';
    for (int i = 1; i <= prec; ++i) {
      out += i < static_cast<int>(d.d.size()) ? d.d[static_cast<std::size_t>(i)] : '0';
    }
  }
  out += fmt;
  int exp = d.d.empty() ? 0 : d.dp - 1;
  out += exp < 0 ? '-' : '+';
  exp = std::abs(exp);
  if (exp < 10) out += '0';
  out += std::to_string(exp);
  return out;
}

std::string fmtF(bool neg, const Decimal& d, int prec) {
  std::string out;
  if (neg) out += '-';
  if (d.dp > 0) {
    const int n = static_cast<int>(d.d.size());
    for (int i = 0; i < d.dp; ++i)
      out += i < n ? d.d[static_cast<std::size_t>(i)] : '0';
  } else {
    out += '0';
  }
  if (prec > 0) {
    out += '.';
    for (int i = 1; i <= prec; ++i) {
      const int j = d.dp + i - 1;
      out += (j >= 0 && j < static_cast<int>(d.d.size())) ? d.d[static_cast<std::size_t>(j)] : '0';
    }
  }
  return out;
}

/// strconv's %x for float64: -0x1.yyyyp±dd (Go's fmtX).
std::string fmtX(double v, int prec, char fmt) {
  std::uint64_t bits = 0;
  static_assert(sizeof bits == sizeof v);
  std::memcpy(&bits, &v, sizeof bits);
  int exp = static_cast<int>((bits >> 52) & 0x7FF);
  std::uint64_t mant = bits & ((std::uint64_t{1} << 52) - 1);
  if (exp == 0) {
    ++exp;  // denormal
  } else {
    mant |= std::uint64_t{1} << 52;
  }
  exp -= 1023;
  if (mant == 0) exp = 0;
  mant <<= 60 - 52;
  while (mant != 0 && (mant & (std::uint64_t{1} << 60)) == 0) {
    mant <<= 1;
    --exp;
  }
  if (prec >= 0 && prec < 15) {
    const auto shift = static_cast<unsigned>(prec * 4);
    const std::uint64_t extra = (mant << shift) & ((std::uint64_t{1} << 60) - 1);
    mant >>= 60 - shift;
    if ((extra | (mant & 1)) > (std::uint64_t{1} << 59)) ++mant;
    mant <<= 60 - shift;
    if ((mant & (std::uint64_t{1} << 61)) != 0) {
      mant >>= 1;
      ++exp;
    }
  }
  const char* hex = fmt == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
  std::string out = std::signbit(v) ? "-" : "";
  out += '0';
  out += fmt;
  out += static_cast<char>('0' + ((mant >> 60) & 1));
  mant <<= 4;
  if ((prec < 0 && mant != 0) || prec > 0) {
    out += '.';
    for (int i = 0; prec < 0 ? mant != 0 : i < prec; ++i) {
      out += hex[(mant >> 60) & 15];
      mant <<= 4;
    }
  }
  out += fmt == 'X' ? 'P' : 'p';
  out += exp < 0 ? '-' : '+';
  exp = std::abs(exp);
  if (exp < 10) out += '0';
  out += std::to_string(exp);
  return out;
}

}  // namespace

std::string formatFloat(double v, char fmt, int prec) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  const bool neg = std::signbit(v);
  const bool shortest = prec < 0;
  switch (fmt) {
    case 'e':
    case 'E': {
      const Decimal d = decimalDigits(v, shortest ? -1 : prec + 1);
      return fmtE(neg, d, shortest ? std::max(static_cast<int>(d.d.size()) - 1, 0) : prec, fmt);
    }
    case 'f':
    case 'F': {
      if (!shortest) {
        char buf[400];
        const auto res =
            std::to_chars(buf, buf + sizeof buf, std::fabs(v), std::chars_format::fixed, prec);
        return (neg ? "-" : "") + std::string(buf, res.ptr);
      }
      const Decimal d = decimalDigits(v, -1);
      return fmtF(neg, d, std::max(static_cast<int>(d.d.size()) - d.dp, 0));
    }
    case 'x':
    case 'X':
      return fmtX(v, prec, fmt);
    case 'g':
    case 'G': {
      if (prec == 0) prec = 1;
      const Decimal d = decimalDigits(v, shortest ? -1 : prec);
      const int nd = static_cast<int>(d.d.size());
      int eprec = shortest ? 6 : prec;
      if (!shortest && eprec > nd && nd >= d.dp) eprec = nd;
      const int p = shortest ? nd : prec;
      const int exp = d.dp - 1;
      if (!d.d.empty() && (exp < -4 || exp >= eprec)) {
        return fmtE(neg, d, std::max(std::min(p, nd) - 1, 0), fmt == 'g' ? 'e' : 'E');
      }
      return fmtF(neg, d, std::max((p > d.dp ? nd : p) - d.dp, 0));
    }
    default:
      return fmtE(neg, decimalDigits(v, -1), 6, 'e');
  }
}

// ============================================================ the tree ==
namespace tmpl {

[[noreturn]] void fail(std::string message) {
  throw Error(Errc::InvalidArgument, std::move(message));
}

bool isSpace(char32_t r) {
  return r == ' ' || r == '\t' || r == '\r' || r == '\n';
}
bool isDigit(char32_t r) {
  return r >= '0' && r <= '9';
}
// Non-ASCII runes count as letters (Go asks unicode.IsLetter).
bool isAlphaNumeric(char32_t r) {
  return r == '_' || isDigit(r) || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') ||
         (r >= 0x80 && r <= 0x10FFFF);
}

/// Approximates Go's unicode.IsPrint for non-ASCII runes: false for C1
/// controls, non-ASCII spaces and separators, format characters, private use
/// and noncharacters; true for everything else.
bool isGoPrint(char32_t r) {
  if (r < 0x80) return r >= 0x20 && r < 0x7F;
  if (r <= 0xA0 || r == 0xAD || r == 0x1680 || r == 0x180E || (r >= 0x2000 && r <= 0x200F) ||
      (r >= 0x2028 && r <= 0x202F) || (r >= 0x205F && r <= 0x206F) || r == 0x3000 || r == 0xFEFF ||
      (r >= 0xFFF9 && r <= 0xFFFB)) {
    return false;
  }
  if ((r >= 0xE000 && r <= 0xF8FF) || r >= 0xF0000 || (r & 0xFFFE) == 0xFFFE) return false;
  return true;
}

/// Go's %q of a string (strconv.Quote).
std::string quote(std::string_view s, bool asciiOnly = false) {
  std::string out = "\"";
  for (std::size_t i = 0; i < s.size();) {
    const Rune r = decodeRune(s, i);
    const bool invalid = r.value == 0xFFFD && r.size == 1 &&
                         !(s.size() - i >= 3 && s.substr(i, 3) == "\xEF\xBF\xBD");
    if (invalid) {
      out += fmt::format("\\x{:02x}", static_cast<unsigned char>(s[i]));
    } else if (r.value == '"' || r.value == '\\') {
      out += '\\';
      out += static_cast<char>(r.value);
    } else if (r.value >= 0x20 && r.value < 0x7F) {
      out += static_cast<char>(r.value);
    } else if (r.value >= 0x80 && !asciiOnly && isGoPrint(r.value)) {
      out.append(s.substr(i, r.size));
    } else {
      switch (r.value) {
        case '\a':
          out += "\\a";
          break;
        case '\b':
          out += "\\b";
          break;
        case '\f':
          out += "\\f";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        case '\v':
          out += "\\v";
          break;
        default:
          if (r.value < 0x80) {
            out += fmt::format("\\x{:02x}", static_cast<unsigned>(r.value));
          } else if (r.value < 0x10000) {
            out += fmt::format("\\u{:04x}", static_cast<unsigned>(r.value));
          } else {
            out += fmt::format("\\U{:08x}", static_cast<unsigned>(r.value));
          }
      }
    }
    i += r.size;
  }
  return out + "\"";
}

/// Go's %#U: "U+0040 '@'".
std::string unicodeName(char32_t r) {
  std::string out = fmt::format("U+{:04X}", static_cast<unsigned>(r));
  if (r >= 0x20 && r != 0x7F) {
    out += " '";
    appendRune(out, r);
    out += "'";
  }
  return out;
}

// ---------------------------------------------------------------- lexer --

enum class Tok {
  Error,
  Bool,
  Char,
  CharConstant,
  Assign,
  Declare,
  Eof,
  Field,
  Identifier,
  LeftDelim,
  LeftParen,
  Number,
  Pipe,
  RawString,
  RightDelim,
  RightParen,
  Space,
  String,
  Text,
  Variable,
  // keywords
  Dot,
  Nil,
  Block,
  Break,
  Continue,
  Define,
  Else,
  End,
  If,
  Range,
  Template,
  With,
};

struct Item {
  Tok type;
  std::size_t pos;
  std::string val;
  int line;
};

bool isKeyword(Tok t) {
  return t >= Tok::Block;
}

/// Go's item.String(), used in "unexpected ..." messages.
std::string itemString(const Item& i) {
  if (i.type == Tok::Eof) return "EOF";
  if (i.type == Tok::Error) return i.val;
  if (isKeyword(i.type)) return "<" + i.val + ">";
  if (runeCount(i.val) > 10) {
    std::size_t end = 0;
    for (int n = 0; n < 10; ++n)
      end += decodeRune(i.val, end).size;
    return quote(std::string_view(i.val).substr(0, end)) + "...";
  }
  return quote(i.val);
}

class Lexer {
 public:
  explicit Lexer(std::string_view input) : in_(input) {
    for (std::size_t i = 0; i < in_.size(); ++i) {
      if (in_[i] == '\n') newlines_.push_back(i);
    }
  }

  std::vector<Item> run() {
    State state = State::Text;
    while (!done_)
      state = step(state);
    return std::move(items_);
  }

  int lineAt(std::size_t pos) const {
    return 1 + static_cast<int>(std::lower_bound(newlines_.begin(), newlines_.end(), pos) -
                                newlines_.begin());
  }

 private:
  enum class State {
    Text,
    LeftDelim,
    Comment,
    RightDelim,
    InsideAction,
    Space,
    Identifier,
    Field,
    Variable,
    Char,
    Number,
    Quote,
    RawQuote,
  };
  static constexpr char32_t kEof = 0xFFFFFFFF;

  std::string_view in_;
  std::vector<std::size_t> newlines_;
  std::size_t pos_ = 0;
  std::size_t start_ = 0;
  std::size_t width_ = 0;
  int parenDepth_ = 0;
  bool done_ = false;
  std::vector<Item> items_;

  char32_t next() {
    if (pos_ >= in_.size()) {
      width_ = 0;
      return kEof;
    }
    const Rune r = decodeRune(in_, pos_);
    width_ = r.size;
    pos_ += r.size;
    return r.value;
  }
  char32_t peek() {
    const char32_t r = next();
    backup();
    return r;
  }
  void backup() { pos_ -= width_; }
  void emit(Tok t) {
    items_.push_back({t, start_, std::string(in_.substr(start_, pos_ - start_)), lineAt(start_)});
    start_ = pos_;
  }
  void ignore() { start_ = pos_; }
  State errorf(std::string msg) {
    items_.push_back({Tok::Error, start_, std::move(msg), lineAt(start_)});
    done_ = true;
    return State::Text;
  }
  bool accept(std::string_view valid) {
    const char32_t r = next();
    if (r != kEof && r < 0x80 && valid.find(static_cast<char>(r)) != std::string_view::npos) {
      return true;
    }
    backup();
    return false;
  }
  void acceptRun(std::string_view valid) {
    while (accept(valid)) {
    }
  }
  static bool hasLeftTrimMarker(std::string_view s) {
    return s.size() >= 2 && s[0] == '-' && isSpace(static_cast<unsigned char>(s[1]));
  }
  static bool hasRightTrimMarker(std::string_view s) {
    return s.size() >= 2 && isSpace(static_cast<unsigned char>(s[0])) && s[1] == '-';
  }
  std::pair<bool, bool> atRightDelim() const {
    const std::string_view rest = in_.substr(pos_);
    if (hasRightTrimMarker(rest) && rest.substr(2).starts_with("}}")) return {true, true};
    if (rest.starts_with("}}")) return {true, false};
    return {false, false};
  }
  bool atTerminator() {
    const char32_t r = peek();
    if (isSpace(r)) return true;
    switch (r) {
      case kEof:
      case '.':
      case ',':
      case '|':
      case ':':
      case ')':
      case '(':
      case '}':
        return true;
      default:
        return false;
    }
  }
  static std::size_t leftTrimLength(std::string_view s) {
    std::size_t n = 0;
    while (n < s.size() && isSpace(static_cast<unsigned char>(s[n])))
      ++n;
    return n;
  }
  static std::size_t rightTrimLength(std::string_view s) {
    std::size_t n = 0;
    while (n < s.size() && isSpace(static_cast<unsigned char>(s[s.size() - 1 - n])))
      ++n;
    return n;
  }

  State step(State s) {
    switch (s) {
      case State::Text:
        return lexText();
      case State::LeftDelim:
        return lexLeftDelim();
      case State::Comment:
        return lexComment();
      case State::RightDelim:
        return lexRightDelim();
      case State::InsideAction:
        return lexInsideAction();
      case State::Space:
        return lexSpace();
      case State::Identifier:
        return lexIdentifier();
      case State::Field:
        return lexFieldOrVariable(Tok::Field);
      case State::Variable:
        return lexFieldOrVariable(Tok::Variable);
      case State::Char:
        return lexQuoted('\'', Tok::CharConstant, "unterminated character constant");
      case State::Number:
        return lexNumber();
      case State::Quote:
        return lexQuoted('"', Tok::String, "unterminated quoted string");
      case State::RawQuote:
        return lexRawQuote();
    }
    return State::Text;
  }

  State lexText() {
    const auto x = in_.find("{{", pos_);
    if (x == std::string_view::npos) {
      pos_ = in_.size();
      if (pos_ > start_) emit(Tok::Text);
      emit(Tok::Eof);
      done_ = true;
      return State::Text;
    }
    pos_ = x;
    std::size_t trim = 0;
    if (hasLeftTrimMarker(in_.substr(pos_ + 2)))
      trim = rightTrimLength(in_.substr(start_, pos_ - start_));
    pos_ -= trim;
    if (pos_ > start_) emit(Tok::Text);
    pos_ += trim;
    ignore();
    return State::LeftDelim;
  }

  State lexLeftDelim() {
    pos_ += 2;
    const bool trim = hasLeftTrimMarker(in_.substr(pos_));
    const std::size_t after = trim ? 2 : 0;
    if (in_.substr(pos_ + after).starts_with("/*")) {
      pos_ += after;
      ignore();
      return State::Comment;
    }
    emit(Tok::LeftDelim);
    pos_ += after;
    ignore();
    parenDepth_ = 0;
    return State::InsideAction;
  }

  State lexComment() {
    pos_ += 2;
    const auto x = in_.find("*/", pos_);
    if (x == std::string_view::npos) return errorf("unclosed comment");
    pos_ = x + 2;
    const auto [delim, trim] = atRightDelim();
    if (!delim) return errorf("comment ends before closing delimiter");
    if (trim) pos_ += 2;
    pos_ += 2;
    if (trim) pos_ += leftTrimLength(in_.substr(pos_));
    ignore();
    return State::Text;
  }

  State lexRightDelim() {
    const bool trim = hasRightTrimMarker(in_.substr(pos_));
    if (trim) {
      pos_ += 2;
      ignore();
    }
    pos_ += 2;
    emit(Tok::RightDelim);
    if (trim) {
      pos_ += leftTrimLength(in_.substr(pos_));
      ignore();
    }
    return State::Text;
  }

  State lexInsideAction() {
    if (atRightDelim().first) {
      if (parenDepth_ == 0) return State::RightDelim;
      return errorf("unclosed left paren");
    }
    const char32_t r = next();
    if (r == kEof) return errorf("unclosed action");
    if (isSpace(r)) {
      backup();
      return State::Space;
    }
    switch (r) {
      case '=':
        emit(Tok::Assign);
        return State::InsideAction;
      case ':':
        if (next() != '=') return errorf("expected :=");
        emit(Tok::Declare);
        return State::InsideAction;
      case '|':
        emit(Tok::Pipe);
        return State::InsideAction;
      case '"':
        return State::Quote;
      case '`':
        return State::RawQuote;
      case '$':
        return State::Variable;
      case '\'':
        return State::Char;
      case '(':
        emit(Tok::LeftParen);
        ++parenDepth_;
        return State::InsideAction;
      case ')':
        emit(Tok::RightParen);
        if (--parenDepth_ < 0) return errorf("unexpected right paren " + unicodeName(r));
        return State::InsideAction;
      default:
        break;
    }
    if (r == '.') {
      if (pos_ < in_.size() && !isDigit(static_cast<unsigned char>(in_[pos_]))) {
        return State::Field;
      }
    }
    if (r == '.' || r == '+' || r == '-' || isDigit(r)) {
      backup();
      return State::Number;
    }
    if (isAlphaNumeric(r)) {
      backup();
      return State::Identifier;
    }
    if (r < 0x7F && r >= 0x20) {
      emit(Tok::Char);
      return State::InsideAction;
    }
    return errorf("unrecognized character in action: " + unicodeName(r));
  }

  State lexSpace() {
    int spaces = 0;
    while (isSpace(peek())) {
      next();
      ++spaces;
    }
    if (hasRightTrimMarker(in_.substr(pos_ - 1)) && in_.substr(pos_ + 1).starts_with("}}")) {
      --pos_;  // before the space
      if (spaces == 1) return State::RightDelim;
    }
    emit(Tok::Space);
    return State::InsideAction;
  }

  State lexIdentifier() {
    char32_t r = 0;
    while (isAlphaNumeric(r = next())) {
    }
    backup();
    if (!atTerminator()) return errorf("bad character " + unicodeName(r));
    static const std::unordered_map<std::string_view, Tok> kKeywords{
        {".", Tok::Dot},
        {"block", Tok::Block},
        {"break", Tok::Break},
        {"continue", Tok::Continue},
        {"define", Tok::Define},
        {"else", Tok::Else},
        {"end", Tok::End},
        {"if", Tok::If},
        {"range", Tok::Range},
        {"nil", Tok::Nil},
        {"template", Tok::Template},
        {"with", Tok::With},
    };
    const std::string_view word = in_.substr(start_, pos_ - start_);
    if (auto it = kKeywords.find(word); it != kKeywords.end()) {
      emit(it->second);
    } else if (word == "true" || word == "false") {
      emit(Tok::Bool);
    } else {
      emit(Tok::Identifier);
    }
    return State::InsideAction;
  }

  State lexFieldOrVariable(Tok type) {
    if (atTerminator()) {
      emit(type == Tok::Variable ? Tok::Variable : Tok::Dot);
      return State::InsideAction;
    }
    char32_t r = 0;
    while (isAlphaNumeric(r = next())) {
    }
    backup();
    if (!atTerminator()) return errorf("bad character " + unicodeName(r));
    emit(type);
    return State::InsideAction;
  }

  State lexQuoted(char32_t quoteChar, Tok type, const char* unterminated) {
    for (;;) {
      char32_t r = next();
      if (r == '\\') {
        r = next();
        if (r != kEof && r != '\n') continue;
      }
      if (r == kEof || r == '\n') return errorf(unterminated);
      if (r == quoteChar) break;
    }
    emit(type);
    return State::InsideAction;
  }

  State lexRawQuote() {
    for (;;) {
      const char32_t r = next();
      if (r == kEof) return errorf("unterminated raw quoted string");
      if (r == '`') break;
    }
    emit(Tok::RawString);
    return State::InsideAction;
  }

  bool scanNumber() {
    accept("+-");
    std::string_view digits = "0123456789_";
    if (accept("0")) {
      if (accept("xX")) {
        digits = "0123456789abcdefABCDEF_";
      } else if (accept("oO")) {
        digits = "01234567_";
      } else if (accept("bB")) {
        digits = "01_";
      }
    }
    acceptRun(digits);
    if (accept(".")) acceptRun(digits);
    if (digits.size() == 11 && accept("eE")) {
      accept("+-");
      acceptRun("0123456789_");
    }
    if (digits.size() == 23 && accept("pP")) {
      accept("+-");
      acceptRun("0123456789_");
    }
    accept("i");
    if (isAlphaNumeric(peek())) {
      next();
      return false;
    }
    return true;
  }

  State lexNumber() {
    if (!scanNumber()) {
      return errorf("bad number syntax: " + quote(in_.substr(start_, pos_ - start_)));
    }
    const char32_t sign = peek();
    if (sign == '+' || sign == '-') {
      scanNumber();
      return errorf("complex numbers are not supported: " +
                    quote(in_.substr(start_, pos_ - start_)));
    }
    emit(Tok::Number);
    return State::InsideAction;
  }
};

// ---------------------------------------------------------------- nodes --

enum class NodeType {
  List,
  Text,
  Action,
  If,
  Range,
  With,
  Break,
  Continue,
  Pipe,
  Command,
  Identifier,
  Dot,
  Nil,
  Variable,
  Field,
  Bool,
  Number,
  String,
  Chain,
};

struct Node {
  NodeType type;
  std::size_t pos = 0;
  std::string text;                 // Text, String (value), Identifier, Number (source)
  std::string quoted;               // String: the literal as written
  std::vector<std::string> idents;  // Field (no dots), Variable ($x, then fields), Chain fields
  bool boolean = false;             // Bool
  // Number: how Go's idealConstant would type it.
  bool isFloat = false;
  bool isInt = false;
  std::int64_t intValue = 0;
  double floatValue = 0;
  // Pipe
  std::vector<std::string> decls;
  bool isAssign = false;
  // List items, Pipe commands, Command arguments
  std::vector<std::unique_ptr<Node>> children;
  // Action/If/Range/With: pipe; If/Range/With: list, elseList; Chain: inner
  std::unique_ptr<Node> pipe, list, elseList, inner;

  Node(NodeType t, std::size_t p) : type(t), pos(p) {}
};

using NodePtr = std::unique_ptr<Node>;

std::string nodeString(const Node& n);

std::string joinFields(const std::vector<std::string>& f, std::size_t from = 0) {
  std::string out;
  for (std::size_t i = from; i < f.size(); ++i)
    out += "." + f[i];
  return out;
}

std::string listString(const Node* list) {
  std::string out;
  if (list == nullptr) return out;
  for (const auto& c : list->children)
    out += nodeString(*c);
  return out;
}

/// Go's Node.String(), shown in "executing ... at <...>".
std::string nodeString(const Node& n) {
  switch (n.type) {
    case NodeType::List:
      return listString(&n);
    case NodeType::Text:
      return quote(n.text);
    case NodeType::Action:
      return "{{" + nodeString(*n.pipe) + "}}";
    case NodeType::If:
    case NodeType::Range:
    case NodeType::With: {
      const char* kw = n.type == NodeType::If ? "if" : n.type == NodeType::Range ? "range" : "with";
      std::string out =
          fmt::format("{{{{{} {}}}}}{}", kw, nodeString(*n.pipe), listString(n.list.get()));
      if (n.elseList) out += "{{else}}" + listString(n.elseList.get());
      return out + "{{end}}";
    }
    case NodeType::Break:
      return "{{break}}";
    case NodeType::Continue:
      return "{{continue}}";
    case NodeType::Pipe: {
      std::string out;
      for (std::size_t i = 0; i < n.decls.size(); ++i)
        out += (i ? ", " : "") + n.decls[i];
      if (!n.decls.empty()) out += n.isAssign ? " = " : " := ";
      for (std::size_t i = 0; i < n.children.size(); ++i) {
        out += (i ? " | " : "") + nodeString(*n.children[i]);
      }
      return out;
    }
    case NodeType::Command: {
      std::string out;
      for (std::size_t i = 0; i < n.children.size(); ++i) {
        if (i) out += ' ';
        const Node& a = *n.children[i];
        out += a.type == NodeType::Pipe ? "(" + nodeString(a) + ")" : nodeString(a);
      }
      return out;
    }
    case NodeType::Identifier:
      return n.text;
    case NodeType::Dot:
      return ".";
    case NodeType::Nil:
      return "nil";
    case NodeType::Variable:
      return n.idents[0] + joinFields(n.idents, 1);
    case NodeType::Field:
      return joinFields(n.idents);
    case NodeType::Bool:
      return n.boolean ? "true" : "false";
    case NodeType::Number:
      return n.text;
    case NodeType::String:
      return n.quoted;
    case NodeType::Chain: {
      const std::string inner = nodeString(*n.inner);
      return (n.inner->type == NodeType::Pipe ? "(" + inner + ")" : inner) + joinFields(n.idents);
    }
  }
  return {};
}

// --------------------------------------------------------------- parser --

const std::vector<std::string_view>& functionNames() {
  static const std::vector<std::string_view> kNames{
      "and",    "or",      "not",   "len",      "index", "slice",    "print",
      "printf", "println", "eq",    "ne",       "lt",    "le",       "gt",
      "ge",     "html",    "js",    "urlquery", "join",  "json",     "lower",
      "pad",    "split",   "title", "truncate", "upper", "contains", "replace"};
  return kNames;
}

/// Go's strconv.Unquote for "..." and `...`; nullopt on bad syntax.
std::optional<std::string> unquote(std::string_view s) {
  if (s.size() < 2) return std::nullopt;
  if (s.front() == '`') return std::string(s.substr(1, s.size() - 2));
  const char q = s.front();
  std::string out;
  for (std::size_t i = 1; i + 1 < s.size();) {
    const char c = s[i];
    if (c != '\\') {
      if (c == q) return std::nullopt;
      out += c;
      ++i;
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    const char e = s[i + 1];
    i += 2;
    auto hexValue = [&](std::size_t n) -> std::optional<std::uint32_t> {
      if (i + n > s.size() - 1) return std::nullopt;
      std::uint32_t v = 0;
      const auto r = std::from_chars(s.data() + i, s.data() + i + n, v, 16);
      if (r.ptr != s.data() + i + n) return std::nullopt;
      i += n;
      return v;
    };
    switch (e) {
      case 'a':
        out += '\a';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'v':
        out += '\v';
        break;
      case '\\':
        out += '\\';
        break;
      case '\'':
      case '"':
        if (e != q) return std::nullopt;
        out += e;
        break;
      case 'x': {
        const auto v = hexValue(2);
        if (!v) return std::nullopt;
        out += static_cast<char>(*v);
        break;
      }
      case 'u':
      case 'U': {
        const auto v = hexValue(e == 'u' ? 4 : 8);
        if (!v || *v > 0x10FFFF || (*v >= 0xD800 && *v <= 0xDFFF)) return std::nullopt;
        appendRune(out, *v);
        break;
      }
      default: {
        if (e < '0' || e > '7' || i + 2 > s.size() - 1) return std::nullopt;
        std::uint32_t v = static_cast<std::uint32_t>(e - '0');
        for (int k = 0; k < 2; ++k, ++i) {
          if (s[i] < '0' || s[i] > '7') return std::nullopt;
          v = v * 8 + static_cast<std::uint32_t>(s[i] - '0');
        }
        if (v > 255) return std::nullopt;
        out += static_cast<char>(v);
      }
    }
  }
  return out;
}

class Parser {
 public:
  Parser(std::string_view text, std::string name) : lexer_(text), name_(std::move(name)) {
    items_ = lexer_.run();
  }

  NodePtr parse() {
    auto root = std::make_unique<Node>(NodeType::List, peek().pos);
    while (peek().type != Tok::Eof) {
      if (peek().type == Tok::LeftDelim) {
        const std::size_t save = idx_;
        next();
        const Tok t = nextNonSpace().type;
        if (t == Tok::Define || t == Tok::Template || t == Tok::Block) {
          errorf("{{define}}, {{template}} and {{block}} are not supported");
        }
        idx_ = save;
      }
      NodePtr n = textOrAction();
      if (n->type == NodeType::Break && n->text == "end") errorf("unexpected {{end}}");
      if (n->type == NodeType::Break && n->text == "else") errorf("unexpected {{else}}");
      root->children.push_back(std::move(n));
    }
    return root;
  }

 private:
  Lexer lexer_;
  std::string name_;
  std::vector<Item> items_;
  std::size_t idx_ = 0;
  std::size_t furthest_ = 0;
  std::vector<std::string> vars_{"$"};
  int rangeDepth_ = 0;
  int actionLine_ = 0;

  const Item& item(std::size_t i) {
    i = std::min(i, items_.size() - 1);
    furthest_ = std::max(furthest_, i);
    return items_[i];
  }
  // Reading past the end keeps returning the last item (EOF or an error).
  const Item& next() { return item(idx_++); }
  const Item& peek() { return item(idx_); }
  void backup() { --idx_; }
  const Item& nextNonSpace() {
    while (peek().type == Tok::Space)
      next();
    return next();
  }
  const Item& peekNonSpace() {
    while (peek().type == Tok::Space)
      next();
    return peek();
  }

  [[noreturn]] void errorf(const std::string& msg) {
    fail(fmt::format("template: {}:{}: {}", name_, items_[furthest_].line, msg));
  }
  [[noreturn]] void unexpected(const Item& token, std::string_view context) {
    if (token.type == Tok::Error) {
      std::string extra;
      if (actionLine_ != 0 && actionLine_ != token.line) {
        extra = fmt::format(" in action started at {}:{}", name_, actionLine_);
        if (token.val.ends_with(" action"))
          extra = extra.substr(std::string_view(" in action").size());
      }
      errorf(token.val + extra);
    }
    errorf(fmt::format("unexpected {} in {}", itemString(token), context));
  }
  const Item& expect(Tok t, std::string_view context) {
    const Item& token = nextNonSpace();
    if (token.type != t) unexpected(token, context);
    return token;
  }

  // End and else come back as marker nodes: a Break node whose text is "end"
  // or "else" (they never reach the tree).
  static NodePtr marker(std::string_view what, std::size_t pos) {
    auto n = std::make_unique<Node>(NodeType::Break, pos);
    n->text = what;
    return n;
  }
  static bool isMarker(const Node& n, std::string_view what) {
    return n.type == NodeType::Break && n.text == what;
  }

  NodePtr textOrAction() {
    const Item& token = nextNonSpace();
    switch (token.type) {
      case Tok::Text: {
        auto n = std::make_unique<Node>(NodeType::Text, token.pos);
        n->text = token.val;
        return n;
      }
      case Tok::LeftDelim: {
        actionLine_ = token.line;
        NodePtr n = action();
        actionLine_ = 0;
        return n;
      }
      default:
        unexpected(token, "input");
    }
  }

  NodePtr itemList(NodePtr& terminator) {
    auto list = std::make_unique<Node>(NodeType::List, peekNonSpace().pos);
    while (peekNonSpace().type != Tok::Eof) {
      NodePtr n = textOrAction();
      if (isMarker(*n, "end") || isMarker(*n, "else")) {
        terminator = std::move(n);
        return list;
      }
      list->children.push_back(std::move(n));
    }
    errorf("unexpected EOF");
  }

  NodePtr action() {
    const Item& token = nextNonSpace();
    switch (token.type) {
      case Tok::Block:
      case Tok::Define:
      case Tok::Template:
        errorf("{{" + token.val + "}} is not supported");
      case Tok::Break:
      case Tok::Continue: {
        const std::size_t pos = token.pos;
        const std::string word = token.val;
        if (const Item& t = nextNonSpace(); t.type != Tok::RightDelim)
          unexpected(t, "{{" + word + "}}");
        if (rangeDepth_ == 0) errorf("{{" + word + "}} outside {{range}}");
        auto n =
            std::make_unique<Node>(word == "break" ? NodeType::Break : NodeType::Continue, pos);
        n->text = word == "break" ? "break!" : "continue";
        return n;
      }
      case Tok::Else: {
        const Item& peeked = peekNonSpace();
        if (peeked.type == Tok::If) return marker("else", peeked.pos);
        return marker("else", expect(Tok::RightDelim, "else").pos);
      }
      case Tok::End:
        return marker("end", expect(Tok::RightDelim, "end").pos);
      case Tok::If:
        return control(NodeType::If, "if");
      case Tok::Range:
        return control(NodeType::Range, "range");
      case Tok::With:
        return control(NodeType::With, "with");
      default:
        break;
    }
    backup();
    auto n = std::make_unique<Node>(NodeType::Action, peek().pos);
    n->pipe = pipeline("command", Tok::RightDelim);
    return n;
  }

  NodePtr control(NodeType type, std::string_view context) {
    const std::size_t mark = vars_.size();
    auto n = std::make_unique<Node>(type, 0);
    n->pipe = pipeline(context, Tok::RightDelim);
    n->pos = n->pipe->pos;
    if (type == NodeType::Range) ++rangeDepth_;
    NodePtr next;
    n->list = itemList(next);
    if (type == NodeType::Range) --rangeDepth_;
    if (isMarker(*next, "else")) {
      if (type == NodeType::If && peek().type == Tok::If) {
        // {{else if x}} is {{else}}{{if x}}..{{end}}{{end}} with one {{end}}.
        nextNonSpace();
        n->elseList = std::make_unique<Node>(NodeType::List, next->pos);
        n->elseList->children.push_back(control(NodeType::If, "if"));
      } else {
        NodePtr end;
        n->elseList = itemList(end);
        if (!isMarker(*end, "end")) errorf("expected end; found {{else}}");
      }
    }
    vars_.resize(mark);
    return n;
  }

  NodePtr pipeline(std::string_view context, Tok end) {
    auto pipe = std::make_unique<Node>(NodeType::Pipe, peekNonSpace().pos);
  decls:
    if (const Item& v = peekNonSpace(); v.type == Tok::Variable) {
      const std::size_t varIdx = idx_;
      next();
      const Item& nextTok = peekNonSpace();
      if (nextTok.type == Tok::Assign || nextTok.type == Tok::Declare) {
        pipe->isAssign = nextTok.type == Tok::Assign;
        nextNonSpace();
        pipe->decls.push_back(items_[varIdx].val);
        vars_.push_back(items_[varIdx].val);
      } else if (nextTok.type == Tok::Char && nextTok.val == ",") {
        nextNonSpace();
        pipe->decls.push_back(items_[varIdx].val);
        vars_.push_back(items_[varIdx].val);
        if (context == "range" && pipe->decls.size() < 2) {
          const Tok t = peekNonSpace().type;
          if (t == Tok::Variable || t == Tok::RightDelim || t == Tok::RightParen) goto decls;
          errorf("range can only initialize variables");
        }
        errorf(fmt::format("too many declarations in {}", context));
      } else {
        idx_ = varIdx;
      }
    }
    for (;;) {
      const Item& token = nextNonSpace();
      if (token.type == end) {
        checkPipeline(*pipe, context);
        return pipe;
      }
      switch (token.type) {
        case Tok::Bool:
        case Tok::CharConstant:
        case Tok::Dot:
        case Tok::Field:
        case Tok::Identifier:
        case Tok::Number:
        case Tok::Nil:
        case Tok::RawString:
        case Tok::String:
        case Tok::Variable:
        case Tok::LeftParen:
          backup();
          pipe->children.push_back(command());
          break;
        default:
          unexpected(token, context);
      }
    }
  }

  void checkPipeline(const Node& pipe, std::string_view context) {
    if (pipe.children.empty()) errorf(fmt::format("missing value for {}", context));
    for (std::size_t i = 1; i < pipe.children.size(); ++i) {
      switch (pipe.children[i]->children[0]->type) {
        case NodeType::Bool:
        case NodeType::Dot:
        case NodeType::Nil:
        case NodeType::Number:
        case NodeType::String:
          errorf(fmt::format("non executable command in pipeline stage {}", i + 1));
        default:
          break;
      }
    }
  }

  NodePtr command() {
    auto cmd = std::make_unique<Node>(NodeType::Command, peekNonSpace().pos);
    for (;;) {
      peekNonSpace();
      if (NodePtr op = operand()) cmd->children.push_back(std::move(op));
      const Item& token = next();
      if (token.type == Tok::Space) continue;
      if (token.type == Tok::RightDelim || token.type == Tok::RightParen) {
        backup();
      } else if (token.type != Tok::Pipe) {
        unexpected(token, "operand");
      }
      break;
    }
    if (cmd->children.empty()) errorf("empty command");
    return cmd;
  }

  NodePtr operand() {
    NodePtr node = term();
    if (!node) return node;
    if (peek().type == Tok::Field) {
      auto chain = std::make_unique<Node>(NodeType::Chain, peek().pos);
      while (peek().type == Tok::Field)
        chain->idents.push_back(next().val.substr(1));
      switch (node->type) {
        case NodeType::Field:
        case NodeType::Variable:
          // Go rebuilds the node at the chain's position: the second field's.
          for (auto& f : chain->idents)
            node->idents.push_back(std::move(f));
          node->pos = chain->pos;
          return node;
        case NodeType::Bool:
        case NodeType::String:
        case NodeType::Number:
        case NodeType::Nil:
        case NodeType::Dot:
          errorf("unexpected . after term " + quote(nodeString(*node)));
        default:
          chain->inner = std::move(node);
          return chain;
      }
    }
    return node;
  }

  static std::vector<std::string> splitFields(std::string_view s) {
    std::vector<std::string> out;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= s.size(); ++i) {
      if (i == s.size() || s[i] == '.') {
        out.emplace_back(s.substr(start, i - start));
        start = i + 1;
      }
    }
    return out;
  }

  NodePtr term() {
    const Item& token = nextNonSpace();
    switch (token.type) {
      case Tok::Identifier: {
        const auto& names = functionNames();
        if (std::find(names.begin(), names.end(), token.val) == names.end()) {
          errorf(fmt::format("function {} not defined", quote(token.val)));
        }
        auto n = std::make_unique<Node>(NodeType::Identifier, token.pos);
        n->text = token.val;
        return n;
      }
      case Tok::Dot:
        return std::make_unique<Node>(NodeType::Dot, token.pos);
      case Tok::Nil:
        return std::make_unique<Node>(NodeType::Nil, token.pos);
      case Tok::Variable: {
        auto n = std::make_unique<Node>(NodeType::Variable, token.pos);
        n->idents = splitFields(token.val);
        if (std::find(vars_.begin(), vars_.end(), n->idents[0]) == vars_.end()) {
          errorf(fmt::format("undefined variable {}", quote(n->idents[0])));
        }
        return n;
      }
      case Tok::Field: {
        auto n = std::make_unique<Node>(NodeType::Field, token.pos);
        n->idents = splitFields(std::string_view(token.val).substr(1));
        return n;
      }
      case Tok::Bool: {
        auto n = std::make_unique<Node>(NodeType::Bool, token.pos);
        n->boolean = token.val == "true";
        return n;
      }
      case Tok::CharConstant:
      case Tok::Number:
        return number(token);
      case Tok::LeftParen:
        return pipeline("parenthesized pipeline", Tok::RightParen);
      case Tok::String:
      case Tok::RawString: {
        auto value = unquote(token.val);
        if (!value) errorf("invalid syntax");
        auto n = std::make_unique<Node>(NodeType::String, token.pos);
        n->text = std::move(*value);
        n->quoted = token.val;
        return n;
      }
      default:
        backup();
        return nullptr;
    }
  }

  NodePtr number(const Item& token) {
    auto n = std::make_unique<Node>(NodeType::Number, token.pos);
    n->text = token.val;
    const std::string_view text = token.val;
    if (token.type == Tok::CharConstant) {
      // Go's strconv.UnquoteChar on the text between the quotes.
      const std::string_view inner = text.substr(1, text.size() - 2);
      std::int64_t value = -1;
      if (!inner.empty() && inner[0] != '\\') {
        const Rune r = decodeRune(inner, 0);
        if (r.size == inner.size()) value = r.value;
      } else if (auto s = unquote("'" + std::string(inner) + "'")) {
        const bool byteEscape =
            inner.size() > 1 && (inner[1] == 'x' || (inner[1] >= '0' && inner[1] <= '7'));
        if (byteEscape && s->size() == 1) {
          value = static_cast<unsigned char>((*s)[0]);
        } else if (!byteEscape && !s->empty() && decodeRune(*s, 0).size == s->size()) {
          value = decodeRune(*s, 0).value;
        }
      }
      if (value < 0) errorf("malformed character constant: " + std::string(text));
      n->isInt = true;
      n->intValue = value;
      n->floatValue = static_cast<double>(value);
      return n;
    }
    if (text.ends_with("i")) errorf("complex numbers are not supported: " + quote(text));
    std::string clean;
    for (char c : text) {
      if (c != '_') clean += c;
    }
    bool neg = false;
    std::string_view digits = clean;
    if (!digits.empty() && (digits[0] == '+' || digits[0] == '-')) {
      neg = digits[0] == '-';
      digits.remove_prefix(1);
    }
    const bool hex = digits.starts_with("0x") || digits.starts_with("0X");
    const bool floatSyntax = hex ? digits.find_first_of("pP.") != std::string_view::npos
                                 : digits.find_first_of(".eE") != std::string_view::npos;
    if (!floatSyntax) {
      int base = 10;
      std::string_view body = digits;
      if (hex) {
        base = 16, body.remove_prefix(2);
      } else if (digits.starts_with("0b") || digits.starts_with("0B")) {
        base = 2, body.remove_prefix(2);
      } else if (digits.starts_with("0o") || digits.starts_with("0O")) {
        base = 8, body.remove_prefix(2);
      } else if (digits.size() > 1 && digits[0] == '0') {
        base = 8, body.remove_prefix(1);
      }
      std::uint64_t u = 0;
      const auto r = std::from_chars(body.data(), body.data() + body.size(), u, base);
      if (r.ec != std::errc() || r.ptr != body.data() + body.size() || body.empty()) {
        errorf(fmt::format("illegal number syntax: {}", quote(text)));
      }
      const std::uint64_t limit =
          neg ? std::uint64_t{1} << 63 : std::uint64_t{std::numeric_limits<std::int64_t>::max()};
      if (u > limit) errorf(fmt::format("{} overflows int", text));
      n->isInt = true;
      n->intValue = neg ? static_cast<std::int64_t>(0 - u) : static_cast<std::int64_t>(u);
      n->floatValue = static_cast<double>(n->intValue);
      return n;
    }
    double f = 0;
    if (hex) {
      f = std::strtod(clean.c_str(), nullptr);
    } else {
      const auto r = std::from_chars(digits.data(), digits.data() + digits.size(), f);
      if (r.ec != std::errc() || r.ptr != digits.data() + digits.size()) {
        errorf(fmt::format("illegal number syntax: {}", quote(text)));
      }
      if (neg) f = -f;
    }
    n->isFloat = true;
    n->floatValue = f;
    if (std::trunc(f) == f && std::fabs(f) < 9.2e18) {
      n->isInt = true;
      n->intValue = static_cast<std::int64_t>(f);
    }
    return n;
  }
};

}  // namespace tmpl

struct Template::Tree {
  std::string name;
  std::string text;
  tmpl::NodePtr root;
};

// ============================================================ execution ==
namespace tmpl {
namespace {

/// A value during execution: a JSON node (borrowed from the data or owned by
/// a function result) or Go's invalid value (a missing map entry).
struct Val {
  std::shared_ptr<const Json> p;

  static Val borrow(const Json& j) {
    return {std::shared_ptr<const Json>(std::shared_ptr<const Json>(), &j)};
  }
  static Val own(Json j) { return {std::make_shared<const Json>(std::move(j))}; }
  static Val invalid() { return {}; }
  /// A member of this value that stays alive as long as this value does.
  Val child(const Json& member) const { return {std::shared_ptr<const Json>(p, &member)}; }

  bool valid() const { return p != nullptr; }
  const Json& json() const {
    static const Json kNull;
    return p ? *p : kNull;
  }
};

bool isHidden(std::string_view key) {
  return key == kJsonOverrideKey;
}

std::size_t visibleSize(const Json& j) {
  if (!j.is_object()) return j.size();
  return j.size() - (j.contains(kJsonOverrideKey) ? 1 : 0);
}

/// The Go type a JSON value stands for, for messages.
std::string typeName(const Json& j) {
  switch (j.type()) {
    case Json::value_t::string:
      return "string";
    case Json::value_t::boolean:
      return "bool";
    case Json::value_t::number_integer:
      return "int";
    case Json::value_t::number_unsigned:
      return j.get<std::uint64_t>() > std::uint64_t{std::numeric_limits<std::int64_t>::max()}
                 ? "uint64"
                 : "int";
    case Json::value_t::number_float:
      return "float64";
    case Json::value_t::array:
      return "[]interface {}";
    case Json::value_t::object:
      return "map[string]interface {}";
    default:
      return "interface {}";
  }
}

std::vector<std::pair<const std::string*, const Json*>> sortedMembers(const Json& obj) {
  std::vector<std::pair<const std::string*, const Json*>> out;
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    if (!isHidden(it.key())) out.emplace_back(&it.key(), &it.value());
  }
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return *a.first < *b.first; });
  return out;
}

// ----------------------------------------------------------- fmt printer --

/// Go's fmt state for one verb (fmt.fmtFlags plus width and precision).
struct Flags {
  bool minus = false, plus = false, sharp = false, space = false, zero = false;
  bool plusV = false, sharpV = false;
  bool widPresent = false, precPresent = false;
  int wid = 0, prec = 0;
};

class Printer {
 public:
  std::string buf;
  Flags f;

  void writePadding(int n) {
    if (n > 0) buf.append(static_cast<std::size_t>(n), f.zero ? '0' : ' ');
  }
  void pad(std::string_view s) {
    if (!f.widPresent || f.wid == 0) {
      buf += s;
      return;
    }
    const int width = f.wid - static_cast<int>(runeCount(s));
    if (!f.minus) {
      writePadding(width);
      buf += s;
    } else {
      buf += s;
      const bool zero = f.zero;
      f.zero = false;
      writePadding(width);
      f.zero = zero;
    }
  }

  void fmtInteger(std::uint64_t u, bool negative, int base, char32_t verb, bool upper) {
    const char* digits = upper ? "0123456789ABCDEFX" : "0123456789abcdefx";
    int prec = 0;
    if (f.precPresent) {
      prec = f.prec;
      if (prec == 0 && u == 0) {
        const bool zero = f.zero;
        f.zero = false;
        writePadding(f.wid);
        f.zero = zero;
        return;
      }
    } else if (f.zero && f.widPresent) {
      prec = f.wid;
      if (negative || f.plus || f.space) --prec;
    }
    std::string num;
    do {
      num += digits[u % static_cast<unsigned>(base)];
      u /= static_cast<unsigned>(base);
    } while (u != 0);
    while (static_cast<int>(num.size()) < prec)
      num += '0';
    if (f.sharp) {
      if (base == 2) num += "b0";
      if (base == 8 && num.back() != '0') num += '0';
      if (base == 16) num += upper ? "X0" : "x0";
    }
    if (verb == 'O') num += "o0";
    if (negative) {
      num += '-';
    } else if (f.plus) {
      num += '+';
    } else if (f.space) {
      num += ' ';
    }
    std::reverse(num.begin(), num.end());
    const bool zero = f.zero;
    f.zero = false;
    pad(num);
    f.zero = zero;
  }

  void fmtFloat(double v, char verb, int prec) {
    if (f.precPresent) prec = f.prec;
    std::string num = formatFloat(v, verb == 'F' ? 'f' : verb, prec);
    if (num[0] != '-' && num[0] != '+') num.insert(num.begin(), '+');
    if (f.space && num[0] == '+' && !f.plus) num[0] = ' ';
    if (num[1] == 'I' || num[1] == 'N') {
      const bool zero = f.zero;
      f.zero = false;
      if (num[1] == 'N' && !f.space && !f.plus) num.erase(0, 1);
      pad(num);
      f.zero = zero;
      return;
    }
    if (f.plus || num[0] != '+') {
      if (f.zero && f.widPresent && f.wid > static_cast<int>(num.size())) {
        buf += num[0];
        writePadding(f.wid - static_cast<int>(num.size()));
        buf.append(num, 1);
        return;
      }
      pad(num);
      return;
    }
    pad(std::string_view(num).substr(1));
  }

  void fmtS(std::string_view s) {
    if (f.precPresent) {
      std::size_t end = 0;
      for (int n = 0; n < f.prec && end < s.size(); ++n)
        end += decodeRune(s, end).size;
      s = s.substr(0, end);
    }
    pad(s);
  }

  void fmtSx(std::string_view s, bool upper) {
    const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    std::size_t length = s.size();
    if (f.precPresent && f.prec < static_cast<int>(length))
      length = static_cast<std::size_t>(f.prec);
    std::string out;
    for (std::size_t i = 0; i < length; ++i) {
      if (f.space && i > 0) out += ' ';
      if (f.sharp && (f.space || i == 0)) out += upper ? "0X" : "0x";
      const auto c = static_cast<unsigned char>(s[i]);
      out += digits[c >> 4];
      out += digits[c & 0xF];
    }
    pad(out);
  }

  void fmtQ(std::string_view s) {
    if (f.precPresent) {
      std::size_t end = 0;
      for (int n = 0; n < f.prec && end < s.size(); ++n)
        end += decodeRune(s, end).size;
      s = s.substr(0, end);
    }
    if (f.sharp && s.find_first_of("`\r\n\t") == std::string_view::npos) {
      pad("`" + std::string(s) + "`");
      return;
    }
    pad(quote(s, f.plus));
  }

  void fmtC(std::uint64_t u) {
    std::string s;
    appendRune(s, u > 0x10FFFF ? 0xFFFD : static_cast<char32_t>(u));
    pad(s);
  }

  void fmtQc(std::uint64_t u) {
    std::string r;
    appendRune(r, u > 0x10FFFF ? 0xFFFD : static_cast<char32_t>(u));
    std::string q = quote(r, f.plus);
    if (r == "'") q = "\"\\'\"";
    if (r == "\"") q = "\"\"\"";
    pad("'" + q.substr(1, q.size() - 2) + "'");
  }

  void badVerb(char32_t verb, const Json* arg) {
    buf += "%!";
    appendRune(buf, verb);
    buf += '(';
    if (arg == nullptr || arg->is_null()) {
      buf += "<nil>";
    } else {
      buf += typeName(*arg) + "=";
      const Flags saved = f;
      f = Flags{};
      printArg(arg, 'v');
      f = saved;
    }
    buf += ')';
  }

  /// fmt's printArg: `arg` null means a nil interface.
  void printArg(const Json* arg, char32_t verb) {
    if (arg == nullptr || arg->is_null()) {
      if (verb == 'T' || verb == 'v') {
        pad("<nil>");
      } else {
        badVerb(verb, nullptr);
      }
      return;
    }
    if (verb == 'T') {
      fmtS(typeName(*arg));
      return;
    }
    printValue(*arg, verb, 0);
  }

  void printValue(const Json& v, char32_t verb, int depth) {
    switch (v.type()) {
      case Json::value_t::null:
        if (depth > 0) {
          buf += f.sharpV ? "interface {}(nil)" : "<nil>";
        } else {
          printArg(nullptr, verb);
        }
        return;
      case Json::value_t::boolean:
        if (verb == 't' || verb == 'v') {
          pad(v.get<bool>() ? "true" : "false");
        } else {
          badVerb(verb, &v);
        }
        return;
      case Json::value_t::number_integer:
      case Json::value_t::number_unsigned: {
        const bool neg =
            v.is_number_integer() && !v.is_number_unsigned() && v.get<std::int64_t>() < 0;
        const std::uint64_t u = v.is_number_unsigned()
                                    ? v.get<std::uint64_t>()
                                    : (neg ? 0 - static_cast<std::uint64_t>(v.get<std::int64_t>())
                                           : static_cast<std::uint64_t>(v.get<std::int64_t>()));
        switch (verb) {
          case 'v':
          case 'd':
            fmtInteger(u, neg, 10, verb, false);
            return;
          case 'b':
            fmtInteger(u, neg, 2, verb, false);
            return;
          case 'o':
          case 'O':
            fmtInteger(u, neg, 8, verb, false);
            return;
          case 'x':
            fmtInteger(u, neg, 16, verb, false);
            return;
          case 'X':
            fmtInteger(u, neg, 16, verb, true);
            return;
          case 'c':
            fmtC(neg ? 0xFFFD : u);
            return;
          case 'q':
            fmtQc(neg ? 0xFFFD : u);
            return;
          case 'U': {
            std::string s = fmt::format("U+{:04X}", u);
            if (f.sharp && u <= 0x10FFFF) {
              s += " '";
              appendRune(s, static_cast<char32_t>(u));
              s += "'";
            }
            pad(s);
            return;
          }
          default:
            badVerb(verb, &v);
            return;
        }
      }
      case Json::value_t::number_float:
        switch (verb) {
          case 'v':
            fmtFloat(v.get<double>(), 'g', -1);
            return;
          case 'g':
          case 'G':
          case 'x':
          case 'X':
            fmtFloat(v.get<double>(), static_cast<char>(verb), -1);
            return;
          case 'e':
          case 'E':
          case 'f':
          case 'F':
            fmtFloat(v.get<double>(), static_cast<char>(verb), 6);
            return;
          default:
            badVerb(verb, &v);
            return;
        }
      case Json::value_t::string: {
        const auto& s = v.get_ref<const std::string&>();
        switch (verb) {
          case 'v':
            if (f.sharpV) {
              fmtQ(s);
            } else {
              fmtS(s);
            }
            return;
          case 's':
            fmtS(s);
            return;
          case 'x':
            fmtSx(s, false);
            return;
          case 'X':
            fmtSx(s, true);
            return;
          case 'q':
            fmtQ(s);
            return;
          default:
            badVerb(verb, &v);
            return;
        }
      }
      case Json::value_t::array: {
        buf += f.sharpV ? "[]interface {}{" : "[";
        bool first = true;
        for (const auto& e : v) {
          if (!first) buf += f.sharpV ? ", " : " ";
          first = false;
          printValue(e, verb, depth + 1);
        }
        buf += f.sharpV ? "}" : "]";
        return;
      }
      case Json::value_t::object: {
        buf += f.sharpV ? "map[string]interface {}{" : "map[";
        bool first = true;
        for (const auto& [key, value] : sortedMembers(v)) {
          if (!first) buf += f.sharpV ? ", " : " ";
          first = false;
          printValue(Json(*key), verb, depth + 1);
          buf += ':';
          printValue(*value, verb, depth + 1);
        }
        buf += f.sharpV ? "}" : "]";
        return;
      }
      default:
        buf += "?";
    }
  }
};

bool isStringArg(const Val& v) {
  return v.valid() && v.json().is_string();
}

/// fmt.Sprint: spaces between operands when neither is a string.
std::string sprint(const std::vector<Val>& args) {
  Printer p;
  bool prevString = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const bool isString = isStringArg(args[i]);
    if (i > 0 && !isString && !prevString) p.buf += ' ';
    p.printArg(args[i].valid() ? &args[i].json() : nullptr, 'v');
    prevString = isString;
  }
  return p.buf;
}

/// fmt.Sprintln: always spaces, then a newline.
std::string sprintln(const std::vector<Val>& args) {
  Printer p;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (i > 0) p.buf += ' ';
    p.printArg(args[i].valid() ? &args[i].json() : nullptr, 'v');
  }
  return p.buf + "\n";
}

/// fmt.Sprintf.
std::string sprintf(std::string_view format, const std::vector<Val>& args) {
  Printer p;
  std::size_t argNum = 0;
  bool reordered = false;
  const std::size_t end = format.size();
  auto parsenum = [&](std::size_t& i, std::size_t stop) -> std::optional<int> {
    if (i >= stop || !isDigit(static_cast<unsigned char>(format[i]))) return std::nullopt;
    int num = 0;
    bool ok = true;
    while (i < stop && isDigit(static_cast<unsigned char>(format[i]))) {
      if (num > 1000000) ok = false;
      num = num * 10 + (format[i] - '0');
      ++i;
    }
    if (!ok) return std::nullopt;
    return num;
  };
  bool goodArgNum = true;
  auto argNumber = [&](std::size_t& i) -> bool {
    if (i >= end || format[i] != '[') return false;
    reordered = true;
    for (std::size_t j = i + 1; j < end; ++j) {
      if (format[j] == ']') {
        std::size_t k = i + 1;
        const auto n = parsenum(k, j);
        i = j + 1;
        if (!n || k != j || *n < 1 || static_cast<std::size_t>(*n) > args.size()) {
          goodArgNum = false;
          return n && k == j;
        }
        argNum = static_cast<std::size_t>(*n - 1);
        return true;
      }
    }
    ++i;
    goodArgNum = false;
    return false;
  };
  auto intFromArg = [&](int& out) -> bool {
    if (argNum >= args.size()) return false;
    const Json& j = args[argNum].json();
    ++argNum;
    if (!j.is_number_integer()) return false;
    const auto v = j.get<std::int64_t>();
    if (v > 1000000 || v < -1000000) return false;
    out = static_cast<int>(v);
    return true;
  };
  for (std::size_t i = 0; i < end;) {
    goodArgNum = true;
    const std::size_t last = i;
    while (i < end && format[i] != '%')
      ++i;
    p.buf.append(format.substr(last, i - last));
    if (i >= end) break;
    ++i;
    p.f = Flags{};
    for (; i < end; ++i) {
      const char c = format[i];
      if (c == '#') {
        p.f.sharp = true;
      } else if (c == '0') {
        p.f.zero = !p.f.minus;
      } else if (c == '+') {
        p.f.plus = true;
      } else if (c == '-') {
        p.f.minus = true;
        p.f.zero = false;
      } else if (c == ' ') {
        p.f.space = true;
      } else {
        break;
      }
    }
    bool afterIndex = argNumber(i);
    if (i < end && format[i] == '*') {
      ++i;
      p.f.widPresent = intFromArg(p.f.wid);
      if (!p.f.widPresent) p.buf += "%!(BADWIDTH)";
      if (p.f.wid < 0) {
        p.f.wid = -p.f.wid;
        p.f.minus = true;
        p.f.zero = false;
      }
      afterIndex = false;
    } else if (auto w = parsenum(i, end)) {
      p.f.wid = *w;
      p.f.widPresent = true;
      if (afterIndex) goodArgNum = false;
    }
    if (i + 1 < end && format[i] == '.') {
      ++i;
      if (afterIndex) goodArgNum = false;
      afterIndex = argNumber(i);
      if (i < end && format[i] == '*') {
        ++i;
        p.f.precPresent = intFromArg(p.f.prec);
        if (p.f.prec < 0) {
          p.f.prec = 0;
          p.f.precPresent = false;
        }
        if (!p.f.precPresent) p.buf += "%!(BADPREC)";
        afterIndex = false;
      } else {
        const auto pr = parsenum(i, end);
        p.f.prec = pr.value_or(0);
        p.f.precPresent = true;
      }
    }
    if (!afterIndex) afterIndex = argNumber(i);
    if (i >= end) {
      p.buf += "%!(NOVERB)";
      break;
    }
    const Rune verb = decodeRune(format, i);
    i += verb.size;
    if (verb.value == '%') {
      p.buf += '%';
    } else if (!goodArgNum) {
      p.buf += "%!";
      appendRune(p.buf, verb.value);
      p.buf += "(BADINDEX)";
    } else if (argNum >= args.size()) {
      p.buf += "%!";
      appendRune(p.buf, verb.value);
      p.buf += "(MISSING)";
    } else {
      if (verb.value == 'v') {
        p.f.sharpV = p.f.sharp;
        p.f.sharp = false;
        p.f.plusV = p.f.plus;
        p.f.plus = false;
      }
      const Val& arg = args[argNum++];
      p.printArg(arg.valid() ? &arg.json() : nullptr, verb.value);
    }
  }
  if (!reordered && argNum < args.size()) {
    p.f = Flags{};
    p.buf += "%!(EXTRA ";
    for (std::size_t k = argNum; k < args.size(); ++k) {
      if (k > argNum) p.buf += ", ";
      const Json& j = args[k].json();
      if (j.is_null()) {
        p.buf += "<nil>";
      } else {
        p.buf += typeName(j) + "=";
        p.printArg(&j, 'v');
      }
    }
    p.buf += ')';
  }
  return p.buf;
}

// ------------------------------------------------------------ executor --

enum class Flow { Normal, Break, Continue };

/// An error raised by a function implementation; the executor prefixes it
/// with "error calling <name>: ".
struct CallError {
  std::string message;
};

class Exec;

/// The arguments of one function call: unevaluated nodes plus the value
/// piped in from the previous command, evaluated on demand so that `and`
/// and `or` can short-circuit as Go's do.
struct Call {
  Exec& exec;
  const Val& dot;
  const std::vector<NodePtr>& nodes;  // [0] is the function name
  const std::optional<Val>& final;
  std::string_view name;

  std::size_t count() const { return nodes.size() - 1 + (final ? 1 : 0); }
  Val any(std::size_t i) const;    // an interface{} parameter
  Val value(std::size_t i) const;  // a reflect.Value parameter
  std::string str(std::size_t i) const;
  std::int64_t integer(std::size_t i) const;
  std::vector<std::string> strings(std::size_t i) const;
  std::vector<Val> all() const {
    std::vector<Val> out;
    for (std::size_t i = 0; i < count(); ++i)
      out.push_back(any(i));
    return out;
  }
};

using Impl = Val (*)(const Call&);

struct Builtin {
  int args;  // parameter count (the fixed ones, if variadic)
  bool variadic;
  Impl impl;
};

const std::unordered_map<std::string_view, Builtin>& builtins();

bool truth(const Val& v) {
  if (!v.valid()) return false;
  const Json& j = v.json();
  switch (j.type()) {
    case Json::value_t::null:
      return false;
    case Json::value_t::boolean:
      return j.get<bool>();
    case Json::value_t::number_integer:
      return j.get<std::int64_t>() != 0;
    case Json::value_t::number_unsigned:
      return j.get<std::uint64_t>() != 0;
    case Json::value_t::number_float:
      return j.get<double>() != 0;
    case Json::value_t::string:
      return !j.get_ref<const std::string&>().empty();
    case Json::value_t::array:
    case Json::value_t::object:
      return visibleSize(j) > 0;
    default:
      return true;
  }
}

class Exec {
 public:
  Exec(const Template::Tree& tree, const Json& data) : tree_(tree) {
    vars_.emplace_back("$", Val::borrow(data));
  }

  std::string run(const Json& data) {
    walk(Val::borrow(data), *tree_.root);
    return std::move(out_);
  }

  [[noreturn]] void errorf(const std::string& msg) const {
    std::string location = tree_.name;
    std::string context;
    if (at_ != nullptr) {
      const std::string_view before = std::string_view(tree_.text).substr(0, at_->pos);
      const auto line = 1 + std::count(before.begin(), before.end(), '\n');
      const auto nl = before.rfind('\n');
      const std::size_t col = nl == std::string_view::npos ? at_->pos : at_->pos - nl - 1;
      location = fmt::format("{}:{}:{}", tree_.name, line, col);
      context = nodeString(*at_);
    }
    // The message must stay on one line: the CLI prints "Error: <message>".
    std::string line = fmt::format("template: {}: executing {} at <{}>: {}", location,
                                   quote(tree_.name), context, msg);
    std::replace(line.begin(), line.end(), '\n', ' ');
    fail(std::move(line));
  }

  void at(const Node& n) { at_ = &n; }

  // Argument evaluation, Go's evalArg for the parameter kinds we have.
  Val evalEmptyInterface(const Val& dot, const Node& n) {
    at(n);
    switch (n.type) {
      case NodeType::Bool:
        return Val::own(n.boolean);
      case NodeType::Dot:
        return dot;
      case NodeType::Field:
        return evalFieldNode(dot, n, 1, std::nullopt);
      case NodeType::Identifier: {
        static const std::vector<NodePtr> kNone;
        return evalFunction(dot, n, n, kNone, std::nullopt);
      }
      case NodeType::Nil:
        return Val::own(nullptr);
      case NodeType::Number:
        return idealConstant(n);
      case NodeType::String:
        return Val::own(n.text);
      case NodeType::Variable:
        return evalVariableNode(dot, n, 1, std::nullopt);
      case NodeType::Pipe:
        return evalPipeline(dot, n);
      case NodeType::Chain:
        return evalChainNode(dot, n, 1, std::nullopt);
      default:
        errorf("can't handle " + nodeString(n) + " for arg of type interface {}");
    }
  }

  /// Evaluates a non-constant argument node, or returns nullopt for a
  /// constant (the caller checks constants against the parameter type).
  std::optional<Val> evalComputed(const Val& dot, const Node& n) {
    switch (n.type) {
      case NodeType::Dot:
      case NodeType::Field:
      case NodeType::Variable:
      case NodeType::Pipe:
      case NodeType::Identifier:
      case NodeType::Chain:
        return evalEmptyInterface(dot, n);
      default:
        at(n);
        return std::nullopt;
    }
  }

 private:
  const Template::Tree& tree_;
  std::string out_;
  std::vector<std::pair<std::string, Val>> vars_;
  const Node* at_ = nullptr;

  Flow walk(const Val& dot, const Node& n) {
    switch (n.type) {
      case NodeType::List:
        for (const auto& c : n.children) {
          if (const Flow f = walk(dot, *c); f != Flow::Normal) return f;
        }
        return Flow::Normal;
      case NodeType::Text:
        out_ += n.text;
        return Flow::Normal;
      case NodeType::Action: {
        const Val v = evalPipeline(dot, *n.pipe);
        if (n.pipe->decls.empty()) {
          at(n);
          if (!v.valid()) {
            out_ += "<no value>";
          } else {
            Printer p;
            p.printArg(&v.json(), 'v');
            out_ += p.buf;
          }
        }
        return Flow::Normal;
      }
      case NodeType::If:
      case NodeType::With: {
        const std::size_t mark = vars_.size();
        const Val v = evalPipeline(dot, *n.pipe);
        Flow f = Flow::Normal;
        if (truth(v)) {
          f = walk(n.type == NodeType::With ? v : dot, *n.list);
        } else if (n.elseList) {
          f = walk(dot, *n.elseList);
        }
        vars_.resize(mark);
        return f;
      }
      case NodeType::Range: {
        const std::size_t mark = vars_.size();
        walkRange(dot, n);
        vars_.resize(mark);
        return Flow::Normal;
      }
      case NodeType::Break:
        return Flow::Break;
      case NodeType::Continue:
        return Flow::Continue;
      default:
        errorf("unknown node: " + nodeString(n));
    }
  }

  void walkRange(const Val& dot, const Node& r) {
    at(r);
    const Val v = evalPipeline(dot, *r.pipe);
    const std::size_t mark = vars_.size();
    // Returns false on {{break}}.
    auto oneIteration = [&](const Val& index, const Val& elem) {
      if (!r.pipe->decls.empty()) vars_[mark - 1].second = elem;
      if (r.pipe->decls.size() > 1) vars_[mark - 2].second = index;
      const Flow f = walk(elem, *r.list);
      vars_.resize(mark);
      return f != Flow::Break;
    };
    const Json& j = v.json();
    if (v.valid() && j.is_array() && !j.empty()) {
      for (std::size_t i = 0; i < j.size(); ++i) {
        if (!oneIteration(Val::own(static_cast<std::int64_t>(i)), v.child(j[i]))) break;
      }
      return;
    }
    if (v.valid() && j.is_object() && visibleSize(j) > 0) {
      for (const auto& [key, value] : sortedMembers(j)) {
        if (!oneIteration(Val::own(*key), v.child(*value))) break;
      }
      return;
    }
    if (v.valid() && !j.is_null() && !j.is_array() && !j.is_object()) {
      Printer p;
      p.printArg(&j, 'v');
      errorf("range can't iterate over " + p.buf);
    }
    if (r.elseList) walk(dot, *r.elseList);
  }

  Val evalPipeline(const Val& dot, const Node& pipe) {
    at(pipe);
    std::optional<Val> value;
    for (const auto& cmd : pipe.children)
      value = evalCommand(dot, *cmd, value);
    for (const auto& name : pipe.decls) {
      if (pipe.isAssign) {
        setVar(name, *value);
      } else {
        vars_.emplace_back(name, *value);
      }
    }
    return *value;
  }

  void setVar(const std::string& name, const Val& v) {
    for (auto it = vars_.rbegin(); it != vars_.rend(); ++it) {
      if (it->first == name) {
        it->second = v;
        return;
      }
    }
    errorf("undefined variable: " + name);
  }

  Val varValue(const std::string& name) {
    for (auto it = vars_.rbegin(); it != vars_.rend(); ++it) {
      if (it->first == name) return it->second;
    }
    errorf("undefined variable: " + name);
  }

  void notAFunction(const Node& cmd, std::size_t nargs, const std::optional<Val>& final) {
    if (nargs > 1 || final)
      errorf("can't give argument to non-function " + nodeString(*cmd.children[0]));
  }

  Val evalCommand(const Val& dot, const Node& cmd, const std::optional<Val>& final) {
    const Node& first = *cmd.children[0];
    const std::size_t nargs = cmd.children.size();
    switch (first.type) {
      case NodeType::Field:
        return evalFieldNode(dot, first, nargs, final);
      case NodeType::Chain:
        return evalChainNode(dot, first, nargs, final);
      case NodeType::Identifier:
        return evalFunction(dot, first, cmd, cmd.children, final);
      case NodeType::Pipe:
        notAFunction(cmd, nargs, final);
        return evalPipeline(dot, first);
      case NodeType::Variable:
        return evalVariableNode(dot, first, nargs, final);
      default:
        break;
    }
    at(first);
    notAFunction(cmd, nargs, final);
    switch (first.type) {
      case NodeType::Bool:
        return Val::own(first.boolean);
      case NodeType::Dot:
        return dot;
      case NodeType::Nil:
        errorf("nil is not a command");
      case NodeType::Number:
        return idealConstant(first);
      case NodeType::String:
        return Val::own(first.text);
      default:
        errorf("can't evaluate command " + quote(nodeString(first)));
    }
  }

  Val idealConstant(const Node& n) {
    at(n);
    const bool hexOrChar = n.text.starts_with("0x") || n.text.starts_with("0X") ||
                           n.text.starts_with("'") || n.text.starts_with("-0x") ||
                           n.text.starts_with("+0x");
    if (n.isFloat && !hexOrChar && n.text.find_first_of(".eEpP") != std::string::npos) {
      return Val::own(n.floatValue);
    }
    if (n.isInt) return Val::own(n.intValue);
    errorf(n.text + " overflows int");
  }

  Val evalFieldNode(const Val& dot, const Node& field, std::size_t nargs,
                    const std::optional<Val>& final) {
    at(field);
    return evalFieldChain(dot, field, field.idents, 0, nargs, final);
  }

  Val evalChainNode(const Val& dot, const Node& chain, std::size_t nargs,
                    const std::optional<Val>& final) {
    if (chain.inner->type == NodeType::Nil)
      errorf("indirection through explicit nil in " + nodeString(chain));
    const Val pipe = evalEmptyInterface(dot, *chain.inner);
    at(chain);
    return evalFieldChain(pipe, chain, chain.idents, 0, nargs, final);
  }

  Val evalVariableNode(const Val& dot, const Node& var, std::size_t nargs,
                       const std::optional<Val>& final) {
    (void)dot;
    at(var);
    const Val value = varValue(var.idents[0]);
    if (var.idents.size() == 1) {
      if (nargs > 1 || final) errorf("can't give argument to non-function " + nodeString(var));
      return value;
    }
    return evalFieldChain(value, var, var.idents, 1, nargs, final);
  }

  Val evalFieldChain(Val receiver, const Node& node, const std::vector<std::string>& idents,
                     std::size_t from, std::size_t nargs, const std::optional<Val>& final) {
    (void)node;
    for (std::size_t i = from; i + 1 < idents.size(); ++i) {
      receiver = evalField(idents[i], 1, std::nullopt, receiver);
    }
    return evalField(idents.back(), nargs, final, receiver);
  }

  Val evalField(const std::string& name, std::size_t nargs, const std::optional<Val>& final,
                const Val& receiver) {
    if (!receiver.valid()) return Val::invalid();
    const Json& j = receiver.json();
    if (j.is_object()) {
      if (nargs > 1 || final) errorf(name + " is not a method but has arguments");
      if (!isHidden(name)) {
        if (auto it = j.find(name); it != j.end()) return receiver.child(*it);
      }
    } else if (j.is_null()) {
      errorf("nil pointer evaluating interface {}." + name);
    }
    errorf("can't evaluate field " + name + " in type " + typeName(j));
  }

 public:
  /// Calls the function named by `ident`; `cmd` is the command (or `ident`
  /// itself when the function is an argument), named in call errors.
  Val evalFunction(const Val& dot, const Node& ident, const Node& cmd,
                   const std::vector<NodePtr>& args, const std::optional<Val>& final) {
    at(ident);
    const auto& table = builtins();
    const auto it = table.find(ident.text);
    if (it == table.end()) errorf(fmt::format("{} is not a defined function", quote(ident.text)));
    // `args` holds the whole command (function name first), or nothing when
    // the function is used as an argument itself.
    const std::vector<NodePtr>* nodes = &args;
    std::vector<NodePtr> synthetic;
    if (args.empty()) {
      synthetic.push_back(std::make_unique<Node>(NodeType::Identifier, ident.pos));
      nodes = &synthetic;
    }
    const Call call{*this, dot, *nodes, final, ident.text};
    const Builtin& fn = it->second;
    const int got = static_cast<int>(call.count());
    if (fn.variadic && got < fn.args) {
      // Go reports the count without the piped value here.
      errorf(fmt::format("wrong number of args for {}: want at least {} got {}", ident.text,
                         fn.args, nodes->size() - 1));
    }
    if (!fn.variadic && got != fn.args) {
      errorf(fmt::format("wrong number of args for {}: want {} got {}", ident.text, fn.args, got));
    }
    try {
      Val result = fn.impl(call);
      return result;
    } catch (const CallError& e) {
      at(cmd);
      errorf(fmt::format("error calling {}: {}", ident.text, e.message));
    }
  }
};

Val Call::any(std::size_t i) const {
  if (i + 1 < nodes.size()) return exec.evalEmptyInterface(dot, *nodes[i + 1]);
  return *final;
}

Val Call::value(std::size_t i) const {
  // Go passes a nil literal to a reflect.Value parameter as the zero Value.
  if (i + 1 < nodes.size() && nodes[i + 1]->type == NodeType::Nil) return Val::invalid();
  return any(i);
}

std::string Call::str(std::size_t i) const {
  std::optional<Val> v;
  if (i + 1 < nodes.size()) {
    const Node& n = *nodes[i + 1];
    v = exec.evalComputed(dot, n);
    if (!v) {
      if (n.type == NodeType::String) return n.text;
      if (n.type == NodeType::Nil) exec.errorf("cannot assign nil to string");
      exec.errorf("expected string; found " + nodeString(n));
    }
  } else {
    v = *final;
  }
  if (!v->valid()) exec.errorf("invalid value; expected string");
  if (!v->json().is_string()) {
    exec.errorf("wrong type for value; expected string; got " + typeName(v->json()));
  }
  return v->json().get<std::string>();
}

std::int64_t Call::integer(std::size_t i) const {
  std::optional<Val> v;
  if (i + 1 < nodes.size()) {
    const Node& n = *nodes[i + 1];
    v = exec.evalComputed(dot, n);
    if (!v) {
      if (n.type == NodeType::Number && n.isInt) return n.intValue;
      if (n.type == NodeType::Nil) exec.errorf("cannot assign nil to int");
      exec.errorf("expected integer; found " + nodeString(n));
    }
  } else {
    v = *final;
  }
  if (!v->valid()) exec.errorf("invalid value; expected int");
  const Json& j = v->json();
  if (!j.is_number_integer()) exec.errorf("wrong type for value; expected int; got " + typeName(j));
  return j.get<std::int64_t>();
}

std::vector<std::string> Call::strings(std::size_t i) const {
  std::optional<Val> v;
  if (i + 1 < nodes.size()) {
    const Node& n = *nodes[i + 1];
    v = exec.evalComputed(dot, n);
    if (!v) {
      if (n.type == NodeType::Nil) return {};
      exec.errorf("can't handle " + nodeString(n) + " for arg of type []string");
    }
  } else {
    v = *final;
  }
  if (!v->valid()) return {};
  const Json& j = v->json();
  std::vector<std::string> out;
  if (j.is_array()) {
    for (const auto& e : j) {
      if (!e.is_string()) break;
      out.push_back(e.get<std::string>());
    }
    if (out.size() == j.size()) return out;
  }
  exec.errorf("wrong type for value; expected []string; got " + typeName(j));
}

// ------------------------------------------------------------ builtins --

enum class Kind { Invalid, Bool, Int, Float, String, Other };

Kind basicKind(const Val& v) {
  if (!v.valid()) return Kind::Invalid;
  switch (v.json().type()) {
    case Json::value_t::null:
      return Kind::Invalid;
    case Json::value_t::boolean:
      return Kind::Bool;
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
      return Kind::Int;
    case Json::value_t::number_float:
      return Kind::Float;
    case Json::value_t::string:
      return Kind::String;
    default:
      return Kind::Other;
  }
}

/// Compares two JSON integers of either signedness: <0, 0, >0.
int compareInts(const Json& a, const Json& b) {
  const bool aneg = !a.is_number_unsigned() && a.get<std::int64_t>() < 0;
  const bool bneg = !b.is_number_unsigned() && b.get<std::int64_t>() < 0;
  if (aneg != bneg) return aneg ? -1 : 1;
  if (aneg) {
    const auto x = a.get<std::int64_t>(), y = b.get<std::int64_t>();
    return x < y ? -1 : x > y ? 1 : 0;
  }
  const auto x = a.get<std::uint64_t>(), y = b.get<std::uint64_t>();
  return x < y ? -1 : x > y ? 1 : 0;
}

bool eqValues(const Val& a, const Val& b) {
  const Kind k1 = basicKind(a);
  const Kind k2 = basicKind(b);
  if (k1 != k2) {
    if (k1 != Kind::Invalid && k2 != Kind::Invalid)
      throw CallError{"incompatible types for comparison"};
    return false;
  }
  const Json& x = a.json();
  const Json& y = b.json();
  switch (k1) {
    case Kind::Invalid:
      return true;
    case Kind::Bool:
      return x.get<bool>() == y.get<bool>();
    case Kind::Int:
      return compareInts(x, y) == 0;
    case Kind::Float:
      return x.get<double>() == y.get<double>();
    case Kind::String:
      return x.get_ref<const std::string&>() == y.get_ref<const std::string&>();
    default: {
      Printer p;
      p.printArg(&y, 'v');
      throw CallError{"non-comparable type " + p.buf + ": " + typeName(y)};
    }
  }
}

bool ltValues(const Val& a, const Val& b) {
  const Kind k1 = basicKind(a);
  const Kind k2 = basicKind(b);
  if (k1 == Kind::Invalid || k1 == Kind::Other || k2 == Kind::Invalid || k2 == Kind::Other) {
    throw CallError{"invalid type for comparison"};
  }
  if (k1 != k2) throw CallError{"incompatible types for comparison"};
  const Json& x = a.json();
  const Json& y = b.json();
  switch (k1) {
    case Kind::Bool:
      throw CallError{"invalid type for comparison"};
    case Kind::Int:
      return compareInts(x, y) < 0;
    case Kind::Float:
      return x.get<double>() < y.get<double>();
    default:
      return x.get_ref<const std::string&>() < y.get_ref<const std::string&>();
  }
}

Val fnEq(const Call& c) {
  if (c.count() < 2) throw CallError{"missing argument for comparison"};
  const Val first = c.value(0);
  for (std::size_t i = 1; i < c.count(); ++i) {
    if (eqValues(first, c.value(i))) return Val::own(true);
  }
  return Val::own(false);
}
Val fnNe(const Call& c) {
  return Val::own(!eqValues(c.value(0), c.value(1)));
}
Val fnLt(const Call& c) {
  return Val::own(ltValues(c.value(0), c.value(1)));
}
Val fnLe(const Call& c) {
  const Val a = c.value(0), b = c.value(1);
  return Val::own(ltValues(a, b) || eqValues(a, b));
}
Val fnGt(const Call& c) {
  const Val a = c.value(0), b = c.value(1);
  return Val::own(!(ltValues(a, b) || eqValues(a, b)));
}
Val fnGe(const Call& c) {
  return Val::own(!ltValues(c.value(0), c.value(1)));
}

Val andOr(const Call& c, bool isOr) {
  Val v;
  for (std::size_t i = 0; i < c.count(); ++i) {
    v = c.value(i);
    if (truth(v) == isOr) return v;
  }
  return v;
}
Val fnAnd(const Call& c) {
  return andOr(c, false);
}
Val fnOr(const Call& c) {
  return andOr(c, true);
}
Val fnNot(const Call& c) {
  return Val::own(!truth(c.value(0)));
}

Val fnLen(const Call& c) {
  const Val v = c.value(0);
  const Json& j = v.json();
  if (!v.valid()) throw CallError{"reflect: call of reflect.Value.Type on zero Value"};
  if (j.is_null()) throw CallError{"len of nil pointer"};
  if (j.is_string())
    return Val::own(static_cast<std::int64_t>(j.get_ref<const std::string&>().size()));
  if (j.is_array() || j.is_object()) return Val::own(static_cast<std::int64_t>(visibleSize(j)));
  throw CallError{"len of type " + typeName(j)};
}

std::size_t indexArg(const Val& index, std::size_t cap) {
  if (!index.valid() || index.json().is_null())
    throw CallError{"cannot index slice/array with nil"};
  const Json& j = index.json();
  if (!j.is_number_integer()) throw CallError{"cannot index slice/array with type " + typeName(j)};
  if (!j.is_number_unsigned() && j.get<std::int64_t>() < 0) {
    throw CallError{fmt::format("index out of range: {}", j.get<std::int64_t>())};
  }
  const auto x = j.get<std::uint64_t>();
  if (x > cap) throw CallError{fmt::format("index out of range: {}", x)};
  return static_cast<std::size_t>(x);
}

Val fnIndex(const Call& c) {
  Val item = c.value(0);
  if (!item.valid() || item.json().is_null()) throw CallError{"index of untyped nil"};
  for (std::size_t i = 1; i < c.count(); ++i) {
    const Val index = c.value(i);
    const Json& j = item.json();
    if (!item.valid()) throw CallError{"index of untyped nil"};
    if (j.is_null()) throw CallError{"index of nil pointer"};
    if (j.is_array() || j.is_string()) {
      const std::size_t len = j.is_array() ? j.size() : j.get_ref<const std::string&>().size();
      const std::size_t x = indexArg(index, len);
      if (x == len) {
        throw CallError{j.is_array() ? "reflect: slice index out of range"
                                     : "reflect: string index out of range"};
      }
      item = j.is_array() ? item.child(j[x])
                          : Val::own(static_cast<std::uint64_t>(
                                static_cast<unsigned char>(j.get_ref<const std::string&>()[x])));
    } else if (j.is_object()) {
      if (!index.valid() || index.json().is_null())
        throw CallError{"value is nil; should be of type string"};
      if (!index.json().is_string()) {
        throw CallError{"value has type " + typeName(index.json()) + "; should be string"};
      }
      const auto& key = index.json().get_ref<const std::string&>();
      const auto it = isHidden(key) ? j.end() : j.find(key);
      item = it == j.end() ? Val::invalid() : item.child(*it);
    } else {
      throw CallError{"can't index item of type " + typeName(j)};
    }
  }
  return item;
}

Val fnSlice(const Call& c) {
  const Val item = c.value(0);
  if (!item.valid() || item.json().is_null()) throw CallError{"slice of untyped nil"};
  const std::size_t nidx = c.count() - 1;
  if (nidx > 3) throw CallError{fmt::format("too many slice indexes: {}", nidx)};
  const Json& j = item.json();
  std::size_t len = 0;
  if (j.is_string()) {
    if (nidx == 3) throw CallError{"cannot 3-index slice a string"};
    len = j.get_ref<const std::string&>().size();
  } else if (j.is_array()) {
    len = j.size();
  } else {
    throw CallError{"can't slice item of type " + typeName(j)};
  }
  std::size_t idx[3] = {0, len, len};
  for (std::size_t i = 0; i < nidx; ++i)
    idx[i] = indexArg(c.value(i + 1), len);
  if (idx[0] > idx[1]) throw CallError{fmt::format("invalid slice index: {} > {}", idx[0], idx[1])};
  if (nidx == 3 && idx[1] > idx[2]) {
    throw CallError{fmt::format("invalid slice index: {} > {}", idx[1], idx[2])};
  }
  if (j.is_string())
    return Val::own(j.get_ref<const std::string&>().substr(idx[0], idx[1] - idx[0]));
  Json out = Json::array();
  for (std::size_t i = idx[0]; i < idx[1]; ++i)
    out.push_back(j[i]);
  return Val::own(std::move(out));
}

Val fnPrint(const Call& c) {
  return Val::own(sprint(c.all()));
}
Val fnPrintln(const Call& c) {
  return Val::own(sprintln(c.all()));
}
Val fnPrintf(const Call& c) {
  const std::string format = c.str(0);
  std::vector<Val> args;
  for (std::size_t i = 1; i < c.count(); ++i)
    args.push_back(c.any(i));
  return Val::own(sprintf(format, args));
}

/// html, js and urlquery take their arguments like Go's evalArgs: one string
/// as is, anything else through fmt.Sprint.
std::string escaperInput(const Call& c) {
  const std::vector<Val> args = c.all();
  if (args.size() == 1 && isStringArg(args[0])) return args[0].json().get<std::string>();
  return sprint(args);
}

Val fnHtml(const Call& c) {
  std::string out;
  for (char ch : escaperInput(c)) {
    switch (ch) {
      case '"':
        out += "&#34;";
        break;
      case '\'':
        out += "&#39;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '\0':
        out += "\xEF\xBF\xBD";
        break;
      default:
        out += ch;
    }
  }
  return Val::own(out);
}

Val fnJs(const Call& c) {
  const std::string in = escaperInput(c);
  std::string out;
  for (std::size_t i = 0; i < in.size();) {
    const Rune r = decodeRune(in, i);
    switch (r.value) {
      case '\\':
        out += "\\\\";
        break;
      case '\'':
        out += "\\'";
        break;
      case '"':
        out += "\\\"";
        break;
      case '<':
        out += "\\u003C";
        break;
      case '>':
        out += "\\u003E";
        break;
      case '&':
        out += "\\u0026";
        break;
      case '=':
        out += "\\u003D";
        break;
      default:
        if (r.value < ' ' || (r.value >= 0x80 && !isGoPrint(r.value))) {
          out += fmt::format("\\u{:04X}", static_cast<unsigned>(r.value));
        } else {
          out.append(in, i, r.size);
        }
    }
    i += r.size;
  }
  return Val::own(out);
}

Val fnUrlquery(const Call& c) {
  std::string out;
  for (char ch : escaperInput(c)) {
    const auto u = static_cast<unsigned char>(ch);
    if (std::isalnum(u) != 0 || ch == '-' || ch == '_' || ch == '.' || ch == '~') {
      out += ch;
    } else if (ch == ' ') {
      out += '+';
    } else {
      out += fmt::format("%{:02X}", static_cast<unsigned>(u));
    }
  }
  return Val::own(out);
}

// Podman's report functions (containers/common pkg/report DefaultFuncs).

Val fnJoin(const Call& c) {
  const auto elems = c.strings(0);
  const std::string sep = c.str(1);
  std::string out;
  for (std::size_t i = 0; i < elems.size(); ++i)
    out += (i ? sep : "") + elems[i];
  return Val::own(out);
}

Val fnJson(const Call& c) {
  const Val v = c.any(0);
  // Podman: json.Encoder with SetEscapeHTML(false), trailing newline trimmed.
  return Val::own(marshalJson(v.json(), false));
}

Val fnLower(const Call& c) {
  std::string s = c.str(0);
  for (char& ch : s) {
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
  }
  return Val::own(s);
}

Val fnUpper(const Call& c) {
  std::string s = c.str(0);
  for (char& ch : s) {
    if (ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 'a' + 'A');
  }
  return Val::own(s);
}

Val fnTitle(const Call& c) {
  // strings.Title: upper-case the first letter of each word; ASCII letters,
  // digits and '_' continue a word, other ASCII separates words.
  std::string s = c.str(0);
  bool separator = true;
  for (std::size_t i = 0; i < s.size();) {
    const Rune r = decodeRune(s, i);
    if (separator && r.value >= 'a' && r.value <= 'z') s[i] = static_cast<char>(s[i] - 'a' + 'A');
    if (r.value < 0x80) {
      separator = !(isAlphaNumeric(r.value));
    } else {
      separator = r.value == 0x85 || r.value == 0xA0 || r.value == 0x3000 || r.value == 0x2028 ||
                  r.value == 0x2029 || (r.value >= 0x2000 && r.value <= 0x200A);
    }
    i += r.size;
  }
  return Val::own(s);
}

Val fnPad(const Call& c) {
  const std::string s = c.str(0);
  const auto prefix = c.integer(1);
  const auto suffix = c.integer(2);
  if (s.empty()) return Val::own(s);
  if (prefix < 0 || suffix < 0) throw CallError{"strings: negative Repeat count"};
  return Val::own(std::string(static_cast<std::size_t>(prefix), ' ') + s +
                  std::string(static_cast<std::size_t>(suffix), ' '));
}

Val fnSplit(const Call& c) {
  const std::string s = c.str(0);
  const std::string sep = c.str(1);
  Json out = Json::array();
  if (sep.empty()) {
    for (std::size_t i = 0; i < s.size();) {
      const Rune r = decodeRune(s, i);
      out.push_back(s.substr(i, r.size));
      i += r.size;
    }
    return Val::own(std::move(out));
  }
  std::size_t start = 0;
  for (std::size_t at; (at = s.find(sep, start)) != std::string::npos; start = at + sep.size()) {
    out.push_back(s.substr(start, at - start));
  }
  out.push_back(s.substr(start));
  return Val::own(std::move(out));
}

Val fnTruncate(const Call& c) {
  const std::string s = c.str(0);
  const auto length = c.integer(1);
  if (length > static_cast<std::int64_t>(s.size())) return Val::own(s);
  if (length < 0)
    throw CallError{fmt::format("runtime error: slice bounds out of range [:{}]", length)};
  return Val::own(s.substr(0, static_cast<std::size_t>(length)));
}

Val fnContains(const Call& c) {
  const std::string s = c.str(0);
  const std::string substr = c.str(1);
  return Val::own(s.find(substr) != std::string::npos);
}

Val fnReplace(const Call& c) {
  const std::string s = c.str(0);
  const std::string from = c.str(1);
  const std::string to = c.str(2);
  auto n = c.integer(3);
  if (n < 0) n = std::numeric_limits<std::int64_t>::max();
  std::string out;
  std::size_t start = 0;
  for (std::int64_t done = 0; done < n; ++done) {
    if (from.empty()) {
      // Go inserts `to` before every rune and at the end.
      if (start > s.size()) break;
      out += to;
      if (start == s.size()) {
        start = s.size() + 1;
        break;
      }
      const std::size_t w = decodeRune(s, start).size;
      out.append(s, start, w);
      start += w;
      continue;
    }
    const auto at = s.find(from, start);
    if (at == std::string::npos) break;
    out.append(s, start, at - start).append(to);
    start = at + from.size();
  }
  if (start <= s.size()) out.append(s, start);
  return Val::own(out);
}

const std::unordered_map<std::string_view, Builtin>& builtins() {
  static const std::unordered_map<std::string_view, Builtin> kTable{
      {"and", {1, true, fnAnd}},
      {"or", {1, true, fnOr}},
      {"not", {1, false, fnNot}},
      {"len", {1, false, fnLen}},
      {"index", {1, true, fnIndex}},
      {"slice", {1, true, fnSlice}},
      {"print", {0, true, fnPrint}},
      {"printf", {1, true, fnPrintf}},
      {"println", {0, true, fnPrintln}},
      {"eq", {1, true, fnEq}},
      {"ne", {2, false, fnNe}},
      {"lt", {2, false, fnLt}},
      {"le", {2, false, fnLe}},
      {"gt", {2, false, fnGt}},
      {"ge", {2, false, fnGe}},
      {"html", {0, true, fnHtml}},
      {"js", {0, true, fnJs}},
      {"urlquery", {0, true, fnUrlquery}},
      {"join", {2, false, fnJoin}},
      {"json", {1, false, fnJson}},
      {"lower", {1, false, fnLower}},
      {"pad", {3, false, fnPad}},
      {"split", {2, false, fnSplit}},
      {"title", {1, false, fnTitle}},
      {"truncate", {2, false, fnTruncate}},
      {"upper", {1, false, fnUpper}},
      {"contains", {2, false, fnContains}},
      {"replace", {4, false, fnReplace}},
  };
  return kTable;
}

}  // namespace
}  // namespace tmpl

// ============================================================ interface ==

Template Template::parse(std::string_view text, std::string_view name) {
  auto tree = std::make_shared<Tree>();
  tree->name = name;
  tree->text = text;
  tree->root = tmpl::Parser(tree->text, tree->name).parse();
  return Template(std::move(tree));
}

std::string Template::render(const Json& data) const {
  return tmpl::Exec(*tree_, data).run(data);
}

const std::string& Template::name() const {
  return tree_->name;
}

std::string printValue(const Json& value) {
  tmpl::Printer p;
  p.printArg(&value, 'v');
  return p.buf;
}

std::string goQuote(std::string_view text, bool asciiOnly) {
  return tmpl::quote(text, asciiOnly);
}

}  // namespace berth::format
