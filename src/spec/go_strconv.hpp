// SPDX-License-Identifier: Apache-2.0
// Go's strconv number parsing and its error texts, so that berth's messages
// read like Podman's ("strconv.ParseInt: parsing \"x\": invalid syntax").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace berth::spec::detail {

/// The parsed value, or std::nullopt with `error` set to Go's message.
std::optional<std::int64_t> goParseInt(std::string_view text, std::string& error);
std::optional<std::uint64_t> goParseUint(std::string_view text, std::string& error);
std::optional<double> goParseFloat(std::string_view text, std::string& error);
/// Go's strconv.ParseBool: 1 t T TRUE true True 0 f F FALSE false False.
std::optional<bool> goParseBool(std::string_view text);

/// Go's strings.Split: the pieces of `text` between each `sep` (one empty
/// piece for empty text). Views into `text`.
std::vector<std::string_view> split(std::string_view text, char sep);

}  // namespace berth::spec::detail
