// SPDX-License-Identifier: Apache-2.0
// berth-quadlet's converter: Podman quadlet's keys (4.4) become `berth run`
// and `berth volume create` flags in a service unit.
#include "berth/systemd/quadlet.hpp"

#include <algorithm>
#include <cctype>
#include <optional>

#include "berth/base/error.hpp"
#include "berth/spec/ports.hpp"

namespace berth::systemd {

namespace {

struct Entry {
  std::string key;
  std::string value;
  int line = 0;
};

struct Section {
  std::string name;
  std::vector<Entry> entries;
};

// An INI file as systemd reads it: [Section], Key=Value, # and ; comments,
// a trailing backslash continues the line.
std::vector<Section> parseUnitFile(std::string_view path, std::string_view text) {
  std::vector<Section> sections;
  int lineNumber = 0;
  std::string pending;
  int pendingLine = 0;
  std::size_t at = 0;
  while (at <= text.size()) {
    const auto end = text.find('\n', at);
    std::string line(
        text.substr(at, end == std::string_view::npos ? std::string_view::npos : end - at));
    at = end == std::string_view::npos ? text.size() + 1 : end + 1;
    ++lineNumber;
    if (pending.empty()) pendingLine = lineNumber;
    const auto first = line.find_first_not_of(" \t");
    if (pending.empty() && (first == std::string::npos || line[first] == '#' || line[first] == ';'))
      continue;
    if (!line.empty() && line.back() == '\\') {
      pending += line.substr(0, line.size() - 1) + " ";
      continue;
    }
    line = pending + line;
    pending.clear();
    const auto start = line.find_first_not_of(" \t");
    line = line.substr(start);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r'))
      line.pop_back();
    if (line.front() == '[') {
      if (line.back() != ']')
        throwError(Errc::InvalidArgument, "{}:{}: invalid section header '{}'", path, pendingLine,
                   line);
      sections.push_back(Section{line.substr(1, line.size() - 2), {}});
      continue;
    }
    const auto eq = line.find('=');
    if (eq == std::string::npos)
      throwError(Errc::InvalidArgument, "{}:{}: expected KEY=VALUE, got '{}'", path, pendingLine,
                 line);
    if (sections.empty())
      throwError(Errc::InvalidArgument, "{}:{}: assignment outside of a section", path,
                 pendingLine);
    std::string key = line.substr(0, eq);
    while (!key.empty() && (key.back() == ' ' || key.back() == '\t'))
      key.pop_back();
    std::string value = line.substr(eq + 1);
    value.erase(0, value.find_first_not_of(" \t"));
    sections.back().entries.push_back(Entry{key, value, pendingLine});
  }
  return sections;
}

bool parseBoolean(std::string_view path, const Entry& e) {
  std::string v = e.value;
  std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return std::tolower(c); });
  if (v == "yes" || v == "true" || v == "1" || v == "on") return true;
  if (v == "no" || v == "false" || v == "0" || v == "off") return false;
  throwError(Errc::InvalidArgument, "{}:{}: invalid boolean '{}' for {}", path, e.line, e.value,
             e.key);
}

std::string commandLine(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words)
    out += (out.empty() ? "" : " ") + escapeArgument(w);
  return out;
}

std::string baseName(std::string_view path) {
  const auto slash = path.rfind('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

// The keys of each kind, and the flag each becomes: one word per value, or
// one per word of the value (lists), or a boolean.
enum class Shape { Single, Words, Boolean, Special };
struct KeySpec {
  std::string_view key;
  std::string_view flag;
  Shape shape;
};

constexpr KeySpec kContainerKeys[] = {
    {"Image", "", Shape::Special},
    {"ContainerName", "", Shape::Special},
    {"Exec", "", Shape::Special},
    {"Environment", "--env", Shape::Words},
    {"EnvironmentFile", "--env-file", Shape::Single},
    {"PublishPort", "--publish", Shape::Special},
    {"Volume", "--volume", Shape::Single},
    {"Network", "--network", Shape::Single},
    {"User", "", Shape::Special},
    {"Group", "", Shape::Special},
    {"WorkingDir", "--workdir", Shape::Single},
    {"Label", "--label", Shape::Words},
    {"Annotation", "--annotation", Shape::Words},
    {"HealthCmd", "--health-cmd", Shape::Single},
    {"HealthInterval", "--health-interval", Shape::Single},
    {"HealthRetries", "--health-retries", Shape::Single},
    {"HealthStartPeriod", "--health-start-period", Shape::Single},
    {"HealthTimeout", "--health-timeout", Shape::Single},
    {"HealthOnFailure", "--health-on-failure", Shape::Single},
    {"Notify", "", Shape::Special},
    {"ReadOnly", "--read-only", Shape::Boolean},
    {"NoNewPrivileges", "", Shape::Special},
    {"AddCapability", "--cap-add", Shape::Words},
    {"DropCapability", "--cap-drop", Shape::Words},
    {"Secret", "--secret", Shape::Single},
    {"Tmpfs", "--tmpfs", Shape::Single},
    {"BerthArgs", "", Shape::Special},
    {"GlobalArgs", "", Shape::Special},
};

constexpr KeySpec kVolumeKeys[] = {
    {"Label", "--label", Shape::Words}, {"Device", "", Shape::Special},
    {"Type", "", Shape::Special},       {"Options", "", Shape::Special},
    {"User", "", Shape::Special},       {"Group", "", Shape::Special},
    {"Copy", "", Shape::Special},       {"GlobalArgs", "", Shape::Special},
};

template <std::size_t N>
const KeySpec* findKey(const KeySpec (&keys)[N], std::string_view key) {
  for (const auto& k : keys)
    if (k.key == key) return &k;
  return nullptr;
}

std::string header(std::string_view path) {
  return fmt::format("# Automatically generated by berth-quadlet\n# from {}\n#\n", path);
}

// [Unit], [Service], [Install] of the source pass through; its own section
// is kept as X-<Section> so systemd ignores it (as quadlet does).
struct Passthrough {
  std::string unit;
  std::string service;
  std::string install;
};

Passthrough passthroughOf(const std::vector<Section>& sections) {
  Passthrough p;
  for (const auto& s : sections) {
    std::string* target = s.name == "Unit"      ? &p.unit
                          : s.name == "Service" ? &p.service
                          : s.name == "Install" ? &p.install
                                                : nullptr;
    if (target == nullptr) continue;
    for (const auto& e : s.entries)
      *target += e.key + "=" + e.value + "\n";
  }
  return p;
}

void checkSections(std::string_view path, const std::vector<Section>& sections,
                   std::string_view own) {
  for (const auto& s : sections)
    if (s.name != own && s.name != "Unit" && s.name != "Service" && s.name != "Install" &&
        !s.name.starts_with("X-"))
      throwError(Errc::InvalidArgument, "{}: unknown section [{}]", path, s.name);
}

Unit containerUnit(std::string_view path, const std::vector<Section>& sections,
                   const QuadletContext& context) {
  checkSections(path, sections, "Container");
  std::optional<std::string> image;
  std::string name = "systemd-%N";
  std::vector<std::string> exec;
  std::vector<std::string> args;
  std::vector<std::string> extraArgs;
  std::vector<std::string> globalArgs;
  std::string user;
  std::string group;
  bool notify = false;
  std::string kept;
  for (const auto& s : sections) {
    if (s.name != "Container") continue;
    kept += "[X-Container]\n";
    for (const auto& e : s.entries) {
      kept += e.key + "=" + e.value + "\n";
      const KeySpec* spec = findKey(kContainerKeys, e.key);
      if (spec == nullptr)
        throwError(Errc::InvalidArgument, "{}:{}: unknown key '{}' in section [Container]", path,
                   e.line, e.key);
      const auto words = [&] {
        try {
          return splitWords(e.value);
        } catch (const Error& error) {
          throwError(Errc::InvalidArgument, "{}:{}: {}: {}", path, e.line, e.key, error.message());
        }
      };
      switch (spec->shape) {
        case Shape::Single:
          args.push_back(std::string(spec->flag));
          args.push_back(e.value);
          break;
        case Shape::Words:
          for (const auto& w : words()) {
            args.push_back(std::string(spec->flag));
            args.push_back(w);
          }
          break;
        case Shape::Boolean:
          if (parseBoolean(path, e)) args.push_back(std::string(spec->flag));
          break;
        case Shape::Special:
          if (e.key == "Image") {
            if (e.value.empty())
              throwError(Errc::InvalidArgument, "{}:{}: empty Image=", path, e.line);
            image = e.value;
          } else if (e.key == "ContainerName") {
            name = e.value;
          } else if (e.key == "Exec") {
            exec = words();
          } else if (e.key == "PublishPort") {
            try {
              (void)spec::parsePublish(e.value);
            } catch (const Error& error) {
              throwError(Errc::InvalidArgument, "{}:{}: invalid PublishPort '{}': {}", path, e.line,
                         e.value, error.message());
            }
            args.insert(args.end(), {"--publish", e.value});
          } else if (e.key == "User") {
            user = e.value;
          } else if (e.key == "Group") {
            group = e.value;
          } else if (e.key == "Notify") {
            notify = parseBoolean(path, e);
          } else if (e.key == "NoNewPrivileges") {
            if (parseBoolean(path, e))
              args.insert(args.end(), {"--security-opt", "no-new-privileges"});
          } else if (e.key == "BerthArgs") {
            for (auto& w : words())
              extraArgs.push_back(std::move(w));
          } else if (e.key == "GlobalArgs") {
            for (auto& w : words())
              globalArgs.push_back(std::move(w));
          }
          break;
      }
    }
  }
  if (!image) throwError(Errc::InvalidArgument, "{}: no Image= key in section [Container]", path);
  if (!group.empty() && user.empty())
    throwError(Errc::InvalidArgument, "{}: Group= needs User=", path);
  if (!user.empty()) args.insert(args.end(), {"--user", group.empty() ? user : user + ":" + group});

  // The unit's specifiers stay live in these: escaped words first, then
  // the words berth writes with specifiers.
  std::string execStart = escapeArgument(context.executable);
  if (!globalArgs.empty()) execStart += " " + commandLine(globalArgs);
  execStart += " run";
  execStart += " --name=" + (name == "systemd-%N" ? name : escapeArgument(name));
  execStart += " --cidfile=%t/%N.cid --replace --rm -d";
  execStart += notify ? " --sdnotify=container" : " --sdnotify=conmon";
  std::vector<std::string> rest = args;
  rest.insert(rest.end(), extraArgs.begin(), extraArgs.end());
  rest.push_back(*image);
  rest.insert(rest.end(), exec.begin(), exec.end());
  execStart += " " + commandLine(rest);

  const Passthrough pass = passthroughOf(sections);
  std::string u = header(path);
  u += kept + "\n";
  u += "[Unit]\n" + pass.unit;
  u += fmt::format("SourcePath={}\nRequiresMountsFor=%t/berth\n\n", path);
  u += "[Service]\n";
  u += "Environment=BERTH_SYSTEMD_UNIT=%n\n";
  u += "KillMode=mixed\n";
  std::string stopCommand = escapeArgument(context.executable);
  if (!globalArgs.empty()) stopCommand += " " + commandLine(globalArgs);
  u += fmt::format("ExecStopPost=-{} rm -f -i --cidfile=%t/%N.cid\n", stopCommand);
  u += "ExecStopPost=-/bin/rm -f %t/%N.cid\n";
  u += "Delegate=yes\n";
  u += "Type=notify\nNotifyAccess=all\n";
  u += "SyslogIdentifier=%N\n";
  u += "ExecStart=" + execStart + "\n";
  u += pass.service;
  if (!pass.install.empty()) u += "\n[Install]\n" + pass.install;
  std::string unitName = baseName(path);
  unitName = unitName.substr(0, unitName.rfind('.'));
  return Unit{unitName, u};
}

Unit volumeUnit(std::string_view path, const std::vector<Section>& sections,
                const QuadletContext& context) {
  checkSections(path, sections, "Volume");
  std::vector<std::string> args;
  std::vector<std::string> options;
  std::vector<std::string> globalArgs;
  std::string kept;
  for (const auto& s : sections) {
    if (s.name != "Volume") continue;
    kept += "[X-Volume]\n";
    for (const auto& e : s.entries) {
      kept += e.key + "=" + e.value + "\n";
      const KeySpec* spec = findKey(kVolumeKeys, e.key);
      if (spec == nullptr)
        throwError(Errc::InvalidArgument, "{}:{}: unknown key '{}' in section [Volume]", path,
                   e.line, e.key);
      if (e.key == "Label") {
        for (const auto& w : splitWords(e.value))
          args.insert(args.end(), {"--label", w});
      } else if (e.key == "Device") {
        args.insert(args.end(), {"--opt", "device=" + e.value});
      } else if (e.key == "Type") {
        args.insert(args.end(), {"--opt", "type=" + e.value});
      } else if (e.key == "Options") {
        options.push_back(e.value);
      } else if (e.key == "User") {
        args.insert(args.end(), {"--uid", e.value});
      } else if (e.key == "Group") {
        args.insert(args.end(), {"--gid", e.value});
      } else if (e.key == "Copy") {
        if (!parseBoolean(path, e)) options.emplace_back("nocopy");
      } else if (e.key == "GlobalArgs") {
        for (auto& w : splitWords(e.value))
          globalArgs.push_back(std::move(w));
      }
    }
  }
  if (!options.empty()) {
    std::string joined;
    for (const auto& o : options)
      joined += (joined.empty() ? "" : ",") + o;
    args.insert(args.end(), {"--opt", "o=" + joined});
  }
  const Passthrough pass = passthroughOf(sections);
  std::string u = header(path);
  u += kept + "\n";
  u += "[Unit]\n" + pass.unit;
  u += fmt::format("SourcePath={}\nRequiresMountsFor=%t/berth\n\n", path);
  u += "[Service]\n";
  u += "ExecStart=" + escapeArgument(context.executable);
  if (!globalArgs.empty()) u += " " + commandLine(globalArgs);
  u += " volume create --ignore";
  if (!args.empty()) u += " " + commandLine(args);
  u += " systemd-%N\n";
  u += "Type=oneshot\nRemainAfterExit=yes\nSyslogIdentifier=%N\n";
  u += pass.service;
  if (!pass.install.empty()) u += "\n[Install]\n" + pass.install;
  std::string unitName = baseName(path);
  unitName = unitName.substr(0, unitName.rfind('.')) + "-volume";
  return Unit{unitName, u};
}

}  // namespace

std::vector<std::string> splitWords(std::string_view value) {
  std::vector<std::string> words;
  std::size_t i = 0;
  const std::size_t n = value.size();
  while (i < n) {
    while (i < n && (value[i] == ' ' || value[i] == '\t'))
      ++i;
    if (i >= n) break;
    std::string word;
    char quote = 0;
    while (i < n) {
      const char c = value[i];
      if (quote == 0 && (c == ' ' || c == '\t')) break;
      if (c == '\\' && i + 1 < n) {
        const char next = value[i + 1];
        switch (next) {
          case 'n':
            word += '\n';
            break;
          case 't':
            word += '\t';
            break;
          case 'r':
            word += '\r';
            break;
          default:
            word += next;
        }
        i += 2;
        continue;
      }
      if (quote == 0 && (c == '"' || c == '\'')) {
        quote = c;
      } else if (c == quote) {
        quote = 0;
      } else {
        word += c;
      }
      ++i;
    }
    if (quote != 0) throwError(Errc::InvalidArgument, "unterminated quote in '{}'", value);
    words.push_back(std::move(word));
  }
  return words;
}

Unit quadletUnit(std::string_view path, std::string_view text, const QuadletContext& context) {
  const auto dot = path.rfind('.');
  const std::string_view kind = dot == std::string_view::npos ? "" : path.substr(dot);
  if (kind == ".pod" || kind == ".network")
    throwError(Errc::InvalidArgument, "{}: {} files are not supported: berth has no {} yet", path,
               kind, kind == ".pod" ? "pods" : "user networks");
  if (kind != ".container" && kind != ".volume")
    throwError(Errc::InvalidArgument, "{}: not a Quadlet file (.container or .volume)", path);
  const auto sections = parseUnitFile(path, text);
  return kind == ".container" ? containerUnit(path, sections, context)
                              : volumeUnit(path, sections, context);
}

}  // namespace berth::systemd
