// SPDX-License-Identifier: Apache-2.0
#include "berth/registry/registries_conf.hpp"
#include <stdlib.h>
#include <sys/stat.h>

#include "../test_dir.hpp"
#include "berth/base/error.hpp"
#include "berth/base/fs.hpp"
#include "catch.hpp"

using namespace berth;
using namespace berth::registry;

TEST_CASE("TOML: the subset registries.conf uses") {
  const Json doc = parseToml(R"(# comment
unqualified-search-registries = ["a.io", 'b.io',
  "c.io", # trailing comma next
]
short-name-mode = "enforcing"
n = 1_000
f = true

[aliases]
"my/app" = "quay.io/me/app"
plain = """multi
line"""

[[registry]]
prefix = "example.com/foo"
location = "internal.example.com/bar"
insecure = true
[[registry.mirror]]
location = "mirror.example.com"
[[registry.mirror]]
location = 'mirror2.example.com'
insecure = true

[[registry]]
location = "blocked.io"
blocked = true
inline = { a = "b", c = 2 }
)",
                             "test.conf");
  CHECK(doc["unqualified-search-registries"] == Json::array({"a.io", "b.io", "c.io"}));
  CHECK(doc["n"] == 1000);
  CHECK(doc["f"] == true);
  CHECK(doc["aliases"]["my/app"] == "quay.io/me/app");
  CHECK(doc["aliases"]["plain"] == "multi\nline");
  REQUIRE(doc["registry"].size() == 2);
  CHECK(doc["registry"][0]["mirror"].size() == 2);
  CHECK(doc["registry"][0]["mirror"][1]["insecure"] == true);
  CHECK(doc["registry"][1]["inline"]["c"] == 2);
}

TEST_CASE("TOML: errors name the file and line") {
  try {
    parseToml("a = 1\nb = [1, 2\nc = 3\n", "bad.conf");
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(std::string(e.what()).find("bad.conf: line") == 0);
  }
  CHECK_THROWS_AS(parseToml("a = \"unterminated\n", "x"), Error);
  CHECK_THROWS_AS(parseToml("a = 1\na = 2\n", "x"), Error);
  CHECK_THROWS_AS(parseToml("a = nope\n", "x"), Error);
}

TEST_CASE("registries.conf: rules, mirrors, blocked, insecure") {
  const auto conf = RegistriesConf::parse(R"(
unqualified-search-registries = ["127.0.0.1:5000", "quay.io"]
[[registry]]
prefix = "example.com/foo"
location = "internal.example.com/bar"
[[registry.mirror]]
location = "mirror.example.com/m"
insecure = true
[[registry]]
location = "127.0.0.1:5000"
insecure = true
[[registry]]
prefix = "*.blocked.io"
blocked = true
[[registry]]
location = "digest.io"
mirror-by-digest-only = true
[[registry.mirror]]
location = "dmirror.io"
)",
                                          "r.conf");
  CHECK(conf.searchRegistries == std::vector<std::string>{"127.0.0.1:5000", "quay.io"});
  CHECK(conf.isInsecure("127.0.0.1:5000/busybox:latest"));
  CHECK_FALSE(conf.isInsecure("127.0.0.1:50000/busybox:latest"));
  auto sources = conf.pullSources("example.com/foo/app:1");
  REQUIRE(sources.size() == 2);
  CHECK(sources[0].reference == "mirror.example.com/m/app:1");
  CHECK(sources[0].insecure);
  CHECK(sources[1].reference == "internal.example.com/bar/app:1");
  CHECK_FALSE(sources[1].insecure);
  // A prefix matches only at a component boundary.
  CHECK(conf.pullSources("example.com/foobar:1").front().reference == "example.com/foobar:1");
  CHECK_THROWS_AS(conf.pullSources("x.blocked.io/a:1"), Error);
  CHECK(conf.pullSources("digest.io/a:1").size() == 1);
  CHECK(
      conf.pullSources(
              "digest.io/a@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
          .size() == 2);
}

TEST_CASE("registries.conf: bad values are errors naming the file") {
  CHECK_THROWS_AS(RegistriesConf::parse("short-name-mode = \"maybe\"", "a.conf"), Error);
  CHECK_THROWS_AS(RegistriesConf::parse("[registries.search]\nregistries = []", "a.conf"), Error);
  CHECK_THROWS_AS(RegistriesConf::parse("unqualified-search-registries = [\"a.io/x\"]", "a.conf"),
                  Error);
  CHECK_THROWS_AS(RegistriesConf::parse("[aliases]\nx = \"short\"", "a.conf"), Error);
  CHECK_THROWS_AS(RegistriesConf::parse("[aliases]\nx = \"q.io/a:1\"", "a.conf"), Error);
}

TEST_CASE("short names: aliases, search registries, enforcing without a TTY") {
  auto conf = RegistriesConf::parse(R"(
unqualified-search-registries = ["127.0.0.1:5000", "docker.io"]
short-name-mode = "enforcing"
[aliases]
"app" = "quay.io/me/app"
)",
                                    "r.conf");
  auto r = resolveShortName(conf, "app:2", nullptr);
  CHECK(r.candidates == std::vector<std::string>{"quay.io/me/app:2"});
  CHECK(r.note == "Resolved \"app\" as an alias (r.conf)");
  r = resolveShortName(conf, "quay.io/x/y", nullptr);
  CHECK(r.candidates == std::vector<std::string>{"quay.io/x/y:latest"});
  CHECK(r.note.empty());
  try {
    resolveShortName(conf, "busybox", nullptr);
    FAIL("no error");
  } catch (const Error& e) {
    const std::string message = e.what();
    CHECK(message.find("short-name resolution enforced but cannot prompt without a TTY") == 0);
    CHECK(message.find("127.0.0.1:5000/busybox:latest") != std::string::npos);
    CHECK(message.find("docker.io/library/busybox:latest") != std::string::npos);
  }
  // A terminal: the user picks one, to be recorded as an alias.
  std::vector<std::string> offered;
  r = resolveShortName(conf, "busybox", [&](const std::vector<std::string>& c) {
    offered = c;
    return std::size_t{1};
  });
  CHECK(offered == std::vector<std::string>{"127.0.0.1:5000/busybox:latest",
                                            "docker.io/library/busybox:latest"});
  CHECK(r.candidates == std::vector<std::string>{"docker.io/library/busybox:latest"});
  CHECK(r.aliasToRecord == "busybox");
  CHECK(r.note.empty());
  // Permissive without a terminal: all of them, in order.
  conf.shortNameMode = ShortNameMode::Permissive;
  r = resolveShortName(conf, "busybox", nullptr);
  CHECK(r.candidates == std::vector<std::string>{"127.0.0.1:5000/busybox:latest",
                                                 "docker.io/library/busybox:latest"});
  CHECK(r.note == "Resolving \"busybox\" using unqualified-search registries (r.conf)");
  // Disabled: no prompt even on a terminal.
  conf.shortNameMode = ShortNameMode::Disabled;
  r = resolveShortName(conf, "busybox", [](const std::vector<std::string>&) -> std::size_t {
    FAIL("prompted");
    return 0;
  });
  CHECK(r.candidates.size() == 2);
  CHECK(r.aliasToRecord.empty());

  const auto empty = RegistriesConf::parse("unqualified-search-registries = []", "e.conf");
  try {
    resolveShortName(empty, "bar", nullptr);
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(std::string(e.what()) ==
          "short-name \"bar\" did not resolve to an alias and no unqualified-search registries "
          "are defined in \"e.conf\"");
  }
  CHECK_THROWS_AS(resolveShortName(conf, "Bad:Name:x", nullptr), Error);
}

TEST_CASE("registries.conf: a drop-in replaces lists and same-prefix rules, adds aliases") {
  auto conf = RegistriesConf::parse(
      "unqualified-search-registries = [\"a.io\"]\n[aliases]\nx = \"a.io/x\"\n[[registry]]\n"
      "location = \"a.io\"\ninsecure = true\n",
      "main.conf");
  conf.merge(RegistriesConf::parse(
      "[aliases]\ny = \"b.io/y\"\n[[registry]]\nlocation = \"a.io\"\nblocked = true\n", "d.conf"));
  CHECK(conf.searchRegistries == std::vector<std::string>{"a.io"});
  CHECK(conf.aliases.size() == 2);
  REQUIRE(conf.rules.size() == 1);
  CHECK(conf.rules[0].blocked);
  CHECK_FALSE(conf.rules[0].insecure);
}

TEST_CASE("short-name aliases file: recorded as Podman writes it, ahead of registries.conf") {
  TestDir dir;
  ::setenv("XDG_CACHE_HOME", dir.path().c_str(), 1);
  const std::string file = shortNameAliasesFile(true);
  CHECK(file == dir.path() + "/containers/short-name-aliases.conf");
  CHECK(shortNameAliasesFile(false) == "/var/cache/containers/short-name-aliases.conf");
  recordShortNameAlias(file, "zeta", "quay.io/z/zeta");
  recordShortNameAlias(file, "library/app", "127.0.0.1:5000/library/app");
  recordShortNameAlias(file, "zeta", "docker.io/library/zeta");  // replaces
  CHECK(readFile(file) ==
        "[aliases]\n  \"library/app\" = \"127.0.0.1:5000/library/app\"\n"
        "  zeta = \"docker.io/library/zeta\"\n");
  struct stat st {};
  REQUIRE(::stat(file.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0600);
  CHECK(pathExists(file + ".lock"));

  const std::string conf = dir.path() + "/registries.conf";
  writeFile(conf,
            "unqualified-search-registries = [\"a.io\", \"b.io\"]\n[aliases]\n"
            "zeta = \"a.io/zeta\"\nother = \"a.io/other\"\n");
  ::setenv("CONTAINERS_REGISTRIES_CONF", conf.c_str(), 1);
  const auto loaded = RegistriesConf::load(true);
  ::unsetenv("CONTAINERS_REGISTRIES_CONF");
  ::unsetenv("XDG_CACHE_HOME");
  CHECK(loaded.aliases.at("zeta") == "docker.io/library/zeta");
  CHECK(loaded.aliasOrigin.at("zeta") == file);
  CHECK(loaded.aliases.at("other") == "a.io/other");
  const auto r = resolveShortName(loaded, "zeta:1", nullptr);
  CHECK(r.candidates == std::vector<std::string>{"docker.io/library/zeta:1"});
  CHECK(r.note == "Resolved \"zeta\" as an alias (" + file + ")");
}
