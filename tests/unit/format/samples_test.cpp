// SPDX-License-Identifier: Apache-2.0
// Byte-for-byte comparisons with real Podman 4.3.1 output
// (/work/shared/reference/podman-4.3.1-samples, embedded here verbatim).
#include <string>
#include <vector>

#include "berth/format/report.hpp"
#include "berth/format/tabwriter.hpp"
#include "berth/format/yaml.hpp"
#include "catch.hpp"

using berth::format::FieldTable;
using berth::format::Json;
using berth::format::JsonStyle;
using berth::format::renderJson;
using berth::format::renderReport;
using berth::format::ReportOptions;
using berth::format::TabWriter;
using berth::format::toYaml;

namespace {

// `podman ps -a` (ps-all.txt).
const std::string kPsAllTxt =
    R"~~(CONTAINER ID  IMAGE                           COMMAND               CREATED         STATUS                       PORTS                 NAMES
97661b8b1324  localhost/busybox:latest        sleep 1000            42 seconds ago  Up 43 seconds ago                                  sleeper
c990d1e3c8db  localhost/busybox:latest        sleep 1000            42 seconds ago  Up 43 seconds ago                                  sleeper-none
b24cff57360d  localhost/busybox:latest        sleep 1000            42 seconds ago  Exited (143) 15 seconds ago                        sleeper-init
a84e5cea0148  localhost/busybox:latest        sleep 1000            30 seconds ago  Exited (137) 27 seconds ago                        d0
7051d860cb50  localhost/busybox:latest        sleep 1000            30 seconds ago  Exited (137) 27 seconds ago                        d1
71df09afeb9f  localhost/busybox:latest        sleep 1000            30 seconds ago  Exited (137) 27 seconds ago                        d2
b2af8d13a9b0  localhost/busybox:latest        sleep 1000            30 seconds ago  Exited (137) 27 seconds ago                        d3
e94350ba6b86  localhost/busybox:latest        sleep 1000            30 seconds ago  Exited (137) 27 seconds ago                        d4
db28f9c2b98f  localhost/busybox:latest        sleep 1000            30 seconds ago  Exited (137) 27 seconds ago                        d5
a81dd5fe8f45  localhost/busybox:latest        sleep 1000            29 seconds ago  Exited (137) 26 seconds ago                        d6
54b57d0583bb  localhost/busybox:latest        sleep 1000            29 seconds ago  Exited (137) 26 seconds ago                        d7
bbfd5457d994  localhost/busybox:latest        sleep 1000            29 seconds ago  Exited (137) 26 seconds ago                        d8
2c60d34a90b6  localhost/busybox:latest        sleep 1000            29 seconds ago  Exited (137) 26 seconds ago                        d9
134ed813b2f5  localhost/busybox:latest        sleep 1000            29 seconds ago  Exited (137) 26 seconds ago                        d10
1ffbe9473b6a  localhost/busybox:latest        sleep 1000            29 seconds ago  Exited (137) 26 seconds ago                        d11
6d3e7e0b326e  localhost/busybox:latest        sleep 1000            29 seconds ago  Exited (137) 25 seconds ago                        d12
a9c1b128755b  localhost/busybox:latest        sleep 1000            29 seconds ago  Up 29 seconds ago                                  d13
194c7b9cf55c  localhost/busybox:latest        sleep 1000            29 seconds ago  Up 29 seconds ago                                  d14
445b3196db11  localhost/busybox:latest        sleep 1000            29 seconds ago  Up 29 seconds ago                                  d15
6b76776972b1  localhost/busybox:latest        sleep 1000            28 seconds ago  Exited (137) 15 seconds ago                        d16
3327c63c36c0  localhost/busybox:latest        httpd -f -p 80 -h...  12 seconds ago  Up 13 seconds ago            0.0.0.0:8080->80/tcp  web
97862b312013  localhost/podman-pause:4.3.1-0                        9 seconds ago   Up 9 seconds ago             0.0.0.0:8081->80/tcp  43f8eadbbced-infra
0257b0e57821  localhost/busybox:latest        httpd -f -p 80 -h...  9 seconds ago   Up 9 seconds ago             0.0.0.0:8081->80/tcp  pod1-web
5b6887c11686  localhost/busybox:latest        sh -c while true;...  9 seconds ago   Up 9 seconds ago             0.0.0.0:8081->80/tcp  pod1-side
)~~";

// `podman images` (images.txt).
const std::string kImagesTxt =
    R"~~(REPOSITORY                TAG         IMAGE ID      CREATED         SIZE
localhost/podman-pause    4.3.1-0     61372d78c5da  10 seconds ago  703 kB
localhost/busybox-import  latest      27cda4b9ffb8  2 minutes ago   2.14 MB
127.0.0.1:5001/busybox    latest      19eba75bf4ba  56 years ago    2.14 MB
127.0.0.1:5000/busybox    latest      19eba75bf4ba  56 years ago    2.14 MB
localhost/busybox         latest      19eba75bf4ba  56 years ago    2.14 MB
)~~";

struct PsRow {
  std::string id, image, command, created, status, ports, names;
};

// The cells of ps-all.txt, row by row.
const std::vector<PsRow> kPsRows = {
    {"97661b8b1324", "localhost/busybox:latest", "sleep 1000", "42 seconds ago",
     "Up 43 seconds ago", "", "sleeper"},
    {"c990d1e3c8db", "localhost/busybox:latest", "sleep 1000", "42 seconds ago",
     "Up 43 seconds ago", "", "sleeper-none"},
    {"b24cff57360d", "localhost/busybox:latest", "sleep 1000", "42 seconds ago",
     "Exited (143) 15 seconds ago", "", "sleeper-init"},
    {"a84e5cea0148", "localhost/busybox:latest", "sleep 1000", "30 seconds ago",
     "Exited (137) 27 seconds ago", "", "d0"},
    {"7051d860cb50", "localhost/busybox:latest", "sleep 1000", "30 seconds ago",
     "Exited (137) 27 seconds ago", "", "d1"},
    {"71df09afeb9f", "localhost/busybox:latest", "sleep 1000", "30 seconds ago",
     "Exited (137) 27 seconds ago", "", "d2"},
    {"b2af8d13a9b0", "localhost/busybox:latest", "sleep 1000", "30 seconds ago",
     "Exited (137) 27 seconds ago", "", "d3"},
    {"e94350ba6b86", "localhost/busybox:latest", "sleep 1000", "30 seconds ago",
     "Exited (137) 27 seconds ago", "", "d4"},
    {"db28f9c2b98f", "localhost/busybox:latest", "sleep 1000", "30 seconds ago",
     "Exited (137) 27 seconds ago", "", "d5"},
    {"a81dd5fe8f45", "localhost/busybox:latest", "sleep 1000", "29 seconds ago",
     "Exited (137) 26 seconds ago", "", "d6"},
    {"54b57d0583bb", "localhost/busybox:latest", "sleep 1000", "29 seconds ago",
     "Exited (137) 26 seconds ago", "", "d7"},
    {"bbfd5457d994", "localhost/busybox:latest", "sleep 1000", "29 seconds ago",
     "Exited (137) 26 seconds ago", "", "d8"},
    {"2c60d34a90b6", "localhost/busybox:latest", "sleep 1000", "29 seconds ago",
     "Exited (137) 26 seconds ago", "", "d9"},
    {"134ed813b2f5", "localhost/busybox:latest", "sleep 1000", "29 seconds ago",
     "Exited (137) 26 seconds ago", "", "d10"},
    {"1ffbe9473b6a", "localhost/busybox:latest", "sleep 1000", "29 seconds ago",
     "Exited (137) 26 seconds ago", "", "d11"},
    {"6d3e7e0b326e", "localhost/busybox:latest", "sleep 1000", "29 seconds ago",
     "Exited (137) 25 seconds ago", "", "d12"},
    {"a9c1b128755b", "localhost/busybox:latest", "sleep 1000", "29 seconds ago",
     "Up 29 seconds ago", "", "d13"},
    {"194c7b9cf55c", "localhost/busybox:latest", "sleep 1000", "29 seconds ago",
     "Up 29 seconds ago", "", "d14"},
    {"445b3196db11", "localhost/busybox:latest", "sleep 1000", "29 seconds ago",
     "Up 29 seconds ago", "", "d15"},
    {"6b76776972b1", "localhost/busybox:latest", "sleep 1000", "28 seconds ago",
     "Exited (137) 15 seconds ago", "", "d16"},
    {"3327c63c36c0", "localhost/busybox:latest", "httpd -f -p 80 -h...", "12 seconds ago",
     "Up 13 seconds ago", "0.0.0.0:8080->80/tcp", "web"},
    {"97862b312013", "localhost/podman-pause:4.3.1-0", "", "9 seconds ago", "Up 9 seconds ago",
     "0.0.0.0:8081->80/tcp", "43f8eadbbced-infra"},
    {"0257b0e57821", "localhost/busybox:latest", "httpd -f -p 80 -h...", "9 seconds ago",
     "Up 9 seconds ago", "0.0.0.0:8081->80/tcp", "pod1-web"},
    {"5b6887c11686", "localhost/busybox:latest", "sh -c while true;...", "9 seconds ago",
     "Up 9 seconds ago", "0.0.0.0:8081->80/tcp", "pod1-side"},
};

struct ImageRow {
  std::string repository, tag, id, created, size;
};

const std::vector<ImageRow> kImageRows = {
    {"localhost/podman-pause", "4.3.1-0", "61372d78c5da", "10 seconds ago", "703 kB"},
    {"localhost/busybox-import", "latest", "27cda4b9ffb8", "2 minutes ago", "2.14 MB"},
    {"127.0.0.1:5001/busybox", "latest", "19eba75bf4ba", "56 years ago", "2.14 MB"},
    {"127.0.0.1:5000/busybox", "latest", "19eba75bf4ba", "56 years ago", "2.14 MB"},
    {"localhost/busybox", "latest", "19eba75bf4ba", "56 years ago", "2.14 MB"},
};

// containers/podman cmd/podman/containers/ps.go: the psReporter fields and
// their header overrides ("ID": "container id", "CreatedHuman": "created").
FieldTable<PsRow> psFields() {
  return {
      {"ID", [](const PsRow& r) { return Json(r.id); }, "container id"},
      {"Image", [](const PsRow& r) { return Json(r.image); }},
      {"Command", [](const PsRow& r) { return Json(r.command); }},
      {"CreatedHuman", [](const PsRow& r) { return Json(r.created); }, "created"},
      {"Status", [](const PsRow& r) { return Json(r.status); }},
      {"Ports", [](const PsRow& r) { return Json(r.ports); }},
      {"Names", [](const PsRow& r) { return Json(r.names); }},
  };
}

constexpr std::string_view kPsDefault =
    "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.CreatedHuman}}\t{{.Status}}\t{{.Ports}}\t"
    "{{.Names}}";

// containers/podman cmd/podman/images/list.go lsFormatFromFlags, verbatim.
constexpr std::string_view kImagesDefault =
    "{{range . }}{{if .Repository}}{{.Repository}}{{else}}<none>{{end}}\t"
    "{{if .Tag}}{{.Tag}}{{else}}<none>{{end}}\t{{.ID}}\t{{.Created}}\t{{.Size}}\n{{end -}}";

FieldTable<ImageRow> imageFields() {
  return {
      {"Repository", [](const ImageRow& r) { return Json(r.repository); }},
      {"Tag", [](const ImageRow& r) { return Json(r.tag); }},
      {"ID", [](const ImageRow& r) { return Json(r.id); }, "image id"},
      {"Created", [](const ImageRow& r) { return Json(r.created); }},
      {"Size", [](const ImageRow& r) { return Json(r.size); }},
  };
}

}  // namespace

TEST_CASE("tabwriter reproduces podman ps -a from its cells", "[format][tabwriter][samples]") {
  TabWriter w;  // Podman's parameters: 12, 2, 2, ' ', StripEscape
  w.write("CONTAINER ID\tIMAGE\tCOMMAND\tCREATED\tSTATUS\tPORTS\tNAMES\n");
  for (const auto& r : kPsRows) {
    w.write(r.id + "\t" + r.image + "\t" + r.command + "\t" + r.created + "\t" + r.status + "\t" +
            r.ports + "\t" + r.names + "\n");
  }
  CHECK(w.take() == kPsAllTxt);
}

TEST_CASE("tabwriter reproduces podman images from its cells", "[format][tabwriter][samples]") {
  TabWriter w;
  w.write("REPOSITORY\tTAG\tIMAGE ID\tCREATED\tSIZE\n");
  for (const auto& r : kImageRows) {
    w.write(r.repository + "\t" + r.tag + "\t" + r.id + "\t" + r.created + "\t" + r.size + "\n");
  }
  CHECK(w.take() == kImagesTxt);
}

TEST_CASE("renderReport reproduces podman ps -a", "[format][report][samples]") {
  CHECK(renderReport(psFields(), kPsRows, {}, kPsDefault) == kPsAllTxt);

  SECTION("--noheading drops exactly the header line") {
    ReportOptions options;
    options.noHeading = true;
    const std::string out = renderReport(psFields(), kPsRows, options, kPsDefault);
    CHECK(out == kPsAllTxt.substr(kPsAllTxt.find('\n') + 1));
  }
  SECTION("the same columns given as a user table format") {
    ReportOptions options;
    options.format = std::string(kPsDefault);
    CHECK(renderReport(psFields(), kPsRows, options, kPsDefault) == kPsAllTxt);
  }
  SECTION("bare `table` is the default table") {
    ReportOptions options;
    options.format = "table";
    CHECK(renderReport(psFields(), kPsRows, options, kPsDefault) == kPsAllTxt);
  }
}

TEST_CASE("renderReport reproduces podman images with Podman's own format",
          "[format][report][samples]") {
  CHECK(renderReport(imageFields(), kImageRows, {}, kImagesDefault) == kImagesTxt);
}

TEST_CASE("renderJson reproduces podman --format json byte for byte", "[format][json][samples]") {
  SECTION("podman images --format json: encoding/json, 4 spaces") {
    const std::string text = R"~~([
    {
        "Id": "61372d78c5da73488b1c6efa552c984ce6057a4e34fc2ab913cbd2a8aebcf397",
        "ParentId": "",
        "RepoTags": null,
        "RepoDigests": [
            "localhost/podman-pause@sha256:ec4be248146fa8dc2b182dc9b77cbffd52b40a2a4f8fe822e3d2ec11d4f71a10"
        ],
        "Size": 702589,
        "SharedSize": 0,
        "VirtualSize": 702589,
        "Labels": {
            "io.buildah.version": "1.28.2"
        },
        "Containers": 1,
        "Names": [
            "localhost/podman-pause:4.3.1-0"
        ],
        "Digest": "sha256:ec4be248146fa8dc2b182dc9b77cbffd52b40a2a4f8fe822e3d2ec11d4f71a10",
        "History": [
            "localhost/podman-pause:4.3.1-0"
        ],
        "Created": 1795823200,
        "CreatedAt": "2026-11-27T23:46:40Z"
    },
    {
        "Id": "27cda4b9ffb8e210d84666e675d5dd8f0dcdf045b5da38b7f815b71dd909eabd",
        "ParentId": "",
        "RepoTags": null,
        "RepoDigests": [
            "localhost/busybox-import@sha256:241208888bb97c287620dd59e8cc8766c0a54460989778f6aba29d943ccf9315"
        ],
        "Size": 2141270,
        "SharedSize": 0,
        "VirtualSize": 2141270,
        "Labels": null,
        "Containers": 0,
        "Names": [
            "localhost/busybox-import:latest"
        ],
        "Digest": "sha256:241208888bb97c287620dd59e8cc8766c0a54460989778f6aba29d943ccf9315",
        "History": [
            "localhost/busybox-import:latest"
        ],
        "Created": 1795823090,
        "CreatedAt": "2026-11-27T23:44:50Z"
    },
    {
        "Id": "19eba75bf4bafa82e0e7355eaa6cf450dd2ca8b52ea8e9db11fc3ba60a53ed14",
        "ParentId": "",
        "RepoTags": null,
        "RepoDigests": [
            "127.0.0.1:5000/busybox@sha256:c9f79d71829d66dc321341d4d80ace97ce5c8a011133112611bc426322e347f0",
            "127.0.0.1:5001/busybox@sha256:c9f79d71829d66dc321341d4d80ace97ce5c8a011133112611bc426322e347f0",
            "localhost/busybox@sha256:c9f79d71829d66dc321341d4d80ace97ce5c8a011133112611bc426322e347f0"
        ],
        "Size": 2141378,
        "SharedSize": 0,
        "VirtualSize": 2141378,
        "Labels": null,
        "Containers": 23,
        "Names": [
            "127.0.0.1:5001/busybox:latest",
            "127.0.0.1:5000/busybox:latest",
            "localhost/busybox:latest"
        ],
        "Digest": "sha256:c9f79d71829d66dc321341d4d80ace97ce5c8a011133112611bc426322e347f0",
        "History": [
            "localhost/busybox:latest",
            "127.0.0.1:5000/busybox:latest",
            "127.0.0.1:5001/busybox:latest"
        ],
        "Created": 0,
        "CreatedAt": "1970-01-01T00:00:00Z"
    },
    {
        "Id": "19eba75bf4bafa82e0e7355eaa6cf450dd2ca8b52ea8e9db11fc3ba60a53ed14",
        "ParentId": "",
        "RepoTags": null,
        "RepoDigests": [
            "127.0.0.1:5000/busybox@sha256:c9f79d71829d66dc321341d4d80ace97ce5c8a011133112611bc426322e347f0",
            "127.0.0.1:5001/busybox@sha256:c9f79d71829d66dc321341d4d80ace97ce5c8a011133112611bc426322e347f0",
            "localhost/busybox@sha256:c9f79d71829d66dc321341d4d80ace97ce5c8a011133112611bc426322e347f0"
        ],
        "Size": 2141378,
        "SharedSize": 0,
        "VirtualSize": 2141378,
        "Labels": null,
        "Containers": 23,
        "Names": [
            "127.0.0.1:5001/busybox:latest",
            "127.0.0.1:5000/busybox:latest",
            "localhost/busybox:latest"
        ],
        "Digest": "sha256:c9f79d71829d66dc321341d4d80ace97ce5c8a011133112611bc426322e347f0",
        "History": [
            "localhost/busybox:latest",
            "127.0.0.1:5000/busybox:latest",
            "127.0.0.1:5001/busybox:latest"
        ],
        "Created": 0,
        "CreatedAt": "1970-01-01T00:00:00Z"
    },
    {
        "Id": "19eba75bf4bafa82e0e7355eaa6cf450dd2ca8b52ea8e9db11fc3ba60a53ed14",
        "ParentId": "",
        "RepoTags": null,
        "RepoDigests": [
            "127.0.0.1:5000/busybox@sha256:c9f79d71829d66dc321341d4d80ace97ce5c8a011133112611bc426322e347f0",
            "127.0.0.1:5001/busybox@sha256:c9f79d71829d66dc321341d4d80ace97ce5c8a011133112611bc426322e347f0",
            "localhost/busybox@sha256:c9f79d71829d66dc321341d4d80ace97ce5c8a011133112611bc426322e347f0"
        ],
        "Size": 2141378,
        "SharedSize": 0,
        "VirtualSize": 2141378,
        "Labels": null,
        "Containers": 23,
        "Names": [
            "127.0.0.1:5001/busybox:latest",
            "127.0.0.1:5000/busybox:latest",
            "localhost/busybox:latest"
        ],
        "Digest": "sha256:c9f79d71829d66dc321341d4d80ace97ce5c8a011133112611bc426322e347f0",
        "History": [
            "localhost/busybox:latest",
            "127.0.0.1:5000/busybox:latest",
            "127.0.0.1:5001/busybox:latest"
        ],
        "Created": 0,
        "CreatedAt": "1970-01-01T00:00:00Z"
    }
]
)~~";
    CHECK(renderJson(Json::parse(text), 4, JsonStyle::Go) + "\n" == text);
  }
  SECTION("podman ps -a --format json: json-iterator, 2 spaces, empty object on two lines") {
    const std::string text = R"~~([
  {
    "AutoRemove": false,
    "Command": [
      "sleep",
      "1000"
    ],
    "CreatedAt": "41 seconds ago",
    "Exited": false,
    "ExitedAt": -62135596800,
    "ExitCode": 0,
    "Id": "97661b8b1324b09ce958270aaa4a9bc6eb5de4b3a44146a7749de0ce931cd195",
    "Image": "localhost/busybox:latest",
    "ImageID": "19eba75bf4bafa82e0e7355eaa6cf450dd2ca8b52ea8e9db11fc3ba60a53ed14",
    "IsInfra": false,
    "Labels": null,
    "Mounts": [],
    "Names": [
      "sleeper"
    ],
    "Namespaces": {
      
    },
    "Networks": [],
    "Pid": 23508,
    "Pod": "",
    "PodName": "",
    "Ports": null,
    "Size": null,
    "StartedAt": 1795823167,
    "State": "running",
    "Status": "Up 42 seconds ago",
    "Created": 1795823167
  },
  {
    "AutoRemove": false,
    "Command": [
      "sleep",
      "1000"
    ],
    "CreatedAt": "41 seconds ago",
    "Exited": false,
    "ExitedAt": -62135596800,
    "ExitCode": 0,
    "Id": "c990d1e3c8db61d3bf34d84a28e7db45608249725b35b7b5256f87a4f6227374",
    "Image": "localhost/busybox:latest",
    "ImageID": "19eba75bf4bafa82e0e7355eaa6cf450dd2ca8b52ea8e9db11fc3ba60a53ed14",
    "IsInfra": false,
    "Labels": null,
    "Mounts": [],
    "Names": [
      "sleeper-none"
    ],
    "Namespaces": {
      
    },
    "Networks": [],
    "Pid": 23524,
    "Pod": "",
    "PodName": "",
    "Ports": null,
    "Size": null,
    "StartedAt": 1795823167,
    "State": "running",
    "Status": "Up 42 seconds ago",
    "Created": 1795823167
  },
  {
    "AutoRemove": false,
    "Command": [
      "sleep",
      "1000"
    ],
    "CreatedAt": "41 seconds ago",
    "Exited": true,
    "ExitedAt": 1795823195,
    "ExitCode": 143,
    "Id": "b24cff57360dd6f73fe811b63e1eb5db2cb9cdd19b7daf97d5fff1fb23481f5a",
    "Image": "localhost/busybox:latest",
    "ImageID": "19eba75bf4bafa82e0e7355eaa6cf450dd2ca8b52ea8e9db11fc3ba60a53ed14",
    "IsInfra": false,
    "Labels": null,
    "Mounts": [],
    "Names": [
      "sleeper-init"
    ],
    "Namespaces": {
      
    },
    "Networks": [],
    "Pid": 0,
    "Pod": "",
    "PodName": "",
    "Ports": null,
    "Size": null,
    "StartedAt": 1795823168,
    "State": "exited",
    "Status": "Exited (143) 14 seconds ago",
    "Created": 1795823167
  },
  {
    "AutoRemove": false,
    "Command": [
      "sleep",
      "1000"
    ],
    "CreatedAt": "29 seconds ago",
    "Exited": true,
    "ExitedAt": 1795823183,
    "ExitCode": 137,
    "Id": "a84e5cea0148eb7fa29e93a7052469ed83bf0463514ccbe0b823f8b198c87b16",
    "Image": "localhost/busybox:latest",
    "ImageID": "19eba75bf4bafa82e0e7355eaa6cf450dd2ca8b52ea8e9db11fc3ba60a53ed14",
    "IsInfra": false,
    "Labels": null,
    "Mounts": [],
    "Names": [
      "d0"
    ],
    "Namespaces": {
      
    },
    "Networks": [],
    "Pid": 0,
    "Pod": "",
    "PodName": "",
    "Ports": null,
    "Size": null,
    "StartedAt": 1795823179,
    "State": "exited",
    "Status": "Exited (137) 26 seconds ago",
    "Created": 1795823179
  },
  {
    "AutoRemove": false,
    "Command": [
      "sleep",
      "1000"
    ],
    "CreatedAt": "29 seconds ago",
    "Exited": true,
    "ExitedAt": 1795823183,
    "ExitCode": 137,
    "Id": "7051d860cb508bf966fd534e44729c364b010fc3b154f502917a832008e4b57c",
    "Image": "localhost/busybox:latest",
    "ImageID": "19eba75bf4bafa82e0e7355eaa6cf450dd2ca8b52ea8e9db11fc3ba60a53ed14",
    "IsInfra": false,
    "Labels": null,
    "Mounts": [],
    "Names": [
      "d1"
    ],
    "Namespaces": {
      
    },
    "Networks": [],
    "Pid": 0,
    "Pod": "",
    "PodName": "",
    "Ports": null,
    "Size": null,
    "StartedAt": 1795823179,
    "State": "exited",
    "Status": "Exited (137) 26 seconds ago",
    "Created": 1795823179
  },
  {
    "AutoRemove": false,
    "Command": [
      "sleep",
      "1000"
    ],
    "CreatedAt": "29 seconds ago",
    "Exited": true,
    "ExitedAt": 1795823183,
    "ExitCode": 137,
    "Id": "71df09afeb9f93538a9ddbd1e9c5a876e178b1dc0bcb7a3fa09a1b4225f6ce9c",
    "Image": "localhost/busybox:latest",
    "ImageID": "19eba75bf4bafa82e0e7355eaa6cf450dd2ca8b52ea8e9db11fc3ba60a53ed14",
    "IsInfra": false,
    "Labels": null,
    "Mounts": [],
    "Names": [
      "d2"
    ],
    "Namespaces": {
      
    },
    "Networks": [],
    "Pid": 0,
    "Pod": "",
    "PodName": "",
    "Ports": null,
    "Size": null,
    "StartedAt": 1795823180,
    "State": "exited",
    "Status": "Exited (137) 26 seconds ago",
    "Created": 1795823180
  },
  {
    "AutoRemove": false,
    "Command": [
      "sleep",
      "1000"
    ],
    "CreatedAt": "29 seconds ago",
    "Exited": true,
    "ExitedAt": 1795823183,
    "ExitCode": 137,
    "Id": "b2af8d13a9b08324a81636dfc69ab4a6280c43e68ce8b009a66d54fd0d36922f",
    "Image": "localhost/busybox:latest",
    "ImageID": "19eba75bf4bafa82e0e7355eaa6cf450dd2ca8b52ea8e9db11fc3ba60a53ed14",
    "IsInfra": false,
    "Labels": null,
    "Mounts": [],
    "Names": [
      "d3"
    ],
    "Namespaces": {
      
    },
    "Networks": [],
    "Pid": 0,
    "Pod": "",
    "PodName": "",
    "Ports": null,
    "Size": null,
    "StartedAt": 1795823180,
    "State": "exited",
    "Status": "Exited (137) 26 seconds ago",
    "Created": 1795823180
  },
  {
    "AutoRemove": false,
    "Command": [
      "sleep",
      "1000"
    ],
    "CreatedAt": "29 seconds ago",
    "Exited": true,
    "ExitedAt": 1795823183,
    "ExitCode": 137,
    "Id": "e94350ba6b866b588946d614b2654bcf06003865a4f440a653b61c6f2cfc3f60",
    "Image": "localhost/busybox:latest",
    "ImageID": "19eba75bf4bafa82e0e7355eaa6cf450dd2ca8b52ea8e9db11fc3ba60a53ed14",
    "IsInfra": false,
    "Labels": null,
    "Mounts": [],
    "Names": [
      "d4"
    ],
    "Namespaces": {
      
    },
    "Networks": [],
    "Pid": 0,
    "Pod": "",
    "PodName": "",
    "Ports": null,
    "Size": null,
    "StartedAt": 1795823180,
    "State": "exited",
    "Status": "Exited (137) 26 seconds ago",
    "Created": 1795823180
  },
  {
    "AutoRemove": false,
    "Command": [
      "sleep",
      "1000"
    ],
    "CreatedAt": "29 seconds ago",
    "Exited": true,
    "ExitedAt": 1795823183,
    "ExitCode": 137,
    "Id": "db28f9c2b98f8a2b247076f39f767d09dd0e6e62e80d85f8e235752a23f544d7",
    "Image": "localhost/busybox:latest",
    "ImageID": "19eba75bf4bafa82e0e7355eaa6cf450dd2ca8b52ea8e9db11fc3ba60a53ed14",
    "IsInfra": false,
    "Labels": null,
    "Mounts": [],
    "Names": [
      "d5"
    ],
    "Namespaces": {
      
    },
    "Networks": [],
    "Pid": 0,
    "Pod": "",
    "PodName": "",
    "Ports": null,
    "Size": null,
    "StartedAt": 1795823180,
    "State": "exited",
    "Status": "Exited (137) 26 seconds ago",
    "Created": 1795823180
  },
  {
    "AutoRemove": false,
    "Command": [
      "sleep",
      "1000"
    ],
    "CreatedAt": "29 seconds ago",
    "Exited": true,
    "ExitedAt": 1795823184,
    "ExitCode": 137,
    "Id": "a81dd5fe8f456227f6ab50782b9061407bac0ed738f8efcec2b318d8402e1b4b",
    "Image": "localhost/busybox:latest",
    "ImageID": "19eba75bf4bafa82e0e7355eaa6cf450dd2ca8b52ea8e9db11fc3ba60a53ed14",
    "IsInfra": false,
    "Labels": null,
    "Mounts": [],
    "Names": [
      "d6"
    ],
    "Namespaces": {
      
    },
    "Networks": [],
    "Pid": 0,
    "Pod": "",
    "PodName": "",
    "Ports": null,
    "Size": null,
    "StartedAt": 1795823180,
    "State": "exited",
    "Status": "Exited (137) 25 seconds ago",
    "Created": 1795823180
  },
  {
    "AutoRemove": false,
    "Command": [
      "sleep",
      "1000"
    ],
    "CreatedAt": "29 seconds ago",
    "Exited": true,
    "ExitedAt": 1795823184,
    "ExitCode": 137,
    "Id": "54b57d0583bb264cca56d83eb6cfc1c334477390376ef868e3b038ff7ce19d1d",
    "Image": "localhost/busybox:latest",
    "ImageID": "19eba75bf4bafa82e0e7355eaa6cf450dd2ca8b52ea8e9db11fc3ba60a53ed14",
    "IsInfra": false,
    "Labels": null,
    "Mounts": [],
    "Names": [
      "d7"
    ],
    "Namespaces": {
      
    },
    "Networks": [],
    "Pid": 0,
    "Pod": "",
    "PodName": "",
    "Ports": null,
    "Size": null,
    "StartedAt": 1795823180,
    "State": "exited",
    "Status": "Exited (137) 25 seconds ago",
    "Created": 1795823180
  },
  {
    "AutoRemove": false,
    "Command": [
      "sleep",
      "1000"
    ],
    "CreatedAt": "28 seconds ago",
    "Exited": true,
    "ExitedAt": 1795823184,
    "ExitCode": 137,
    "Id": "bbfd5457d994bd69bde39dfbace1b3b24eb13450f3fbbf109426d36c2ac47852",
    "Image": "localhost/busybox:latest",
    "ImageID": "19eba75bf4bafa82e0e7355eaa6cf450dd2ca8b52ea8e9db11fc3ba60a53ed14",
    "IsInfra": false,
    "Labels": null,
    "Mounts": [],
    "Names": [
      "d8"
    ],
    "Namespaces": {
      
    },
    "Networks": [],
    "Pid": 0,
    "Pod": "",
    "PodName": "",
    "Ports": null,
    "Size": null,
    "StartedAt": 1795823180,
    "State": "exited",
    "Status": "Exited (137) 25 seconds ago",
    "Created": 1795823180
  },
  {
    "AutoRemove": false,
    "Command": [
      "sleep",
      "1000"
    ],
    "CreatedAt": "28 seconds ago",
    "Exited": true,
    "ExitedAt": 1795823184,
    "ExitCode": 137,
    "Id": "2c60d34a90b6c54235de0dbf16d4d97931ec8a3c4ba4b7f23ef5fc032f16da6b",
    "Image": "localhost/busybox:latest",
    "ImageID": "19eba75bf4bafa82e0e7355eaa6cf450dd2ca8b52ea8e9db11fc3ba60a53ed14",
    "IsInfra": false,
    "Labels": null,
    "Mounts": [],
    "Names": [
      "d9"
    ],
    "Namespaces": {
      
    },
    "Networks": [],
    "Pid": 0,
    "Pod": "",
    "PodName": "",
    "Ports": null,
    "Size": null,
    "StartedAt": 1795823180,
    "State": "exited",
    "Status": "Exited (137) 25 seconds ago",
    "Created": 1795823180
  },
  {
    "AutoRemove": false,
    "Command": [
      "sleep",
      "1000"
    ],
    "CreatedAt": "28 seconds ago",
    "Exited": true,
    "ExitedAt": 1795823184,
    "ExitCode": 137,
    "Id": "134ed813b2f5ee807ae738b9b4c13a2ded386d047bd71e51ef2df2f9a6ae3e02",
    "Image": "localhost/busybox:latest",
    "ImageID": "19eba75bf4bafa82e0e7355eaa6cf450dd2ca8b52ea8e9db11fc3ba60a53ed14",
    "IsInfra": false,
    "Labels": null,
    "Mounts": [],
    "Names": [
      "d10"
    ],
    "Namespaces": {
      
    },
    "Networks": [],
    "Pid": 0,
    "Pod": "",
    "PodName": "",
    "Ports": null,
    "Size": null,
    "StartedAt": 1795823180,
    "State": "exited",
    "Status": "Exited (137) 25 seconds ago",
    "Created": 1795823180
  },
  {
    "AutoRemove": false,
    "Command": [
      "sleep",
      "1000"
    ],
    "CreatedAt": "28 seconds ago",
    "Exited": true,
    "ExitedAt": 1795823184,
    "ExitCode": 137,
    "Id": "1ffbe9473b6a50447a8df77eb07fa2059da990307e6bfc7c7a8f32f7c01c2e3e",
    "Image": "localhost/busybox:latest",
    "ImageID": "19eba75bf4bafa82e0e7355eaa6cf450dd2ca8b52ea8e9db11fc3ba60a53ed14",
    "IsInfra": false,
    "Labels": null,
    "Mounts": [],
    "Names": [
      "d11"
    ],
    "Namespaces": {
      
    },
    "Networks": [],
    "Pid": 0,
    "Pod": "",
    "PodName": "",
    "Ports": null,
    "Size": null,
    "StartedAt": 1795823180,
    "State": "exited",
    "Status": "Exited (137) 25 seconds ago",
    "Created": 1795823180
  },
  {
    "AutoRemove": false,
    "Command": [
      "sleep",
      "1000"
    ],
    "CreatedAt": "28 seconds ago",
    "Exited": true,
    "ExitedAt": 1795823185,
    "ExitCode": 137,
    "Id": "6d3e7e0b326e99652f955e927268028d0655ef6c69a766fff75df9f4caf605ba",
    "Image": "localhost/busybox:latest",
    "ImageID": "19eba75bf4bafa82e0e7355eaa6cf450dd2ca8b52ea8e9db11fc3ba60a53ed14",
    "IsInfra": false,
    "Labels": null,
    "Mounts": [],
    "Names": [
      "d12"
    ],
    "Namespaces": {
      
    },
    "Networks": [],
    "Pid": 0,
    "Pod": "",
    "PodName": "",
    "Ports": null,
    "Size": null,
    "StartedAt": 1795823181,
    "State": "exited",
    "Status": "Exited (137) 24 seconds ago",
    "Created": 1795823180
  },
  {
    "AutoRemove": false,
    "Command": [
      "sleep",
      "1000"
    ],
    "CreatedAt": "28 seconds ago",
    "Exited": false,
    "ExitedAt": -62135596800,
    "ExitCode": 0,
    "Id": "a9c1b128755b79ada61abff83cfaf4ed4813fda989f1bf8087f2570fafad63e7",
    "Image": "localhost/busybox:latest",
    "ImageID": "19eba75bf4bafa82e0e7355eaa6cf450dd2ca8b52ea8e9db11fc3ba60a53ed14",
    "IsInfra": false,
    "Labels": null,
    "Mounts": [],
    "Names": [
      "d13"
    ],
    "Namespaces": {
      
    },
    "Networks": [],
    "Pid": 25803,
    "Pod": "",
    "PodName": "",
    "Ports": null,
    "Size": null,
    "StartedAt": 1795823181,
    "State": "running",
    "Status": "Up 28 seconds ago",
    "Created": 1795823181
  },
  {
    "AutoRemove": false,
    "Command": [
      "sleep",
      "1000"
    ],
    "CreatedAt": "28 seconds ago",
    "Exited": false,
    "ExitedAt": -62135596800,
    "ExitCode": 0,
    "Id": "194c7b9cf55c2bcb114a88c40a71d424778d319815bb2c2ebd66d56ef8ff5b61",
    "Image": "localhost/busybox:latest",
    "ImageID": "19eba75bf4bafa82e0e7355eaa6cf450dd2ca8b52ea8e9db11fc3ba60a53ed14",
    "IsInfra": false,
    "Labels": null,
    "Mounts": [],
    "Names": [
      "d14"
    ],
    "Namespaces": {
      
    },
    "Networks": [],
    "Pid": 25850,
    "Pod": "",
    "PodName": "",
    "Ports": null,
    "Size": null,
    "StartedAt": 1795823181,
    "State": "running",
    "Status": "Up 28 seconds ago",
    "Created": 1795823181
  },
  {
    "AutoRemove": false,
    "Command": [
      "sleep",
      "1000"
    ],
    "CreatedAt": "28 seconds ago",
    "Exited": false,
    "ExitedAt": -62135596800,
    "ExitCode": 0,
    "Id": "445b3196db113d08dac72c5d2d7ef85c4290371fd4dcacf4b31987906b1dc51c",
    "Image": "localhost/busybox:latest",
    "ImageID": "19eba75bf4bafa82e0e7355eaa6cf450dd2ca8b52ea8e9db11fc3ba60a53ed14",
    "IsInfra": false,
    "Labels": null,
    "Mounts": [],
    "Names": [
      "d15"
    ],
    "Namespaces": {
      
    },
    "Networks": [],
    "Pid": 25897,
    "Pod": "",
    "PodName": "",
    "Ports": null,
    "Size": null,
    "StartedAt": 1795823181,
    "State": "running",
    "Status": "Up 28 seconds ago",
    "Created": 1795823181
  },
  {
    "AutoRemove": false,
    "Command": [
      "sleep",
      "1000"
    ],
    "CreatedAt": "28 seconds ago",
    "Exited": true,
    "ExitedAt": 1795823195,
    "ExitCode": 137,
    "Id": "6b76776972b15217d61956e2d115d61b7157fa2a24ac653279ae75812a0f53af",
    "Image": "localhost/busybox:latest",
    "ImageID": "19eba75bf4bafa82e0e7355eaa6cf450dd2ca8b52ea8e9db11fc3ba60a53ed14",
    "IsInfra": false,
    "Labels": null,
    "Mounts": [],
    "Names": [
      "d16"
    ],
    "Namespaces": {
      
    },
    "Networks": [],
    "Pid": 0,
    "Pod": "",
    "PodName": "",
    "Ports": null,
    "Size": null,
    "StartedAt": 1795823181,
    "State": "exited",
    "Status": "Exited (137) 14 seconds ago",
    "Created": 1795823181
  },
  {
    "AutoRemove": false,
    "Command": [
      "httpd",
      "-f",
      "-p",
      "80",
      "-h",
      "/var/www"
    ],
    "CreatedAt": "11 seconds ago",
    "Exited": false,
    "ExitedAt": -62135596800,
    "ExitCode": 0,
    "Id": "3327c63c36c0a7550c6d143b79b62c158170f60f564b6ca24eba20e64d2d18b9",
    "Image": "localhost/busybox:latest",
    "ImageID": "19eba75bf4bafa82e0e7355eaa6cf450dd2ca8b52ea8e9db11fc3ba60a53ed14",
    "IsInfra": false,
    "Labels": {
      "app": "web"
    },
    "Mounts": [
      "/data"
    ],
    "Names": [
      "web"
    ],
    "Namespaces": {
      
    },
    "Networks": [],
    "Pid": 26771,
    "Pod": "",
    "PodName": "",
    "Ports": [
      {
        "host_ip": "",
        "container_port": 80,
        "host_port": 8080,
        "range": 1,
        "protocol": "tcp"
      }
    ],
    "Size": null,
    "StartedAt": 1795823197,
    "State": "running",
    "Status": "Up 12 seconds ago",
    "Created": 1795823197
  },
  {
    "AutoRemove": false,
    "Command": null,
    "CreatedAt": "8 seconds ago",
    "Exited": false,
    "ExitedAt": -62135596800,
    "ExitCode": 0,
    "Id": "97862b312013d2bc915894aecadc0acdc295d783311694a48ee491b38fe5b2ab",
    "Image": "localhost/podman-pause:4.3.1-0",
    "ImageID": "61372d78c5da73488b1c6efa552c984ce6057a4e34fc2ab913cbd2a8aebcf397",
    "IsInfra": true,
    "Labels": {
      "io.buildah.version": "1.28.2"
    },
    "Mounts": [],
    "Names": [
      "43f8eadbbced-infra"
    ],
    "Namespaces": {
      
    },
    "Networks": [],
    "Pid": 26870,
    "Pod": "43f8eadbbcede185d424f83ec73e551466c368c015d8a956d56044d51a17b8a2",
    "PodName": "",
    "Ports": [
      {
        "host_ip": "",
        "container_port": 80,
        "host_port": 8081,
        "range": 1,
        "protocol": "tcp"
      }
    ],
    "Size": null,
    "StartedAt": 1795823201,
    "State": "running",
    "Status": "Up 8 seconds ago",
    "Created": 1795823200
  },
  {
    "AutoRemove": false,
    "Command": [
      "httpd",
      "-f",
      "-p",
      "80",
      "-h",
      "/var/www"
    ],
    "CreatedAt": "8 seconds ago",
    "Exited": false,
    "ExitedAt": -62135596800,
    "ExitCode": 0,
    "Id": "0257b0e578215782a38fcab36bf40d5ea8a0341188b4c72d8bd124ff4a2b5c5e",
    "Image": "localhost/busybox:latest",
    "ImageID": "19eba75bf4bafa82e0e7355eaa6cf450dd2ca8b52ea8e9db11fc3ba60a53ed14",
    "IsInfra": false,
    "Labels": null,
    "Mounts": [],
    "Names": [
      "pod1-web"
    ],
    "Namespaces": {
      
    },
    "Networks": [],
    "Pid": 26875,
    "Pod": "43f8eadbbcede185d424f83ec73e551466c368c015d8a956d56044d51a17b8a2",
    "PodName": "",
    "Ports": [
      {
        "host_ip": "",
        "container_port": 80,
        "host_port": 8081,
        "range": 1,
        "protocol": "tcp"
      }
    ],
    "Size": null,
    "StartedAt": 1795823201,
    "State": "running",
    "Status": "Up 8 seconds ago",
    "Created": 1795823200
  },
  {
    "AutoRemove": false,
    "Command": [
      "sh",
      "-c",
      "while true; do wget -q -O /dev/null http://127.0.0.1:80/ \u0026\u0026 echo ok; sleep 5; done"
    ],
    "CreatedAt": "8 seconds ago",
    "Exited": false,
    "ExitedAt": -62135596800,
    "ExitCode": 0,
    "Id": "5b6887c11686c6950187faa33a3ba7c71205c38f01a2fb80adcb244e2f15e464",
    "Image": "localhost/busybox:latest",
    "ImageID": "19eba75bf4bafa82e0e7355eaa6cf450dd2ca8b52ea8e9db11fc3ba60a53ed14",
    "IsInfra": false,
    "Labels": null,
    "Mounts": [],
    "Names": [
      "pod1-side"
    ],
    "Namespaces": {
      
    },
    "Networks": [],
    "Pid": 26905,
    "Pod": "43f8eadbbcede185d424f83ec73e551466c368c015d8a956d56044d51a17b8a2",
    "PodName": "",
    "Ports": [
      {
        "host_ip": "",
        "container_port": 80,
        "host_port": 8081,
        "range": 1,
        "protocol": "tcp"
      }
    ],
    "Size": null,
    "StartedAt": 1795823201,
    "State": "running",
    "Status": "Up 8 seconds ago",
    "Created": 1795823201
  }
]
)~~";
    CHECK(renderJson(Json::parse(text), 2, JsonStyle::Jsoniter) + "\n" == text);
    CHECK(renderJson(Json::parse(text), 2, JsonStyle::Go) + "\n" != text);
  }
  SECTION("podman pod inspect: encoding/json, 5 spaces") {
    const std::string text = R"~~({
     "Id": "43f8eadbbcede185d424f83ec73e551466c368c015d8a956d56044d51a17b8a2",
     "Name": "pod1",
     "Created": "2026-11-27T23:46:40.834669228Z",
     "CreateCommand": [
          "podman",
          "pod",
          "create",
          "--name",
          "pod1",
          "-p",
          "8081:80"
     ],
     "ExitPolicy": "continue",
     "State": "Running",
     "Hostname": "",
     "CreateCgroup": true,
     "CgroupParent": "/libpod_parent",
     "CgroupPath": "/libpod_parent/43f8eadbbcede185d424f83ec73e551466c368c015d8a956d56044d51a17b8a2",
     "CreateInfra": true,
     "InfraContainerID": "97862b312013d2bc915894aecadc0acdc295d783311694a48ee491b38fe5b2ab",
     "InfraConfig": {
          "PortBindings": {
               "80/tcp": [
                    {
                         "HostIp": "",
                         "HostPort": "8081"
                    }
               ]
          },
          "HostNetwork": false,
          "StaticIP": "",
          "StaticMAC": "",
          "NoManageResolvConf": false,
          "DNSServer": null,
          "DNSSearch": null,
          "DNSOption": null,
          "NoManageHosts": false,
          "HostAdd": null,
          "Networks": null,
          "NetworkOptions": null,
          "pid_ns": "private",
          "userns": "host",
          "uts_ns": "private"
     },
     "SharedNamespaces": [
          "ipc",
          "net",
          "uts"
     ],
     "NumContainers": 3,
     "Containers": [
          {
               "Id": "0257b0e578215782a38fcab36bf40d5ea8a0341188b4c72d8bd124ff4a2b5c5e",
               "Name": "pod1-web",
               "State": "running"
          },
          {
               "Id": "5b6887c11686c6950187faa33a3ba7c71205c38f01a2fb80adcb244e2f15e464",
               "Name": "pod1-side",
               "State": "running"
          },
          {
               "Id": "97862b312013d2bc915894aecadc0acdc295d783311694a48ee491b38fe5b2ab",
               "Name": "43f8eadbbced-infra",
               "State": "running"
          }
     ]
}
)~~";
    CHECK(renderJson(Json::parse(text), 5, JsonStyle::Go) + "\n" == text);
  }
}

TEST_CASE("toYaml reproduces podman info", "[format][yaml][samples]") {
  const std::string infoText = R"~~({
  "host": {
    "arch": "amd64",
    "buildahVersion": "1.28.2",
    "cgroupManager": "cgroupfs",
    "cgroupVersion": "v1",
    "cgroupControllers": [],
    "conmon": {
      "package": "conmon_2.1.6+ds1-1_amd64",
      "path": "/usr/bin/conmon",
      "version": "conmon version 2.1.6, commit: unknown"
    },
    "cpus": 2,
    "cpuUtilization": {
      "userPercent": 12.64,
      "systemPercent": 8.96,
      "idlePercent": 78.41
    },
    "distribution": {
      "distribution": "debian",
      "version": "12",
      "codename": "bookworm"
    },
    "eventLogger": "file",
    "hostname": "vm",
    "idMappings": {
      "gidmap": [
        {
          "container_id": 0,
          "host_id": 1001,
          "size": 1
        },
        {
          "container_id": 1,
          "host_id": 100000,
          "size": 65536
        }
      ],
      "uidmap": [
        {
          "container_id": 0,
          "host_id": 1001,
          "size": 1
        },
        {
          "container_id": 1,
          "host_id": 100000,
          "size": 65536
        }
      ]
    },
    "kernel": "6.18.44-fc-v595",
    "logDriver": "k8s-file",
    "memFree": 24328523776,
    "memTotal": 25276514304,
    "networkBackend": "cni",
    "ociRuntime": {
      "name": "crun",
      "package": "crun_1.8.1-1+deb12u1_amd64",
      "path": "/usr/bin/crun",
      "version": "crun version 1.8.1\ncommit: f8a096be060b22ccd3d5f3ebe44108517fbf6c30\nrundir: /run/user/1001/crun\nspec: 1.0.0\n+SYSTEMD +SELINUX +APPARMOR +CAP +SECCOMP +EBPF +YAJL"
    },
    "os": "linux",
    "remoteSocket": {
      "path": "/run/user/1001/podman/podman.sock"
    },
    "serviceIsRemote": false,
    "security": {
      "apparmorEnabled": false,
      "capabilities": "CAP_CHOWN,CAP_DAC_OVERRIDE,CAP_FOWNER,CAP_FSETID,CAP_KILL,CAP_NET_BIND_SERVICE,CAP_SETFCAP,CAP_SETGID,CAP_SETPCAP,CAP_SETUID,CAP_SYS_CHROOT",
      "rootless": true,
      "seccompEnabled": true,
      "seccompProfilePath": "/usr/share/containers/seccomp.json",
      "selinuxEnabled": false
    },
    "slirp4netns": {
      "executable": "/usr/bin/slirp4netns",
      "package": "slirp4netns_1.2.0-1_amd64",
      "version": "slirp4netns version 1.2.0\ncommit: 656041d45cfca7a4176f6b7eed9e4fe6c11e8383\nlibslirp: 4.7.0\nSLIRP_CONFIG_VERSION_MAX: 4\nlibseccomp: 2.5.4"
    },
    "swapFree": 0,
    "swapTotal": 0,
    "uptime": "0h 6m 29.00s",
    "linkmode": "dynamic"
  },
  "store": {
    "configFile": "/home/user/.config/containers/storage.conf",
    "containerStore": {
      "number": 24,
      "paused": 0,
      "running": 9,
      "stopped": 15
    },
    "graphDriverName": "overlay",
    "graphOptions": {
      
    },
    "graphRoot": "/home/user/.local/share/containers/storage",
    "graphRootAllocated": 270553174016,
    "graphRootUsed": 17601724416,
    "graphStatus": {
      "Backing Filesystem": "extfs",
      "Native Overlay Diff": "true",
      "Supports d_type": "true",
      "Using metacopy": "false"
    },
    "imageCopyTmpDir": "/var/tmp",
    "imageStore": {
      "number": 3
    },
    "runRoot": "/run/user/1001/containers",
    "volumePath": "/home/user/.local/share/containers/storage/volumes"
  },
  "registries": {
    
  },
  "plugins": {
    "volume": [
      "local"
    ],
    "network": [
      "bridge",
      "macvlan",
      "ipvlan"
    ],
    "log": [
      "k8s-file",
      "none",
      "passthrough",
      "journald"
    ],
    "authorization": null
  },
  "version": {
    "APIVersion": "4.3.1",
    "Version": "4.3.1",
    "GoVersion": "go1.19.8",
    "GitCommit": "",
    "BuiltTime": "Thu Jan  1 00:00:00 1970",
    "Built": 0,
    "OsArch": "linux/amd64",
    "Os": "linux"
  }
}
)~~";
  Json info = Json::parse(infoText);
  // The JSON and YAML samples were taken moments apart: use the YAML's values.
  info["host"]["cpuUtilization"]["userPercent"] = 12.62;
  info["host"]["cpuUtilization"]["systemPercent"] = 8.95;
  info["host"]["cpuUtilization"]["idlePercent"] = 78.43;
  info["host"]["memFree"] = 24389341184;
  info["store"]["graphRootUsed"] = 17601720320;
  const std::string expected = R"~~(host:
  arch: amd64
  buildahVersion: 1.28.2
  cgroupControllers: []
  cgroupManager: cgroupfs
  cgroupVersion: v1
  conmon:
    package: conmon_2.1.6+ds1-1_amd64
    path: /usr/bin/conmon
    version: 'conmon version 2.1.6, commit: unknown'
  cpuUtilization:
    idlePercent: 78.43
    systemPercent: 8.95
    userPercent: 12.62
  cpus: 2
  distribution:
    codename: bookworm
    distribution: debian
    version: "12"
  eventLogger: file
  hostname: vm
  idMappings:
    gidmap:
    - container_id: 0
      host_id: 1001
      size: 1
    - container_id: 1
      host_id: 100000
      size: 65536
    uidmap:
    - container_id: 0
      host_id: 1001
      size: 1
    - container_id: 1
      host_id: 100000
      size: 65536
  kernel: 6.18.44-fc-v595
  linkmode: dynamic
  logDriver: k8s-file
  memFree: 24389341184
  memTotal: 25276514304
  networkBackend: cni
  ociRuntime:
    name: crun
    package: crun_1.8.1-1+deb12u1_amd64
    path: /usr/bin/crun
    version: |-
      crun version 1.8.1
      commit: f8a096be060b22ccd3d5f3ebe44108517fbf6c30
      rundir: /run/user/1001/crun
      spec: 1.0.0
      +SYSTEMD +SELINUX +APPARMOR +CAP +SECCOMP +EBPF +YAJL
  os: linux
  remoteSocket:
    path: /run/user/1001/podman/podman.sock
  security:
    apparmorEnabled: false
    capabilities: CAP_CHOWN,CAP_DAC_OVERRIDE,CAP_FOWNER,CAP_FSETID,CAP_KILL,CAP_NET_BIND_SERVICE,CAP_SETFCAP,CAP_SETGID,CAP_SETPCAP,CAP_SETUID,CAP_SYS_CHROOT
    rootless: true
    seccompEnabled: true
    seccompProfilePath: /usr/share/containers/seccomp.json
    selinuxEnabled: false
  serviceIsRemote: false
  slirp4netns:
    executable: /usr/bin/slirp4netns
    package: slirp4netns_1.2.0-1_amd64
    version: |-
      slirp4netns version 1.2.0
      commit: 656041d45cfca7a4176f6b7eed9e4fe6c11e8383
      libslirp: 4.7.0
      SLIRP_CONFIG_VERSION_MAX: 4
      libseccomp: 2.5.4
  swapFree: 0
  swapTotal: 0
  uptime: 0h 6m 29.00s
plugins:
  authorization: null
  log:
  - k8s-file
  - none
  - passthrough
  - journald
  network:
  - bridge
  - macvlan
  - ipvlan
  volume:
  - local
registries: {}
store:
  configFile: /home/user/.config/containers/storage.conf
  containerStore:
    number: 24
    paused: 0
    running: 9
    stopped: 15
  graphDriverName: overlay
  graphOptions: {}
  graphRoot: /home/user/.local/share/containers/storage
  graphRootAllocated: 270553174016
  graphRootUsed: 17601720320
  graphStatus:
    Backing Filesystem: extfs
    Native Overlay Diff: "true"
    Supports d_type: "true"
    Using metacopy: "false"
  imageCopyTmpDir: /var/tmp
  imageStore:
    number: 3
  runRoot: /run/user/1001/containers
  volumePath: /home/user/.local/share/containers/storage/volumes
version:
  APIVersion: 4.3.1
  Built: 0
  BuiltTime: Thu Jan  1 00:00:00 1970
  GitCommit: ""
  GoVersion: go1.19.8
  Os: linux
  OsArch: linux/amd64
  Version: 4.3.1

)~~";
  // Podman prints the document with fmt.Println: one more newline.
  CHECK(toYaml(info) + "\n" == expected);

  SECTION("and podman info --format json is json-iterator with 2 spaces") {
    const std::string& text = infoText;
    CHECK(renderJson(Json::parse(text), 2, JsonStyle::Jsoniter) + "\n" == text);
  }
}
