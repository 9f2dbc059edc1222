// SPDX-License-Identifier: Apache-2.0
// YAML as sigs.k8s.io/yaml + gopkg.in/yaml.v2 2.4.0 print it. Expected strings
// were produced by that Go code.
#include "berth/format/yaml.hpp"

#include <string>

#include "catch.hpp"

using berth::format::Json;
using berth::format::toYaml;

namespace {

std::string scalar(const std::string& s) {
  return toYaml(Json{{"k", s}});
}

}  // namespace

TEST_CASE("strings get yaml.v2's style", "[format][yaml]") {
  CHECK(scalar("plain text") == "k: plain text\n");
  CHECK(scalar("1.28.2") == "k: 1.28.2\n");
  CHECK(scalar("a#b") == "k: a#b\n");
  CHECK(scalar("é") == "k: é\n");
  // Would read back as another type: double quotes.
  CHECK(scalar("12") == "k: \"12\"\n");
  CHECK(scalar("true") == "k: \"true\"\n");
  CHECK(scalar("null") == "k: \"null\"\n");
  CHECK(scalar("") == "k: \"\"\n");
  CHECK(scalar("0755") == "k: \"0755\"\n");
  CHECK(scalar("1:20") == "k: \"1:20\"\n");
  CHECK(scalar("2026-11-27") == "k: \"2026-11-27\"\n");
  // Plain is not possible: single quotes.
  CHECK(scalar("a: b") == "k: 'a: b'\n");
  CHECK(scalar("it's: x") == "k: 'it''s: x'\n");
  CHECK(scalar("- x") == "k: '- x'\n");
  CHECK(scalar(" lead") == "k: ' lead'\n");
  CHECK(scalar("trail ") == "k: 'trail '\n");
  CHECK(scalar("#x") == "k: '#x'\n");
  CHECK(scalar("a #b") == "k: 'a #b'\n");
  // Not printable: double quotes with escapes.
  CHECK(scalar("tab\there") == "k: \"tab\\there\"\n");
  CHECK(scalar("emoji \xF0\x9F\x98\x80") == "k: \"emoji \\U0001F600\"\n");
  // Several lines: a literal block with yaml.v2's chomping and indent hints.
  CHECK(scalar("a\nb") == "k: |-\n  a\n  b\n");
  CHECK(scalar("a\n") == "k: |\n  a\n");
  CHECK(scalar("a\n\n") == "k: |+\n  a\n\n");
  CHECK(scalar(" a\nb") == "k: |2-\n   a\n  b\n");
  CHECK(scalar("a \nb") == "k: \"a \\nb\"\n");
}

TEST_CASE("long scalars fold at spaces past column 80", "[format][yaml]") {
  std::string words;
  for (int i = 0; i < 25; ++i)
    words += "word ";
  CHECK(scalar(words) ==
        "k: 'word word word word word word word word word word word word word word word word\n"
        "  word word word word word word word word word '\n");
  const std::string noSpaces(100, 'x');
  CHECK(scalar(noSpaces) == "k: " + noSpaces + "\n");
}

TEST_CASE("collections and numbers", "[format][yaml]") {
  const Json v = Json::parse(R"({
    "m": {"x": 1}, "l": [1, {"a": 1, "b": [2]}, [3, 4], [], {}, null, "s"],
    "e": {}, "z": [], "n": null, "t": true, "f": 1.5, "g": 2.0, "h": 1e21, "i": 0.000001,
    "j": 1e-7, "k": 123456789.0, "l2": 1234567.5, "neg": -12, "negf": -0.5,
    "deep": {"a": {"b": {"c": [{"d": [1, [2, [3]]]}]}}}})");
  CHECK(toYaml(v) ==
        "deep:\n"
        "  a:\n"
        "    b:\n"
        "      c:\n"
        "      - d:\n"
        "        - 1\n"
        "        - - 2\n"
        "          - - 3\n"
        "e: {}\n"
        "f: 1.5\n"
        "g: 2\n"
        "h: 1e+21\n"
        "i: 1e-06\n"
        "j: 1e-07\n"
        "k: 123456789\n"
        "l:\n"
        "- 1\n"
        "- a: 1\n"
        "  b:\n"
        "  - 2\n"
        "- - 3\n"
        "  - 4\n"
        "- []\n"
        "- {}\n"
        "- null\n"
        "- s\n"
        "l2: 1.2345675e+06\n"
        "m:\n"
        "  x: 1\n"
        "\"n\": null\n"
        "neg: -12\n"
        "negf: -0.5\n"
        "t: true\n"
        "z: []\n");
  CHECK(toYaml(Json::object()) == "{}\n");
  CHECK(toYaml(Json::array({1, Json::array({2})})) == "- 1\n- - 2\n");
}

TEST_CASE("keys in yaml.v2's order", "[format][yaml]") {
  // Non-letters sort before letters, digit runs compare as numbers (a run
  // of no digits, as at '_', counts as 0).
  Json v = Json::object();
  for (const char* key : {"b", "a10", "a9", "A", "_x", "a_b", "ab", "a1", "10", "2"})
    v[key] = 1;
  CHECK(toYaml(v) ==
        "_x: 1\n\"2\": 1\n\"10\": 1\nA: 1\na_b: 1\na1: 1\na9: 1\na10: 1\nab: 1\nb: 1\n");
  // A key spanning lines is a complex key.
  CHECK(toYaml(Json{{"a\nb", 1}}) == "? |-\n  a\n  b\n: 1\n");
}
