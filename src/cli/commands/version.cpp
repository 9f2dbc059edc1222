// SPDX-License-Identifier: Apache-2.0
#include <fmt/format.h>

#include "../cli.hpp"
#include "../output.hpp"

namespace berth::cli {

namespace {

std::string versionText(const Json& report) {
  const Json& client = report["Client"];
  return fmt::format(
      "Client:       berth\n"
      "Version:      {}\n"
      "API Version:  {}\n"
      "Compiler:     {}\n"
      "Built:        {}\n"
      "OS/Arch:      {}\n",
      client["Version"].get<std::string>(), client["APIVersion"].get<std::string>(),
      client["CompilerVersion"].get<std::string>(), client["BuiltTime"].get<std::string>(),
      client["OsArch"].get<std::string>());
}

}  // namespace

void addVersionCommand(Cli& cli) {
  CLI::App* app = cli.addCommand("version", "Display the berth version information");
  auto format = std::make_shared<std::string>();
  app->add_option("-f,--format", *format, "Change the output format to JSON or a Go template");
  cli.setRun(app, [&cli, format] {
    const Json report = cli.engine().version();
    // Version's keys already are Go field names.
    printObjectReport(report, report, *format, versionText);
    return 0;
  });
}

}  // namespace berth::cli
