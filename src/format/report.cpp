// SPDX-License-Identifier: Apache-2.0
// Podman's report formatting (containers/common v0.50 pkg/report: formatter.go,
// template.go, validate.go, camelcase) and Go's JSON encoders.
#include "berth/format/report.hpp"

#include <cmath>
#include <string>

#include "berth/base/error.hpp"
#include "berth/format/tabwriter.hpp"

namespace berth::format {
namespace {

// ------------------------------------------------------------------- JSON --

constexpr char kHex[] = "0123456789abcdef";

void encodeString(std::string& out, std::string_view s, bool escapeHtml) {
  out += '"';
  for (std::size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    if (b < 0x80) {
      const bool html = b == '<' || b == '>' || b == '&';
      if (b >= 0x20 && b != '"' && b != '\\' && !(escapeHtml && html)) {
        out += static_cast<char>(b);
      } else {
        switch (b) {
          case '\\':
          case '"':
            out += '\\';
            out += static_cast<char>(b);
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
          default:
            // Other control bytes (Go 1.19 has no \b, \f) and HTML characters.
            out += "\\u00";
            out += kHex[b >> 4];
            out += kHex[b & 0xF];
        }
      }
      ++i;
      continue;
    }
    const Rune r = decodeRune(s, i);
    if (r.value == 0xFFFD && r.size == 1) {
      out += "\\ufffd";
    } else if (r.value == 0x2028 || r.value == 0x2029) {
      out += "\\u202";
      out += kHex[r.value & 0xF];
    } else {
      out.append(s, i, r.size);
    }
    i += r.size;
  }
  out += '"';
}

/// Go's encoding/json float64 formatting.
std::string encodeFloat(double f) {
  if (!std::isfinite(f)) {
    throw Error(Errc::InvalidArgument, "json: unsupported value: " + formatFloat(f, 'g', -1));
  }
  const double a = std::fabs(f);
  const char fmt = (a != 0 && (a < 1e-6 || a >= 1e21)) ? 'e' : 'f';
  std::string s = formatFloat(f, fmt, -1);
  if (fmt == 'e') {
    // e-09 -> e-9
    const std::size_t n = s.size();
    if (n >= 4 && s[n - 4] == 'e' && s[n - 3] == '-' && s[n - 2] == '0') {
      s[n - 2] = s[n - 1];
      s.pop_back();
    }
  }
  return s;
}

struct JsonWriter {
  bool escapeHtml = true;
  int indent = 0;  // 0: compact
  JsonStyle style = JsonStyle::Go;
  std::string out;

  void newline(int depth) {
    out += '\n';
    out.append(static_cast<std::size_t>(depth * indent), ' ');
  }

  void write(const Json& v, int depth) {
    switch (v.type()) {
      case Json::value_t::null:
        out += "null";
        return;
      case Json::value_t::boolean:
        out += v.get<bool>() ? "true" : "false";
        return;
      case Json::value_t::number_integer:
        out += std::to_string(v.get<std::int64_t>());
        return;
      case Json::value_t::number_unsigned:
        out += std::to_string(v.get<std::uint64_t>());
        return;
      case Json::value_t::number_float:
        out += encodeFloat(v.get<double>());
        return;
      case Json::value_t::string:
        encodeString(out, v.get_ref<const std::string&>(), escapeHtml);
        return;
      case Json::value_t::array: {
        if (v.empty()) {
          out += "[]";
          return;
        }
        out += '[';
        bool first = true;
        for (const auto& e : v) {
          if (!first) out += ',';
          first = false;
          if (indent > 0) newline(depth + 1);
          write(e, depth + 1);
        }
        if (indent > 0) newline(depth);
        out += ']';
        return;
      }
      case Json::value_t::object: {
        if (auto it = v.find(kJsonOverrideKey); it != v.end()) {
          write(*it, depth);
          return;
        }
        if (v.empty()) {
          if (indent > 0 && style == JsonStyle::Jsoniter) {
            // json-iterator opens the object, indents, and closes it.
            out += '{';
            newline(depth + 1);
            newline(depth);
            out += '}';
          } else {
            out += "{}";
          }
          return;
        }
        out += '{';
        bool first = true;
        for (auto it = v.begin(); it != v.end(); ++it) {
          if (!first) out += ',';
          first = false;
          if (indent > 0) newline(depth + 1);
          encodeString(out, it.key(), escapeHtml);
          out += indent > 0 ? ": " : ":";
          write(it.value(), depth + 1);
        }
        if (indent > 0) newline(depth);
        out += '}';
        return;
      }
      default:
        out += "null";
    }
  }
};

// --------------------------------------------------------------- formats --

bool isRe2Space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

std::size_t skipSpace(std::string_view s, std::size_t i) {
  while (i < s.size() && isRe2Space(s[i]))
    ++i;
  return i;
}

/// Matches `{{\s*<word>\s*<suffix...>` at `i`; returns the end or npos.
std::size_t matchAction(std::string_view s, std::size_t i, std::string_view word) {
  if (s.substr(i, 2) != "{{") return std::string_view::npos;
  i = skipSpace(s, i + 2);
  if (s.substr(i, word.size()) != word) return std::string_view::npos;
  return i + word.size();
}

enum class Origin { Unknown, Podman, User };

/// Podman's Formatter.Parse: the normalized text first and, if that does not
/// parse, the text as given (containers/common: "docker tries to be smart and
/// replaces \n with the actual newline character ... If it fails use the
/// original text").
Template parseFormat(std::string_view text, Origin origin, std::string_view name, bool& table) {
  std::string normalized;
  std::string raw;
  table = hasTable(text);
  if (table) {
    normalized = "{{range .}}" + normalizeFormat(text) + "{{end -}}";
    raw = "{{range .}}" + std::string(text.substr(6)) + "{{end -}}";
  } else if (origin == Origin::Unknown) {
    normalized = normalizeFormat(text);
    raw = text;
  } else {
    // Podman's own defaults carry their {{range}}; enforcing it is a no-op.
    normalized = enforceRange(normalizeFormat(text));
    raw = enforceRange(text);
  }
  try {
    return Template::parse(normalized, name);
  } catch (const Error&) {
    return Template::parse(raw, name);
  }
}

bool isBareTable(std::string_view format) {
  const std::size_t b = skipSpace(format, 0);
  std::size_t e = format.size();
  while (e > b && isRe2Space(format[e - 1]))
    --e;
  return format.substr(b, e - b) == "table";
}

}  // namespace

std::string marshalJson(const Json& value, bool escapeHtml) {
  JsonWriter w;
  w.escapeHtml = escapeHtml;
  w.write(value, 0);
  return std::move(w.out);
}

std::string renderJson(const Json& value, int indent, JsonStyle style) {
  JsonWriter w;
  w.indent = indent;
  w.style = style;
  w.write(value, 0);
  return std::move(w.out);
}

bool isJsonFormat(std::string_view format) {
  // ^\s*(json|{{\s*json\.?\s*}})\s*$
  std::size_t i = skipSpace(format, 0);
  if (format.substr(i, 4) == "json") {
    i += 4;
  } else {
    i = matchAction(format, i, "json");
    if (i == std::string_view::npos) return false;
    if (i < format.size() && format[i] == '.') ++i;
    i = skipSpace(format, i);
    if (format.substr(i, 2) != "}}") return false;
    i += 2;
  }
  return skipSpace(format, i) == format.size();
}

bool hasTable(std::string_view format) {
  return format.starts_with("table ");
}

std::string normalizeFormat(std::string_view format) {
  std::string f;
  const bool table = hasTable(format);
  for (std::size_t i = 0; i < format.size();) {
    const std::string_view rest = format.substr(i);
    if (table && rest.starts_with("table ")) {
      i += 6;
    } else if (rest.starts_with("\\t")) {
      f += '\t';
      i += 2;
    } else if (rest.starts_with("\\n")) {
      f += '\n';
      i += 2;
    } else if (table && rest[0] == ' ') {
      f += '\t';
      ++i;
    } else {
      f += rest[0];
      ++i;
    }
  }
  if (!f.ends_with('\n')) f += '\n';
  return f;
}

std::string enforceRange(std::string_view format) {
  // (?s){{\s*range\s*\.\s*}}.*{{\s*end\s*-?\s*}}
  for (std::size_t i = format.find("{{"); i != std::string_view::npos;
       i = format.find("{{", i + 1)) {
    std::size_t j = matchAction(format, i, "range");
    if (j == std::string_view::npos) continue;
    j = skipSpace(format, j);
    if (j >= format.size() || format[j] != '.') continue;
    j = skipSpace(format, j + 1);
    if (format.substr(j, 2) != "}}") continue;
    for (std::size_t k = format.find("{{", j + 2); k != std::string_view::npos;
         k = format.find("{{", k + 1)) {
      std::size_t m = matchAction(format, k, "end");
      if (m == std::string_view::npos) continue;
      m = skipSpace(format, m);
      if (m < format.size() && format[m] == '-') m = skipSpace(format, m + 1);
      if (format.substr(m, 2) == "}}") return std::string(format);
    }
    break;  // no {{end}} after the first {{range .}}: none after later ones either
  }
  return "{{range .}}" + std::string(format) + "{{end -}}";
}

std::string defaultHeader(std::string_view name) {
  // containers/common pkg/report/camelcase.Split: runs of lower, upper, digit
  // or other characters; an upper run followed by a lower run gives its last
  // letter to the lower run ("PDFLoader" -> "PDF Loader").
  auto classOf = [](char c) {
    if (c >= 'a' && c <= 'z') return 1;
    if (c >= 'A' && c <= 'Z') return 2;
    if (c >= '0' && c <= '9') return 3;
    return 4;
  };
  std::vector<std::string> runs;
  int last = 0;
  for (char c : name) {
    const int cls = classOf(c);
    if (cls == last) {
      runs.back() += c;
    } else {
      runs.emplace_back(1, c);
    }
    last = cls;
  }
  for (std::size_t i = 0; i + 1 < runs.size(); ++i) {
    if (classOf(runs[i][0]) == 2 && classOf(runs[i + 1][0]) == 1) {
      runs[i + 1].insert(runs[i + 1].begin(), runs[i].back());
      runs[i].pop_back();
    }
  }
  std::string out;
  for (const auto& r : runs) {
    if (r.empty()) continue;
    if (!out.empty()) out += ' ';
    out += r;
  }
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

std::string renderRows(const Json& rows, const Json& headers, const ReportOptions& options,
                       std::string_view defaultFormat) {
  std::string_view format = options.format;
  Origin origin = Origin::User;
  // Docker's bare "table" means the default table; Podman 4.3 would print the
  // word "table" once per row.
  if (format.empty() || isBareTable(format)) {
    format = defaultFormat;
    origin = Origin::Podman;
  }
  bool table = false;
  const Template t = parseFormat(format, origin, options.name, table);
  // Podman: a table, or one of its own formats, goes through the tabwriter
  // with headers; a user's non-table template prints rows only.
  const bool tabular = table || origin == Origin::Podman;
  std::string out;
  if (tabular && !options.noHeading) out += t.render(Json::array({headers}));
  out += t.render(rows);
  if (!tabular) return out;
  TabWriter writer;
  writer.write(out);
  return writer.take();
}

std::string renderObject(std::string_view format, const Json& data, std::string_view name) {
  bool table = false;
  const Template t = parseFormat(format, Origin::Unknown, name, table);
  std::string out = t.render(data);
  if (!table) return out;
  TabWriter writer;
  writer.write(out);
  return writer.take();
}

}  // namespace berth::format
