// SPDX-License-Identifier: Apache-2.0
#include "berth/kube/yaml_parse.hpp"

#include <yaml.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>

#include "berth/base/error.hpp"

namespace berth::kube {
namespace {

bool isOneOf(std::string_view value, std::initializer_list<std::string_view> words) {
  for (auto word : words)
    if (value == word) return true;
  return false;
}

bool allDigits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text)
    if (c < '0' || c > '9') return false;
  return true;
}

/// yaml.v2's resolve() for a plain scalar, the cases Kubernetes YAML meets.
Json resolvePlain(const std::string& value) {
  if (isOneOf(value, {"", "~", "null", "Null", "NULL"})) return nullptr;
  if (isOneOf(value, {"true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON", "y", "Y"}))
    return true;
  if (isOneOf(value, {"false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF", "n", "N"}))
    return false;
  std::string_view digits = value;
  const bool negative = !digits.empty() && digits.front() == '-';
  if (!digits.empty() && (digits.front() == '-' || digits.front() == '+')) digits.remove_prefix(1);
  if (allDigits(digits)) {
    if (negative) {
      std::int64_t number = 0;
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), number);
      if (ec == std::errc() && end == value.data() + value.size()) return number;
    } else {
      std::uint64_t number = 0;
      auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), number);
      if (ec == std::errc() && end == digits.data() + digits.size()) return number;
    }
  }
  if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) {
    std::uint64_t number = 0;
    auto [end, ec] = std::from_chars(digits.data() + 2, digits.data() + digits.size(), number, 16);
    if (ec == std::errc() && end == digits.data() + digits.size())
      return negative ? Json(-static_cast<std::int64_t>(number)) : Json(number);
  }
  // Floats: digits with a '.' or an exponent (1.5, .5, 1e3, -2.5E-3).
  bool sawDigit = false, sawDot = false, sawExp = false, ok = !digits.empty();
  for (std::size_t i = 0; ok && i < digits.size(); ++i) {
    const char c = digits[i];
    if (c >= '0' && c <= '9') {
      sawDigit = true;
    } else if (c == '.' && !sawDot && !sawExp) {
      sawDot = true;
    } else if ((c == 'e' || c == 'E') && sawDigit && !sawExp && i + 1 < digits.size()) {
      sawExp = true;
      if (digits[i + 1] == '-' || digits[i + 1] == '+') ++i;
    } else {
      ok = false;
    }
  }
  if (ok && sawDigit && (sawDot || sawExp)) return std::strtod(value.c_str(), nullptr);
  if (isOneOf(value, {".inf", ".Inf", ".INF", "+.inf"})) return value;  // JSON has no infinity
  return value;
}

struct Parser {
  yaml_parser_t parser{};
  std::string what;
  int document = 0;
  std::map<std::string, Json> anchors;

  explicit Parser(std::string_view text, std::string_view whatText) : what(whatText) {
    if (!yaml_parser_initialize(&parser))
      throwError(Errc::Internal, "{}: cannot initialise the YAML parser", what);
    yaml_parser_set_input_string(&parser, reinterpret_cast<const unsigned char*>(text.data()),
                                 text.size());
  }
  ~Parser() { yaml_parser_delete(&parser); }
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;

  [[noreturn]] void fail(std::string_view problem, const yaml_mark_t& mark) {
    throwError(Errc::InvalidArgument, "{}: document {}: line {}, column {}: {}", what,
               document == 0 ? 1 : document, mark.line + 1, mark.column + 1, problem);
  }

  struct Event {
    yaml_event_t event{};
    Event() = default;
    ~Event() { yaml_event_delete(&event); }
    Event(const Event&) = delete;
    Event& operator=(const Event&) = delete;
  };

  void next(Event& e) {
    if (!yaml_parser_parse(&parser, &e.event)) {
      const std::string problem = parser.problem ? parser.problem : "invalid YAML";
      std::string context;
      if (parser.context) context = std::string(parser.context) + ": ";
      fail(context + problem, parser.problem_mark);
    }
  }

  void remember(const yaml_char_t* anchor, const Json& value) {
    if (anchor) anchors[reinterpret_cast<const char*>(anchor)] = value;
  }

  /// The node that starts with `e` (already read).
  Json node(Event& e) {
    switch (e.event.type) {
      case YAML_ALIAS_EVENT: {
        const std::string name = reinterpret_cast<const char*>(e.event.data.alias.anchor);
        auto found = anchors.find(name);
        if (found == anchors.end()) fail("unknown anchor '" + name + "'", e.event.start_mark);
        return found->second;
      }
      case YAML_SCALAR_EVENT: {
        const auto& s = e.event.data.scalar;
        std::string value(reinterpret_cast<const char*>(s.value), s.length);
        Json result;
        const std::string tag = s.tag ? reinterpret_cast<const char*>(s.tag) : "";
        if (tag == YAML_STR_TAG || (s.style != YAML_PLAIN_SCALAR_STYLE && tag.empty()))
          result = value;
        else
          result = resolvePlain(value);
        remember(s.anchor, result);
        return result;
      }
      case YAML_SEQUENCE_START_EVENT: {
        const yaml_char_t* anchor = e.event.data.sequence_start.anchor;
        std::string anchorName = anchor ? reinterpret_cast<const char*>(anchor) : "";
        Json result = Json::array();
        for (;;) {
          Event item;
          next(item);
          if (item.event.type == YAML_SEQUENCE_END_EVENT) break;
          result.push_back(node(item));
        }
        if (!anchorName.empty()) anchors[anchorName] = result;
        return result;
      }
      case YAML_MAPPING_START_EVENT: {
        const yaml_char_t* anchor = e.event.data.mapping_start.anchor;
        std::string anchorName = anchor ? reinterpret_cast<const char*>(anchor) : "";
        Json result = Json::object();
        for (;;) {
          Event key;
          next(key);
          if (key.event.type == YAML_MAPPING_END_EVENT) break;
          const yaml_mark_t keyMark = key.event.start_mark;
          Json keyValue = node(key);
          Event value;
          next(value);
          Json valueJson = node(value);
          if (keyValue.is_string() && keyValue.get<std::string>() == "<<" &&
              valueJson.is_object()) {
            for (auto& [k, v] : valueJson.items())
              if (!result.contains(k)) result[k] = v;
            continue;
          }
          std::string keyText;
          if (keyValue.is_string())
            keyText = keyValue.get<std::string>();
          else if (keyValue.is_number() || keyValue.is_boolean())
            keyText = keyValue.dump();
          else if (keyValue.is_null())
            keyText = "null";
          else
            fail("a mapping key must be a scalar", keyMark);
          result[keyText] = std::move(valueJson);
        }
        if (!anchorName.empty()) anchors[anchorName] = result;
        return result;
      }
      default:
        fail("unexpected YAML event", e.event.start_mark);
    }
  }

  std::vector<Json> documents() {
    std::vector<Json> result;
    for (;;) {
      Event e;
      next(e);
      switch (e.event.type) {
        case YAML_STREAM_END_EVENT:
          return result;
        case YAML_DOCUMENT_START_EVENT: {
          ++document;
          anchors.clear();
          Event root;
          next(root);
          if (root.event.type == YAML_DOCUMENT_END_EVENT) break;
          Json value = node(root);
          Event end;
          next(end);
          if (!value.is_null()) result.push_back(std::move(value));
          break;
        }
        default:
          break;
      }
    }
  }
};

}  // namespace

std::vector<Json> parseYamlDocuments(std::string_view text, std::string_view what) {
  Parser parser(text, what);
  return parser.documents();
}

}  // namespace berth::kube
