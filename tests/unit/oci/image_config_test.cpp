// SPDX-License-Identifier: Apache-2.0
#include <string>

#include "berth/base/error.hpp"
#include "berth/oci/image.hpp"
#include "catch.hpp"

using namespace berth;
using namespace berth::oci;

namespace {

const std::string kDiffId =
    "sha256:9547b4c33213e630a0ca602a989ecc094e042146ae8afa502e1e65af6473db03";

// Docker Hub's busybox config (Docker format, as `docker build` writes it:
// Go's escaping of '&', nulls for empty lists, container_config and all).
const std::string kBusyboxConfig =
    R"({"architecture":"amd64","config":{"Hostname":"","Domainname":"","User":"","AttachStdin":false,)"
    R"("AttachStdout":false,"AttachStderr":false,"Tty":false,"OpenStdin":false,"StdinOnce":false,)"
    R"("Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["sh"],)"
    R"("Image":"sha256:6f0a5b8c2e1d3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a",)"
    R"("Volumes":null,"WorkingDir":"","Entrypoint":null,"OnBuild":null,"Labels":null},)"
    R"("container":"7dd2a5e4f6b1c7c8a3d5e2f1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1",)"
    R"("container_config":{"Hostname":"7dd2a5e4f6b1","Cmd":["/bin/sh","-c","#(nop) ","CMD [\"sh\"]"]},)"
    R"("created":"2023-05-19T20:19:07.468578455Z","docker_version":"20.10.23",)"
    R"("history":[{"created":"2023-05-19T20:19:07.330898084Z","created_by":"/bin/sh -c #(nop) )"
    R"(ADD file:7e9002edaafd4e4579b65c8f0aaabde1aeb7fd3f8d95579f7fd3443cef785fd1 in / \u0026\u0026 true "},)"
    R"({"created":"2023-05-19T20:19:07.468578455Z","created_by":"/bin/sh -c #(nop)  CMD [\"sh\"]",)"
    R"("empty_layer":true}],"os":"linux","rootfs":{"type":"layers","diff_ids":[")" +
    kDiffId + R"("]}})";

std::string configError(const std::string& text) {
  try {
    ImageConfig::fromJson(Json::parse(text), "config sha256:abc");
  } catch (const Error& e) {
    CHECK(e.kind() == Errc::InvalidArgument);
    return e.what();
  }
  FAIL("no error for " << text);
  return "";
}

std::string withRunConfig(const std::string& config) {
  return R"({"architecture":"amd64","os":"linux","config":)" + config +
         R"(,"rootfs":{"type":"layers","diff_ids":[]}})";
}

}  // namespace

TEST_CASE("a Docker Hub busybox config parses") {
  const auto image = ImageConfig::fromJson(Json::parse(kBusyboxConfig), "busybox config");
  CHECK(image.architecture == "amd64");
  CHECK(image.os == "linux");
  CHECK(image.created == "2023-05-19T20:19:07.468578455Z");
  CHECK(image.config.env ==
        std::vector<std::string>{
            "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"});
  CHECK(image.config.cmd == std::vector<std::string>{"sh"});
  CHECK(image.config.entrypoint.empty());
  CHECK(image.config.labels.empty());
  REQUIRE(image.rootfs.diffIds.size() == 1);
  CHECK(image.rootfs.diffIds[0].str() == kDiffId);
  REQUIRE(image.history.size() == 2);
  CHECK(image.history[0].createdBy.find("&& true") != std::string::npos);
  CHECK_FALSE(image.history[0].emptyLayer);
  CHECK(image.history[1].emptyLayer);
  CHECK(image.extra["docker_version"] == "20.10.23");
  CHECK(image.config.extra["Hostname"] == "");
}

TEST_CASE("an unchanged config re-serialises to its exact bytes") {
  const auto image = ImageConfig::fromJson(Json::parse(kBusyboxConfig), "busybox config");
  CHECK(encodeJson(image.toJson()) == kBusyboxConfig);
}

TEST_CASE("a config built from scratch serialises exactly as Go would") {
  ImageConfig image;
  image.created = "2024-01-02T03:04:05.123456789Z";
  image.architecture = "arm64";
  image.os = "linux";
  image.variant = "v8";
  image.config.user = "1000:1000";
  image.config.exposedPorts = {"8080/tcp", "80/tcp"};
  image.config.env = {"PATH=/usr/bin:/bin", "A=<b>"};
  image.config.entrypoint = {"/entry.sh"};
  image.config.cmd = {"serve", "--port", "80"};
  image.config.volumes = {"/data"};
  image.config.workingDir = "/srv";
  image.config.labels = {{"version", "1"}, {"maintainer", "me"}};
  image.config.stopSignal = "SIGQUIT";
  image.config.healthcheck =
      Healthcheck{{"CMD-SHELL", "true"}, 30000000000, 0, 0, 0, 3, Json::object()};
  image.rootfs.diffIds = {Digest::parse(kDiffId)};
  image.history = {
      HistoryEntry{"2024-01-02T03:04:05Z", "/bin/sh -c make && make install", "", "", false,
                   Json::object()},
      HistoryEntry{"2024-01-02T03:04:05Z", "/bin/sh -c #(nop) CMD [\"serve\"]", "", "", true,
                   Json::object()},
  };
  const std::string expected =
      R"({"created":"2024-01-02T03:04:05.123456789Z","architecture":"arm64","os":"linux",)"
      R"("variant":"v8","config":{"User":"1000:1000","ExposedPorts":{"80/tcp":{},"8080/tcp":{}},)"
      R"("Env":["PATH=/usr/bin:/bin","A=\u003cb\u003e"],"Entrypoint":["/entry.sh"],)"
      R"("Cmd":["serve","--port","80"],"Volumes":{"/data":{}},"WorkingDir":"/srv",)"
      R"("Labels":{"maintainer":"me","version":"1"},"StopSignal":"SIGQUIT",)"
      R"("Healthcheck":{"Test":["CMD-SHELL","true"],"Interval":30000000000,"Retries":3}},)"
      R"("rootfs":{"type":"layers","diff_ids":[")" +
      kDiffId +
      R"("]},"history":[{"created":"2024-01-02T03:04:05Z",)"
      R"("created_by":"/bin/sh -c make \u0026\u0026 make install"},)"
      R"({"created":"2024-01-02T03:04:05Z","created_by":"/bin/sh -c #(nop) CMD [\"serve\"]",)"
      R"("empty_layer":true}]})";
  CHECK(encodeJson(image.toJson()) == expected);
  // And it reads back to the same model.
  const auto again = ImageConfig::fromJson(Json::parse(expected), "again");
  CHECK(again.config.exposedPorts == image.config.exposedPorts);
  CHECK(again.config.healthcheck->interval == 30000000000);
  CHECK(encodeJson(again.toJson()) == expected);
}

TEST_CASE("a minimal config keeps the required fields") {
  ImageConfig image;
  CHECK(encodeJson(image.toJson()) ==
        R"({"architecture":"","os":"","config":{},"rootfs":{"type":"layers","diff_ids":[]}})");
}

TEST_CASE("Docker's single-string Cmd and Entrypoint are accepted") {
  const auto image = ImageConfig::fromJson(
      Json::parse(withRunConfig(R"({"Cmd":"sh","Entrypoint":"/init","Shell":["/bin/ash","-c"]})")),
      "c");
  CHECK(image.config.cmd == std::vector<std::string>{"sh"});
  CHECK(image.config.entrypoint == std::vector<std::string>{"/init"});
  CHECK(image.config.shell == std::vector<std::string>{"/bin/ash", "-c"});
}

TEST_CASE("invalid configs name the document and the field") {
  CHECK(configError(R"({"architecture":"amd64","os":"linux"})") ==
        "config sha256:abc: image.rootfs: missing required field");
  CHECK(configError(R"({"rootfs":{"type":"layers","diff_ids":["sha256:1"]}})") ==
        "config sha256:abc: image.rootfs.diff_ids[0]: invalid digest \"sha256:1\": expected "
        "sha256:<64 hex characters>");
  CHECK(configError(R"({"rootfs":{"type":"tarballs","diff_ids":[]}})") ==
        "config sha256:abc: image.rootfs.type: unsupported rootfs type \"tarballs\": expected "
        "\"layers\"");
  CHECK(configError(withRunConfig(R"({"Env":"PATH=/bin"})")) ==
        "config sha256:abc: image.config.Env: expected an array of strings, not a string");
  CHECK(configError(withRunConfig(R"({"Env":["A=1",2]})")) ==
        "config sha256:abc: image.config.Env[1]: expected a string, not a number");
  CHECK(configError(withRunConfig(R"({"ExposedPorts":{"80/tcp":"yes"}})")) ==
        "config sha256:abc: image.config.ExposedPorts[\"80/tcp\"]: expected an empty object, not "
        "a string");
  CHECK(configError(withRunConfig(R"({"Healthcheck":{"Interval":-5}})")) ==
        "config sha256:abc: image.config.Healthcheck.Interval: -5 is negative: expected a "
        "duration in nanoseconds");
  CHECK(configError(R"({"created":"yesterday","rootfs":{"type":"layers"}})") ==
        "config sha256:abc: image.created: invalid time \"yesterday\": expected RFC 3339 like "
        "2006-01-02T15:04:05Z");
  CHECK(configError(R"({"rootfs":{"type":"layers"},"history":[{"empty_layer":"yes"}]})") ==
        "config sha256:abc: image.history[0].empty_layer: expected a boolean, not a string");
  CHECK(configError(R"({"architecture":5,"rootfs":{"type":"layers"}})") ==
        "config sha256:abc: image.architecture: expected a string, not a number");
}
