// SPDX-License-Identifier: Apache-2.0
// --change parsing against what Podman 4.3.1 stored for the same values
// (`podman import -c ...`, config read back with `podman save --format oci-dir`).
#include <string>
#include <vector>

#include "berth/base/error.hpp"
#include "berth/format/template.hpp"
#include "berth/image/change.hpp"
#include "berth/oci/json_encoding.hpp"
#include "catch.hpp"

using namespace berth;
using namespace berth::image;
using berth::format::goQuote;

namespace {

std::string configJson(const std::vector<std::string>& changes) {
  return oci::encodeJson(configFromChanges(changes).toJson());
}

std::string errorOf(const std::vector<std::string>& changes) {
  try {
    configFromChanges(changes);
  } catch (const Error& e) {
    CHECK(e.kind() == Errc::InvalidArgument);
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("configFromChanges: Podman's stored config, field for field") {
  CHECK(configJson({"CMD [\"/bin/echo\",\"hi\"]", "ENV A=b C=d", "EXPOSE 443/udp",
                    "LABEL \"x\"=\"y z\"", "USER 1000", "VOLUME /data /d2", "WORKDIR /w",
                    "WORKDIR sub", "ENTRYPOINT /bin/sh -c", "STOPSIGNAL SIGTERM"}) ==
        R"({"User":"1000","ExposedPorts":{"443/udp":{}},"Env":["A=b C=d"],)"
        R"("Entrypoint":["/bin/sh","-c","/bin/sh -c"],"Cmd":["/bin/echo","hi"],)"
        R"("Volumes":{"/d2":{},"/data":{}},"WorkingDir":"/w/sub","Labels":{"x":"y z"},)"
        R"("StopSignal":"15"})");
  CHECK(configJson({}) == "{}");
}

TEST_CASE("configFromChanges: one instruction at a time") {
  struct Case {
    std::string change;
    std::string json;
  };
  const std::vector<Case> cases = {
      // The instruction is case-insensitive; "KEY=VALUE" when there is no space.
      {"cmd=[\"a\"]", R"({"Cmd":["a"]})"},
      {"CMD [1]", R"({"Cmd":["/bin/sh","-c","[1]"]})"},
      {"CMD echo hi", R"({"Cmd":["/bin/sh","-c","echo hi"]})"},
      {"CMD ", R"({"Cmd":["/bin/sh","-c"]})"},
      {"CMD null", "{}"},
      {"CMD \"a\"", R"({"Cmd":["/bin/sh","-c","\"a\""]})"},
      {"ENTRYPOINT []", "{}"},
      {"ENTRYPOINT ", "{}"},
      {"ENTRYPOINT [\"/bin/true\", \"x\"]", R"({"Entrypoint":["/bin/true","x"]})"},
      {"ENTRYPOINT top -b", R"({"Entrypoint":["/bin/sh","-c","top -b"]})"},
      // ENV: one pair; "ENV A b" is Podman's "A b=".
      {"ENV A b", R"({"Env":["A b="]})"},
      {"ENV \"A\"=\"b c\"", R"({"Env":["A=b c"]})"},
      {"ENV EMPTY", R"({"Env":["EMPTY="]})"},
      {"ENV X=a=b", R"({"Env":["X=a=b"]})"},
      {"EXPOSE 80", R"({"ExposedPorts":{"80/tcp":{}}})"},
      {"EXPOSE +80", R"({"ExposedPorts":{"80/tcp":{}}})"},
      {"EXPOSE 53/UDP", R"({"ExposedPorts":{"53/udp":{}}})"},
      {"LABEL a=", R"({"Labels":{"a":""}})"},
      {"LABEL a=b=c", R"({"Labels":{"a":"b=c"}})"},
      {"USER bob:wheel", R"({"User":"bob:wheel"})"},
      {"VOLUME [\"/a\",\"/b\"]", R"({"Volumes":{"/a":{},"/b":{}}})"},
      {"WORKDIR a/../b", R"({"WorkingDir":"b"})"},
      {"WORKDIR //x/./y/", R"({"WorkingDir":"/x/y"})"},
      {"STOPSIGNAL 99", R"({"StopSignal":"99"})"},
      {"STOPSIGNAL -1", R"({"StopSignal":"-1"})"},
      {"STOPSIGNAL rtmin+3", R"({"StopSignal":"37"})"},
      {"STOPSIGNAL kill", R"({"StopSignal":"9"})"},
      {"STOPSIGNAL sigusr1", R"({"StopSignal":"10"})"},
      {"STOPSIGNAL SIGRTMAX-2", R"({"StopSignal":"62"})"},
      {"ONBUILD RUN make", R"({"OnBuild":["RUN make"]})"},
  };
  for (const auto& c : cases) {
    INFO(c.change);
    CHECK(configJson({c.change}) == c.json);
  }
}

TEST_CASE("configFromChanges: later values replace or add, as in Podman") {
  CHECK(configJson({"CMD a", "CMD [\"b\"]"}) == R"({"Cmd":["b"]})");
  CHECK(configJson({"ENV A=1", "ENV B=2"}) == R"({"Env":["A=1","B=2"]})");
  CHECK(configJson({"VOLUME /a", "VOLUME /b /a"}) == R"({"Volumes":{"/a":{},"/b":{}}})");
  CHECK(configJson({"WORKDIR /a", "WORKDIR ../b", "WORKDIR c"}) == R"({"WorkingDir":"/b/c"})");
  CHECK(configJson({"LABEL a=1", "LABEL a=2"}) == R"({"Labels":{"a":"2"}})");
}

TEST_CASE("configFromChanges: Podman's errors, naming the change") {
  struct Case {
    std::string change;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"CMD", R"(invalid change "CMD" - must be formatted as KEY VALUE)"},
      {"ENV", R"(invalid change "ENV" - must be formatted as KEY VALUE)"},
      {"FOO bar", R"(invalid change "FOO bar" - invalid instruction FOO)"},
      {" user bob", R"(invalid change " user bob" - invalid instruction )"},
      {"ENV =x", R"(invalid change "ENV =x" - ENV must have at least one argument)"},
      {"EXPOSE 80 443", R"(invalid change "EXPOSE 80 443" - EXPOSE port must be an integer: )"
                        R"(strconv.Atoi: parsing "80 443": invalid syntax)"},
      {"EXPOSE 99999999999999999999",
       R"(invalid change "EXPOSE 99999999999999999999" - EXPOSE port must be an integer: )"
       R"(strconv.Atoi: parsing "99999999999999999999": value out of range)"},
      {"EXPOSE 0", R"(invalid change "EXPOSE 0" - EXPOSE port must be a valid port number)"},
      {"EXPOSE 65536",
       R"(invalid change "EXPOSE 65536" - EXPOSE port must be a valid port number)"},
      {"EXPOSE 80/sctp", R"(invalid change "EXPOSE 80/sctp" - EXPOSE protocol must be TCP or UDP)"},
      {"EXPOSE 80/tcp/x",
       R"(invalid change "EXPOSE 80/tcp/x" - EXPOSE port must be formatted as PORT[/PROTO])"},
      {"LABEL a", R"(invalid change "LABEL a" - LABEL must be formatted key=value)"},
      {"LABEL =b", R"(invalid change "LABEL =b" - LABEL must have a non-empty key)"},
      {"LABEL \"\"=b", R"(invalid change "LABEL \"\"=b" - LABEL must have a non-empty key)"},
      {"USER ", R"(invalid change "USER " - must provide a value to USER)"},
      {"VOLUME ", R"(invalid change "VOLUME " - VOLUME paths must not be empty)"},
      {"VOLUME /a  /b", R"(invalid change "VOLUME /a  /b" - VOLUME paths must not be empty)"},
      {"VOLUME []", R"(invalid change "VOLUME []" - must provide at least one argument to VOLUME)"},
      {"VOLUME null",
       R"(invalid change "VOLUME null" - must provide at least one argument to VOLUME)"},
      {"WORKDIR ", R"(invalid change "WORKDIR " - must provide a non-empty WORKDIR)"},
      {"ONBUILD ", R"(invalid change "ONBUILD " - ONBUILD must be given an argument)"},
      {"STOPSIGNAL NOPE", R"(invalid change "STOPSIGNAL NOPE" - KILLSIGNAL must be given a )"
                          R"(valid signal: invalid signal: NOPE)"},
      {"STOPSIGNAL 0", R"(invalid change "STOPSIGNAL 0" - KILLSIGNAL must be given a valid )"
                       R"(signal: invalid signal: 0)"},
      {"STOPSIGNAL RTMIN+16", R"(invalid change "STOPSIGNAL RTMIN+16" - KILLSIGNAL must be )"
                              R"(given a valid signal: invalid signal: RTMIN+16)"},
      {"CMD\tx", R"(invalid change "CMD\tx" - must be formatted as KEY VALUE)"},
  };
  for (const auto& c : cases) {
    INFO(c.change);
    CHECK(errorOf({c.change}) == c.message);
  }
  // The first bad change stops the parse.
  CHECK(errorOf({"USER a", "EXPOSE x", "FOO"}) ==
        R"(invalid change "EXPOSE x" - EXPOSE port must be an integer: )"
        R"(strconv.Atoi: parsing "x": invalid syntax)");
}

TEST_CASE("goQuote is Go's strconv.Quote") {
  CHECK(goQuote("") == R"("")");
  CHECK(goQuote("a b") == R"("a b")");
  CHECK(goQuote("say \"hi\"\\") == R"("say \"hi\"\\")");
  CHECK(goQuote("\t\n\r\a\b\f\v") == R"("\t\n\r\a\b\f\v")");
  CHECK(goQuote(std::string("\x01\x7f", 2)) == R"("\x01\x7f")");
  CHECK(goQuote("caf\xc3\xa9") == "\"caf\xc3\xa9\"");
  CHECK(goQuote("\xff") == R"("\xff")");
  CHECK(goQuote("\xc2\xa0") == R"("\u00a0")");
  CHECK(goQuote("\xe2\x80\xa8") == R"("\u2028")");
}

TEST_CASE("goCleanPath is Go's path.Clean") {
  CHECK(goCleanPath("") == ".");
  CHECK(goCleanPath("/") == "/");
  CHECK(goCleanPath("a/b/../c") == "a/c");
  CHECK(goCleanPath("../a") == "../a");
  CHECK(goCleanPath("a/../..") == "..");
  CHECK(goCleanPath("/../a") == "/a");
  CHECK(goCleanPath("./") == ".");
  CHECK(goCleanPath("a//b/./") == "a/b");
}

TEST_CASE("parseSignal: names in any case, with or without SIG, and numbers") {
  CHECK(parseSignal("TERM") == 15);
  CHECK(parseSignal("sigkill") == 9);
  CHECK(parseSignal("SIGCHLD") == 17);
  CHECK(parseSignal("RTMIN") == 34);
  CHECK(parseSignal("RTMIN+15") == 49);
  CHECK(parseSignal("RTMAX-14") == 50);
  CHECK(parseSignal("RTMAX") == 64);
  CHECK(parseSignal("2") == 2);
  CHECK_THROWS_WITH(parseSignal("RTMAX-15"), "invalid signal: RTMAX-15");
  CHECK_THROWS_WITH(parseSignal("RTMIN+01"), "invalid signal: RTMIN+01");
  CHECK_THROWS_WITH(parseSignal("SIGSIGTERM"), "invalid signal: SIGSIGTERM");
  CHECK_THROWS_WITH(parseSignal(""), "invalid signal: ");
}
