// SPDX-License-Identifier: Apache-2.0
#include "../cli.hpp"
#include "../output.hpp"
#include "berth/format/yaml.hpp"

namespace berth::cli {

namespace {

/// Podman's Go field names where they are not just the capitalised JSON key
/// (libpod/define/info.go).
const std::map<std::string, std::string> kInfoFieldNames = {
    {"cgroupVersion", "CgroupsVersion"},
    {"cpus", "CPUs"},
    {"idMappings", "IDMappings"},
    {"os", "OS"},
    {"capabilities", "DefaultCapabilities"},
    {"seccompEnabled", "SECCOMPEnabled"},
    {"container_id", "ContainerID"},
    {"host_id", "HostID"},
    {"uidmap", "UIDMap"},
    {"gidmap", "GIDMap"},
    // A Go map key, not a struct field: kept as is.
    {"overlay.mount_program", "overlay.mount_program"},
};

}  // namespace

void addInfoCommand(Cli& cli) {
  CLI::App* app = cli.addCommand("info", "Display berth related system information");
  auto format = std::make_shared<std::string>();
  app->add_option("-f,--format", *format, "Change the output format to JSON or a Go template");
  cli.setRun(app, [&cli, format] {
    const Json report = cli.engine().info();
    printObjectReport(
        report, goFieldView(report, kInfoFieldNames), *format,
        [](const Json& r) { return format::toYaml(r); },
        JsonLayout{2, format::JsonStyle::Jsoniter});
    return 0;
  });
}

}  // namespace berth::cli
