// SPDX-License-Identifier: Apache-2.0
// `generate systemd` for a container: Podman 4.3.1's containerTemplate and
// its --new command-line rewriting (pkg/systemd/generate/containers.go).
#include <time.h>

#include <algorithm>
#include <array>

#include "berth/base/error.hpp"
#include "berth/systemd/unit.hpp"
#include "quadlet_internal.hpp"

namespace berth::systemd {

namespace {

constexpr unsigned kMinTimeoutStopSec = 60;  // Podman's minTimeoutStopSec

}  // namespace

std::string detail::quote(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\a':
        out += "\\a";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\v':
        out += "\\v";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
          out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
        else
          out += c;
    }
  }
  return out + "\"";
}

namespace {

// Podman's formatOptions: a line continuation before every option.
std::string formatOptions(const std::vector<std::string>& words) {
  std::string out;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i == 0) {
      out = words[0];
    } else if (words[i].starts_with("-")) {
      out += " \\\n\t" + words[i];
    } else {
      out += " " + words[i];
    }
  }
  return out;
}

std::string joinSpaced(const std::vector<std::string>& values) {
  std::string out;
  for (const auto& v : values)
    out += (out.empty() ? "" : " ") + v;
  return out;
}

// --wants, --after, --requires: the lines of a unit's [Unit] section.
std::string userDependencies(const GenerateOptions& options) {
  std::string u;
  if (!options.wants.empty() || !options.after.empty() || !options.requires_.empty())
    u += "\n# User-defined dependencies\n";
  if (!options.wants.empty()) u += "Wants=" + joinSpaced(options.wants) + "\n";
  if (!options.after.empty()) u += "After=" + joinSpaced(options.after) + "\n";
  if (!options.requires_.empty()) u += "Requires=" + joinSpaced(options.requires_) + "\n";
  return u;
}

// What the --new rewriting needs to know of the recorded flags (Podman
// parses them with a pflag set that knows only these, unknown flags
// taking the next word as their value unless it is a flag).
struct RecordedFlags {
  bool detach = false;
  bool detachChanged = false;
  bool name = false;
  bool replace = false;
  bool replaceChanged = false;
  std::optional<std::string> sdnotify;
  std::optional<std::string> cgroups;
  std::string restart;
  std::vector<std::string> env;
  std::size_t positional = 0;  ///< words from the image on: never filtered
};

bool parseBoolValue(std::string_view value) {
  return value == "true" || value == "1" || value == "t" || value == "T" || value == "TRUE" ||
         value == "True";
}

RecordedFlags parseRecorded(const std::vector<std::string>& args) {
  RecordedFlags f;
  std::size_t i = 0;
  auto takeValue = [&](std::string_view inlineValue, bool hasInline) -> std::string {
    if (hasInline) return std::string(inlineValue);
    if (i + 1 < args.size()) return args[++i];
    return {};
  };
  for (; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") {
      ++i;
      break;
    }
    if (arg.size() < 2 || arg[0] != '-') break;
    if (arg.starts_with("--")) {
      const auto eq = arg.find('=');
      const std::string name = arg.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
      const bool hasInline = eq != std::string::npos;
      const std::string_view inlineValue =
          hasInline ? std::string_view(arg).substr(eq + 1) : std::string_view();
      if (name == "detach") {
        f.detach = hasInline ? parseBoolValue(inlineValue) : true;
        f.detachChanged = true;
      } else if (name == "replace") {
        f.replace = hasInline ? parseBoolValue(inlineValue) : true;
        f.replaceChanged = true;
      } else if (name == "name") {
        takeValue(inlineValue, hasInline);
        f.name = true;
      } else if (name == "env") {
        f.env.push_back(takeValue(inlineValue, hasInline));
      } else if (name == "sdnotify") {
        f.sdnotify = takeValue(inlineValue, hasInline);
      } else if (name == "restart") {
        f.restart = takeValue(inlineValue, hasInline);
      } else if (name == "cgroups") {
        f.cgroups = takeValue(inlineValue, hasInline);
      } else if (name == "help") {
        takeValue(inlineValue, hasInline);
      } else if (!hasInline && i + 1 < args.size() && !args[i + 1].starts_with("-")) {
        ++i;  // an unknown flag takes the next word
      }
      continue;
    }
    // A cluster of short flags.
    for (std::size_t c = 1; c < arg.size(); ++c) {
      const char flag = arg[c];
      const bool last = c + 1 == arg.size();
      if (flag == 'd') {
        if (!last && arg[c + 1] == '=') {
          f.detach = parseBoolValue(std::string_view(arg).substr(c + 2));
          f.detachChanged = true;
          break;
        }
        f.detach = true;
        f.detachChanged = true;
      } else if (flag == 'e' || flag == 'h') {
        std::string value;
        if (!last)
          value = arg.substr(arg[c + 1] == '=' ? c + 2 : c + 1);
        else if (i + 1 < args.size())
          value = args[++i];
        if (flag == 'e') f.env.push_back(value);
        break;
      } else if (last && i + 1 < args.size() && !args[i + 1].starts_with("-")) {
        ++i;  // an unknown shorthand at the end takes the next word
      }
    }
  }
  f.positional = args.size() - std::min(i, args.size());
  return f;
}

bool startsWithAny(std::string_view arg, std::initializer_list<std::string_view> prefixes) {
  return std::any_of(prefixes.begin(), prefixes.end(),
                     [arg](std::string_view p) { return arg.starts_with(p); });
}

// Podman's filterCommonContainerFlags: --rm, --cgroups, --cidfile,
// --pidfile and --conmon-pidfile go; the container's own command stays.
std::vector<std::string> filterCommonFlags(const std::vector<std::string>& command,
                                           std::size_t keep) {
  std::vector<std::string> out;
  const std::size_t flagsEnd = command.size() - keep;
  for (std::size_t i = 0; i < flagsEnd; ++i) {
    const std::string& s = command[i];
    if (s == "--rm") continue;
    if (s == "--cgroups" || s == "--cidfile" || s == "--pidfile" || s == "--conmon-pidfile") {
      ++i;
      continue;
    }
    if (startsWithAny(s, {"--rm=", "--cgroups=", "--cidfile=", "--pidfile=", "--conmon-pidfile="}))
      continue;
    out.push_back(s);
  }
  out.insert(out.end(), command.begin() + static_cast<std::ptrdiff_t>(flagsEnd), command.end());
  return out;
}

// Drops `--flag=value` / `--flag value` words of one flag from the flags
// part (Podman's removeArg family).
std::vector<std::string> removeFlag(const std::vector<std::string>& command, std::size_t keep,
                                    std::initializer_list<std::string_view> spellings,
                                    bool takesValue) {
  std::vector<std::string> out;
  const std::size_t flagsEnd = command.size() - keep;
  for (std::size_t i = 0; i < flagsEnd; ++i) {
    const std::string& s = command[i];
    bool drop = false;
    for (const auto spelling : spellings) {
      if (s == spelling) {
        drop = true;
        if (takesValue) ++i;
      } else if (s.starts_with(std::string(spelling) + "=")) {
        drop = true;
      }
    }
    if (!drop) out.push_back(s);
  }
  out.insert(out.end(), command.begin() + static_cast<std::ptrdiff_t>(flagsEnd), command.end());
  return out;
}

// Podman's filterPodFlags: a pod's unit hands the pod over by its id file,
// so --pod, --pod-id-file and --infra-conmon-pidfile go.
std::vector<std::string> filterPodFlags(const std::vector<std::string>& command, std::size_t keep) {
  std::vector<std::string> out;
  const std::size_t flagsEnd = command.size() - keep;
  for (std::size_t i = 0; i < flagsEnd; ++i) {
    const std::string& s = command[i];
    if (s == "--pod" || s == "--pod-id-file" || s == "--infra-conmon-pidfile") {
      ++i;
      continue;
    }
    if (startsWithAny(s, {"--pod=", "--pod-id-file=", "--infra-conmon-pidfile="})) continue;
    out.push_back(s);
  }
  out.insert(out.end(), command.begin() + static_cast<std::ptrdiff_t>(flagsEnd), command.end());
  return out;
}

std::size_t commandIndex(const std::vector<std::string>& createCommand) {
  for (std::size_t i = 0; i < createCommand.size(); ++i)
    if (createCommand[i] == "run" || createCommand[i] == "create") return i + 1;
  return 0;
}

struct NewCommand {
  std::string execStart;
  std::vector<std::string> extraEnv;
  std::string restartPolicy;  ///< from the recorded --restart; "" = keep
  std::string startLimitBurst;
};

NewCommand newContainerCommand(const ContainerFacts& c, const GenerateOptions& options,
                               const std::string& serviceName) {
  const std::size_t index = commandIndex(c.createCommand);
  if (index == 0) {
    std::string shown;
    for (const auto& word : c.createCommand)
      shown += (shown.empty() ? "" : " ") + word;
    throwError(Errc::InvalidArgument, "container's create command is too short or invalid: [{}]",
               shown);
  }
  std::vector<std::string> start{c.executable};
  if (index > 2)
    start.insert(start.end(), c.createCommand.begin() + 1,
                 c.createCommand.begin() + static_cast<std::ptrdiff_t>(index - 1));
  start.insert(start.end(), {"run", "--cidfile=%t/%n.ctr-id", "--cgroups=no-conmon", "--rm"});
  std::vector<std::string> remaining(c.createCommand.begin() + static_cast<std::ptrdiff_t>(index),
                                     c.createCommand.end());
  const RecordedFlags flags = parseRecorded(remaining);
  remaining = filterCommonFlags(remaining, flags.positional);
  if (!c.podIdFile.empty()) {
    remaining = filterPodFlags(remaining, flags.positional);
    start.insert(start.end(), {"--pod-id-file", c.podIdFile});
  }
  if (!flags.sdnotify) {
    start.emplace_back("--sdnotify=conmon");
  } else if (*flags.sdnotify == "ignore") {
    // Type=notify needs a READY: ignore becomes conmon.
    remaining = removeFlag(remaining, flags.positional, {"--sdnotify"}, true);
    start.emplace_back("--sdnotify=conmon");
  }
  if (flags.name && !flags.replace) {
    start.emplace_back("--replace");
    if (flags.replaceChanged)
      remaining = removeFlag(remaining, flags.positional, {"--replace"}, false);
  }
  if (!flags.detach) {
    start.emplace_back("-d");
    if (flags.detachChanged)
      remaining = removeFlag(remaining, flags.positional, {"--detach", "-d"}, false);
  }
  NewCommand out;
  if (!options.restartPolicy && !flags.restart.empty()) {
    std::string policy = flags.restart;
    if (policy.starts_with("on-failure:")) {
      out.startLimitBurst = policy.substr(policy.find(':') + 1);
      policy = "on-failure";
    } else if (policy == "unless-stopped") {
      policy = "always";
    }
    out.restartPolicy = policy;
  }
  for (const auto& env : flags.env) {
    if (env.find('=') != std::string::npos) continue;
    // "-e KEY" reads the value from the environment of `run`: the unit
    // must carry it.
    for (const auto& containerEnv : c.environment)
      if (containerEnv.substr(0, containerEnv.find('=')) == env)
        out.extraEnv.push_back(escapeArgument(containerEnv));
  }
  start.insert(start.end(), remaining.begin(), remaining.end());
  for (auto& word : start)
    word = escapeArgument(word);
  // The specifiers of the unit's own paths are not to be escaped.
  start[index > 2 ? index : 2] = "--cidfile=%t/%n.ctr-id";
  if (!c.podIdFile.empty()) start[(index > 2 ? index : 2) + 4] = c.podIdFile;
  if (options.templateUnit) {
    auto name = std::find(start.begin(), start.end(), "--name");
    if (name != start.end() && name + 1 != start.end()) {
      *(name + 1) += "-%i";
    } else {
      auto named = std::find_if(start.begin(), start.end(),
                                [](const std::string& w) { return w.starts_with("--name="); });
      if (named != start.end()) {
        *named += "-%i";
      } else {
        auto run = std::find(start.begin(), start.end(), "run");
        start.insert(run + 1, "--name=" + serviceName + "-%i");
      }
    }
  }
  out.execStart = formatOptions(start);
  return out;
}

}  // namespace

void validateRestartPolicy(std::string_view policy) {
  constexpr std::array<std::string_view, 7> kPolicies{
      "no", "on-success", "on-failure", "on-abnormal", "on-watchdog", "on-abort", "always"};
  if (std::find(kPolicies.begin(), kPolicies.end(), policy) == kPolicies.end())
    throwError(Errc::InvalidArgument, "{} is not a valid restart policy", policy);
}

std::string escapeArgument(std::string_view argument) {
  std::string arg;
  for (const char c : argument) {
    if (c == '$')
      arg += "$$";
    else if (c == '%')
      arg += "%%";
    else
      arg += c;
  }
  // Podman quotes for white space and double quotes; berth also for the
  // other characters systemd's splitter would take apart (single quotes,
  // control characters), where Podman's units break.
  // A lone ";" would end the command: quoted, it is a word.
  const bool needsQuotes = arg == ";" || std::any_of(arg.begin(), arg.end(), [](char c) {
                             return c == ' ' || c == '"' || c == '\'' ||
                                    static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
                           });
  if (needsQuotes) return detail::quote(arg);
  if (arg.find('\\') != std::string::npos) {
    std::string doubled;
    for (const char c : arg)
      doubled += c == '\\' ? std::string("\\\\") : std::string(1, c);
    return doubled;
  }
  return arg;
}

RecordedModes recordedModes(const std::vector<std::string>& createCommand) {
  const std::size_t index = commandIndex(createCommand);
  if (index == 0) return {};
  const RecordedFlags flags = parseRecorded(std::vector<std::string>(
      createCommand.begin() + static_cast<std::ptrdiff_t>(index), createCommand.end()));
  return RecordedModes{flags.sdnotify, flags.cgroups};
}

std::string unixDate(long long epochSeconds) {
  const time_t t = static_cast<time_t>(epochSeconds);
  tm parts{};
  ::gmtime_r(&t, &parts);
  char buffer[64];
  ::strftime(buffer, sizeof(buffer), "%a %b %e %H:%M:%S UTC %Y", &parts);
  return buffer;
}

Unit containerUnit(const ContainerFacts& c, const GenerateOptions& options) {
  if (options.restartPolicy) validateRestartPolicy(*options.restartPolicy);
  const std::string nameOrId = options.useName ? c.name : c.id;
  std::string serviceName = options.containerPrefix.empty()
                                ? nameOrId
                                : options.containerPrefix + options.separator + nameOrId;
  const bool isNew = options.newContainer || options.templateUnit;
  const unsigned stopTimeout = options.stopTimeout.value_or(c.stopTimeout);
  std::string restartPolicy = options.restartPolicy.value_or("on-failure");
  std::string startLimitBurst;
  std::vector<std::string> extraEnv;
  std::string execStart;
  if (isNew) {
    NewCommand command = newContainerCommand(c, options, serviceName);
    execStart = std::move(command.execStart);
    extraEnv = std::move(command.extraEnv);
    if (!command.restartPolicy.empty()) restartPolicy = command.restartPolicy;
    startLimitBurst = command.startLimitBurst;
  }
  // berth's global flags of the create command (--root, --runroot): every
  // command of the unit needs them to find the container.
  std::string berth = c.executable;
  if (const std::size_t index = commandIndex(c.createCommand); index > 2)
    for (std::size_t i = 1; i + 1 < index; ++i)
      berth += " " + escapeArgument(c.createCommand[i]);
  if (!isNew) execStart = berth + " start " + nameOrId;
  const std::string unitName = options.templateUnit ? serviceName + "@" : serviceName;

  std::string u;
  if (!options.noHeader) {
    u += fmt::format("# {}.service\n# autogenerated by berth {}\n", unitName, c.version);
    if (!c.timestamp.empty()) u += "# " + c.timestamp + "\n";
    u += "\n";
  }
  u += "[Unit]\n";
  u += fmt::format("Description=berth {}.service\n", unitName);
  u += "Documentation=man:berth-generate-systemd(1)\n";
  u += "Wants=network-online.target\nAfter=network-online.target\n";
  u += fmt::format("RequiresMountsFor={}\n", isNew ? "%t/berth" : c.runRoot);
  if (!c.podService.empty())
    u += fmt::format("BindsTo={0}.service\nAfter={0}.service\n", c.podService);
  u += userDependencies(options);
  u += "\n[Service]\n";
  u += fmt::format("Environment=BERTH_SYSTEMD_UNIT=%n{}\n", options.templateUnit ? "-%i" : "");
  if (!extraEnv.empty()) u += "Environment=" + joinSpaced(extraEnv) + "\n";
  for (const auto& env : options.environment)
    u += "Environment=" + escapeArgument(env) + "\n";
  u += "Restart=" + restartPolicy + "\n";
  if (options.restartSec && *options.restartSec != 0)
    u += fmt::format("RestartSec={}\n", *options.restartSec);
  if (!startLimitBurst.empty()) u += "StartLimitBurst=" + startLimitBurst + "\n";
  if (options.startTimeout && *options.startTimeout != 0)
    u += fmt::format("TimeoutStartSec={}\n", *options.startTimeout);
  u += fmt::format("TimeoutStopSec={}\n", kMinTimeoutStopSec + stopTimeout);
  if (isNew) {
    u += "ExecStartPre=/bin/rm \\\n\t-f %t/%n.ctr-id\n";
    u += "ExecStart=" + execStart + "\n";
    u += fmt::format(
        "ExecStop={0} stop \\\n\t--ignore -t {1} \\\n\t--cidfile=%t/%n.ctr-id\n"
        "ExecStopPost={0} rm \\\n\t-f \\\n\t--ignore -t {1} \\\n\t--cidfile=%t/%n.ctr-id\n",
        berth, stopTimeout);
    u += "Type=notify\nNotifyAccess=all\n";
  } else {
    u += "ExecStart=" + execStart + "\n";
    u += fmt::format(
        "ExecStop={0} stop  \\\n\t-t {1} {2}\nExecStopPost={0} stop  \\\n\t-t {1} {2}\n", berth,
        stopTimeout, nameOrId);
    u += "PIDFile=" + c.monitorPidFile + "\n";
    u += "Type=forking\n";
  }
  u += "\n[Install]\nWantedBy=default.target\n";
  return Unit{unitName, std::move(u)};
}

std::string podServiceName(const PodFacts& pod, const GenerateOptions& options) {
  const std::string nameOrId = options.useName ? pod.name : pod.id;
  return options.podPrefix.empty() ? nameOrId : options.podPrefix + options.separator + nameOrId;
}

// Podman's podTemplate (pkg/systemd/generate/pods.go, 4.3.1): the pod's
// unit wants its members and orders itself before them; without --new it
// starts the infra container, with --new it creates the pod.
Unit podUnit(const PodFacts& p, const GenerateOptions& options) {
  if (options.templateUnit)
    throwError(Errc::InvalidArgument, "--template is not supported for pods");
  if (options.restartPolicy) validateRestartPolicy(*options.restartPolicy);
  const std::string serviceName = podServiceName(p, options);
  const unsigned stopTimeout = options.stopTimeout.value_or(p.stopTimeout);
  const std::string infra = options.useName ? p.infraName : p.infraId;
  std::string pidFile = p.infraPidFile;
  std::string execStartPre1, execStartPre2, execStart, execStop, execStopPost;

  // The global flags of `pod create` (--root, --runroot): every command of
  // the unit needs them to find the pod.
  std::size_t createIndex = 0;
  for (std::size_t i = 1; i < p.createCommand.size(); ++i)
    if (p.createCommand[i - 1] == "pod" && p.createCommand[i] == "create") {
      createIndex = i;
      break;
    }
  std::vector<std::string> rootArgs;
  if (createIndex > 1)
    rootArgs.assign(p.createCommand.begin() + 1,
                    p.createCommand.begin() + static_cast<std::ptrdiff_t>(createIndex - 1));
  std::string berth = p.executable;
  for (const auto& arg : rootArgs)
    berth += " " + escapeArgument(arg);

  if (options.newContainer) {
    if (p.createCommand.empty())
      throwError(Errc::InvalidArgument, "cannot use --new on pod \"{}\": no create command found",
                 p.id);
    if (createIndex == 0) {
      std::string shown;
      for (const auto& word : p.createCommand)
        shown += (shown.empty() ? "" : " ") + word;
      throwError(Errc::InvalidArgument,
                 "pod does not appear to be created via `berth pod create`: [{}]", shown);
    }
    pidFile = "%t/" + serviceName + ".pid";
    const std::string podIdFile = "%t/" + serviceName + ".pod-id";
    std::vector<std::string> args =
        filterPodFlags(std::vector<std::string>(
                           p.createCommand.begin() + static_cast<std::ptrdiff_t>(createIndex + 1),
                           p.createCommand.end()),
                       0);
    // --name and --replace as a flag set knowing only those two reads
    // them: up to the first positional word, unknown flags taking the
    // next word as their value unless it is a flag.
    bool hasName = false;
    std::optional<bool> replace;
    for (std::size_t i = 0; i < args.size(); ++i) {
      const std::string& a = args[i];
      if (a == "--") break;
      if (a.size() < 2 || a[0] != '-') break;
      const auto eq = a.find('=');
      const std::string flag = a.substr(0, eq);
      if (flag == "--name") {
        hasName = true;
        if (eq == std::string::npos) ++i;
      } else if (flag == "--replace") {
        replace = eq == std::string::npos || parseBoolValue(a.substr(eq + 1));
      } else if (eq == std::string::npos && i + 1 < args.size() && !args[i + 1].starts_with("-")) {
        ++i;
      }
    }
    if (hasName && !replace.value_or(false)) {
      if (replace) args = removeFlag(args, 0, {"--replace"}, false);
      args.emplace_back("--replace");
    }
    std::vector<std::string> create{p.executable};
    create.insert(create.end(), rootArgs.begin(), rootArgs.end());
    create.insert(create.end(), {"pod", "create", "--infra-conmon-pidfile", "", "--pod-id-file", "",
                                 "--exit-policy=stop"});
    const std::size_t pidAt = 1 + rootArgs.size() + 3;
    create.insert(create.end(), args.begin(), args.end());
    for (auto& word : create)
      word = escapeArgument(word);
    create[pidAt] = pidFile;
    create[pidAt + 2] = podIdFile;
    execStartPre1 = formatOptions({"/bin/rm", "-f", pidFile, podIdFile});
    execStartPre2 = formatOptions(create);
    execStart = formatOptions({berth, "pod", "start", "--pod-id-file", podIdFile});
    execStop = formatOptions({berth, "pod", "stop", "--ignore", "--pod-id-file", podIdFile, "",
                              "-t", std::to_string(stopTimeout)});
    execStopPost =
        formatOptions({berth, "pod", "rm", "--ignore", "-f", "--pod-id-file", podIdFile});
  } else {
    execStart = berth + " start " + infra;
    execStop = fmt::format("{} stop  \\\n\t-t {} {}", berth, stopTimeout, infra);
    execStopPost = execStop;
  }

  std::string u;
  if (!options.noHeader) {
    u += fmt::format("# {}.service\n# autogenerated by berth {}\n", serviceName, p.version);
    if (!p.timestamp.empty()) u += "# " + p.timestamp + "\n";
    u += "\n";
  }
  std::vector<std::string> members;
  for (const auto& m : p.memberServices)
    members.push_back(m + ".service");
  std::sort(members.begin(), members.end());
  u += "[Unit]\n";
  u += fmt::format("Description=berth {}.service\n", serviceName);
  u += "Documentation=man:berth-generate-systemd(1)\n";
  u += "Wants=network-online.target\nAfter=network-online.target\n";
  u += fmt::format("RequiresMountsFor={}\n", p.runRoot);
  u += "Wants=" + joinSpaced(members) + "\n";
  u += "Before=" + joinSpaced(members) + "\n";
  u += userDependencies(options);
  u += "\n[Service]\n";
  u += "Environment=BERTH_SYSTEMD_UNIT=%n\n";
  u += "Restart=" + options.restartPolicy.value_or("on-failure") + "\n";
  if (options.restartSec && *options.restartSec != 0)
    u += fmt::format("RestartSec={}\n", *options.restartSec);
  u += fmt::format("TimeoutStopSec={}\n", kMinTimeoutStopSec + stopTimeout);
  if (!execStartPre1.empty()) u += "ExecStartPre=" + execStartPre1 + "\n";
  if (!execStartPre2.empty()) u += "ExecStartPre=" + execStartPre2 + "\n";
  u += "ExecStart=" + execStart + "\n";
  u += "ExecStop=" + execStop + "\n";
  u += "ExecStopPost=" + execStopPost + "\n";
  u += "PIDFile=" + pidFile + "\n";
  u += "Type=forking\n";
  u += "\n[Install]\nWantedBy=default.target\n";
  return Unit{serviceName, std::move(u)};
}

}  // namespace berth::systemd
