// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace berth {

/// berth's JSON value. Ordered, so records and reports keep their field
/// order (Podman's JSON follows Go struct order) and unknown fields read
/// from disk are written back where they were.
using Json = nlohmann::ordered_json;

/// Parses a JSON document; throws Error(InvalidArgument) naming `what` (a
/// path or a description) and the parser's position on malformed input.
Json parseJson(std::string_view text, std::string_view what);

/// Reads and parses a JSON file. Throws Error naming the path.
Json readJsonFile(const std::string& path);

/// Like readJsonFile, but std::nullopt when the file does not exist.
std::optional<Json> readJsonFileIfExists(const std::string& path);

/// Serialises compactly and writes atomically (see writeFileAtomic).
void writeJsonFileAtomic(const std::string& path, const Json& value, bool durable = true,
                         mode_t mode = 0644);

}  // namespace berth
