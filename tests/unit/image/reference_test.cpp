// SPDX-License-Identifier: Apache-2.0
#include <string>
#include <vector>

#include "berth/base/error.hpp"
#include "berth/image/reference.hpp"
#include "catch.hpp"

using namespace berth;
using namespace berth::image;

namespace {

const std::string kHex = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
const std::string kDigest = "sha256:" + kHex;

struct Valid {
  std::string input;
  std::string domain;
  std::string path;
  std::string tag;
  std::string digest;
  std::string familiar;
};

struct Invalid {
  std::string input;
  std::string reason;  ///< a part of the message
};

template <class F>
std::string errorOf(F&& parse, const std::string& input) {
  try {
    parse(input);
  } catch (const Error& e) {
    CHECK(e.kind() == Errc::InvalidArgument);
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("parseNormalizedReference: valid references (Docker's ParseNormalizedNamed + latest)") {
  const std::vector<Valid> cases = {
      {"busybox", "docker.io", "library/busybox", "latest", "", "busybox:latest"},
      {"busybox:1.36", "docker.io", "library/busybox", "1.36", "", "busybox:1.36"},
      {"user/app", "docker.io", "user/app", "latest", "", "user/app:latest"},
      {"quay.io/a/b:1", "quay.io", "a/b", "1", "", "quay.io/a/b:1"},
      {"localhost:5000/x", "localhost:5000", "x", "latest", "", "localhost:5000/x:latest"},
      {"localhost/x", "localhost", "x", "latest", "", "localhost/x:latest"},
      {"127.0.0.1:5000/busybox", "127.0.0.1:5000", "busybox", "latest", "",
       "127.0.0.1:5000/busybox:latest"},
      {"docker.io/busybox", "docker.io", "library/busybox", "latest", "", "busybox:latest"},
      {"index.docker.io/busybox", "docker.io", "library/busybox", "latest", "", "busybox:latest"},
      {"docker.io/library/busybox:latest", "docker.io", "library/busybox", "latest", "",
       "busybox:latest"},
      {"busybox@" + kDigest, "docker.io", "library/busybox", "", kDigest, "busybox@" + kDigest},
      {"busybox:1@" + kDigest, "docker.io", "library/busybox", "1", kDigest,
       "busybox:1@" + kDigest},
      {"registry.example.com:443/ns/sub/app:v1.2.3", "registry.example.com:443", "ns/sub/app",
       "v1.2.3", "", "registry.example.com:443/ns/sub/app:v1.2.3"},
      {"a/b/c/d", "docker.io", "a/b/c/d", "latest", "", "a/b/c/d:latest"},
      {"foo_bar", "docker.io", "library/foo_bar", "latest", "", "foo_bar:latest"},
      {"foo__bar", "docker.io", "library/foo__bar", "latest", "", "foo__bar:latest"},
      {"foo-----bar", "docker.io", "library/foo-----bar", "latest", "", "foo-----bar:latest"},
      {"foo.bar", "docker.io", "library/foo.bar", "latest", "", "foo.bar:latest"},
      // No '/': a port-looking suffix is a tag (Docker does the same).
      {"localhost:5000", "docker.io", "library/localhost", "5000", "", "localhost:5000"},
      {"Example.COM/foo", "Example.COM", "foo", "latest", "", "Example.COM/foo:latest"},
      {"[::1]:5000/foo", "[::1]:5000", "foo", "latest", "", "[::1]:5000/foo:latest"},
      {"busybox:Latest_1.0-rc", "docker.io", "library/busybox", "Latest_1.0-rc", "",
       "busybox:Latest_1.0-rc"},
      {"busybox:" + std::string(128, 'x'), "docker.io", "library/busybox", std::string(128, 'x'),
       "", "busybox:" + std::string(128, 'x')},
      {"library/busybox", "docker.io", "library/busybox", "latest", "", "busybox:latest"},
      {"my-registry:5000/foo/bar@sha512:" + std::string(128, 'e'), "my-registry:5000", "foo/bar",
       "", "sha512:" + std::string(128, 'e'),
       "my-registry:5000/foo/bar@sha512:" + std::string(128, 'e')},
      {"a", "docker.io", "library/a", "latest", "", "a:latest"},
      {"foo/bar", "docker.io", "foo/bar", "latest", "", "foo/bar:latest"},
      {"docker.io/library/foo/bar", "docker.io", "library/foo/bar", "latest", "",
       "library/foo/bar:latest"},
      {"localhost/ns/app:2", "localhost", "ns/app", "2", "", "localhost/ns/app:2"},
      {"x/" + std::string(200, 'a'), "docker.io", "x/" + std::string(200, 'a'), "latest", "",
       "x/" + std::string(200, 'a') + ":latest"},
  };
  for (const auto& c : cases) {
    INFO(c.input);
    const Reference ref = parseNormalizedReference(c.input);
    CHECK(ref.domain == c.domain);
    CHECK(ref.path == c.path);
    CHECK(ref.tag == c.tag);
    CHECK(ref.digest == c.digest);
    CHECK(ref.familiar() == c.familiar);
    CHECK(ref.name() == c.domain + "/" + c.path);
    CHECK(ref.isTagged() == !c.tag.empty());
    CHECK(ref.isDigested() == !c.digest.empty());
    std::string full = c.domain + "/" + c.path;
    if (!c.tag.empty()) full += ":" + c.tag;
    if (!c.digest.empty()) full += "@" + c.digest;
    CHECK(ref.str() == full);
    // Normalizing the normalized form changes nothing.
    CHECK(parseNormalizedReference(ref.str()) == ref);
  }
}

TEST_CASE("parseNormalizedReference: invalid references name the input and the rule") {
  const std::vector<Invalid> cases = {
      {"", "repository name must have at least one component"},
      {"BusyBox", "repository name must be lowercase"},
      {"quay.io/Foo/bar", "repository name must be lowercase"},
      {"Foo/bar", "repository name must be lowercase"},
      {"busybox:", "invalid tag \"\""},
      {"busybox:.tag", "invalid tag \".tag\""},
      {"busybox:-tag", "invalid tag \"-tag\""},
      {"busybox:" + std::string(129, 'x'), "expected 1 to 128 letters"},
      {"busybox:tag!", "invalid tag \"tag!\""},
      {std::string(300, 'a'), "repository name must not be more than 255 characters"},
      // Fine alone, too long once docker.io/library/ is added (as Podman).
      {std::string(250, 'a'), "repository name must not be more than 255 characters"},
      {kHex, "cannot specify 64-byte hexadecimal strings"},
      {"busybox@sha256:xyz", "invalid digest \"sha256:xyz\": expected sha256:<64 hex characters>"},
      {"busybox@sha256:" + std::string(64, 'A'), "invalid digest"},
      {"busybox@md5:" + std::string(32, 'a'), "invalid digest"},
      {"busybox@", "invalid digest \"\""},
      {"-foo", "expected [domain[:port]/]name[:tag][@digest]"},
      {"foo-", "expected [domain[:port]/]name"},
      {"foo..bar", "expected [domain[:port]/]name"},
      {"foo/", "expected [domain[:port]/]name"},
      {"/foo", "expected [domain[:port]/]name"},
      {"foo//bar", "expected [domain[:port]/]name"},
      {"foo bar", "expected [domain[:port]/]name"},
      {"foo._bar", "expected [domain[:port]/]name"},
      {"foo___bar", "expected [domain[:port]/]name"},
      {"@" + kDigest, "expected [domain[:port]/]name"},
      {":tag", "expected [domain[:port]/]name"},
      {"http://foo", "expected [domain[:port]/]name"},
      {"foo:bar:baz", "expected [domain[:port]/]name"},
      {"docker://busybox", "expected [domain[:port]/]name"},
      {"quay.io:port/foo", "expected [domain[:port]/]name"},
      {"-quay.io/foo", "expected [domain[:port]/]name"},
      {"[zz]:5000/foo", "expected [domain[:port]/]name"},
      {"#", "expected [domain[:port]/]name"},
  };
  for (const auto& c : cases) {
    INFO(c.input);
    const std::string message = errorOf(parseNormalizedReference, c.input);
    CHECK(message.find("\"" + c.input + "\"") != std::string::npos);
    CHECK(message.find(c.reason) != std::string::npos);
    CHECK(message.find('\n') == std::string::npos);
  }
  CHECK(errorOf(parseNormalizedReference, "BusyBox") ==
        "invalid reference format \"BusyBox\": repository name must be lowercase");
  CHECK(errorOf(parseNormalizedReference, kHex) ==
        "invalid repository name \"" + kHex + "\": cannot specify 64-byte hexadecimal strings");
}

TEST_CASE("parseReference does not normalize") {
  Reference ref = parseReference("foo/bar:1");
  CHECK(ref.domain == "foo");  // Go's regexp takes the first component as the domain
  CHECK(ref.path == "bar");
  CHECK(ref.str() == "foo/bar:1");
  ref = parseReference("busybox");
  CHECK(ref.domain.empty());
  CHECK(ref.path == "busybox");
  CHECK(ref.tag.empty());
  CHECK(ref.name() == "busybox");
  CHECK(ref.familiar() == "busybox");
  ref = parseReference("a_b/c");
  CHECK(ref.domain.empty());  // '_' is not allowed in a domain
  CHECK(ref.path == "a_b/c");
  CHECK(parseReference(kHex).path == kHex);  // only the normalized parser refuses ids
  CHECK(errorOf(parseReference, "Bad") ==
        "invalid reference format \"Bad\": repository name must be lowercase");
}

TEST_CASE("parseLocalName: Podman's NormalizeName for names it creates") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"foo", "localhost/foo:latest"},
      {"foo:1", "localhost/foo:1"},
      {"foo/bar:1", "localhost/foo/bar:1"},
      {"ns/busybox:latest", "localhost/ns/busybox:latest"},
      {"library/foo", "localhost/library/foo:latest"},
      {"docker.io/foo", "docker.io/library/foo:latest"},
      {"docker.io/busybox:latest", "docker.io/library/busybox:latest"},
      {"index.docker.io/foo", "docker.io/library/foo:latest"},
      {"quay.io/a/b", "quay.io/a/b:latest"},
      {"example.com/busybox:notlatest", "example.com/busybox:notlatest"},
      {"localhost/foo", "localhost/foo:latest"},
      {"localhost:5000/foo:2", "localhost:5000/foo:2"},
      {"example.com/busybox@" + kDigest, "example.com/busybox@" + kDigest},
      {"example.com/busybox:notlatest@" + kDigest, "example.com/busybox@" + kDigest},
      {"busybox:latest@" + kDigest, "localhost/busybox@" + kDigest},
      {kHex, "localhost/" + kHex + ":latest"},
  };
  for (const auto& [input, expected] : cases) {
    INFO(input);
    CHECK(parseLocalName(input).str() == expected);
  }
  for (const std::string input : {"#", "Foo", "FOO/bar", "foo:", "", "foo@sha256:1"}) {
    INFO(input);
    const std::string message = errorOf(parseLocalName, input);
    CHECK(message.find("\"" + input + "\"") != std::string::npos);
  }
  CHECK(errorOf(parseLocalName, std::string(250, 'a')).find("not be more than 255") !=
        std::string::npos);
}

TEST_CASE("isShortName follows containers/image shortnames") {
  CHECK(isShortName("busybox"));
  CHECK(isShortName("busybox:1"));
  CHECK(isShortName("library/busybox"));
  CHECK(isShortName("busybox@" + kDigest));
  CHECK_FALSE(isShortName("quay.io/busybox"));
  CHECK_FALSE(isShortName("localhost/busybox"));
  CHECK_FALSE(isShortName("host:5000/busybox"));
  CHECK_FALSE(isShortName("docker.io/busybox"));
  CHECK_FALSE(isShortName("Bad Name"));
}

TEST_CASE("shortNameCandidates: the names LookupImage tries, in order") {
  using Names = std::vector<std::string>;
  CHECK(shortNameCandidates("busybox") ==
        Names{"localhost/busybox:latest", "docker.io/library/busybox:latest"});
  CHECK(shortNameCandidates("busybox", {"quay.io", "docker.io"}) ==
        Names{"localhost/busybox:latest", "quay.io/busybox:latest",
              "docker.io/library/busybox:latest"});
  // docker.io is tried last for compatibility even when it is not a search registry.
  CHECK(shortNameCandidates("busybox", {"quay.io"}) == Names{"localhost/busybox:latest",
                                                             "quay.io/busybox:latest",
                                                             "docker.io/library/busybox:latest"});
  CHECK(shortNameCandidates("busybox", {}) ==
        Names{"localhost/busybox:latest", "docker.io/library/busybox:latest"});
  CHECK(shortNameCandidates("library/busybox:1") ==
        Names{"localhost/library/busybox:1", "docker.io/library/busybox:1"});
  CHECK(shortNameCandidates("quay.io/a/b") == Names{"quay.io/a/b:latest"});
  CHECK(shortNameCandidates("docker.io/busybox") == Names{"docker.io/library/busybox:latest"});
  CHECK(shortNameCandidates("localhost/busybox") == Names{"localhost/busybox:latest"});
  CHECK(shortNameCandidates("busybox:1@" + kDigest) ==
        Names{"localhost/busybox@" + kDigest, "docker.io/library/busybox@" + kDigest});
  CHECK(shortNameCandidates("3f5a") ==
        Names{"localhost/3f5a:latest", "docker.io/library/3f5a:latest"});
  CHECK(shortNameCandidates(kHex).empty());
  CHECK(shortNameCandidates("sha256:" + kHex).empty());
  CHECK(errorOf([](const std::string& s) { return shortNameCandidates(s); }, "sha256:abc") ==
        "invalid image id \"sha256:abc\": expected sha256:<64 hex characters>");
  CHECK(errorOf([](const std::string& s) { return shortNameCandidates(s); }, "Busybox") ==
        "invalid reference format \"Busybox\": repository name must be lowercase");
}

TEST_CASE("matchesShortName: Podman's repo-tag suffix match") {
  const Reference busybox = parseNormalizedReference("busybox");
  CHECK(matchesShortName(busybox, "busybox"));
  CHECK(matchesShortName(busybox, "busybox:latest"));
  CHECK(matchesShortName(busybox, "library/busybox"));
  CHECK_FALSE(matchesShortName(busybox, "busybox:1"));
  CHECK_FALSE(matchesShortName(busybox, "ary/busybox"));
  CHECK_FALSE(matchesShortName(busybox, "usybox"));
  CHECK_FALSE(matchesShortName(busybox, "docker.io/library/busybox"));  // not short
  CHECK(matchesShortName(busybox, "busybox@" + kDigest));  // the caller checks the digest
  const Reference local = parseLocalName("foo/bar:1");
  CHECK(matchesShortName(local, "bar:1"));
  CHECK(matchesShortName(local, "foo/bar:1"));
  CHECK_FALSE(matchesShortName(local, "bar"));
  CHECK_FALSE(matchesShortName(local, "Bad Name"));
}
