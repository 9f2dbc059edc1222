// SPDX-License-Identifier: Apache-2.0
// Podman-style report output: default tables, --format templates, `table`,
// headers, --noheading, and JSON printed the way Podman's Go code prints it.
#pragma once

#include <cctype>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "berth/format/template.hpp"

namespace berth::format {

// ------------------------------------------------------------------- JSON --

/// Go's json.Marshal: compact, Go's string escaping (\u003c, \u003e, \u0026
/// for < > & when `escapeHtml`; \u2028, \u2029; invalid UTF-8 as \ufffd), Go's
/// number formatting (2.0 -> 2, 1e21 -> 1e+21). An object holding
/// kJsonOverrideKey is replaced by that member's value. Throws
/// Error(InvalidArgument) for NaN or infinity, as Go does.
std::string marshalJson(const Json& value, bool escapeHtml = true);

/// Which Go encoder's indented output to reproduce.
enum class JsonStyle {
  Go,        ///< encoding/json: `{}` and `[]` for empty containers
  Jsoniter,  ///< json-iterator: an empty object spans two lines, `{\n<ind>\n}`
};

/// json.MarshalIndent(value, "", <indent spaces>), without a trailing newline
/// (Podman prints it with fmt.Println). Podman 4.3 prints `images --format
/// json` with (Go, 4), `inspect` with (Go, 5), `ps`, `pod ps` and `info
/// --format json` with (Jsoniter, 2).
std::string renderJson(const Json& value, int indent = 4, JsonStyle style = JsonStyle::Go);

// -------------------------------------------------------------- --format --

/// True when `format` asks for plain JSON output, which the caller prints with
/// renderJson: "json", "{{json}}", "{{ json. }}" (containers/common
/// report.IsJSON). "{{json .}}" is a template: one JSON line per row.
bool isJsonFormat(std::string_view format);

/// True when `format` starts with "table " (Podman's report.HasTable).
bool hasTable(std::string_view format);

/// Podman's NormalizeFormat: for a "table " format removes every "table ",
/// turns literal `\t` and every space into a tab and literal `\n` into a
/// newline; otherwise turns literal `\t` and `\n` into tab and newline. Adds a
/// final newline when there is none.
std::string normalizeFormat(std::string_view format);

/// Podman's EnforceRange: wraps `format` in {{range .}}...{{end -}} unless it
/// already holds a {{range .}}...{{end}}.
std::string enforceRange(std::string_view format);

/// The header Podman derives from a field name: camel-case words joined by a
/// space, upper-cased ("CreatedHuman" -> "CREATED HUMAN", "ID" -> "ID").
std::string defaultHeader(std::string_view fieldName);

/// One field of a report row type.
template <class Row>
struct Field {
  std::string name;                     ///< the template name: {{.ID}}
  std::function<Json(const Row&)> get;  ///< its value in the template view
  std::string header = {};              ///< column header; "" -> defaultHeader(name)
};

/// The ordered fields of one report type: what `{{.Name}}` means for a row
/// and what heads its column. Podman upper-cases header overrides; so do we.
template <class Row>
class FieldTable {
 public:
  FieldTable() = default;
  FieldTable(std::initializer_list<Field<Row>> fields) : fields_(fields) {}

  /// Appends a field.
  FieldTable& add(std::string name, std::function<Json(const Row&)> get, std::string header = {}) {
    fields_.push_back({std::move(name), std::move(get), std::move(header)});
    return *this;
  }

  /// Sets what `{{json .}}` prints for a row: Podman marshals the reporter's
  /// underlying struct (full "Id", "Names" as a list), not the template view.
  FieldTable& json(std::function<Json(const Row&)> toJson) {
    json_ = std::move(toJson);
    return *this;
  }

  const std::vector<Field<Row>>& fields() const { return fields_; }

  /// The template view of `row`: {name: get(row)} in field order.
  Json view(const Row& row) const { return view(row, {}); }

  /// The view with only what `format` can use: the fields whose names it
  /// mentions, all of them (and the JSON form) when it prints the whole row
  /// ({{.}}, {{json .}}). Empty `format`: everything. Keeps a long report
  /// linear when rows carry big values (an image's 200 names).
  Json view(const Row& row, std::string_view format) const {
    const bool everything = format.empty() || mentionsWholeRow(format);
    Json out = Json::object();
    for (const auto& f : fields_)
      if (everything || format.find(f.name) != std::string_view::npos) out[f.name] = f.get(row);
    if (json_ && everything) out[std::string(kJsonOverrideKey)] = json_(row);
    return out;
  }

  /// True when a template may print the row as a whole.
  static bool mentionsWholeRow(std::string_view format) {
    if (format.find("json") != std::string_view::npos) return true;
    for (std::size_t pos = format.find('.'); pos != std::string_view::npos;
         pos = format.find('.', pos + 1)) {
      std::size_t next = pos + 1;
      while (next < format.size() && format[next] == ' ')
        ++next;
      const bool nameFollows =
          next < format.size() &&
          (std::isalnum(static_cast<unsigned char>(format[next])) != 0 || format[next] == '_');
      if (!nameFollows) return true;  // "{{.}}", "{{ . }}", "(.)", "index . ..."
    }
    return false;
  }

  /// The header row: {name: header} for every field.
  Json headers() const {
    Json out = Json::object();
    for (const auto& f : fields_)
      out[f.name] = headerOf(f);
    return out;
  }

 private:
  static std::string headerOf(const Field<Row>& f) {
    if (f.header.empty()) return defaultHeader(f.name);
    std::string h = f.header;
    for (char& c : h) {
      if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    }
    return h;
  }

  std::vector<Field<Row>> fields_;
  std::function<Json(const Row&)> json_;
};

/// What the user asked for.
struct ReportOptions {
  std::string format;           ///< --format; "" means the command's default
  bool noHeading = false;       ///< --noheading
  std::string name = "output";  ///< template name in errors (Podman: the command, "ps")
};

/// Renders a list report as Podman does. `rows` is a JSON array of template
/// views, `headers` one object mapping field names to headers. With no
/// --format (or exactly "table") `defaultFormat` is used, rows go through the
/// TabWriter and the header line comes first unless --noheading. A "table
/// ..." format: the same with the user's columns. Any other format: the
/// template runs once per row (it is wrapped in {{range .}}..{{end}} unless it
/// has its own), no header, no alignment. The header line is the template run
/// on `headers`, so `{{.ID}}` heads its column with "CONTAINER ID". Literal
/// `\n` is first turned into a newline; if that breaks the template (as in
/// `{{printf "\n"}}`) the text is used unchanged (current Podman behaviour).
/// Precondition: !isJsonFormat(options.format) (JSON is the caller's job).
/// Throws Error(InvalidArgument) for a bad template, with Go's message.
std::string renderRows(const Json& rows, const Json& headers, const ReportOptions& options,
                       std::string_view defaultFormat);

/// renderRows over `rows` viewed through `table`.
template <class Row>
std::string renderReport(const FieldTable<Row>& table, const std::vector<Row>& rows,
                         const ReportOptions& options, std::string_view defaultFormat) {
  Json views = Json::array();
  for (const auto& row : rows)
    views.push_back(table.view(row, options.format.empty() || options.format == "table"
                                        ? defaultFormat
                                        : std::string_view(options.format)));
  return renderRows(views, table.headers(), options, defaultFormat);
}

/// A user --format applied once to a single object, as `podman info` and
/// `podman version` do (Podman's OriginUnknown): normalized, no range, no
/// header; a "table " format ranges over `data` and is aligned.
std::string renderObject(std::string_view format, const Json& data,
                         std::string_view name = "output");

}  // namespace berth::format
