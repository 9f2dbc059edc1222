// SPDX-License-Identifier: Apache-2.0
// Quadlet files: the converter's errors and words, and generate quadlet's
// files read back by the converter.
#include "berth/systemd/quadlet.hpp"
#include "berth/base/error.hpp"
#include "catch.hpp"

using namespace berth::systemd;

namespace {

std::string execStart(const Unit& unit) {
  const auto at = unit.content.find("\nExecStart=");
  REQUIRE(at != std::string::npos);
  const auto end = unit.content.find('\n', at + 1);
  return unit.content.substr(at + 11, end - at - 11);
}

}  // namespace

TEST_CASE("a .container becomes a notify service running berth run", "[systemd][quadlet]") {
  const Unit unit = quadletUnit("/q/web.container",
                                "[Container]\nImage=busybox\nExec=echo \"a b\" 100%\n"
                                "Environment=A=1 \"B=x y\"\nUser=5\nGroup=6\n",
                                QuadletContext{"/bin/berth"});
  CHECK(unit.name == "web");
  CHECK(execStart(unit) ==
        "/bin/berth run --name=systemd-%N --cidfile=%t/%N.cid --replace --rm -d "
        "--sdnotify=conmon --env A=1 --env \"B=x y\" --user 5:6 busybox echo \"a b\" 100%%");
  CHECK(unit.content.find("Type=notify\nNotifyAccess=all\n") != std::string::npos);
  CHECK(unit.content.find("SourcePath=/q/web.container\n") != std::string::npos);
}

TEST_CASE("quadlet errors name the file and line", "[systemd][quadlet]") {
  CHECK_THROWS_WITH(quadletUnit("/q/a.container", "[Container]\nExec=true\n", {}),
                    "/q/a.container: no Image= key in section [Container]");
  CHECK_THROWS_WITH(quadletUnit("/q/a.container", "# c\n[Container]\nImage=x\nFoo=1\n", {}),
                    "/q/a.container:4: unknown key 'Foo' in section [Container]");
  CHECK_THROWS_WITH(
      quadletUnit("/q/a.container", "[Container]\nImage=x\nPublishPort=1:2:3:4\n", {}),
      Catch::StartsWith("/q/a.container:3: invalid PublishPort '1:2:3:4': "));
  CHECK_THROWS_WITH(quadletUnit("/q/a.container", "[Container]\nImage=x\nReadOnly=maybe\n", {}),
                    "/q/a.container:3: invalid boolean 'maybe' for ReadOnly");
  CHECK_THROWS_WITH(quadletUnit("/q/a.container", "[Container]\nImage=x\nExec=\"open\n", {}),
                    Catch::StartsWith("/q/a.container:3: Exec: unterminated quote"));
  CHECK_THROWS_WITH(quadletUnit("/q/a.container", "[Box]\n", {}),
                    "/q/a.container: unknown section [Box]");
  CHECK_THROWS_WITH(quadletUnit("/q/a.pod", "[Pod]\n", {}),
                    "/q/a.pod: .pod files are not supported: berth has no pods yet");
}

TEST_CASE("a .volume becomes a oneshot volume create", "[systemd][quadlet]") {
  const Unit unit =
      quadletUnit("/q/data.volume", "[Volume]\nLabel=a=b\nUser=7\nOptions=size=1m\nType=tmpfs\n",
                  QuadletContext{"/bin/berth"});
  CHECK(unit.name == "data-volume");
  CHECK(execStart(unit) ==
        "/bin/berth volume create --ignore --label a=b --uid 7 --opt type=tmpfs --opt o=size=1m "
        "systemd-%N");
}

TEST_CASE("generate quadlet: a create command becomes a .container", "[systemd][quadlet]") {
  const Unit file = quadletContainerFile("web", {"/usr/bin/berth",
                                                 "--root",
                                                 "/r",
                                                 "run",
                                                 "-d",
                                                 "--rm",
                                                 "--name",
                                                 "web",
                                                 "-e",
                                                 "G=hello world",
                                                 "-p",
                                                 "8080:80",
                                                 "-u",
                                                 "1:2",
                                                 "--read-only",
                                                 "-h",
                                                 "host",
                                                 "--stop-timeout=5",
                                                 "-it",
                                                 "--sdnotify=container",
                                                 "busybox",
                                                 "sh",
                                                 "-c",
                                                 "echo \"$X\""});
  CHECK(file.name == "web.container");
  CHECK(file.content ==
        "[Container]\nImage=busybox\nContainerName=web\nEnvironment=\"G=hello world\"\n"
        "PublishPort=8080:80\nReadOnly=true\nNotify=true\nUser=1\nGroup=2\n"
        "Exec=sh -c \"echo \\\"$X\\\"\"\nGlobalArgs=--root /r\n"
        "BerthArgs=-h host --stop-timeout=5 -it\n\n[Install]\nWantedBy=default.target\n");
  // The converter reads it back into the same command.
  const Unit unit = quadletUnit("/q/web.container", file.content, QuadletContext{"/b"});
  CHECK(execStart(unit) ==
        "/b --root /r run --name=web --cidfile=%t/%N.cid --replace --rm -d --sdnotify=container "
        "--env \"G=hello world\" --publish 8080:80 --read-only --user 1:2 -h host "
        "--stop-timeout=5 -it busybox sh -c \"echo \\\"$$X\\\"\"");
}
