// SPDX-License-Identifier: Apache-2.0
// generate quadlet: Quadlet files from existing containers and volumes.
#include <algorithm>
#include <array>
#include <optional>

#include "berth/base/error.hpp"
#include "berth/systemd/quadlet.hpp"

namespace berth::systemd {

namespace {

// A value as one Quadlet word (Environment=, Label=: words; systemd quoting).
std::string word(std::string_view value) {
  const bool plain = !value.empty() && std::none_of(value.begin(), value.end(), [](char c) {
    return c == ' ' || c == '\t' || c == '"' || c == '\'' || c == '\\' ||
           static_cast<unsigned char>(c) < 0x20;
  });
  if (plain) return std::string(value);
  std::string out = "\"";
  for (const char c : value) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

// berth run's flags that take no value (everything else takes one).
constexpr std::array<std::string_view, 16> kBooleanFlags{
    "detach",    "interactive", "tty",         "rm",    "replace",        "init",
    "read-only", "privileged",  "publish-all", "quiet", "no-healthcheck", "tls-verify",
    "sig-proxy", "help",        "d",           "i"};
constexpr std::string_view kBooleanShorts = "ditPq";

bool isBoolean(std::string_view name) {
  return std::find(kBooleanFlags.begin(), kBooleanFlags.end(), name) != kBooleanFlags.end();
}

struct Key {
  std::string_view flag;  ///< long name
  char shortName;
  std::string_view key;
  bool words;  ///< the value is one word of a list (quoted)
};

constexpr Key kKeys[] = {
    {"name", 0, "ContainerName", false},
    {"env", 'e', "Environment", true},
    {"env-file", 0, "EnvironmentFile", false},
    {"publish", 'p', "PublishPort", false},
    {"volume", 'v', "Volume", false},
    {"network", 0, "Network", false},
    {"net", 0, "Network", false},
    {"workdir", 'w', "WorkingDir", false},
    {"label", 'l', "Label", true},
    {"annotation", 0, "Annotation", true},
    {"health-cmd", 0, "HealthCmd", false},
    {"health-interval", 0, "HealthInterval", false},
    {"health-retries", 0, "HealthRetries", false},
    {"health-start-period", 0, "HealthStartPeriod", false},
    {"health-timeout", 0, "HealthTimeout", false},
    {"health-on-failure", 0, "HealthOnFailure", false},
    {"cap-add", 0, "AddCapability", true},
    {"cap-drop", 0, "DropCapability", true},
    {"secret", 0, "Secret", false},
    {"tmpfs", 0, "Tmpfs", false},
};

const Key* findKey(std::string_view longName, char shortName) {
  for (const auto& k : kKeys)
    if ((!longName.empty() && k.flag == longName) || (shortName != 0 && k.shortName == shortName))
      return &k;
  return nullptr;
}

}  // namespace

Unit quadletContainerFile(const std::string& name, const std::vector<std::string>& command) {
  std::size_t index = 0;
  for (std::size_t i = 0; i < command.size(); ++i)
    if (command[i] == "run" || command[i] == "create") {
      index = i + 1;
      break;
    }
  if (index == 0)
    throwError(Errc::InvalidArgument, "container {}: its create command has no run or create",
               name);
  std::vector<std::pair<std::string, std::string>> keys;
  std::vector<std::string> globalArgs(command.begin() + 1,
                                      command.begin() + static_cast<std::ptrdiff_t>(index - 1));
  std::vector<std::string> berthArgs;
  std::string user;
  auto add = [&](const Key& key, const std::string& value) {
    if (key.key == "ContainerName") {
      keys.emplace_back("ContainerName", value);
    } else {
      keys.emplace_back(std::string(key.key), key.words ? word(value) : value);
    }
  };
  std::size_t i = index;
  for (; i < command.size(); ++i) {
    const std::string& arg = command[i];
    if (arg == "--") {
      ++i;
      break;
    }
    if (arg.size() < 2 || arg[0] != '-') break;
    std::string longName;
    char shortName = 0;
    std::optional<std::string> value;
    bool valueFromNext = false;
    if (arg.starts_with("--")) {
      const auto eq = arg.find('=');
      longName = arg.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
      if (eq != std::string::npos) value = arg.substr(eq + 1);
      if (!value && !isBoolean(longName) && i + 1 < command.size()) {
        value = command[++i];
        valueFromNext = true;
      }
    } else {
      // A cluster of booleans, or one short flag with its value.
      if (arg.size() > 2 && kBooleanShorts.find(arg[1]) != std::string_view::npos &&
          std::all_of(arg.begin() + 1, arg.end(),
                      [](char c) { return kBooleanShorts.find(c) != std::string_view::npos; })) {
        std::string rest;
        for (const char c : arg.substr(1))
          if (c != 'd') rest += c;
        if (!rest.empty()) berthArgs.push_back("-" + rest);
        continue;
      }
      shortName = arg[1];
      if (arg.size() > 2) {
        value = arg.substr(arg[2] == '=' ? 3 : 2);
      } else if (kBooleanShorts.find(shortName) == std::string_view::npos &&
                 i + 1 < command.size()) {
        value = command[++i];
        valueFromNext = true;
      }
    }
    // What the unit sets itself.
    if (longName == "detach" || shortName == 'd' || longName == "rm" || longName == "replace" ||
        longName == "cidfile" || longName == "cgroups")
      continue;
    if (longName == "sdnotify") {
      if (value == "container") keys.emplace_back("Notify", "true");
      continue;
    }
    if (longName == "read-only" && !value) {
      keys.emplace_back("ReadOnly", "true");
      continue;
    }
    if (longName == "security-opt" && value == "no-new-privileges") {
      keys.emplace_back("NoNewPrivileges", "true");
      continue;
    }
    if (longName == "user" || shortName == 'u') {
      user = value.value_or("");
      continue;
    }
    if (const Key* key = findKey(longName, shortName); key != nullptr && value) {
      add(*key, *value);
      continue;
    }
    berthArgs.push_back(arg);
    if (valueFromNext) berthArgs.push_back(*value);
  }
  std::string text = "[Container]\n";
  text += "Image=" + (i < command.size() ? command[i] : std::string()) + "\n";
  for (const auto& [key, value] : keys)
    text += key + "=" + value + "\n";
  if (!user.empty()) {
    const auto colon = user.find(':');
    text += "User=" + user.substr(0, colon) + "\n";
    if (colon != std::string::npos) text += "Group=" + user.substr(colon + 1) + "\n";
  }
  if (i + 1 < command.size()) {
    std::string exec;
    for (std::size_t w = i + 1; w < command.size(); ++w)
      exec += (exec.empty() ? "" : " ") + word(command[w]);
    text += "Exec=" + exec + "\n";
  }
  if (!globalArgs.empty()) {
    std::string joined;
    for (const auto& w : globalArgs)
      joined += (joined.empty() ? "" : " ") + word(w);
    text += "GlobalArgs=" + joined + "\n";
  }
  if (!berthArgs.empty()) {
    std::string joined;
    for (const auto& w : berthArgs)
      joined += (joined.empty() ? "" : " ") + word(w);
    text += "BerthArgs=" + joined + "\n";
  }
  text += "\n[Install]\nWantedBy=default.target\n";
  return Unit{name + ".container", text};
}

Unit quadletVolumeFile(const std::string& name, const Json& inspect) {
  std::string text = "[Volume]\n";
  if (const auto labels = inspect.find("Labels"); labels != inspect.end() && labels->is_object())
    for (const auto& [key, value] : labels->items())
      text += "Label=" + word(key + "=" + value.get<std::string>()) + "\n";
  if (const auto options = inspect.find("Options");
      options != inspect.end() && options->is_object()) {
    for (const auto& [key, value] : options->items()) {
      const std::string v = value.get<std::string>();
      if (key == "device")
        text += "Device=" + v + "\n";
      else if (key == "type")
        text += "Type=" + v + "\n";
      else if (key == "o")
        text += "Options=" + v + "\n";
    }
  }
  if (const auto uid = inspect.find("UID");
      uid != inspect.end() && uid->is_number() && uid->get<long long>() != 0)
    text += "User=" + std::to_string(uid->get<long long>()) + "\n";
  if (const auto gid = inspect.find("GID");
      gid != inspect.end() && gid->is_number() && gid->get<long long>() != 0)
    text += "Group=" + std::to_string(gid->get<long long>()) + "\n";
  return Unit{name + ".volume", text};
}

}  // namespace berth::systemd
