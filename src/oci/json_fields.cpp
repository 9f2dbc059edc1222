// SPDX-License-Identifier: Apache-2.0
#include "berth/oci/json_fields.hpp"

#include <fmt/format.h>

#include "berth/base/error.hpp"

namespace berth::oci {

namespace {

std::string_view typeName(const Json& value) noexcept {
  if (value.is_object()) return "an object";
  if (value.is_array()) return "an array";
  if (value.is_string()) return "a string";
  if (value.is_boolean()) return "a boolean";
  if (value.is_number()) return "a number";
  return "null";
}

bool digitsAt(std::string_view text, std::size_t pos, std::size_t count, int& out) noexcept {
  if (pos + count > text.size()) return false;
  out = 0;
  for (std::size_t i = pos; i < pos + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    out = out * 10 + (text[i] - '0');
  }
  return true;
}

}  // namespace

JsonReader::JsonReader(const Json& json, std::string_view what, std::string path)
    : json_(&json), what_(what), path_(std::move(path)) {
  if (!json.is_object()) fail("", fmt::format("expected an object, not {}", typeName(json)));
}

std::string JsonReader::fieldPath(std::string_view key) const {
  if (key.empty()) return path_;
  // "index.manifests[1]" but "repositories[\"busybox\"]".
  return fmt::format("{}{}{}", path_, key.front() == '[' ? "" : ".", key);
}

void JsonReader::fail(std::string_view key, std::string_view problem) const {
  throwError(Errc::InvalidArgument, "{}: {}: {}", what_, fieldPath(key), problem);
}

const Json* JsonReader::find(std::string_view key) const {
  const auto it = json_->find(std::string(key));
  if (it == json_->end() || it->is_null()) return nullptr;
  return &*it;
}

const Json* JsonReader::require(std::string_view key, bool required) const {
  const Json* value = find(key);
  if (!value && required) fail(key, "missing required field");
  return value;
}

bool JsonReader::has(std::string_view key) const {
  return find(key) != nullptr;
}

std::string JsonReader::string(std::string_view key, bool required) const {
  const Json* value = require(key, required);
  if (!value) return {};
  if (!value->is_string()) fail(key, fmt::format("expected a string, not {}", typeName(*value)));
  return value->get<std::string>();
}

std::int64_t JsonReader::integer(std::string_view key, bool required) const {
  const Json* value = require(key, required);
  if (!value) return 0;
  if (value->is_number_unsigned()) {
    const auto number = value->get<std::uint64_t>();
    if (number > static_cast<std::uint64_t>(INT64_MAX))
      fail(key, fmt::format("{} is out of range for a 64-bit integer", number));
    return static_cast<std::int64_t>(number);
  }
  if (value->is_number_integer()) return value->get<std::int64_t>();
  fail(key, fmt::format("expected an integer, not {}",
                        value->is_number() ? value->dump() : typeName(*value)));
}

bool JsonReader::boolean(std::string_view key) const {
  const Json* value = find(key);
  if (!value) return false;
  if (!value->is_boolean()) fail(key, fmt::format("expected a boolean, not {}", typeName(*value)));
  return value->get<bool>();
}

std::vector<std::string> JsonReader::strings(std::string_view key) const {
  const Json* value = find(key);
  if (!value) return {};
  if (!value->is_array())
    fail(key, fmt::format("expected an array of strings, not {}", typeName(*value)));
  std::vector<std::string> result;
  result.reserve(value->size());
  for (std::size_t i = 0; i < value->size(); ++i) {
    const Json& element = (*value)[i];
    if (!element.is_string())
      fail(fmt::format("{}[{}]", key, i),
           fmt::format("expected a string, not {}", typeName(element)));
    result.push_back(element.get<std::string>());
  }
  return result;
}

std::map<std::string, std::string> JsonReader::stringMap(std::string_view key) const {
  const Json* value = find(key);
  if (!value) return {};
  if (!value->is_object())
    fail(key, fmt::format("expected an object of strings, not {}", typeName(*value)));
  std::map<std::string, std::string> result;
  for (const auto& [name, element] : value->items()) {
    if (!element.is_string())
      fail(fmt::format("{}[\"{}\"]", key, name),
           fmt::format("expected a string, not {}", typeName(element)));
    result.emplace(name, element.get<std::string>());
  }
  return result;
}

std::vector<std::string> JsonReader::keySet(std::string_view key) const {
  const Json* value = find(key);
  if (!value) return {};
  if (!value->is_object()) fail(key, fmt::format("expected an object, not {}", typeName(*value)));
  std::vector<std::string> result;
  for (const auto& [name, element] : value->items()) {
    // Go decodes into struct{}: an object (its fields ignored) or null.
    if (!element.is_object() && !element.is_null())
      fail(fmt::format("{}[\"{}\"]", key, name),
           fmt::format("expected an empty object, not {}", typeName(element)));
    result.push_back(name);
  }
  return result;
}

Digest JsonReader::digest(std::string_view key, bool required) const {
  const std::string text = string(key, required);
  if (text.empty() && !required) return {};
  if (auto message = Digest::validationError(text); !message.empty()) fail(key, message);
  return Digest::parse(text);
}

std::string JsonReader::timestamp(std::string_view key) const {
  std::string text = string(key);
  if (!text.empty() && !isRfc3339(text))
    fail(key,
         fmt::format("invalid time \"{}\": expected RFC 3339 like 2006-01-02T15:04:05Z", text));
  return text;
}

JsonReader JsonReader::object(std::string_view key) const {
  const Json* value = require(key, true);
  if (!value->is_object()) fail(key, fmt::format("expected an object, not {}", typeName(*value)));
  return JsonReader(*value, what_, fieldPath(key));
}

std::optional<JsonReader> JsonReader::optionalObject(std::string_view key) const {
  if (!has(key)) return std::nullopt;
  return object(key);
}

std::vector<JsonReader> JsonReader::objects(std::string_view key, bool required) const {
  const Json* value = require(key, required);
  if (!value) return {};
  if (!value->is_array())
    fail(key, fmt::format("expected an array of objects, not {}", typeName(*value)));
  std::vector<JsonReader> result;
  result.reserve(value->size());
  for (std::size_t i = 0; i < value->size(); ++i)
    result.emplace_back((*value)[i], what_, fmt::format("{}.{}[{}]", path_, key, i));
  return result;
}

void JsonReader::forbid(std::string_view key, std::string_view hint) const {
  if (json_->contains(std::string(key))) fail(key, fmt::format("unexpected field ({})", hint));
}

bool isEmptyJsonValue(const Json& value) noexcept {
  switch (value.type()) {
    case Json::value_t::null:
      return true;
    case Json::value_t::string:
      return value.get_ref<const std::string&>().empty();
    case Json::value_t::boolean:
      return !value.get<bool>();
    case Json::value_t::number_integer:
      return value.get<std::int64_t>() == 0;
    case Json::value_t::number_unsigned:
      return value.get<std::uint64_t>() == 0;
    case Json::value_t::number_float:
      return value.get<double>() == 0.0;
    case Json::value_t::array:
    case Json::value_t::object:
      return value.empty();
    default:
      return false;
  }
}

void putOptional(Json& out, std::string_view key, Json value) {
  const std::string name(key);
  if (!isEmptyJsonValue(value)) {
    out[name] = std::move(value);
    return;
  }
  const auto it = out.find(name);
  if (it != out.end() && !isEmptyJsonValue(*it)) out.erase(it);
}

bool isRfc3339(std::string_view text) noexcept {
  // YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM), as Go's strict RFC 3339 parser.
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!digitsAt(text, 0, 4, year) || text.size() < 19 || text[4] != '-' ||
      !digitsAt(text, 5, 2, month) || text[7] != '-' || !digitsAt(text, 8, 2, day) ||
      text[10] != 'T' || !digitsAt(text, 11, 2, hour) || text[13] != ':' ||
      !digitsAt(text, 14, 2, minute) || text[16] != ':' || !digitsAt(text, 17, 2, second))
    return false;
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12 || day < 1 || day > kDays[month - 1] || hour > 23 || minute > 59 ||
      second > 59)
    return false;
  if (month == 2 && day == 29 && !(year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)))
    return false;
  std::size_t pos = 19;
  if (pos < text.size() && text[pos] == '.') {
    const std::size_t start = ++pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9')
      ++pos;
    if (pos == start) return false;
  }
  if (pos == text.size()) return false;
  if (text[pos] == 'Z') return pos + 1 == text.size();
  int offsetHour = 0, offsetMinute = 0;
  return (text[pos] == '+' || text[pos] == '-') && text.size() == pos + 6 &&
         digitsAt(text, pos + 1, 2, offsetHour) && text[pos + 3] == ':' &&
         digitsAt(text, pos + 4, 2, offsetMinute) && offsetHour < 24 && offsetMinute < 60;
}

}  // namespace berth::oci
