// SPDX-License-Identifier: Apache-2.0
// Podman's report formatting (containers/common pkg/report, whose own tests
// supply several of these cases) and Go's JSON encoders.
#include "berth/format/report.hpp"

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "berth/base/error.hpp"
#include "catch.hpp"

using berth::Errc;
using berth::Error;
using berth::format::defaultHeader;
using berth::format::enforceRange;
using berth::format::FieldTable;
using berth::format::hasTable;
using berth::format::isJsonFormat;
using berth::format::Json;
using berth::format::JsonStyle;
using berth::format::marshalJson;
using berth::format::normalizeFormat;
using berth::format::renderJson;
using berth::format::renderObject;
using berth::format::renderReport;
using berth::format::renderRows;
using berth::format::ReportOptions;

namespace {

// containers/common formatter_test.go data.
const Json kRows = Json::parse(R"([
  {"ID": "c061a0839e", "Value": "one"},
  {"ID": "f10fc2e11057", "Value": "two"},
  {"ID": "1eb6fab5aa8f4b5cbfd3e66aa35e9b2a", "Value": "three"}
])");
const Json kHeaders = {{"ID", "Identity"}, {"Value", "Value"}};

std::string userFormat(std::string format, bool noHeading = false) {
  ReportOptions options;
  options.format = std::move(format);
  options.noHeading = noHeading;
  return renderRows(kRows, kHeaders, options, "table {{.ID}}");
}

struct Container {
  std::string id;
  std::vector<std::string> names;
};

}  // namespace

TEST_CASE("normalizeFormat", "[format][report]") {
  // containers/common template_test.go TestNormalizeFormat.
  CHECK(normalizeFormat("{{.ID}}\t{{.ID}}") == "{{.ID}}\t{{.ID}}\n");
  CHECK(normalizeFormat(R"({{.ID}}\t{{.ID}})") == "{{.ID}}\t{{.ID}}\n");
  CHECK(normalizeFormat(R"({{.ID}} {{.ID}})") == "{{.ID}} {{.ID}}\n");
  CHECK(normalizeFormat(R"(table {{.ID}}\t{{.ID}})") == "{{.ID}}\t{{.ID}}\n");
  CHECK(normalizeFormat(R"(table {{.ID}} {{.ID}})") == "{{.ID}}\t{{.ID}}\n");
  // Literal \n becomes a newline; no second newline is added after it.
  CHECK(normalizeFormat(R"({{.ID}}\n)") == "{{.ID}}\n");
  CHECK(normalizeFormat(R"(table {{.ID}}\n{{.Names}})") == "{{.ID}}\n{{.Names}}\n");
  // In a table every space becomes a tab, even inside actions and strings.
  CHECK(normalizeFormat(R"(table {{join .Names ", "}})") == "{{join\t.Names\t\",\t\"}}\n");
  CHECK(normalizeFormat("table") == "table\n");  // not a "table " prefix
}

TEST_CASE("enforceRange, hasTable, isJsonFormat", "[format][report]") {
  const std::string ranged = "{{range .}}foobar was here{{end -}}";
  CHECK(enforceRange(ranged) == ranged);
  CHECK(enforceRange("foobar was here") == ranged);
  CHECK(enforceRange("{{range .}}x{{end}}") == "{{range .}}x{{end}}");
  CHECK(enforceRange("{{ range . }}\nx\n{{ end - }}") == "{{ range . }}\nx\n{{ end - }}");
  CHECK(enforceRange("{{range .Names}}x{{end}}") == "{{range .}}{{range .Names}}x{{end}}{{end -}}");
  CHECK(enforceRange("{{range .}}x") == "{{range .}}{{range .}}x{{end -}}");

  CHECK(hasTable("table {{.ID}}"));
  CHECK_FALSE(hasTable("table"));
  CHECK_FALSE(hasTable("{{.ID}} table "));

  for (const char* yes :
       {"json", " json\n", "{{json}}", "{{ json }}", "{{json.}}", "{{ json. }}"}) {
    INFO(yes);
    CHECK(isJsonFormat(yes));
  }
  for (const char* no : {"{{json .}}", "{{json .ID}}", "jsonx", "table json", "", "JSON"}) {
    INFO(no);
    CHECK_FALSE(isJsonFormat(no));
  }
}

TEST_CASE("default headers split camel case and upper-case", "[format][report]") {
  // containers/common template_test.go TestHeadersSimple, and camelcase.go.
  CHECK(defaultHeader("FieldA") == "FIELD A");
  CHECK(defaultHeader("Fieldb") == "FIELDB");
  CHECK(defaultHeader("fieldC") == "FIELD C");
  CHECK(defaultHeader("fieldd") == "FIELDD");
  CHECK(defaultHeader("ID") == "ID");
  CHECK(defaultHeader("ImageID") == "IMAGE ID");
  CHECK(defaultHeader("CreatedHuman") == "CREATED HUMAN");
  CHECK(defaultHeader("PDFLoader") == "PDF LOADER");
  CHECK(defaultHeader("GL11Version") == "GL 11 VERSION");
  CHECK(defaultHeader("BFG9000") == "BFG 9000");
  CHECK(defaultHeader("") == "");
}

TEST_CASE("FieldTable", "[format][report]") {
  const FieldTable<Container> table{
      {"ID", [](const Container& c) { return Json(c.id.substr(0, 12)); }, "container id"},
      {"Names", [](const Container& c) { return Json(c.names.at(0)); }},
      {"CreatedHuman", [](const Container&) { return Json("1 second ago"); }},
  };
  const Container c{"3327c63c36c0a7550c6d143b79b62c158170f60f564b6ca24eba20e64d2d18b9", {"web"}};
  CHECK(table.view(c).dump() ==
        R"({"ID":"3327c63c36c0","Names":"web","CreatedHuman":"1 second ago"})");
  CHECK(table.headers().dump() ==
        R"({"ID":"CONTAINER ID","Names":"NAMES","CreatedHuman":"CREATED HUMAN"})");

  SECTION("{{json .}} prints the row's own JSON when one is set") {
    FieldTable<Container> withJson = table;
    withJson.json([](const Container& row) { return Json{{"Id", row.id}, {"Names", row.names}}; });
    ReportOptions options;
    options.format = "{{.ID}} {{json .}}";
    CHECK(renderReport(withJson, std::vector<Container>{c}, options, "") ==
          "3327c63c36c0 {\"Id\":\"" + c.id + "\",\"Names\":[\"web\"]}\n");
    options.format = "{{json .}}";
    CHECK(renderReport(table, std::vector<Container>{c}, options, "") ==
          R"({"ID":"3327c63c36c0","Names":"web","CreatedHuman":"1 second ago"})"
          "\n");
  }
}

TEST_CASE("renderRows follows Podman's Formatter", "[format][report]") {
  // containers/common formatter_test.go TestFormatter_ParseTable.
  const std::string aligned =
      "Identity                          Value\n"
      "c061a0839e                        one\n"
      "f10fc2e11057                      two\n"
      "1eb6fab5aa8f4b5cbfd3e66aa35e9b2a  three\n";
  const std::string idTable =
      "Identity\nc061a0839e\nf10fc2e11057\n1eb6fab5aa8f4b5cbfd3e66aa35e9b2a\n";
  CHECK(userFormat("table {{ .ID}}") == idTable);
  CHECK(userFormat("table {{ .ID}}\n") == idTable);
  CHECK(userFormat(R"(table {{ .ID}}\n)") == idTable);
  CHECK(userFormat("table {{.ID}}\t{{.Value}}") == aligned);
  CHECK(userFormat("table {{.ID}} {{.Value}}") == aligned);  // spaces are tabs in a table
  CHECK(userFormat("{{range .}}{{.ID}}\tID{{end}}") ==
        "c061a0839e\tIDf10fc2e11057\tID1eb6fab5aa8f4b5cbfd3e66aa35e9b2a\tID\n");
  CHECK(userFormat("{{range .}}{{.ID}}\tID\n{{end}}") ==
        "c061a0839e\tID\nf10fc2e11057\tID\n1eb6fab5aa8f4b5cbfd3e66aa35e9b2a\tID\n\n");
  CHECK(userFormat("{{range .}}{{.ID}}{{end -}}") ==
        "c061a0839ef10fc2e110571eb6fab5aa8f4b5cbfd3e66aa35e9b2a");
  // Regression test upstream for {{printf "\n"}}: normalizing \n breaks the
  // template, so the text is used as given.
  CHECK(userFormat(R"({{range .}}{{printf "\n"}}{{end -}})") == "\n\n\n");
  // TestFormatter_Compatible: a user format without "table" is not aligned.
  CHECK(userFormat("ID\t{{.ID}}") ==
        "ID\tc061a0839e\nID\tf10fc2e11057\nID\t1eb6fab5aa8f4b5cbfd3e66aa35e9b2a\n");
  CHECK(userFormat(R"({{.ID}}\t{{.Value}})") ==
        "c061a0839e\tone\nf10fc2e11057\ttwo\n1eb6fab5aa8f4b5cbfd3e66aa35e9b2a\tthree\n");
  CHECK(userFormat(R"({{.ID}}\n)") ==
        "c061a0839e\nf10fc2e11057\n1eb6fab5aa8f4b5cbfd3e66aa35e9b2a\n");

  SECTION("a Podman default format goes through the tabwriter, headers first") {
    // TestFormatter_ParseTable, OriginPodman case.
    CHECK(renderRows(kRows, kHeaders, {}, "Value\tIdent\n{{range .}}{{.ID}}\tID{{end}}") ==
          "Value       Ident\nIdentity    ID\nValue       Ident\n"
          "c061a0839e  IDf10fc2e11057  ID1eb6fab5aa8f4b5cbfd3e66aa35e9b2a  ID\n");
    CHECK(renderRows(kRows, kHeaders, {}, "table {{.ID}}\t{{.Value}}") == aligned);
  }
  SECTION("--noheading") {
    CHECK(userFormat("table {{.ID}}\t{{.Value}}", true) == aligned.substr(aligned.find('\n') + 1));
    ReportOptions options;
    options.noHeading = true;
    CHECK(renderRows(kRows, kHeaders, options, "table {{.ID}}") ==
          "c061a0839e\nf10fc2e11057\n1eb6fab5aa8f4b5cbfd3e66aa35e9b2a\n");
  }
  SECTION("the header row is the template run on the headers") {
    CHECK(userFormat("table {{.ID | lower}}\t{{printf \"%-3.3s\" .Value}}") ==
          "identity                          Val\nc061a0839e                        one\n"
          "f10fc2e11057                      two\n1eb6fab5aa8f4b5cbfd3e66aa35e9b2a  thr\n");
  }
  SECTION("no rows: a table still has its header, a template prints nothing") {
    CHECK(renderRows(Json::array(), kHeaders, {}, "table {{.ID}}\t{{.Value}}") ==
          "Identity    Value\n");
    ReportOptions options;
    options.format = "{{.ID}}";
    CHECK(renderRows(Json::array(), kHeaders, options, "table {{.ID}}") == "");
  }
  SECTION("bad templates fail with Go's message naming the command") {
    ReportOptions options;
    options.name = "ps";
    options.format = "{{.Nope}}";
    try {
      renderRows(kRows, kHeaders, options, "table {{.ID}}");
      FAIL("no error");
    } catch (const Error& e) {
      CHECK(e.kind() == Errc::InvalidArgument);
      CHECK(std::string(e.what()) ==
            "template: ps:1:13: executing \"ps\" at <.Nope>: can't evaluate field Nope in type "
            "map[string]interface {}");
    }
    options.format = "table {{.ID}} {{nosuch}}";
    CHECK_THROWS_WITH(renderRows(kRows, kHeaders, options, ""),
                      "template: ps:1: function \"nosuch\" not defined");
  }
}

TEST_CASE("renderObject: a format applied to one object", "[format][report]") {
  const Json info =
      Json::parse(R"({"host": {"arch": "amd64", "cpus": 2}, "version": {"Version": "4.3.1"}})");
  CHECK(renderObject("{{.host.arch}}", info) == "amd64\n");
  CHECK(renderObject(R"({{.host.arch}}\t{{.version.Version}}\n)", info) == "amd64\t4.3.1\n");
  CHECK(renderObject("{{json .host}}", info) == "{\"arch\":\"amd64\",\"cpus\":2}\n");
  CHECK(renderObject("table {{.arch}} {{.cpus}}", Json::array({info["host"]})) ==
        "amd64       2\n");
  CHECK_THROWS_AS(renderObject("{{.host.nope}}", info), Error);
}

TEST_CASE("marshalJson is Go's json.Marshal", "[format][json]") {
  CHECK(marshalJson(Json::parse(R"({"b": [1, 2.5, true, null], "a": {}})")) ==
        R"({"b":[1,2.5,true,null],"a":{}})");
  // Go's string escaping: HTML characters, controls, U+2028/9, invalid UTF-8.
  CHECK(marshalJson(Json("<a&b> \"q\" \\ \n\r\t\b\f\x01 é€\u2028\u2029")) ==
        R"("\u003ca\u0026b\u003e \"q\" \\ \n\r\t\u0008\u000c\u0001 é€\u2028\u2029")");
  CHECK(marshalJson(Json("<a&b>"), false) == R"("<a&b>")");
  CHECK(marshalJson(Json(std::string("bad\xff\xfe utf8"))) == R"("bad\ufffd\ufffd utf8")");
  // Go's float formatting.
  CHECK(marshalJson(
            Json::parse("[2.0, 1e21, 1e20, 1e-7, 0.000001, -0.0, 123456789.0, 0.1, 5e-324]")) ==
        "[2,1e+21,100000000000000000000,1e-7,0.000001,-0,123456789,0.1,5e-324]");
  CHECK(marshalJson(Json(18446744073709551615ULL)) == "18446744073709551615");
  CHECK_THROWS_AS(marshalJson(Json(std::numeric_limits<double>::quiet_NaN())), Error);
  CHECK_THROWS_AS(marshalJson(Json(INFINITY)), Error);
}

TEST_CASE("renderJson is MarshalIndent, Go or json-iterator style", "[format][json]") {
  const Json v = Json::parse(R"({"a": [], "b": {}, "c": [1, {"d": null}], "e": "<x>"})");
  CHECK(renderJson(v) ==
        "{\n"
        "    \"a\": [],\n"
        "    \"b\": {},\n"
        "    \"c\": [\n"
        "        1,\n"
        "        {\n"
        "            \"d\": null\n"
        "        }\n"
        "    ],\n"
        "    \"e\": \"\\u003cx\\u003e\"\n"
        "}");
  CHECK(renderJson(v, 2, JsonStyle::Jsoniter) ==
        "{\n"
        "  \"a\": [],\n"
        "  \"b\": {\n"
        "    \n"
        "  },\n"
        "  \"c\": [\n"
        "    1,\n"
        "    {\n"
        "      \"d\": null\n"
        "    }\n"
        "  ],\n"
        "  \"e\": \"\\u003cx\\u003e\"\n"
        "}");
  CHECK(renderJson(Json::array()) == "[]");
  CHECK(renderJson(Json::object()) == "{}");
  CHECK(renderJson(Json::object(), 2, JsonStyle::Jsoniter) == "{\n  \n}");
  CHECK(renderJson(Json("x")) == "\"x\"");
}
