// SPDX-License-Identifier: Apache-2.0
// Flag value parsers, following Podman 4.3 (cmd/podman/common, pkg/specgenutil,
// pkg/env, pkg/signal) and the go-units / containers/common helpers it uses.
#include "berth/spec/parse.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <fstream>
#include <limits>
#include <regex>

#include "berth/base/error.hpp"
#include "berth/base/signal_names.hpp"
#include "go_strconv.hpp"

extern char** environ;

namespace berth::spec {

using detail::goParseBool;
using detail::goParseFloat;
using detail::goParseInt;
using detail::goParseUint;
using detail::split;

namespace {

std::string toLower(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string toUpper(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// ulimit names go-units knows (ulimitNameMapping).
constexpr std::array<std::string_view, 15> kUlimitNames = {
    "core",   "cpu",   "data", "fsize",  "locks",  "memlock",    "msgqueue", "nice",
    "nofile", "nproc", "rss",  "rtprio", "rttime", "sigpending", "stack"};

// Linux signal names as Podman's pkg/signal SignalMap has them (x86 numbers).
}  // namespace

std::int64_t parseMemorySize(std::string_view value, std::string_view flag) {
  // go-units v0.5: ^(\d+(\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$
  static const std::regex kSize(R"(^(\d+(\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$)");
  const std::string text(value);
  std::smatch match;
  if (!std::regex_match(text, match, kSize))
    throwError(Errc::InvalidArgument, "invalid value for {}: invalid size: '{}'", flag, value);
  std::string error;
  const auto number = goParseFloat(match[1].str(), error);
  if (!number) throwError(Errc::InvalidArgument, "invalid value for {}: {}", flag, error);
  double size = *number;
  const std::string unit = toLower(match[3].str());
  const std::string_view units = "kmgtp";
  if (!unit.empty()) {
    for (auto i = units.find(unit[0]) + 1; i > 0; --i)
      size *= 1024;
  }
  if (size >= 9223372036854775807.0)
    throwError(Errc::InvalidArgument, "invalid value for {}: invalid size: '{}'", flag, value);
  return static_cast<std::int64_t>(size);
}

double parseCpus(std::string_view value) {
  std::string error;
  const auto cpus = goParseFloat(value, error);
  if (!cpus)
    throwError(Errc::InvalidArgument, "invalid argument \"{}\" for \"--cpus\" flag: {}", value,
               error);
  // util.CoresToPeriodAndQuota: period 100000us, quota = cpus * period.
  if (*cpus > 0 && static_cast<std::int64_t>(*cpus * 100000) < 1000)
    throwError(Errc::InvalidArgument, "CPU cfs quota cannot be less than 1ms (i.e. 1000)");
  return *cpus;
}

std::int64_t parseIntFlag(std::string_view value, std::string_view flag) {
  std::string error;
  const auto n = goParseInt(value, error);
  if (!n)
    throwError(Errc::InvalidArgument, "invalid argument \"{}\" for \"{}\" flag: {}", value, flag,
               error);
  return *n;
}

std::uint64_t parseUintFlag(std::string_view value, std::string_view flag) {
  std::string error;
  const auto n = goParseUint(value, error);
  if (!n)
    throwError(Errc::InvalidArgument, "invalid argument \"{}\" for \"{}\" flag: {}", value, flag,
               error);
  return *n;
}

RestartPolicy parseRestartPolicy(std::string_view value) {
  const auto parts = split(value, ':');
  if (parts.size() > 2)
    throwError(Errc::InvalidArgument, "invalid restart policy: may specify retries at most once");
  RestartPolicy policy;
  policy.name = std::string(parts[0]);
  if (parts.size() == 2) {
    if (policy.name != "on-failure")
      throwError(Errc::InvalidArgument,
                 "restart policy retries can only be specified with on-failure restart policy");
    std::string error;
    const auto retries = goParseInt(parts[1], error);
    if (!retries) {
      // Go's Atoi reports itself under its own name.
      if (const auto at = error.find("ParseInt"); at != std::string::npos)
        error.replace(at, 8, "Atoi");
      throwError(Errc::InvalidArgument, "parsing restart policy retry count: {}", error);
    }
    if (*retries < 0 || *retries > std::numeric_limits<int>::max())
      throwError(Errc::InvalidArgument,
                 "must specify restart policy retry count as a number greater than 0");
    policy.maxRetries = static_cast<unsigned>(*retries);
  }
  if (policy.name != "" && policy.name != "no" && policy.name != "on-failure" &&
      policy.name != "always" && policy.name != "unless-stopped")
    throwError(Errc::InvalidArgument,
               "running container create option: \"{}\" is not a valid restart policy: invalid "
               "argument",
               policy.name);
  return policy;
}

Ulimit parseUlimit(std::string_view value) {
  auto fail = [&](const std::string& why) {
    throwError(Errc::InvalidArgument,
               "ulimit option \"{}\" requires name=SOFT:HARD, failed to be parsed: {}", value, why);
  };
  const auto eq = value.find('=');
  if (eq == std::string_view::npos) fail(fmt::format("invalid ulimit argument: {}", value));
  const auto name = value.substr(0, eq);
  if (std::find(kUlimitNames.begin(), kUlimitNames.end(), name) == kUlimitNames.end())
    fail(fmt::format("invalid ulimit type: {}", name));
  const auto limits = split(value.substr(eq + 1), ':');
  if (limits.size() > 2)
    fail(
        fmt::format("too many limit value arguments - {}, can only have up to two, "
                    "`soft[:hard]`",
                    value.substr(eq + 1)));
  std::string error;
  Ulimit ulimit{std::string(name), 0, 0};
  // go-units parses the hard limit first.
  if (limits.size() == 2) {
    const auto hard = goParseInt(limits[1], error);
    if (!hard) fail(error);
    ulimit.hard = *hard;
  }
  const auto soft = goParseInt(limits[0], error);
  if (!soft) fail(error);
  ulimit.soft = *soft;
  if (limits.size() == 1) ulimit.hard = ulimit.soft;
  if (ulimit.hard != -1 && ulimit.soft > ulimit.hard)
    fail(fmt::format("ulimit soft limit must be less than or equal to hard limit: {} > {}",
                     ulimit.soft, ulimit.hard));
  return ulimit;
}

void parseSysctl(std::string_view value, std::map<std::string, std::string>& sysctls) {
  // Podman's pkg/util ValidateSysctls, quirks included: it splits on every
  // '=', so a value holding one fails the "extra spaces" check.
  const auto parts = split(value, '=');
  if (parts.size() < 2)
    throwError(Errc::InvalidArgument,
               "{} is invalid, sysctl values must be in the form of KEY=VALUE", value);
  auto trim = [](std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
      s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
      s.remove_suffix(1);
    return s;
  };
  if (fmt::format("{}={}", trim(parts[0]), trim(parts[1])) != value)
    throwError(Errc::InvalidArgument, "'{}' is invalid, extra spaces found", value);
  static constexpr std::array<std::string_view, 8> kAllowed = {
      "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
      "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced"};
  const auto key = parts[0];
  const bool allowed = std::find(kAllowed.begin(), kAllowed.end(), key) != kAllowed.end() ||
                       key.starts_with("net.") || key.starts_with("fs.mqueue.");
  if (!allowed) throwError(Errc::InvalidArgument, "sysctl '{}' is not allowed", key);
  sysctls[std::string(key)] = std::string(parts[1]);
}

void parseEnvEntry(std::string_view value, const std::vector<std::string>& hostEnv,
                   std::vector<std::string>& env) {
  const auto eq = value.find('=');
  if (eq == 0 || value.empty())
    throwError(Errc::InvalidArgument, "invalid environment variable: \"{}\"", value);
  std::string_view name = value.substr(0, eq);
  while (!name.empty() && (name.front() == ' ' || name.front() == '\t'))
    name.remove_prefix(1);
  if (eq != std::string_view::npos) {
    env.push_back(fmt::format("{}={}", name, value.substr(eq + 1)));
    return;
  }
  const bool glob = name.ends_with('*');
  if (glob) name.remove_suffix(1);
  for (const auto& entry : hostEnv) {
    const auto at = entry.find('=');
    if (at == std::string::npos) continue;
    const std::string_view key(entry.data(), at);
    if (glob ? key.starts_with(name) : key == name) {
      env.push_back(entry);
      if (!glob) return;
    }
  }
}

void readEnvFile(const std::string& path, const std::vector<std::string>& hostEnv,
                 std::vector<std::string>& env) {
  std::ifstream in(path);
  if (!in) {
    const int err = errno;
    throw Error(err == ENOENT ? Errc::InvalidArgument : errcFromErrno(err),
                fmt::format("parsing env file \"{}\": open {}: {}", path, path, errnoText(err)),
                err);
  }
  std::string line;
  while (std::getline(in, line)) {
    std::string_view view = line;
    while (!view.empty() && (view.front() == ' ' || view.front() == '\t'))
      view.remove_prefix(1);
    if (view.empty() || view.front() == '#') continue;
    try {
      parseEnvEntry(view, hostEnv, env);
    } catch (const Error& e) {
      throw e.wrapped(fmt::format("parsing env file \"{}\"", path));
    }
  }
}

std::vector<std::string> hostEnvironment() {
  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e)
    env.emplace_back(*e);
  return env;
}

void validateContainerName(std::string_view name) {
  static const std::regex kName("^[a-zA-Z0-9][a-zA-Z0-9_.-]*$");
  if (!std::regex_match(std::string(name), kName))
    throwError(Errc::InvalidArgument,
               "names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument");
}

int parseSignal(std::string_view value) {
  std::string error;
  if (const auto number = goParseInt(value, error)) {
    if (*number == 0) throwError(Errc::InvalidArgument, "invalid signal: {}", value);
    if (*number < 1 || *number > kSignalMax)
      throwError(Errc::InvalidArgument, "valid signals are 1 through 64");
    return static_cast<int>(*number);
  }
  std::string upper = toUpper(value);
  if (upper.starts_with("SIG")) upper.erase(0, 3);
  if (const auto number = signalByName(upper)) return *number;
  throwError(Errc::InvalidArgument, "invalid signal: {}", value);
}

void applySecurityOpt(ContainerSpec& spec, std::string_view value) {
  if (value == "no-new-privileges") {
    spec.noNewPrivileges = true;
    return;
  }
  const auto eq = value.find('=');
  if (eq == std::string_view::npos)
    throwError(Errc::InvalidArgument, "invalid --security-opt 1: \"{}\"", value);
  const auto key = value.substr(0, eq);
  const auto arg = value.substr(eq + 1);
  if (key == "seccomp") {
    spec.seccompProfile = std::string(arg);
  } else if (key == "label") {
    if (arg == "disable")
      spec.labelDisable = true;
    else
      spec.labelOptions.emplace_back(arg);
  } else if (key == "no-new-privileges") {
    const auto on = goParseBool(arg);
    if (!on) throwError(Errc::InvalidArgument, "invalid --security-opt 2: \"{}\"", value);
    spec.noNewPrivileges = *on;
  } else if (key == "systempaths") {
    if (arg != "unconfined")
      throwError(Errc::InvalidArgument,
                 "invalid systempaths option \"{}\", only `unconfined` is supported", arg);
    spec.unmaskAll = true;
  } else if (key == "apparmor") {
    if (arg != "unconfined")
      throwError(Errc::InvalidArgument,
                 "apparmor profile \"{}\" specified, but Apparmor is not enabled on this system",
                 arg);
  } else if (key == "mask" || key == "unmask" || key == "proc-opts") {
    throwError(Errc::Unsupported, "--security-opt {}: not supported by berth yet", key);
  } else {
    throwError(Errc::InvalidArgument, "invalid --security-opt 2: \"{}\"", value);
  }
}

std::uint32_t parseUmask(std::string_view value) {
  const bool valid =
      !value.empty() && value.size() <= 4 &&
      std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '7'; });
  if (!valid) throwError(Errc::InvalidArgument, "invalid umask string {}: invalid argument", value);
  std::uint32_t umask = 0;
  for (char c : value)
    umask = umask * 8 + static_cast<std::uint32_t>(c - '0');
  return umask;
}

NetworkMode parseNetworkMode(std::string_view value) {
  if (value.empty() || value == "private" || value == "default") return {};
  if (value == "none") return {NetworkMode::Kind::None, {}, {}, {}};
  if (value == "host") return {NetworkMode::Kind::Host, {}, {}, {}};
  if (value.starts_with("ns:")) {
    const auto path = value.substr(3);
    if (path.empty() || path.front() != '/')
      throwError(Errc::InvalidArgument, "invalid network namespace path \"{}\": must be absolute",
                 path);
    return {NetworkMode::Kind::Path, std::string(path), {}, {}};
  }
  if (value.starts_with("container:")) {
    const auto name = value.substr(10);
    if (name.empty())
      throwError(Errc::InvalidArgument, "invalid container:  a container name or ID is required");
    return {NetworkMode::Kind::Container, std::string(name), {}, {}};
  }
  const auto colon = value.find(':');
  const auto name = value.substr(0, colon);
  std::vector<std::string> options;
  if (colon != std::string_view::npos) {
    std::string_view rest = value.substr(colon + 1);
    for (;;) {
      const auto comma = rest.find(',');
      if (!rest.substr(0, comma).empty()) options.emplace_back(rest.substr(0, comma));
      if (comma == std::string_view::npos) break;
      rest = rest.substr(comma + 1);
    }
  }
  if (name == "slirp4netns") {
    for (const auto& o : options) {
      const auto eq = o.find('=');
      const std::string key = o.substr(0, eq);
      const std::string val = eq == std::string::npos ? "" : o.substr(eq + 1);
      if (key == "allow_host_loopback") {
        if (val != "true" && val != "false")
          throwError(Errc::InvalidArgument, "cannot parse {} as a boolean: allow_host_loopback",
                     val);
      } else if (key == "mtu") {
        const bool digits = !val.empty() && std::all_of(val.begin(), val.end(), [](char c) {
          return c >= '0' && c <= '9';
        });
        if (!digits || val.size() > 5 || std::stoi(val) < 68 || std::stoi(val) > 65520)
          throwError(Errc::InvalidArgument, "invalid slirp4netns mtu \"{}\": 68-65520 expected",
                     val);
      } else if (key == "port_handler") {
        if (val != "slirp4netns" && val != "rootlessport")
          throwError(Errc::InvalidArgument, "unknown port_handler for slirp4netns: \"{}\"", val);
      } else if (key == "cidr" || key == "enable_ipv6" || key == "outbound_addr" ||
                 key == "outbound_addr6") {
        throwError(Errc::Unsupported, "slirp4netns option {}: not supported by berth yet", key);
      } else {
        throwError(Errc::InvalidArgument, "unknown option for slirp4netns: \"{}\"", o);
      }
    }
    return {NetworkMode::Kind::Slirp4netns, {}, options, {}};
  }
  if (name == "pasta") return {NetworkMode::Kind::Pasta, {}, options, {}};
  NetworkMode mode{NetworkMode::Kind::Bridge, {}, {}, {}};
  if (colon == std::string_view::npos) {
    // "a,b": several networks.
    std::string_view rest = value;
    for (;;) {
      const auto comma = rest.find(',');
      const std::string one(rest.substr(0, comma));
      if (one.empty())
        throwError(Errc::InvalidArgument, "invalid network \"{}\": empty network name", value);
      mode.networks.push_back({one == "bridge" ? "podman" : one, {}, {}, {}});
      if (comma == std::string_view::npos) break;
      rest = rest.substr(comma + 1);
    }
    return mode;
  }
  NetworkAttachment attachment{name == "bridge" ? "podman" : std::string(name), {}, {}, {}};
  for (const auto& o : options) {
    const auto eq = o.find('=');
    const std::string key = o.substr(0, eq);
    const std::string val = eq == std::string::npos ? "" : o.substr(eq + 1);
    if (key == "alias" && !val.empty())
      attachment.aliases.push_back(val);
    else if (key == "ip" && !val.empty())
      attachment.ip = parseStaticIp(val);
    else if (key == "mac" && !val.empty())
      attachment.mac = parseMacAddress(val);
    else
      throwError(Errc::InvalidArgument,
                 "unknown bridge network option \"{}\": expected alias=, "
                 "ip= or mac=",
                 o);
  }
  mode.networks.push_back(attachment);
  return mode;
}

std::string parseStaticIp(std::string_view value) {
  unsigned parts = 0;
  bool ok = !value.empty();
  std::string_view rest = value;
  while (ok) {
    const auto dot = rest.find('.');
    const std::string_view part = rest.substr(0, dot);
    ok = !part.empty() && part.size() <= 3 &&
         std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
         std::stoi(std::string(part)) <= 255 && (part.size() == 1 || part.front() != '0');
    ++parts;
    if (dot == std::string_view::npos) break;
    rest = rest.substr(dot + 1);
  }
  if (!ok || parts != 4) throwError(Errc::InvalidArgument, "{} is not an IP address", value);
  return std::string(value);
}

std::string parseMacAddress(std::string_view value) {
  bool ok = value.size() == 17;
  for (std::size_t i = 0; ok && i < value.size(); ++i)
    ok = i % 3 == 2 ? value[i] == ':' : std::isxdigit(static_cast<unsigned char>(value[i])) != 0;
  if (!ok) throwError(Errc::InvalidArgument, "address {}: invalid MAC address", value);
  std::string lower(value);
  for (auto& c : lower)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower;
}

NetworkMode parseNetworkModes(const std::vector<std::string>& values, std::string_view ip,
                              std::string_view mac, const std::vector<std::string>& aliases) {
  NetworkMode mode;
  for (const auto& value : values) {
    NetworkMode one = parseNetworkMode(value);
    if (one.kind == NetworkMode::Kind::Bridge && mode.kind == NetworkMode::Kind::Bridge) {
      mode.networks.insert(mode.networks.end(), one.networks.begin(), one.networks.end());
    } else if (mode.kind == NetworkMode::Kind::Private) {
      mode = std::move(one);
    } else if (!(one == mode)) {
      throwError(Errc::InvalidArgument,
                 "--network {}: can only be combined with other bridge networks", value);
    }
  }
  // The default network: root's is the bridge `podman`, named at create
  // (rootless refuses these there); an unnamed attachment carries them.
  if (mode.kind == NetworkMode::Kind::Private && (!ip.empty() || !mac.empty() || !aliases.empty()))
    mode.networks.push_back({});
  const bool bridge = mode.kind == NetworkMode::Kind::Bridge || !mode.networks.empty();
  if (!bridge) {
    if (!aliases.empty())
      throwError(Errc::InvalidArgument, "--network-alias can only be set for bridge networks");
    if (!ip.empty()) parseStaticIp(ip);
    if (!mac.empty()) parseMacAddress(mac);
    return mode;
  }
  if (!ip.empty() && mode.networks.size() > 1)
    throwError(Errc::InvalidArgument, "--ip can only be set for a single network");
  if (!mac.empty() && mode.networks.size() > 1)
    throwError(Errc::InvalidArgument, "--mac-address can only be set for a single network");
  auto& first = mode.networks.front();
  if (!ip.empty()) first.ip = parseStaticIp(ip);
  if (!mac.empty()) first.mac = parseMacAddress(mac);
  for (auto& attachment : mode.networks)
    for (const auto& alias : aliases)
      attachment.aliases.push_back(alias);
  return mode;
}

std::string parseLogDriver(std::string_view value) {
  if (value == "json-file") return "k8s-file";
  if (value == "k8s-file" || value == "journald" || value == "none" || value == "passthrough")
    return std::string(value);
  throwError(Errc::InvalidArgument, "invalid log driver: invalid argument");
}

std::vector<std::string> parseEntrypoint(std::string_view value) {
  const Json json = Json::parse(value.begin(), value.end(), nullptr, false);
  if (json.is_array() &&
      std::all_of(json.begin(), json.end(), [](const Json& v) { return v.is_string(); }))
    return json.get<std::vector<std::string>>();
  return {std::string(value)};
}

void parseKeyValue(std::string_view value, std::string_view flag,
                   std::map<std::string, std::string>& out) {
  const auto eq = value.find('=');
  const auto key = value.substr(0, eq);
  if (key.empty()) throwError(Errc::InvalidArgument, "invalid {} \"{}\": empty key", flag, value);
  out[std::string(key)] = eq == std::string_view::npos ? "" : std::string(value.substr(eq + 1));
}

}  // namespace berth::spec
