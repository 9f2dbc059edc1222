// SPDX-License-Identifier: Apache-2.0
// -v, --mount and --tmpfs, following Podman 4.3's pkg/specgenutil/volumes.go
// and containers/common's parse.ValidateVolumeOpts.
#include <sys/stat.h>

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>

#include "berth/base/error.hpp"
#include "berth/spec/parse.hpp"
#include "go_strconv.hpp"

namespace berth::spec {
namespace {

using detail::split;

std::string join(const std::vector<std::string>& words, std::string_view sep) {
  std::string out;
  for (const auto& w : words) {
    if (!out.empty()) out += sep;
    out += w;
  }
  return out;
}

// parse.ValidateVolumeCtrDir, then cleaned as Go's filepath.Clean would.
std::string containerDir(std::string_view path) {
  if (path.empty() || path.front() != '/')
    throwError(Errc::InvalidArgument, "invalid container path \"{}\", must be an absolute path",
               path);
  std::vector<std::string_view> parts;
  for (auto part : split(path, '/')) {
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
      continue;
    }
    parts.push_back(part);
  }
  std::string clean;
  for (auto part : parts)
    clean += "/" + std::string(part);
  return clean.empty() ? "/" : clean;
}

// idmap (-v ...:idmap, --mount ...,idmap): an idmapped mount maps the
// source's owners into a container user namespace of its own. berth gives
// a container none (no --userns/--uidmap: root's containers share the
// host's ids, rootless ones the user's one namespace), and rootless the
// kernel refuses it anyway: mount_setattr(MOUNT_ATTR_IDMAP) needs
// privilege over the filesystem, which the host's user namespace owns.
[[noreturn]] void refuseIdmap(std::string_view option) {
  throwError(Errc::Unsupported,
             "volume option \"{}\" is not supported: berth gives a container no user namespace "
             "of its own to map to (no --userns/--uidmap), and rootless a host directory cannot "
             "be idmapped",
             option);
}

// parse.ValidateVolumeOpts: each kind of option at most once, known words only.
std::vector<std::string> validateVolumeOptions(const std::vector<std::string>& options) {
  struct Group {
    std::vector<std::string_view> words;
    std::string_view message;
    int seen = 0;
  };
  std::vector<Group> groups = {
      {{"noexec", "exec"}, "can only specify 1 'noexec' or 'exec' option"},
      {{"nodev", "dev"}, "can only specify 1 'nodev' or 'dev' option"},
      {{"nosuid", "suid"}, "can only specify 1 'nosuid' or 'suid' option"},
      {{"rw", "ro"}, "can only specify 1 'rw' or 'ro' option"},
      {{"private", "rprivate", "shared", "rshared", "slave", "rslave", "unbindable", "runbindable"},
       "can only specify 1 '[r]shared', '[r]private', '[r]slave' or '[r]unbindable' option"},
      {{"bind", "rbind"}, "can only specify 1 '[r]bind' option"},
      {{"z", "Z"}, "can only specify 1 'z' or 'Z' option"},
      {{"copy", "nocopy"}, "can only specify 1 'copy' or 'nocopy' option"},
  };
  for (const auto& option : options) {
    if (option == "idmap" || option.starts_with("idmap=")) refuseIdmap(option);
    if (option.starts_with("upperdir") || option.starts_with("workdir"))
      throwError(Errc::Unsupported, "volume option \"{}\" is not supported by berth yet", option);
    if (option == "O" || option == "U") {
      if (std::count(options.begin(), options.end(), option) > 1)
        throwError(Errc::InvalidArgument, "invalid options \"{}\", can only specify 1 '{}' option",
                   join(options, ", "), option);
      continue;
    }
    bool known = false;
    for (auto& group : groups) {
      if (std::find(group.words.begin(), group.words.end(), option) == group.words.end()) continue;
      known = true;
      if (++group.seen > 1)
        throwError(Errc::InvalidArgument, "invalid options \"{}\", {}", join(options, ", "),
                   group.message);
    }
    if (!known) throwError(Errc::InvalidArgument, "invalid option type \"{}\"", option);
  }
  return options;
}

constexpr std::string_view kOptionArg = "must provide an argument for option";

// tmpfs' size= (bytes with an optional k, m, g suffix, or a percentage of
// memory) and mode= (octal), checked here rather than by the kernel when
// the container starts.
void checkTmpfsOption(std::string_view option) {
  const auto eq = option.find('=');
  if (eq == std::string_view::npos) return;
  const auto key = option.substr(0, eq);
  const auto value = option.substr(eq + 1);
  auto digits = [](std::string_view text, char max) {
    return !text.empty() &&
           std::all_of(text.begin(), text.end(), [max](char c) { return c >= '0' && c <= max; });
  };
  if (key == "size") {
    std::string_view number = value;
    if (!number.empty() &&
        std::string_view("kKmMgG%").find(number.back()) != std::string_view::npos)
      number.remove_suffix(1);
    if (!digits(number, '9'))
      throwError(Errc::InvalidArgument,
                 "invalid tmpfs size \"{}\": expected a number of bytes with an optional k, m or "
                 "g suffix, or a percentage",
                 value);
  } else if (key == "mode") {
    if (!digits(value, '7') || value.size() > 4)
      throwError(Errc::InvalidArgument, "invalid tmpfs mode \"{}\": expected octal permissions",
                 value);
  }
}

// --mount type=image: Podman's getImageVolume keys. The image's root
// filesystem is mounted read-only unless rw=true (an upper of the
// container's own, discarded at each start).
MountSpec parseImageMount(const std::vector<std::string_view>& tokens) {
  MountSpec mount;
  mount.type = "image";
  bool readWrite = false;
  for (auto token : tokens) {
    const auto eq = token.find('=');
    const auto key = token.substr(0, eq);
    const bool hasArg = eq != std::string_view::npos;
    const auto arg = hasArg ? token.substr(eq + 1) : std::string_view{};
    if (key == "type" || key == "consistency") continue;
    if (key == "src" || key == "source" || key == "target" || key == "dst" ||
        key == "destination") {
      if (!hasArg) throwError(Errc::InvalidArgument, "{}: {}", key, kOptionArg);
      if (key == "src" || key == "source")
        mount.source = std::string(arg);
      else
        mount.destination = containerDir(arg);
    } else if (key == "rw" || key == "readwrite") {
      if (!hasArg || arg == "true")
        readWrite = true;
      else if (arg == "false")
        readWrite = false;
      else
        throwError(Errc::InvalidArgument,
                   "invalid rw value \"{}\": expected true or false: invalid mount option", arg);
    } else {
      throwError(Errc::InvalidArgument, "{}: invalid mount option", key);
    }
  }
  if (mount.source.empty() || mount.destination.empty())
    throwError(Errc::InvalidArgument, "must set source and destination for image volume");
  mount.options = {readWrite ? "rw" : "ro"};
  return mount;
}

}  // namespace

MountSpec parseVolume(std::string_view value, std::string_view cwd) {
  const auto parts = split(value, ':');
  if (parts.size() > 3)
    throwError(Errc::InvalidArgument,
               "{}: incorrect volume format, should be [host-dir:]ctr-dir[:option]", value);
  MountSpec mount;
  std::string_view source = parts[0];
  std::string_view dest = parts[0];
  if (parts.size() == 1)
    source = {};
  else
    dest = parts[1];
  if (parts.size() > 2) {
    std::vector<std::string> options;
    for (auto o : split(parts[2], ','))
      options.emplace_back(o);
    mount.options = validateVolumeOptions(options);
  }
  if (parts.size() > 1 && source.empty())
    throwError(Errc::InvalidArgument, "host directory cannot be empty");
  mount.destination = containerDir(dest);
  if (source.starts_with('/')) {
    mount.type = "bind";
    mount.source = std::string(source);
  } else if (source.starts_with('.')) {
    // Podman makes a relative source absolute and requires it to exist.
    const std::string clean = containerDir("/" + std::string(source)).substr(1);
    const std::string base = cwd.empty() ? std::string(".") : std::string(cwd);
    struct stat st {};
    if (::lstat((base + "/" + clean).c_str(), &st) != 0) {
      const int err = errno;
      throw Error(Errc::InvalidArgument,
                  fmt::format("lstat {}: {}", clean.empty() ? "." : clean, errnoText(err)), err);
    }
    mount.type = "bind";
    if (cwd.empty()) {
      char buffer[4096];
      if (::getcwd(buffer, sizeof(buffer)) == nullptr) throwErrno("getcwd");
      mount.source = containerDir(std::string(buffer) + "/" + clean);
    } else {
      mount.source = containerDir(std::string(cwd) + "/" + clean);
    }
  } else {
    mount.type = "volume";  // named (source) or anonymous (no source)
    mount.source = std::string(source);
  }
  return mount;
}

MountSpec parseMount(std::string_view value) {
  const auto tokens = split(value, ',');
  std::string type;
  for (auto token : tokens)
    if (token.starts_with("type=")) type = std::string(token.substr(5));
  if (type.empty())
    throwError(Errc::InvalidArgument,
               "incorrect mount format: should be --mount "
               "type=<bind|tmpfs|volume>,[src=<host-dir|volume-name>,]target=<ctr-dir>[,options]");
  if (type == "image") return parseImageMount(tokens);
  if (type == "devpts" || type == "glob")
    throwError(Errc::Unsupported, "--mount type={} is not supported by berth yet", type);
  if (type != "bind" && type != "tmpfs" && type != "volume")
    throwError(Errc::InvalidArgument, "invalid filesystem type \"{}\"", type);
  const bool tmpfs = type == "tmpfs";
  const bool volume = type == "volume";

  MountSpec mount;
  mount.type = type;
  if (tmpfs) mount.source = "tmpfs";
  bool setOwnership = false;
  bool setSource = false, setDest = false, setRoRw = false;
  for (auto token : tokens) {
    const auto eq = token.find('=');
    const auto key = token.substr(0, eq);
    const bool hasArg = eq != std::string_view::npos;
    const auto arg = hasArg ? token.substr(eq + 1) : std::string_view{};
    auto needArg = [&] {
      if (!hasArg) throwError(Errc::InvalidArgument, "{}: {}", key, kOptionArg);
    };
    if (key == "type") continue;
    if (key == "ro" || key == "rw" || (key == "readonly" && !tmpfs)) {
      if (setRoRw)
        throwError(Errc::InvalidArgument, "{}: {}",
                   tmpfs ? "cannot pass 'ro' and 'rw' mount options more than once"
                         : "cannot pass 'readonly', 'ro', or 'rw' options more than once",
                   kOptionArg);
      setRoRw = true;
      const std::string word = key == "readonly" ? "ro" : std::string(key);
      if (!hasArg || tmpfs) {
        mount.options.push_back(word);
        continue;
      }
      std::string lower(arg);
      for (char& c : lower)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (lower == "true")
        mount.options.push_back(word);
      else if (lower == "false") {
        if (key == "rw") mount.options.push_back("ro");
      } else {
        throwError(Errc::InvalidArgument,
                   "'readonly', 'ro', or 'rw' must be set to true or false, instead received "
                   "\"{}\": {}",
                   arg, kOptionArg);
      }
    } else if (key == "nosuid" || key == "suid" || key == "nodev" || key == "dev" ||
               key == "noexec" || key == "exec") {
      mount.options.emplace_back(key);
    } else if (key == "src" || key == "source") {
      if (tmpfs) throwError(Errc::InvalidArgument, "source is not supported with tmpfs mounts");
      needArg();
      if (arg.empty())
        throwError(Errc::InvalidArgument, "host directory cannot be empty: {}", kOptionArg);
      mount.source = std::string(arg);
      setSource = true;
    } else if (key == "target" || key == "dst" || key == "destination") {
      needArg();
      mount.destination = containerDir(arg);
      setDest = true;
    } else if (!tmpfs && (key == "U" || key == "chown")) {
      if (setOwnership)
        throwError(Errc::InvalidArgument, "cannot pass 'U' or 'chown' option more than once: {}",
                   kOptionArg);
      setOwnership = true;
      std::string lower(arg);
      for (char& c : lower)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (!hasArg || lower == "true")
        mount.options.emplace_back("U");
      else if (lower != "false")
        throwError(Errc::InvalidArgument,
                   "'U' or 'chown' must be set to true or false, instead received \"{}\": {}", arg,
                   kOptionArg);
    } else if (volume && (key == "volume-nocopy" || key == "nocopy")) {
      mount.options.emplace_back("nocopy");
    } else if (volume && (key == "volume-opt" || key == "volume-label" || key == "volume-driver")) {
      throwError(Errc::Unsupported, "--mount {}: not supported by berth; use berth volume create",
                 key);
    } else if (!tmpfs && key == "idmap") {
      refuseIdmap(token);
    } else if (key == "consistency") {
      // macOS's cached/delegated: meaningless here, as in Podman.
    } else if (!tmpfs && key == "bind-propagation") {
      needArg();
      mount.options.emplace_back(arg);
    } else if (!tmpfs && key == "bind-nonrecursive") {
      mount.options.emplace_back("bind");
    } else if (!tmpfs &&
               (key == "shared" || key == "rshared" || key == "private" || key == "rprivate" ||
                key == "slave" || key == "rslave" || key == "unbindable" || key == "runbindable" ||
                key == "z" || key == "Z")) {
      mount.options.emplace_back(key);
    } else if (tmpfs && (key == "tmpfs-size" || key == "tmpfs-mode")) {
      needArg();
      mount.options.push_back(fmt::format("{}={}", key == "tmpfs-size" ? "size" : "mode", arg));
      checkTmpfsOption(mount.options.back());
    } else if (tmpfs && (key == "tmpcopyup" || key == "notmpcopyup")) {
      mount.options.emplace_back(key);
    } else {
      throwError(Errc::InvalidArgument, "{}: invalid mount option", key);
    }
  }
  if (!setDest) throwError(Errc::InvalidArgument, "must set volume destination");
  if (volume) {
    // No source: an anonymous volume. A source must be a volume's name.
    if (mount.source.starts_with('/') || mount.source.starts_with('.'))
      throwError(Errc::InvalidArgument,
                 "--mount type=volume: source \"{}\" is a path; a volume name was expected "
                 "(use type=bind for a host directory)",
                 mount.source);
    mount.options = validateVolumeOptions(mount.options);
  } else if (!tmpfs) {
    if (!setSource) mount.source = mount.destination;
    if (!mount.source.starts_with('/'))
      throwError(Errc::InvalidArgument, "invalid host path \"{}\", must be an absolute path",
                 mount.source);
    mount.options = validateVolumeOptions(mount.options);
  }
  return mount;
}

SecretSpec parseSecret(std::string_view value) {
  constexpr std::string_view kError = "error parsing secret";
  SecretSpec secret;
  std::string type;
  bool mountOnly = false;
  auto parts = split(value, ',');
  std::size_t first = 0;
  if (!parts.empty() && parts.front().find('=') == std::string_view::npos) {
    secret.name = std::string(parts.front());
    first = 1;
  }
  auto parseId = [&](std::string_view text, std::string_view what) {
    std::uint32_t id = 0;
    bool ok = !text.empty() && text.size() <= 10;
    for (char c : text)
      ok = ok && c >= '0' && c <= '9';
    if (ok) {
      const auto wide = std::stoull(std::string(text));
      ok = wide <= 0xffffffffULL;
      id = static_cast<std::uint32_t>(wide);
    }
    if (!ok) throwError(Errc::InvalidArgument, "{} {} invalid: {}", what, text, kError);
    return id;
  };
  for (std::size_t i = first; i < parts.size(); ++i) {
    const auto part = parts[i];
    const auto eq = part.find('=');
    if (eq == std::string_view::npos)
      throwError(Errc::InvalidArgument, "option {} must be in form option=value: {}", part, kError);
    const auto key = part.substr(0, eq);
    const auto arg = part.substr(eq + 1);
    if (key == "source") {
      secret.name = std::string(arg);
    } else if (key == "type") {
      if (!type.empty())
        throwError(Errc::InvalidArgument, "cannot set more than one secret type: {}", kError);
      if (arg != "mount" && arg != "env")
        throwError(Errc::InvalidArgument, "type {} is invalid: {}", arg, kError);
      type = std::string(arg);
    } else if (key == "target") {
      secret.target = std::string(arg);
    } else if (key == "mode") {
      mountOnly = true;
      bool ok = !arg.empty() && arg.size() <= 11;
      std::uint64_t mode = 0;
      for (char c : arg) {
        ok = ok && c >= '0' && c <= '7';
        mode = mode * 8 + static_cast<std::uint64_t>(c - '0');
      }
      if (!ok || mode > 07777)
        throwError(Errc::InvalidArgument, "mode {} invalid: {}", arg, kError);
      secret.mode = static_cast<std::uint32_t>(mode);
    } else if (key == "uid" || key == "UID") {
      mountOnly = true;
      secret.uid = parseId(arg, "UID");
    } else if (key == "gid" || key == "GID") {
      mountOnly = true;
      secret.gid = parseId(arg, "GID");
    } else {
      throwError(Errc::InvalidArgument, "option {} invalid: {}", part, kError);
    }
  }
  if (secret.name.empty())
    throwError(Errc::InvalidArgument, "no source found {}: {}", value, kError);
  secret.type = type.empty() ? "mount" : type;
  if (secret.type == "env") {
    if (mountOnly)
      throwError(Errc::InvalidArgument,
                 "UID, GID, Mode options cannot be set with secret type env: {}", kError);
    if (secret.target.empty()) secret.target = secret.name;
  } else {
    if (secret.target.empty()) secret.target = secret.name;
    if (!secret.target.starts_with('/')) secret.target = "/run/secrets/" + secret.target;
    secret.target = containerDir(secret.target);
  }
  return secret;
}

MountSpec parseTmpfs(std::string_view value) {
  const auto colon = value.find(':');
  MountSpec mount;
  mount.type = "tmpfs";
  mount.source = "tmpfs";
  mount.destination = containerDir(value.substr(0, colon));
  if (colon != std::string_view::npos) {
    for (auto option : split(value.substr(colon + 1), ','))
      mount.options.emplace_back(option);
  }
  // Podman checks the words when it generates the spec (util.ProcessOptions);
  // berth checks them now, with the same message.
  static constexpr std::array<std::string_view, 14> kWords = {
      "rw",    "ro",      "exec",     "noexec", "suid",    "nosuid",    "dev",
      "nodev", "private", "rprivate", "shared", "rshared", "tmpcopyup", "notmpcopyup"};
  for (const auto& option : mount.options) {
    const auto key = std::string_view(option).substr(0, option.find('='));
    const bool known = std::find(kWords.begin(), kWords.end(), key) != kWords.end() ||
                       key == "size" || key == "mode" || key == "slave" || key == "rslave" ||
                       key == "unbindable" || key == "runbindable";
    if (!known)
      throwError(Errc::InvalidArgument, "unknown mount option \"{}\": invalid mount option",
                 option);
    checkTmpfsOption(option);
  }
  return mount;
}

}  // namespace berth::spec
