// SPDX-License-Identifier: Apache-2.0
// generate quadlet: Quadlet files from existing containers and volumes.
#include <algorithm>
#include <array>
#include <optional>

#include "berth/base/error.hpp"
#include "berth/systemd/quadlet.hpp"

namespace berth::systemd {

namespace {

// A value as berth-quadlet reads it back literally: specifiers and
// variables stay live in a Quadlet file (as in Podman's), so `%` -> `%%`
// and `$` -> `$$`.
std::string literal(std::string_view value) {
  std::string out;
  for (const char c : value) {
    if (c == '%' || c == '$') out += c;
    out += c;
  }
  return out;
}

// A value as one Quadlet word (Environment=, Label=: words; systemd quoting).
std::string word(std::string_view raw) {
  const std::string value = literal(raw);
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

// One flag of a recorded command line: as typed (`arg`, and its value
// word when it was the next one), its name and its value.
struct Flag {
  std::string arg;
  std::string longName;
  char shortName = 0;
  std::optional<std::string> value;
  bool valueFromNext = false;
  bool cluster = false;  ///< -dit: short booleans, `arg` holds them
};

// The flags of command[start...] up to the first argument (returned in
// `end`): `isBool` says which long flags take no value, `boolShorts` the
// short ones.
std::vector<Flag> walkFlags(const std::vector<std::string>& command, std::size_t start,
                            bool (*isBool)(std::string_view), std::string_view boolShorts,
                            std::size_t& end) {
  std::vector<Flag> flags;
  std::size_t i = start;
  for (; i < command.size(); ++i) {
    const std::string& arg = command[i];
    if (arg == "--") {
      ++i;
      break;
    }
    if (arg.size() < 2 || arg[0] != '-') break;
    Flag f;
    f.arg = arg;
    if (arg.starts_with("--")) {
      const auto eq = arg.find('=');
      f.longName = arg.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
      if (eq != std::string::npos) f.value = arg.substr(eq + 1);
      if (!f.value && !isBool(f.longName) && i + 1 < command.size()) {
        f.value = command[++i];
        f.valueFromNext = true;
      }
    } else if (arg.size() > 2 && std::all_of(arg.begin() + 1, arg.end(), [&](char c) {
                 return boolShorts.find(c) != std::string_view::npos;
               })) {
      f.cluster = true;
    } else {
      f.shortName = arg[1];
      if (arg.size() > 2) {
        f.value = arg.substr(arg[2] == '=' ? 3 : 2);
      } else if (boolShorts.find(f.shortName) == std::string_view::npos && i + 1 < command.size()) {
        f.value = command[++i];
        f.valueFromNext = true;
      }
    }
    flags.push_back(std::move(f));
  }
  end = i;
  return flags;
}

// The words of a flag as typed.
void keep(std::vector<std::string>& args, const Flag& f) {
  args.push_back(f.arg);
  if (f.valueFromNext) args.push_back(*f.value);
}

// KEY=WORD WORD... for a list of words; "" when there are none.
std::string wordsLine(std::string_view key, const std::vector<std::string>& words) {
  if (words.empty()) return "";
  std::string joined;
  for (const auto& w : words)
    joined += (joined.empty() ? "" : " ") + word(w);
  return std::string(key) + "=" + joined + "\n";
}

}  // namespace

Unit quadletContainerFile(const std::string& name, const std::vector<std::string>& command,
                          const std::string& pod) {
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
      keys.emplace_back("ContainerName", literal(value));
    } else {
      keys.emplace_back(std::string(key.key), key.words ? word(value) : literal(value));
    }
  };
  std::size_t i = 0;
  for (const Flag& flag : walkFlags(command, index, isBoolean, kBooleanShorts, i)) {
    const std::string& arg = flag.arg;
    const std::string& longName = flag.longName;
    const char shortName = flag.shortName;
    const std::optional<std::string>& value = flag.value;
    if (flag.cluster) {
      std::string rest;
      for (const char c : arg.substr(1))
        if (c != 'd') rest += c;
      if (!rest.empty()) berthArgs.push_back("-" + rest);
      continue;
    }
    if ((longName == "pod" || longName == "pod-id-file") && !pod.empty()) continue;
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
    keep(berthArgs, flag);
  }
  std::string text = "[Container]\n";
  text += "Image=" + literal(i < command.size() ? command[i] : std::string()) + "\n";
  if (!pod.empty()) text += "Pod=" + pod + ".pod\n";
  for (const auto& [key, value] : keys)
    text += key + "=" + value + "\n";
  if (!user.empty()) {
    const auto colon = user.find(':');
    text += "User=" + literal(user.substr(0, colon)) + "\n";
    if (colon != std::string::npos) text += "Group=" + literal(user.substr(colon + 1)) + "\n";
  }
  if (i + 1 < command.size()) {
    std::string exec;
    for (std::size_t w = i + 1; w < command.size(); ++w)
      exec += (exec.empty() ? "" : " ") + word(command[w]);
    text += "Exec=" + exec + "\n";
  }
  text += wordsLine("GlobalArgs", globalArgs);
  text += wordsLine("BerthArgs", berthArgs);
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
        text += "Device=" + literal(v) + "\n";
      else if (key == "type")
        text += "Type=" + literal(v) + "\n";
      else if (key == "o")
        text += "Options=" + literal(v) + "\n";
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

namespace {

// pod create's flags that take no value.
bool isPodBoolean(std::string_view name) {
  return name == "replace" || name == "no-infra" || name == "help";
}

}  // namespace

Unit quadletPodFile(const std::string& name, const std::vector<std::string>& command) {
  std::size_t index = 0;
  for (std::size_t i = 0; i + 1 < command.size(); ++i)
    if (command[i] == "pod" && command[i + 1] == "create") {
      index = i + 2;
      break;
    }
  if (index == 0)
    throwError(Errc::InvalidArgument, "pod {}: its create command has no pod create", name);
  const std::vector<std::string> globalArgs(
      command.begin() + 1, command.begin() + static_cast<std::ptrdiff_t>(index - 2));
  std::string text = "[Pod]\nPodName=" + literal(name) + "\n";
  std::vector<std::string> berthArgs;
  std::size_t end = 0;
  for (const Flag& f : walkFlags(command, index, isPodBoolean, "", end)) {
    const std::string& n = f.longName;
    // What the unit sets itself.
    if (n == "replace" || n == "name" || f.shortName == 'n' || n == "infra-name" ||
        n == "pod-id-file" || n == "infra-conmon-pidfile")
      continue;
    std::string_view key;
    if (n == "publish" || f.shortName == 'p') key = "PublishPort";
    if (n == "network" || n == "net") key = "Network";
    if (n == "hostname") key = "HostName";
    if (n == "dns") key = "DNS";
    if (n == "add-host") key = "AddHost";
    if (n == "exit-policy") key = "ExitPolicy";
    if (n == "label" || f.shortName == 'l') {
      if (f.value) text += "Label=" + word(*f.value) + "\n";
      continue;
    }
    if (!key.empty() && f.value) {
      text += std::string(key) + "=" + literal(*f.value) + "\n";
      continue;
    }
    keep(berthArgs, f);
  }
  text += wordsLine("GlobalArgs", globalArgs);
  text += wordsLine("BerthArgs", berthArgs);
  text += "\n[Install]\nWantedBy=default.target\n";
  return Unit{name + ".pod", text};
}

Unit quadletNetworkFile(const Json& inspect) {
  const std::string name = inspect.value("name", "");
  std::string text = "[Network]\nNetworkName=" + literal(name) + "\n";
  if (const std::string driver = inspect.value("driver", "bridge"); driver != "bridge")
    text += "Driver=" + driver + "\n";
  const Json subnets = inspect.value("subnets", Json::array());
  if (!subnets.empty()) {
    const Json& s = subnets.front();
    if (s.contains("subnet")) text += "Subnet=" + s.value("subnet", "") + "\n";
    if (s.contains("gateway")) text += "Gateway=" + s.value("gateway", "") + "\n";
    if (s.contains("lease_range")) text += "IPRange=" + s["lease_range"].value("range", "") + "\n";
  }
  if (inspect.value("internal", false)) text += "Internal=true\n";
  if (!inspect.value("dns_enabled", true)) text += "DisableDNS=true\n";
  if (const auto labels = inspect.find("labels"); labels != inspect.end() && labels->is_object())
    for (const auto& [key, value] : labels->items())
      text += "Label=" + word(key + "=" + value.get<std::string>()) + "\n";
  return Unit{name + ".network", text};
}

}  // namespace berth::systemd
