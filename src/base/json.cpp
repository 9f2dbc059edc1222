// SPDX-License-Identifier: Apache-2.0
#include "berth/base/json.hpp"

#include "berth/base/error.hpp"
#include "berth/base/fs.hpp"

namespace berth {

Json parseJson(std::string_view text, std::string_view what) {
  try {
    return Json::parse(text);
  } catch (const Json::parse_error& e) {
    // nlohmann's text starts with "[json.exception.parse_error.101] "; keep
    // the useful part after it.
    std::string_view reason = e.what();
    if (const auto pos = reason.find("] "); pos != std::string_view::npos)
      reason.remove_prefix(pos + 2);
    throwError(Errc::InvalidArgument, "{}: invalid JSON: {}", what, reason);
  }
}

Json readJsonFile(const std::string& path) {
  return parseJson(readFile(path), path);
}

std::optional<Json> readJsonFileIfExists(const std::string& path) {
  auto text = readFileIfExists(path);
  if (!text) return std::nullopt;
  return parseJson(*text, path);
}

void writeJsonFileAtomic(const std::string& path, const Json& value, bool durable, mode_t mode) {
  std::string text = value.dump();
  text.push_back('\n');
  writeFileAtomic(path, text, mode, durable);
}

}  // namespace berth
