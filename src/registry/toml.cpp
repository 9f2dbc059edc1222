// SPDX-License-Identifier: Apache-2.0
// The TOML subset of registries.conf, parsed into JSON (registries_conf.hpp).
#include <cctype>

#include "berth/base/error.hpp"
#include "berth/registry/registries_conf.hpp"

namespace berth::registry {

namespace {

class TomlParser {
 public:
  TomlParser(std::string_view text, std::string_view what) : text_(text), what_(what) {}

  Json parse() {
    Json root = Json::object();
    Json* current = &root;
    while (true) {
      skipBlank();
      if (atEnd()) break;
      if (peek() == '[') {
        const bool arrayTable = text_.substr(pos_, 2) == "[[";
        pos_ += arrayTable ? 2 : 1;
        const auto path = parseKeyPath();
        expect(arrayTable ? "]]" : "]");
        current = &root;
        for (std::size_t i = 0; i < path.size(); ++i) {
          Json& next = (*current)[path[i]];
          const bool last = i + 1 == path.size();
          if (last && arrayTable) {
            if (next.is_null()) next = Json::array();
            if (!next.is_array()) fail("\"" + path[i] + "\" is not an array of tables");
            next.push_back(Json::object());
            current = &next.back();
          } else {
            if (next.is_null()) next = Json::object();
            current = next.is_array() && !next.empty() ? &next.back() : &next;
            if (!current->is_object()) fail("\"" + path[i] + "\" is not a table");
          }
        }
      } else {
        parseKeyValue(*current);
      }
      endOfLine();
    }
    return root;
  }

 private:
  bool atEnd() const { return pos_ >= text_.size(); }
  char peek() const { return atEnd() ? '\0' : text_[pos_]; }

  [[noreturn]] void fail(const std::string& message) const {
    std::size_t line = 1;
    for (std::size_t i = 0; i < pos_ && i < text_.size(); ++i)
      if (text_[i] == '\n') ++line;
    throwError(Errc::InvalidArgument, "{}: line {}: {}", what_, line, message);
  }

  void skipSpace() {
    while (!atEnd() && (peek() == ' ' || peek() == '\t'))
      ++pos_;
  }
  void skipComment() {
    if (peek() == '#')
      while (!atEnd() && peek() != '\n')
        ++pos_;
  }
  /// Spaces, comments and newlines.
  void skipBlank() {
    while (!atEnd()) {
      skipSpace();
      skipComment();
      if (peek() == '\n' || peek() == '\r') {
        ++pos_;
      } else {
        break;
      }
    }
  }
  void endOfLine() {
    skipSpace();
    skipComment();
    if (peek() == '\r') ++pos_;
    if (!atEnd() && peek() != '\n') fail(std::string("unexpected '") + peek() + "'");
  }
  void expect(std::string_view token) {
    skipSpace();
    if (text_.substr(pos_, token.size()) != token) fail("expected '" + std::string(token) + "'");
    pos_ += token.size();
  }

  std::string parseKey() {
    skipSpace();
    if (peek() == '"' || peek() == '\'') return parseString();
    const std::size_t start = pos_;
    while (!atEnd() && (std::isalnum(static_cast<unsigned char>(peek())) != 0 || peek() == '-' ||
                        peek() == '_'))
      ++pos_;
    if (start == pos_) fail("expected a key");
    return std::string(text_.substr(start, pos_ - start));
  }
  std::vector<std::string> parseKeyPath() {
    std::vector<std::string> path = {parseKey()};
    skipSpace();
    while (peek() == '.') {
      ++pos_;
      path.push_back(parseKey());
      skipSpace();
    }
    return path;
  }

  void parseKeyValue(Json& table) {
    const auto path = parseKeyPath();
    expect("=");
    skipSpace();
    Json* target = &table;
    for (std::size_t i = 0; i + 1 < path.size(); ++i) {
      Json& next = (*target)[path[i]];
      if (next.is_null()) next = Json::object();
      if (!next.is_object()) fail("\"" + path[i] + "\" is not a table");
      target = &next;
    }
    if (target->contains(path.back())) fail("duplicate key \"" + path.back() + "\"");
    (*target)[path.back()] = parseValue();
  }

  std::string parseString() {
    const char quote = peek();
    const bool multi = text_.substr(pos_, 3) == std::string(3, quote);
    pos_ += multi ? 3 : 1;
    if (multi && peek() == '\n') ++pos_;  // a newline right after the opening is trimmed
    std::string out;
    while (true) {
      if (atEnd()) fail("unterminated string");
      const char c = text_[pos_];
      if (multi ? text_.substr(pos_, 3) == std::string(3, quote) : c == quote) {
        pos_ += multi ? 3 : 1;
        return out;
      }
      if (c == '\n' && !multi) fail("newline in a string");
      if (c == '\\' && quote == '"') {
        ++pos_;
        const char e = peek();
        ++pos_;
        switch (e) {
          case 'n':
            out += '\n';
            break;
          case 't':
            out += '\t';
            break;
          case 'r':
            out += '\r';
            break;
          case 'b':
            out += '\b';
            break;
          case 'f':
            out += '\f';
            break;
          case '"':
            out += '"';
            break;
          case '\\':
            out += '\\';
            break;
          case 'u':
          case 'U': {
            const std::size_t n = e == 'u' ? 4 : 8;
            const std::string hex(text_.substr(pos_, n));
            pos_ += n;
            unsigned long cp = std::stoul(hex, nullptr, 16);
            if (cp < 0x80) {
              out += static_cast<char>(cp);
            } else if (cp < 0x800) {
              out += static_cast<char>(0xc0 | (cp >> 6));
              out += static_cast<char>(0x80 | (cp & 0x3f));
            } else if (cp < 0x10000) {
              out += static_cast<char>(0xe0 | (cp >> 12));
              out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
              out += static_cast<char>(0x80 | (cp & 0x3f));
            } else {
              out += static_cast<char>(0xf0 | (cp >> 18));
              out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
              out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
              out += static_cast<char>(0x80 | (cp & 0x3f));
            }
            break;
          }
          case '\n':  // line-ending backslash in a multi-line string
            if (!multi) fail("bad escape");
            while (!atEnd() && std::isspace(static_cast<unsigned char>(peek())) != 0)
              ++pos_;
            break;
          default:
            fail(std::string("bad escape \\") + e);
        }
        continue;
      }
      out += c;
      ++pos_;
    }
  }

  Json parseValue() {
    skipSpace();
    const char c = peek();
    if (c == '"' || c == '\'') return parseString();
    if (c == '[') {
      ++pos_;
      Json array = Json::array();
      while (true) {
        skipBlank();
        if (peek() == ']') {
          ++pos_;
          return array;
        }
        array.push_back(parseValue());
        skipBlank();
        if (peek() == ',') {
          ++pos_;
        } else if (peek() != ']') {
          fail("expected ',' or ']' in an array");
        }
      }
    }
    if (c == '{') {
      ++pos_;
      Json table = Json::object();
      skipSpace();
      if (peek() == '}') {
        ++pos_;
        return table;
      }
      while (true) {
        parseKeyValue(table);
        skipSpace();
        if (peek() == ',') {
          ++pos_;
          continue;
        }
        expect("}");
        return table;
      }
    }
    if (text_.substr(pos_, 4) == "true") {
      pos_ += 4;
      return true;
    }
    if (text_.substr(pos_, 5) == "false") {
      pos_ += 5;
      return false;
    }
    const std::size_t start = pos_;
    while (!atEnd() && (std::isalnum(static_cast<unsigned char>(peek())) != 0 ||
                        std::string_view("+-._:").find(peek()) != std::string_view::npos))
      ++pos_;
    std::string number(text_.substr(start, pos_ - start));
    std::erase(number, '_');
    if (number.empty()) fail("expected a value");
    try {
      std::size_t used = 0;
      if (number.find_first_of(".eE") == std::string::npos) {
        const long long v = std::stoll(number, &used, 0);
        if (used == number.size()) return v;
      } else {
        const double v = std::stod(number, &used);
        if (used == number.size()) return v;
      }
    } catch (const std::exception&) {
    }
    fail("unsupported value \"" + number + "\"");
  }

  std::string_view text_;
  std::string_view what_;
  std::size_t pos_ = 0;
};

}  // namespace

Json parseToml(std::string_view text, std::string_view what) {
  return TomlParser(text, what).parse();
}

}  // namespace berth::registry
