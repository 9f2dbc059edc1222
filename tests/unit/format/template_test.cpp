// SPDX-License-Identifier: Apache-2.0
// Go text/template semantics. Expected strings are what Go 1.19 prints.
#include "berth/format/template.hpp"

#include <string>

#include "berth/base/error.hpp"
#include "catch.hpp"

using berth::Errc;
using berth::Error;
using berth::format::Json;
using berth::format::kJsonOverrideKey;
using berth::format::Template;

namespace {

std::string render(std::string_view text, const Json& data = Json::object()) {
  return Template::parse(text).render(data);
}

/// The message of the Error that parsing and rendering `text` throws; fails
/// the test unless it is one line and of kind InvalidArgument.
std::string errorOf(std::string_view text, const Json& data = Json::object(),
                    std::string_view name = "output") {
  try {
    Template::parse(text, name).render(data);
  } catch (const Error& e) {
    CHECK(e.kind() == Errc::InvalidArgument);
    CHECK(std::string(e.what()).find('\n') == std::string::npos);
    return e.what();
  }
  FAIL("no error for " << text);
  return {};
}

const Json kData = Json::parse(R"({
  "Name": "web",
  "ID": "3327c63c36c0",
  "Count": 3,
  "Ratio": 1.5,
  "Empty": "",
  "Zero": 0,
  "Nil": null,
  "On": true,
  "Names": ["a", "b"],
  "Ints": [1, 2, 3],
  "Labels": {"z": "last", "a": "first"},
  "Nested": {"Inner": {"Value": "deep"}},
  "Items": [{"N": "x", "V": 1}, {"N": "y", "V": 2}]
})");

}  // namespace

TEST_CASE("text and field actions", "[format][template]") {
  CHECK(render("plain text, no actions") == "plain text, no actions");
  CHECK(render("") == "");
  CHECK(render("{{.Name}}", kData) == "web");
  CHECK(render("[{{.Nested.Inner.Value}}]", kData) == "[deep]");
  CHECK(render("{{.}}", Json("dot")) == "dot");
  CHECK(render("{{$}}", Json(7)) == "7");
  CHECK(render("{{(.Nested).Inner.Value}}", kData) == "deep");
  CHECK(render("{{(index .Items 1).N}}", kData) == "y");
  CHECK(render("a\nb {{.Count}}\n", kData) == "a\nb 3\n");
  CHECK(render("{{ .Name }}", kData) == "web");    // spaces inside actions
  CHECK(render("{{\n.Name\n}}", kData) == "web");  // newlines inside actions (Go >= 1.16)
}

TEST_CASE("trim markers and comments", "[format][template]") {
  CHECK(render("a  \n {{- .Name -}} \n  b", kData) == "awebb");
  CHECK(render("a {{- .Name}} b", kData) == "aweb b");
  CHECK(render("a {{.Name -}} b", kData) == "a webb");
  CHECK(render("{{-3}}") == "-3");  // a negative number, not a trim marker
  CHECK(render("a{{/* a comment */}}b") == "ab");
  CHECK(render("a {{- /* trimmed */ -}} b") == "ab");
}

TEST_CASE("printing values like Go's fmt %v", "[format][template]") {
  CHECK(render("{{.Names}}", kData) == "[a b]");
  CHECK(render("{{.Labels}}", kData) == "map[a:first z:last]");  // sorted keys
  CHECK(render("{{.Items}}", kData) == "[map[N:x V:1] map[N:y V:2]]");
  CHECK(render("{{.Ratio}} {{.Count}} {{.On}}", kData) == "1.5 3 true");
  CHECK(render("{{.}}", Json(2.0)) == "2");
  CHECK(render("{{.}}", Json(1e6)) == "1e+06");
  CHECK(render("{{.}}", Json(123456.0)) == "123456");
  CHECK(render("{{.}}", Json(0.0001)) == "0.0001");
  CHECK(render("{{.}}", Json(0.00001)) == "1e-05");
  CHECK(render("{{.}}", Json(-2.5e-7)) == "-2.5e-07");
  CHECK(render("{{.}}", Json(0.1 + 0.2)) == "0.30000000000000004");
  CHECK(render("{{.}}", Json(18446744073709551615ULL)) == "18446744073709551615");
  CHECK(render("{{.}}", Json(-9223372036854775807LL - 1)) == "-9223372036854775808");
  // Documented choice: JSON null prints as Go's nil, "<nil>"; a missing map
  // entry (index on an object) prints as Go's invalid value, "<no value>".
  CHECK(render("{{.Nil}}", kData) == "<nil>");
  CHECK(render("{{index .Labels \"nope\"}}", kData) == "<no value>");
  CHECK(render("{{.}}", Json::parse(R"([null, "s", [], {}])")) == "[<nil> s [] map[]]");
}

TEST_CASE("literals", "[format][template]") {
  CHECK(render(R"({{"tab\there \"q\" \x41\u00e9\101"}})") ==
        "tab\there \"q\" Aé"
        "A");
  CHECK(render("{{`raw \\n {{ }}`}}") == "raw \\n {{ }}");
  CHECK(render("{{1.5}} {{1e3}} {{0x1F}} {{0o17}} {{017}} {{0b101}} {{1_000}}") ==
        "1.5 1000 31 15 15 5 1000");
  CHECK(render("{{'a'}} {{'\\n'}} {{'\\x41'}} {{'é'}}") == "97 10 65 233");
  CHECK(render("{{true}} {{false}}") == "true false");
  CHECK(render("{{print nil}}") == "<nil>");
}

TEST_CASE("variables", "[format][template]") {
  CHECK(render("{{$x := .Name}}[{{$x}}]", kData) == "[web]");  // a declaration prints nothing
  CHECK(render("{{$x := 1}}{{$x = 2}}{{$x}}") == "2");
  CHECK(render("{{range .Names}}{{$.Name}}:{{.}} {{end}}", kData) == "web:a web:b ");
  CHECK(render("{{$n := .Nested}}{{$n.Inner.Value}}", kData) == "deep");
  CHECK(render("{{range $i, $e := .Names}}{{$i}}={{$e}};{{end}}", kData) == "0=a;1=b;");
  CHECK(render("{{range $e := .Names}}{{$e}}{{end}}", kData) == "ab");  // one variable: the element
  CHECK(render("{{with $x := .Name}}{{$x}}{{end}}", kData) == "web");
  CHECK(render("{{if $x := .Count}}{{$x}}{{end}}", kData) == "3");
}

TEST_CASE("pipelines", "[format][template]") {
  CHECK(render("{{.Name | printf \"%s!\"}}", kData) == "web!");
  CHECK(render("{{\"x\" | printf \"%s-%s\" \"y\"}}") == "y-x");  // piped value is the last argument
  CHECK(render("{{.Name | upper | printf \"<%s>\"}}", kData) == "<WEB>");
  CHECK(render("{{len (split \"a,b,c\" \",\")}}") == "3");
  CHECK(render("{{(len .Names) | printf \"%d\"}}", kData) == "2");
}

TEST_CASE("if, else if, else with Go truthiness", "[format][template]") {
  const char* tmpl = "{{if .}}T{{else}}F{{end}}";
  for (const char* falsy : {"false", "0", "0.0", "\"\"", "[]", "{}", "null"}) {
    INFO(falsy);
    CHECK(render(tmpl, Json::parse(falsy)) == "F");
  }
  for (const char* truthy : {"true", "1", "-1", "0.5", "\"x\"", "[0]", "{\"a\":0}"}) {
    INFO(truthy);
    CHECK(render(tmpl, Json::parse(truthy)) == "T");
  }
  CHECK(render("{{if .Zero}}a{{else if .Empty}}b{{else if .On}}c{{else}}d{{end}}", kData) == "c");
  CHECK(render("{{if .Zero}}a{{else if .Empty}}b{{end}}", kData) == "");
  CHECK(render("{{if index .Labels \"missing\"}}yes{{else}}no{{end}}", kData) == "no");
}

TEST_CASE("range", "[format][template]") {
  CHECK(render("{{range .Ints}}<{{.}}>{{end}}", kData) == "<1><2><3>");
  CHECK(render("{{range .Labels}}{{.}} {{end}}", kData) == "first last ");  // sorted keys
  CHECK(render("{{range $k, $v := .Labels}}{{$k}}={{$v}} {{end}}", kData) == "a=first z=last ");
  CHECK(render("{{range .Items}}{{.N}}{{.V}}{{end}}", kData) == "x1y2");
  CHECK(render("{{range .Empty2}}x{{else}}none{{end}}", Json::parse(R"({"Empty2": []})")) ==
        "none");
  CHECK(render("{{range .}}x{{else}}none{{end}}", Json::object()) == "none");
  CHECK(render("{{range .Nil}}x{{else}}none{{end}}", kData) == "none");
  CHECK(
      render("{{range .}}{{if eq . 2}}{{continue}}{{end}}{{if eq . 4}}{{break}}{{end}}{{.}}{{end}}",
             Json::parse("[1, 2, 3, 4, 5]")) == "13");
  CHECK(render("{{range .Items}}{{range $.Names}}{{.}}{{end}}|{{end}}", kData) == "ab|ab|");
}

TEST_CASE("with", "[format][template]") {
  CHECK(render("{{with .Nested.Inner}}{{.Value}}{{end}}", kData) == "deep");
  CHECK(render("{{with .Empty}}x{{else}}empty{{end}}", kData) == "empty");
  CHECK(render("{{with .Names}}{{index . 1}}{{end}}", kData) == "b");
}

TEST_CASE("builtin functions", "[format][template]") {
  SECTION("and, or, not return Go's values and short-circuit") {
    CHECK(render("{{and 1 0 2}} {{and 1 2}} {{or 0 \"\" \"x\"}} {{or 0 \"\"}}") == "0 2 x ");
    CHECK(render("{{not 0}} {{not .Name}}", kData) == "true false");
    // The failing index is never evaluated.
    CHECK(render("{{and 0 (index .Ints 9)}} {{or 1 (index .Ints 9)}}", kData) == "0 1");
  }
  SECTION("len") {
    CHECK(render("{{len .Name}} {{len .Names}} {{len .Labels}} {{len \"é\"}}", kData) == "3 2 2 2");
  }
  SECTION("index") {
    CHECK(render("{{index .Names 1}} {{index .Labels \"z\"}} {{index .Items 0 \"N\"}}", kData) ==
          "b last x");
    CHECK(render("{{index \"abc\" 1}}") == "98");  // a byte, like Go
    CHECK(render("{{index .Names}}", kData) == "[a b]");
  }
  SECTION("slice") {
    CHECK(render("{{slice \"abcdef\" 1 3}} {{slice .Ints 1}} {{slice .Ints 0 1 2}} {{slice .Ints}}",
                 kData) == "bc [2 3] [1] [1 2 3]");
  }
  SECTION("print and println") {
    CHECK(render("{{print 1 2 \"a\" \"b\" 3}}") == "1 2ab3");
    CHECK(render("{{println 1 \"a\"}}") == "1 a\n");
    CHECK(render("{{print}}") == "");
  }
  SECTION("comparisons") {
    CHECK(render("{{eq .Count 3}} {{eq .Name \"web\"}} {{eq .Count 1 2 3}} {{ne .Count 3}}",
                 kData) == "true true true false");
    CHECK(render("{{lt 1 2}} {{le 2 2}} {{gt \"b\" \"a\"}} {{ge 1.5 2.5}}") ==
          "true true true false");
    // Parsed JSON numbers are unsigned; they still compare with int constants.
    CHECK(render("{{lt .Count 4}} {{eq .Zero 0}}", kData) == "true true");
    CHECK(render("{{lt -1 .Count}}", kData) == "true");
    CHECK(render("{{eq .On true}}", kData) == "true");
    CHECK(render("{{eq (index .Labels \"x\") (index .Labels \"y\")}}", kData) == "true");
  }
  SECTION("html, js, urlquery") {
    CHECK(render("{{html \"<a href='x'>&\\\"\"}}") == "&lt;a href=&#39;x&#39;&gt;&amp;&#34;");
    CHECK(render("{{js \"it's <b>\\\\\"}}") == "it\\'s \\u003Cb\\u003E\\\\");
    CHECK(render("{{urlquery \"a b&c=d/é\"}}") == "a+b%26c%3Dd%2F%C3%A9");
    CHECK(render("{{html 1 2}}") == "1 2");
  }
}

TEST_CASE("printf verbs, flags and errors like Go's fmt", "[format][template]") {
  auto printf = [](const std::string& args) { return render("{{printf " + args + "}}", kData); };
  CHECK(printf(R"("%d|%5d|%-5d|%05d|%+d|% d" 42 42 42 42 42 42)") ==
        "42|   42|42   |00042|+42| 42");
  CHECK(printf(R"("%x %X %o %O %b %#x %#o" 255 255 8 8 5 255 8)") == "ff FF 10 0o10 101 0xff 010");
  CHECK(printf(R"("%c %q %U %#U" 65 65 128512 65)") == "A 'A' U+1F600 U+0041 'A'");
  CHECK(printf(R"("%s|%10s|%-10s|%.2s|%6.2s" "abc" "abc" "abc" "abc" "abc")") ==
        "abc|       abc|abc       |ab|    ab");
  CHECK(printf(R"("%q %x %X % x" "a\"b\n" "hi" "hi" "hi")") == "\"a\\\"b\\n\" 6869 6869 68 69");
  CHECK(printf(R"("%v %s %d" .Names .Names .Ints)") == "[a b] [a b] [1 2 3]");
  CHECK(printf(R"("%v %+v" .Labels .Labels)") == "map[a:first z:last] map[a:first z:last]");
  CHECK(printf(R"("%#v %#v %#v" "s" .Names .Count)") == "\"s\" []interface {}{\"a\", \"b\"} 3");
  CHECK(printf(R"("%t %v" true false)") == "true false");
  CHECK(printf(R"("%f|%.2f|%8.3f|%-8.1f|%08.3f|%+.1f" 3.14159 3.14159 3.14159 3.14159 -3.5 2.0)") ==
        "3.141590|3.14|   3.142|3.1     |-003.500|+2.0");
  CHECK(
      printf(
          R"("%e %E %.2e %g %G %.3g %g %g" 1234.5678 1234.5678 1234.5678 0.00001234 1e21 1234.5678 100000.0 1e6)") ==
      "1.234568e+03 1.234568E+03 1.23e+03 1.234e-05 1E+21 1.23e+03 100000 1e+06");
  CHECK(printf(R"("%5v|%-6v|" 1.5 "ab")") == "  1.5|ab    |");
  CHECK(printf(R"("%T %T %T %T %T" 1 1.5 "s" .Names .Labels)") ==
        "int float64 string []interface {} map[string]interface {}");
  CHECK(printf(R"("%[2]d %[1]d" 1 2)") == "2 1");
  CHECK(printf(R"("%*d|%-*d|%.*f" 5 42 4 7 2 3.14159)") == "   42|7   |3.14");
  CHECK(printf(R"("100%%")") == "100%");
  // Go's in-band errors.
  CHECK(printf(R"("%d %s" "x" 5)") == "%!d(string=x) %!s(int=5)");
  CHECK(printf(R"("%d")") == "%!d(MISSING)");
  CHECK(printf(R"("%d" 1 "two")") == "1%!(EXTRA string=two)");
  CHECK(printf(R"("%")") == "%!(NOVERB)");
  CHECK(printf(R"("%z" 1)") == "%!z(int=1)");
  CHECK(printf(R"("%d %v" .Nil .Nil)") == "%!d(<nil>) <nil>");
  CHECK(printf(R"("%d" .Names)") == "[%!d(string=a) %!d(string=b)]");
}

TEST_CASE("Podman's report functions", "[format][template]") {
  CHECK(render("{{join .Names \", \"}}", kData) == "a, b");
  CHECK(render("{{join .Missing \",\"}}", Json::parse(R"({"Missing": []})")) == "");
  CHECK(render("{{split \"a:b:c\" \":\"}} {{len (split \"\" \",\")}} {{split \"ab\" \"\"}}") ==
        "[a b c] 1 [a b]");
  CHECK(render("{{lower \"MiXeD\"}} {{upper \"MiXeD\"}}") == "mixed MIXED");
  CHECK(render("{{title \"hello wide-world under_score 9lives\"}}") ==
        "Hello Wide-World Under_score 9lives");
  CHECK(render("{{truncate \"abcdef\" 3}}|{{truncate \"ab\" 5}}|{{truncate \"abc\" 3}}") ==
        "abc|ab|abc");
  CHECK(render("[{{pad \"x\" 1 2}}][{{pad \"\" 1 2}}]") == "[ x  ][]");
  CHECK(render("{{contains \"localhost/busybox\" \"busy\"}} {{contains \"a\" \"b\"}}") ==
        "true false");
  CHECK(render("{{replace \"aaa\" \"a\" \"b\" 2}} {{replace \"aaa\" \"a\" \"b\" -1}} "
               "{{replace \"ab\" \"\" \"-\" -1}}") == "bba bbb -a-b-");
  CHECK(render("{{truncate (.Name | upper) 2}}", kData) == "WE");
  // As in Podman, the piped value is the last argument: truncate's length.
  CHECK_THROWS_AS(render("{{.Name | truncate 2}}", kData), Error);
}

TEST_CASE("json function prints like Podman's encoder", "[format][template]") {
  // Compact, struct field order, and no HTML escaping (SetEscapeHTML(false)).
  CHECK(render("{{json .}}", Json::parse(R"({"b": "<&>", "a": [1, 2.5, 2.0, null, true]})")) ==
        R"({"b":"<&>","a":[1,2.5,2,null,true]})");
  CHECK(render("{{json .Names}} {{json .Name}} {{json .Nil}}", kData) == R"(["a","b"] "web" null)");
  CHECK(render("{{json .}}", Json("tab\there\x01")) == R"("tab\there\u0001")");
  SECTION("an object carrying the override key prints the override") {
    Json row = {{"ID", "3327c63c36c0"}};
    row[std::string(kJsonOverrideKey)] = {{"Id", "3327c63c36c0a7550c6d"}};
    CHECK(render("{{.ID}} {{json .}}", row) == R"(3327c63c36c0 {"Id":"3327c63c36c0a7550c6d"})");
    CHECK(render("{{len .}} {{.}}", row) == "1 map[ID:3327c63c36c0]");  // otherwise invisible
    CHECK(render("{{json .}}", Json::array({row})) == R"([{"Id":"3327c63c36c0a7550c6d"}])");
  }
}

TEST_CASE("parse errors name the problem like Go", "[format][template]") {
  CHECK(errorOf("{{.Name") == "template: output:1: unclosed action");
  CHECK(errorOf("{{foo}}") == "template: output:1: function \"foo\" not defined");
  CHECK(errorOf("{{.Name | nosuch}}") == "template: output:1: function \"nosuch\" not defined");
  CHECK(errorOf("{{if .On}}x") == "template: output:1: unexpected EOF");
  CHECK(errorOf("{{range .Names}}\nx\n") == "template: output:3: unexpected EOF");
  CHECK(errorOf("x{{end}}") == "template: output:1: unexpected {{end}}");
  CHECK(errorOf("{{else}}") == "template: output:1: unexpected {{else}}");
  CHECK(errorOf("{{$x}}") == "template: output:1: undefined variable \"$x\"");
  CHECK(errorOf("{{if .On}}{{$x := 1}}{{end}}{{$x}}") ==
        "template: output:1: undefined variable \"$x\"");
  CHECK(errorOf("{{break}}") == "template: output:1: {{break}} outside {{range}}");
  CHECK(errorOf("{{\"abc}}") == "template: output:1: unterminated quoted string");
  CHECK(errorOf("{{}}") == "template: output:1: missing value for command");
  CHECK(errorOf("{{if}}{{end}}") == "template: output:1: missing value for if");
  CHECK(errorOf("{{.Name @}}") == "template: output:1: unexpected \"@\" in operand");
  CHECK(errorOf("{{(.Name}}") == "template: output:1: unclosed left paren");
  CHECK(errorOf("{{.Name)}}") == "template: output:1: unexpected \")\" in command");
  CHECK(errorOf("{{/* open") == "template: output:1: unclosed comment");
  CHECK(errorOf("{{.Name | 3}}") ==
        "template: output:1: non executable command in pipeline stage 2");
  CHECK(errorOf("{{\"a\".B}}") == "template: output:1: unexpected . after term \"\\\"a\\\"\"");
  CHECK(errorOf("{{range .Names}}{{else if .On}}{{end}}") ==
        "template: output:1: unexpected <if> in input");
  CHECK(errorOf("{{define \"x\"}}{{end}}").find("not supported") != std::string::npos);
  CHECK(errorOf("{{.A}}\n{{.B\n") == "template: output:3: unclosed action started at output:2");
  CHECK(errorOf("{{foo}}", Json::object(), "ps") == "template: ps:1: function \"foo\" not defined");
}

TEST_CASE("execution errors name the node like Go", "[format][template]") {
  CHECK(errorOf("{{.Foo}}", kData) ==
        "template: output:1:2: executing \"output\" at <.Foo>: can't evaluate field Foo in type "
        "map[string]interface {}");
  CHECK(errorOf("x\n  {{.Nested.Nope}}", kData) ==
        "template: output:2:11: executing \"output\" at <.Nested.Nope>: can't evaluate field Nope "
        "in type map[string]interface {}");
  CHECK(errorOf("{{.Name.Len}}", kData) ==
        "template: output:1:7: executing \"output\" at <.Name.Len>: can't evaluate field Len in "
        "type string");
  CHECK(errorOf("{{.Nil.X}}", kData) ==
        "template: output:1:6: executing \"output\" at <.Nil.X>: nil pointer evaluating "
        "interface {}.X");
  CHECK(errorOf("{{index .Ints 5}}", kData) ==
        "template: output:1:2: executing \"output\" at <index .Ints 5>: error calling index: "
        "index out of range: 5");
  CHECK(errorOf("{{join .Names}}", kData) ==
        "template: output:1:2: executing \"output\" at <join>: wrong number of args for join: "
        "want 2 got 1");
  CHECK(errorOf("{{lower .Count}}", kData) ==
        "template: output:1:8: executing \"output\" at <.Count>: wrong type for value; expected "
        "string; got int");
  CHECK(errorOf("{{lower 5}}") ==
        "template: output:1:8: executing \"output\" at <5>: expected string; found 5");
  CHECK(errorOf("{{join .Ints \",\"}}", kData) ==
        "template: output:1:7: executing \"output\" at <.Ints>: wrong type for value; expected "
        "[]string; got []interface {}");
  CHECK(errorOf("{{truncate .Name \"x\"}}", kData) ==
        "template: output:1:17: executing \"output\" at <\"x\">: expected integer; found \"x\"");
  CHECK(errorOf("{{range .Count}}{{end}}", kData) ==
        "template: output:1:8: executing \"output\" at <.Count>: range can't iterate over 3");
  CHECK(errorOf("{{len .Count}}", kData).ends_with("error calling len: len of type int"));
  CHECK(errorOf("{{eq .Name 1}}", kData)
            .ends_with("error calling eq: incompatible types for comparison"));
  CHECK(errorOf("{{eq .Ratio 1}}", kData)
            .ends_with("error calling eq: incompatible types for comparison"));
  CHECK(
      errorOf("{{lt .Names 1}}", kData).ends_with("error calling lt: invalid type for comparison"));
  CHECK(errorOf("{{eq .Names .Names}}", kData)
            .ends_with("error calling eq: non-comparable type [a b]: []interface {}"));
  CHECK(errorOf("{{index .Labels 1}}", kData)
            .ends_with("error calling index: value has type int; should be string"));
  CHECK(errorOf("{{.Name 1}}", kData).ends_with("Name is not a method but has arguments"));
  CHECK(errorOf("{{\"a\" 1}}").ends_with("can't give argument to non-function \"a\""));
  CHECK(errorOf("{{nil}}").ends_with("nil is not a command"));
  CHECK(errorOf("{{.Foo}}", kData, "ps")
            .starts_with("template: ps:1:2: executing \"ps\" at <.Foo>: "));
  // A field chain is placed at its second field, as Go does.
  CHECK(errorOf("{{$.Name.X}}", kData).starts_with("template: output:1:3: executing"));
  CHECK(errorOf("{{index .Ints 1 2 3 4 5 6}}", kData).find("at <index .Ints 1 2 3 4 5 6>:") !=
        std::string::npos);
}

TEST_CASE("a template is reusable and copyable", "[format][template]") {
  const Template t = Template::parse("{{.}};");
  const Template copy = t;  // NOLINT(performance-unnecessary-copy-initialization)
  CHECK(t.render(Json(1)) == "1;");
  CHECK(copy.render(Json("x")) == "x;");
  CHECK(copy.name() == "output");
}
