// SPDX-License-Identifier: Apache-2.0
#include <initializer_list>
#include <string_view>

#include "cli.hpp"

namespace berth::cli {
// generate.cpp; declared here rather than in cli.hpp, which every command
// includes.
void addGenerateSystemdCommand(Cli& cli);
}  // namespace berth::cli

namespace {

using berth::cli::Cli;

// Which add function defines which top-level words. Building every
// command's flags costs more than the rest of a short command (`berth
// version`, `berth ps`), so only the chosen word's commands are built;
// `berth --help` and unknown words build them all.
struct Definer {
  std::initializer_list<std::string_view> words;
  void (*add)(Cli&);
};

const Definer kDefiners[] = {
    {{"attach", "start", "stop", "kill", "restart", "rm", "wait", "rename", "inspect", "container"},
     berth::cli::addContainerCommands},
    {{"cp", "container"}, berth::cli::addCopyCommand},
    {{"create", "container"}, berth::cli::addCreateCommand},
    {{"diff", "container"}, berth::cli::addDiffCommand},
    {{"exec", "container"}, berth::cli::addExecCommand},
    {{"generate"}, berth::cli::addGenerateSystemdCommand},
    {{"healthcheck"}, berth::cli::addHealthcheckCommand},
    {{"export", "container"}, berth::cli::addExportCommand},
    {{"logs", "container"}, berth::cli::addLogsCommand},
    {{"mount", "unmount", "umount", "container"}, berth::cli::addMountCommands},
    {{"events", "system"}, berth::cli::addEventsCommand},
    {{"pause", "unpause", "container"}, berth::cli::addPauseCommands},
    {{"stats", "container", "pod"}, berth::cli::addStatsCommand},
    {{"top", "container"}, berth::cli::addTopCommand},
    {{"pod"}, berth::cli::addPodCommands},
    {{"port", "container"}, berth::cli::addPortCommand},
    {{"ps", "container"}, berth::cli::addPsCommand},
    {{"run", "container"}, berth::cli::addRunCommand},
    {{"image", "history", "tag", "untag", "rmi"}, berth::cli::addImageCommands},
    {{"images", "image"}, berth::cli::addImagesCommand},
    {{"import", "image"}, berth::cli::addImportCommand},
    {{"info"}, berth::cli::addInfoCommand},
    {{"kube"}, berth::cli::addKubeCommands},
    {{"generate"}, berth::cli::addGenerateKubeCommand},
    {{"load", "image"}, berth::cli::addLoadCommand},
    {{"login", "logout"}, berth::cli::addLoginCommands},
    {{"network"}, berth::cli::addNetworkCommands},
    {{"pull", "image"}, berth::cli::addPullCommand},
    {{"push", "image"}, berth::cli::addPushCommand},
    {{"save", "image"}, berth::cli::addSaveCommand},
    {{"secret"}, berth::cli::addSecretCommands},
    {{"system"}, berth::cli::addSystemCommands},
    {{"unshare"}, berth::cli::addUnshareCommand},
    {{"version"}, berth::cli::addVersionCommand},
    {{"volume"}, berth::cli::addVolumeCommands},
};

// The first token that is not a global flag (or its value).
std::string_view commandWord(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view token = argv[i];
    if (token == "--") return {};
    if (!token.starts_with("-")) return token;
    if (token == "--root" || token == "--runroot" || token == "--log-level") ++i;
  }
  return {};
}

}  // namespace

int main(int argc, char** argv) {
  Cli cli;
  const std::string_view word = commandWord(argc, argv);
  bool known = false;
  for (const auto& definer : kDefiners)
    for (const auto w : definer.words)
      known = known || w == word;
  if (!known || word == "image") cli.group("image", "Manage images");
  if (!known || word == "container") cli.group("container", "Manage containers");
  for (const auto& definer : kDefiners) {
    bool wanted = !known;
    for (const auto w : definer.words)
      wanted = wanted || w == word;
    if (wanted) definer.add(cli);
  }
  return cli.main(argc, argv);
}
