// SPDX-License-Identifier: Apache-2.0
#include <sys/stat.h>

#include "berth/base/error.hpp"
#include "berth/base/fs.hpp"
#include "berth/base/json.hpp"
#include "berth/registry/auth.hpp"
#include "catch.hpp"
#include "test_dir.hpp"

using namespace berth;
using namespace berth::registry;

TEST_CASE("WWW-Authenticate: a bearer challenge with quoted parameters") {
  const auto challenges = parseWwwAuthenticate(
      R"(Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:samalba/my-app:pull,push")");
  REQUIRE(challenges.size() == 1);
  CHECK(challenges[0].scheme == "bearer");
  CHECK(challenges[0].param("realm") == "https://auth.docker.io/token");
  CHECK(challenges[0].param("service") == "registry.docker.io");
  CHECK(challenges[0].param("scope") == "repository:samalba/my-app:pull,push");
}

TEST_CASE("WWW-Authenticate: several challenges, escapes, unquoted values, case") {
  const auto challenges = parseWwwAuthenticate(
      R"(BASIC realm="a \"quoted\" realm, with comma", Bearer realm=https://t/x , error=insufficient_scope)");
  REQUIRE(challenges.size() == 2);
  CHECK(challenges[0].scheme == "basic");
  CHECK(challenges[0].param("realm") == "a \"quoted\" realm, with comma");
  CHECK(challenges[1].scheme == "bearer");
  CHECK(challenges[1].param("realm") == "https://t/x");
  CHECK(challenges[1].param("error") == "insufficient_scope");
  CHECK(challenges[1].param("nope").empty());
}

TEST_CASE("WWW-Authenticate: garbage does not throw") {
  CHECK(parseWwwAuthenticate("").empty());
  CHECK(parseWwwAuthenticate("=,,=\"").empty());
  const auto c = parseWwwAuthenticate("Basic realm=\"unterminated");
  REQUIRE(c.size() == 1);
  CHECK(c[0].param("realm") == "unterminated");
}

TEST_CASE("base64 round trips and rejects bad input") {
  for (const std::string text : {"", "a", "ab", "abc", "user:pass", "anchor:anchorpw\xff"}) {
    const auto decoded = base64Decode(base64Encode(text));
    REQUIRE(decoded);
    CHECK(*decoded == text);
  }
  CHECK(base64Encode("anchor:anchorpw") == "YW5jaG9yOmFuY2hvcnB3");
  CHECK_FALSE(base64Decode("a*b="));
  CHECK_FALSE(base64Decode("a"));
}

TEST_CASE("--creds") {
  const auto c = parseCredsFlag("user:pa:ss");
  CHECK(c.username == "user");
  CHECK(c.password == "pa:ss");
  CHECK_THROWS_AS(parseCredsFlag(":pw"), Error);
  CHECK_THROWS_AS(parseCredsFlag("user"), Error);
}

TEST_CASE("auth keys are normalized as containers/image does") {
  CHECK(normalizeAuthKey("https://index.docker.io/v1/") == "docker.io");
  CHECK(normalizeAuthKey("http://127.0.0.1:5000") == "127.0.0.1:5000");
  CHECK(normalizeAuthKey("quay.io/org/repo") == "quay.io/org/repo");
  CHECK(normalizeAuthKey("registry.example.com/") == "registry.example.com");
}

TEST_CASE("auth.json: store, look up (most specific key first), remove") {
  TestDir dir;
  const std::string file = dir.path() + "/containers/auth.json";
  storeCredentials(file, "127.0.0.1:5000", Credentials{"anchor", "anchorpw"});
  storeCredentials(file, "127.0.0.1:5000/team", Credentials{"team", "teampw"});
  struct stat st {};
  REQUIRE(::stat(file.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  const Json json = readJsonFile(file);
  CHECK(json["auths"]["127.0.0.1:5000"]["auth"] == "YW5jaG9yOmFuY2hvcnB3");

  auto c = lookupCredentials({file}, "127.0.0.1:5000/busybox");
  REQUIRE(c);
  CHECK(c->username == "anchor");
  c = lookupCredentials({file}, "127.0.0.1:5000/team/app");
  REQUIRE(c);
  CHECK(c->username == "team");
  CHECK_FALSE(lookupCredentials({file}, "127.0.0.1:50001/busybox"));
  CHECK_FALSE(lookupCredentials({dir.path() + "/missing.json"}, "127.0.0.1:5000/x"));

  CHECK(removeCredentials(file, "127.0.0.1:5000"));
  CHECK_FALSE(removeCredentials(file, "127.0.0.1:5000"));
  CHECK_FALSE(lookupCredentials({file}, "127.0.0.1:5000/busybox"));
  removeAllCredentials(file);
  CHECK_FALSE(pathExists(file));
}

TEST_CASE("auth files: unknown fields survive, Docker's config is read, bad files are errors") {
  TestDir dir;
  const std::string file = dir.path() + "/auth.json";
  writeFile(file, R"({"auths":{},"credHelpers":{"x":"y"}})");
  storeCredentials(file, "h", Credentials{"u", "p"});
  CHECK(readJsonFile(file)["credHelpers"]["x"] == "y");

  const std::string docker = dir.path() + "/config.json";
  writeFile(docker, R"({"auths":{"https://index.docker.io/v1/":{"auth":"dTpw"}}})");
  const auto c =
      lookupCredentials({dir.path() + "/none.json", docker}, "docker.io/library/busybox");
  REQUIRE(c);
  CHECK(c->username == "u");
  CHECK(c->password == "p");

  writeFile(docker, "not json");
  CHECK_THROWS_AS(lookupCredentials({docker}, "docker.io/x"), Error);
  writeFile(docker, R"({"auths":{"h":{"auth":"!!"}}})");
  CHECK_THROWS_AS(lookupCredentials({docker}, "h/x"), Error);
}
