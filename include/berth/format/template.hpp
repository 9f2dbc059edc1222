// SPDX-License-Identifier: Apache-2.0
// A Go text/template work-alike over JSON data, for Podman-compatible --format.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace berth::format {

/// The data model of every report: ordered, because Podman's JSON and
/// template output follow Go struct field order.
using Json = nlohmann::ordered_json;

/// An object member under this key is invisible to templates (field access,
/// range, len, index and printing skip it); the `json` function marshals its
/// value in place of the object that holds it. Report rows use it so that
/// `{{.ID}}` is the short id while `{{json .}}` prints the row's full JSON,
/// as Podman's reporter structs do.
inline constexpr std::string_view kJsonOverrideKey{
    "\x01"
    "json"};

/// A parsed Go text/template. Supported: text and {{ }} actions with `{{-`
/// / `-}}` trim markers and comments; `.`, `.A.B`, `$`, `$x.A`, `(pipe).A`;
/// `:=` / `=` variables; pipelines with `|`; if / else if / else, range
/// (arrays, objects in sorted key order, `$i, $e :=`, else, break,
/// continue), with; string (with escapes), raw string, char, number,
/// true/false/nil literals. Functions: Go's and or not len index slice print
/// printf println eq ne lt le gt ge html js urlquery, Podman's (containers/
/// common pkg/report DefaultFuncs) join json lower pad split title truncate
/// upper, and berth's contains (strings.Contains) and replace
/// (strings.Replace). Not supported: define, template, block, call.
///
/// Data semantics: objects behave like Go structs (a missing field is an
/// error), `index` on an object with a missing key yields Go's invalid value,
/// printed "<no value>"; a JSON null prints "<nil>". Values print as Go's
/// fmt %v: `[a b]` for arrays, `map[k:v]` (sorted keys) for objects, floats
/// as Go does (2.0 -> 2, 1e6 -> 1e+06).
///
/// Cheap to copy (the parse tree is shared and immutable). Thread-safe for
/// concurrent render() calls.
class Template {
 public:
  /// Parses `text`. `name` appears in messages ("template: <name>:1: ...").
  /// Throws Error(InvalidArgument) with Go's one-line message for a syntax
  /// error: unclosed action, unknown function ('function "foo" not
  /// defined'), undefined variable, missing {{end}} ("unexpected EOF"),
  /// unexpected {{end}} / {{else}}, {{break}} outside {{range}}.
  static Template parse(std::string_view text, std::string_view name = "output");

  /// Executes the template with `data` as dot and `$`, returning the output.
  /// Throws Error(InvalidArgument) with one line in Go's format
  /// `template: <name>:<line>:<col>: executing "<name>" at <node>: <why>`,
  /// e.g. "can't evaluate field Foo in type map[string]interface {}" or
  /// "error calling index: index out of range: 5".
  std::string render(const Json& data) const;

  /// The name given to parse().
  const std::string& name() const;

  struct Tree;  ///< The parse tree (opaque; defined in template.cpp).

 private:
  explicit Template(std::shared_ptr<const Tree> tree) : tree_(std::move(tree)) {}
  std::shared_ptr<const Tree> tree_;
};

/// Go's fmt.Sprint of one value (%v): what an action `{{.X}}` prints for a
/// JSON value, e.g. `[a b]`, `map[a:1 b:true]`, `1.5`, `<nil>` for null.
std::string printValue(const Json& value);

/// One UTF-8 sequence decoded like Go's utf8.DecodeRuneInString: an invalid
/// or truncated sequence decodes as U+FFFD of size 1.
struct Rune {
  char32_t value;
  std::size_t size;
};

/// Decodes the rune starting at byte `pos` of `text` (pos < text.size()).
Rune decodeRune(std::string_view text, std::size_t pos);

/// Appends the UTF-8 encoding of `rune` (U+FFFD if it is not a scalar value).
void appendRune(std::string& out, char32_t rune);

/// Go's strconv.Quote (%q of a string); strconv.QuoteToASCII with
/// `asciiOnly`.
std::string goQuote(std::string_view text, bool asciiOnly = false);

/// Go's strconv.FormatFloat(value, fmt, prec, 64) for fmt 'e', 'E', 'f',
/// 'g', 'G', 'x', 'X'; prec -1 means the shortest representation that round-trips.
/// NaN and infinities print as "NaN", "+Inf", "-Inf".
std::string formatFloat(double value, char fmt, int prec);

}  // namespace berth::format
