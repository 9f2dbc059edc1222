// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "berth/base/json.hpp"
#include "berth/oci/digest.hpp"

namespace berth::oci {

/// Typed, validating access to one JSON object of a document, for the
/// fromJson parsers. Every error is Error(InvalidArgument) naming the
/// document and the field's path:
/// "<what>: manifest.layers[2].digest: invalid digest ...". A null value
/// counts as absent, as Go's encoding/json treats it. Keeps a reference to
/// the JSON: it must outlive the reader.
class JsonReader {
 public:
  /// Throws when `json` is not an object ("<what>: <path>: expected an object").
  JsonReader(const Json& json, std::string_view what, std::string path);

  const Json& json() const noexcept { return *json_; }
  const std::string& what() const noexcept { return what_; }
  const std::string& path() const noexcept { return path_; }
  /// "<path>.<key>", or "<path><key>" for a key like "[2]"; the path alone for "".
  std::string fieldPath(std::string_view key) const;

  /// True when the key is present with a non-null value.
  bool has(std::string_view key) const;
  /// A string field; "" when absent, or an error when `required`.
  std::string string(std::string_view key, bool required = false) const;
  /// An integer field (a JSON number without fraction or exponent); 0 when absent.
  std::int64_t integer(std::string_view key, bool required = false) const;
  /// A boolean field; false when absent.
  bool boolean(std::string_view key) const;
  /// An array of strings; empty when absent.
  std::vector<std::string> strings(std::string_view key) const;
  /// An object of string values; empty when absent.
  std::map<std::string, std::string> stringMap(std::string_view key) const;
  /// The keys of a Go map[string]struct{} such as {"80/tcp": {}}; empty when absent.
  std::vector<std::string> keySet(std::string_view key) const;
  /// A digest field, validated; an empty Digest when absent and not `required`.
  Digest digest(std::string_view key, bool required = false) const;
  /// An RFC 3339 timestamp string as Go's time.Time accepts it; "" when absent.
  std::string timestamp(std::string_view key) const;
  /// A nested object, which must be present.
  JsonReader object(std::string_view key) const;
  /// A nested object, or std::nullopt when absent.
  std::optional<JsonReader> optionalObject(std::string_view key) const;
  /// The elements of an array of objects, their paths "<path>.<key>[i]";
  /// empty when absent, or an error when `required`.
  std::vector<JsonReader> objects(std::string_view key, bool required = false) const;
  /// Throws when the key is present (a field that marks another document kind).
  void forbid(std::string_view key, std::string_view hint) const;

  /// Throws Error(InvalidArgument) "<what>: <path>[.<key>]: <problem>".
  [[noreturn]] void fail(std::string_view key, std::string_view problem) const;

 private:
  const Json* find(std::string_view key) const;
  const Json* require(std::string_view key, bool required) const;

  const Json* json_;
  std::string what_;
  std::string path_;
};

/// Writes an optional field the way Go's `omitempty` does, onto a record
/// that may hold what was read: an empty `value` (null, "", 0, false, [] or
/// {}) is left out, except that an empty value already in the record stays
/// as it was, so that re-serialising an unchanged document gives its bytes.
void putOptional(Json& out, std::string_view key, Json value);

/// True for the values Go's omitempty leaves out: null, "", 0, false, [] and {}.
bool isEmptyJsonValue(const Json& value) noexcept;

/// True when `text` is an RFC 3339 timestamp Go's time.Time accepts
/// ("2023-05-01T12:00:00Z", fractional seconds and a numeric offset allowed).
bool isRfc3339(std::string_view text) noexcept;

}  // namespace berth::oci
