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
// `berth --help` and unknown words build them all. Inside the `container`
// and `image` groups the next word chooses too (`container cleanup` runs at
// every container's exit): a definer listing the group builds `group W`
// for each top-level word W it lists, and "group W" entries name what
// exists only inside the group. An unknown word in a group builds all of
// the group.
struct Definer {
  std::initializer_list<std::string_view> words;
  void (*add)(Cli&);
};

const Definer kDefiners[] = {
    {{"attach", "start", "stop", "kill", "restart", "rm", "wait", "rename", "inspect", "container",
      "container exists", "container cleanup", "container prune"},
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
    {{"ps", "container", "container ls", "container list"}, berth::cli::addPsCommand},
    {{"run", "container"}, berth::cli::addRunCommand},
    {{"image", "history", "tag", "untag", "rmi", "image inspect", "image exists", "image rm",
      "image prune"},
     berth::cli::addImageCommands},
    {{"images", "image", "image ls", "image list"}, berth::cli::addImagesCommand},
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

// The first token at or after `from` that is not a global flag (or its
// value); its index in `at`.
std::string_view commandWord(int argc, char** argv, int from, int& at) {
  for (int i = from; i < argc; ++i) {
    const std::string_view token = argv[i];
    if (token == "--") break;
    if (!token.starts_with("-")) {
      at = i;
      return token;
    }
    if (token == "--root" || token == "--runroot" || token == "--log-level") ++i;
  }
  at = argc;
  return {};
}

bool lists(const Definer& definer, std::string_view word) {
  for (const auto w : definer.words)
    if (w == word) return true;
  return false;
}

// Whether the definer builds `group sub`.
bool buildsInGroup(const Definer& definer, std::string_view group, std::string_view sub) {
  if (!lists(definer, group)) return false;
  if (lists(definer, sub)) return true;
  for (const auto w : definer.words)
    if (w.size() == group.size() + 1 + sub.size() && w.starts_with(group) &&
        w[group.size()] == ' ' && w.ends_with(sub))
      return true;
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  Cli cli;
  int at = 0;
  const std::string_view word = commandWord(argc, argv, 1, at);
  bool known = false;
  for (const auto& definer : kDefiners)
    known = known || lists(definer, word);
  const bool group = word == "image" || word == "container";
  std::string_view sub;
  if (group) {
    // Flags of the group's commands may come before the sub-word only in
    // forms CLI11 rejects anyway, so the next plain token is the sub-word.
    sub = commandWord(argc, argv, at + 1, at);
    bool subKnown = false;
    for (const auto& definer : kDefiners)
      subKnown = subKnown || buildsInGroup(definer, word, sub);
    if (!subKnown) sub = {};
  }
  if (!known || word == "image") cli.group("image", "Manage images");
  if (!known || word == "container") cli.group("container", "Manage containers");
  for (const auto& definer : kDefiners) {
    const bool wanted =
        !known || (sub.empty() ? lists(definer, word) : buildsInGroup(definer, word, sub));
    if (wanted) definer.add(cli);
  }
  return cli.main(argc, argv);
}
