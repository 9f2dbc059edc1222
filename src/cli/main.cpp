// SPDX-License-Identifier: Apache-2.0
#include "cli.hpp"

int main(int argc, char** argv) {
  berth::cli::Cli cli;
  cli.group("image", "Manage images");
  berth::cli::addContainerCommands(cli);
  berth::cli::addCreateCommand(cli);
  berth::cli::addExportCommand(cli);
  berth::cli::addLogsCommand(cli);
  berth::cli::addPsCommand(cli);
  berth::cli::addRunCommand(cli);
  berth::cli::addImageCommands(cli);
  berth::cli::addImagesCommand(cli);
  berth::cli::addImportCommand(cli);
  berth::cli::addInfoCommand(cli);
  berth::cli::addLoadCommand(cli);
  berth::cli::addSaveCommand(cli);
  berth::cli::addUnshareCommand(cli);
  berth::cli::addVersionCommand(cli);
  return cli.main(argc, argv);
}
