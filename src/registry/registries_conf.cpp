// SPDX-License-Identifier: Apache-2.0
#include "berth/registry/registries_conf.hpp"

#include <dirent.h>
#include <fcntl.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>

#include "berth/base/error.hpp"
#include "berth/base/fs.hpp"
#include "berth/base/unique_fd.hpp"
#include "berth/image/reference.hpp"

namespace berth::registry {

namespace {

bool boolField(const Json& table, const char* key, std::string_view what) {
  const auto it = table.find(key);
  if (it == table.end()) return false;
  if (!it->is_boolean())
    throwError(Errc::InvalidArgument, "{}: \"{}\" must be true or false", what, key);
  return it->get<bool>();
}

std::string stringField(const Json& table, const char* key, std::string_view what) {
  const auto it = table.find(key);
  if (it == table.end()) return "";
  if (!it->is_string()) throwError(Errc::InvalidArgument, "{}: \"{}\" must be a string", what, key);
  return it->get<std::string>();
}

/// containers/image refMatchingPrefix: the prefix ends at a component
/// boundary ('/', ':' or '@') of the reference, or is all of it; a
/// "*.example.com" prefix matches hosts under example.com.
std::size_t matchLength(std::string_view reference, std::string_view prefix) {
  if (prefix.rfind("*.", 0) == 0) {
    const std::string_view host = reference.substr(0, reference.find('/'));
    const std::string_view domain = prefix.substr(1);  // ".example.com"
    if (host.size() > domain.size() && host.substr(host.size() - domain.size()) == domain)
      return prefix.size();
    return 0;
  }
  if (reference.size() < prefix.size() || reference.substr(0, prefix.size()) != prefix) return 0;
  if (reference.size() == prefix.size()) return prefix.size();
  const char next = reference[prefix.size()];
  return next == '/' || next == ':' || next == '@' ? prefix.size() : 0;
}

std::vector<std::string> confFilesIn(const std::string& dir) {
  std::vector<std::string> files;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return files;
  while (dirent* entry = ::readdir(d)) {
    const std::string name = entry->d_name;
    if (name.size() > 5 && name.substr(name.size() - 5) == ".conf")
      files.push_back(dir + "/" + name);
  }
  ::closedir(d);
  std::sort(files.begin(), files.end());
  return files;
}

/// The aliases of `from` over those of `to`, with their origins.
void addAliases(RegistriesConf& to, const RegistriesConf& from) {
  for (const auto& [alias, value] : from.aliases) {
    to.aliases[alias] = value;
    to.aliasOrigin[alias] = from.aliasOrigin.at(alias);
  }
}

/// A TOML key as BurntSushi/toml writes it: bare when it can be.
std::string tomlKey(const std::string& key) {
  const bool bare = !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-';
  });
  return bare ? key : Json(key).dump();
}

}  // namespace

RegistriesConf RegistriesConf::parse(std::string_view text, std::string_view what) {
  const Json doc = parseToml(text, what);
  RegistriesConf conf;
  conf.files.emplace_back(what);
  if (doc.contains("registries"))
    throwError(Errc::InvalidArgument,
               "{}: the version 1 format ([registries.search]) is not supported; use "
               "unqualified-search-registries",
               what);
  if (auto it = doc.find("unqualified-search-registries"); it != doc.end()) {
    if (!it->is_array())
      throwError(Errc::InvalidArgument, "{}: unqualified-search-registries must be an array", what);
    for (const auto& value : *it) {
      if (!value.is_string() || value.get<std::string>().empty())
        throwError(Errc::InvalidArgument,
                   "{}: unqualified-search-registries: each entry must be a registry name", what);
      const std::string registry = value.get<std::string>();
      if (registry.find_first_of("/@") != std::string::npos ||
          registry.find("://") != std::string::npos)
        throwError(Errc::InvalidArgument,
                   "{}: unqualified-search-registries: \"{}\" is not a registry host[:port]", what,
                   registry);
      conf.searchRegistries.push_back(registry);
    }
    conf.searchOrigin = std::string(what);
  }
  if (auto it = doc.find("short-name-mode"); it != doc.end()) {
    const std::string mode = it->is_string() ? it->get<std::string>() : "";
    if (mode == "enforcing") {
      conf.shortNameMode = ShortNameMode::Enforcing;
    } else if (mode == "permissive") {
      conf.shortNameMode = ShortNameMode::Permissive;
    } else if (mode == "disabled") {
      conf.shortNameMode = ShortNameMode::Disabled;
    } else {
      throwError(Errc::InvalidArgument,
                 "{}: invalid short-name mode \"{}\": expected enforcing, permissive or disabled",
                 what, it->dump());
    }
  }
  if (auto it = doc.find("aliases"); it != doc.end()) {
    if (!it->is_object()) throwError(Errc::InvalidArgument, "{}: [aliases] must be a table", what);
    for (auto a = it->begin(); a != it->end(); ++a) {
      if (!a.value().is_string())
        throwError(Errc::InvalidArgument, "{}: alias \"{}\" must be a string", what, a.key());
      const std::string value = a.value().get<std::string>();
      image::Reference ref;
      try {
        ref = image::parseReference(value);
      } catch (const Error& e) {
        throwError(Errc::InvalidArgument, "{}: alias \"{}\": {}", what, a.key(), e.what());
      }
      if (ref.isTagged() || ref.isDigested() || image::isShortName(value))
        throwError(Errc::InvalidArgument,
                   "{}: alias \"{}\" = \"{}\": must be a fully qualified name without a tag or "
                   "digest",
                   what, a.key(), value);
      conf.aliases[a.key()] = value;
      conf.aliasOrigin[a.key()] = std::string(what);
    }
  }
  if (auto it = doc.find("registry"); it != doc.end()) {
    if (!it->is_array())
      throwError(Errc::InvalidArgument, "{}: registry must be an array of tables", what);
    for (const auto& table : *it) {
      RegistryRule rule;
      rule.prefix = stringField(table, "prefix", what);
      rule.location = stringField(table, "location", what);
      rule.insecure = boolField(table, "insecure", what);
      rule.blocked = boolField(table, "blocked", what);
      rule.mirrorByDigestOnly = boolField(table, "mirror-by-digest-only", what);
      if (rule.prefix.empty()) rule.prefix = rule.location;
      if (rule.prefix.empty())
        throwError(Errc::InvalidArgument, "{}: a [[registry]] needs a prefix or a location", what);
      if (rule.prefix.rfind("*.", 0) == 0 && !rule.location.empty() && rule.location != rule.prefix)
        throwError(Errc::InvalidArgument,
                   "{}: [[registry]] prefix \"{}\": a wildcarded prefix cannot have a location",
                   what, rule.prefix);
      if (rule.location.empty()) rule.location = rule.prefix;
      if (auto m = table.find("mirror"); m != table.end() && m->is_array())
        for (const auto& mirror : *m)
          rule.mirrors.push_back(
              Mirror{stringField(mirror, "location", what), boolField(mirror, "insecure", what)});
      conf.rules.push_back(std::move(rule));
    }
  }
  return conf;
}

void RegistriesConf::merge(const RegistriesConf& later) {
  if (!later.searchOrigin.empty()) {
    searchRegistries = later.searchRegistries;
    searchOrigin = later.searchOrigin;
  }
  if (later.shortNameMode) shortNameMode = later.shortNameMode;
  addAliases(*this, later);
  for (const auto& rule : later.rules) {
    auto same = std::find_if(rules.begin(), rules.end(),
                             [&](const RegistryRule& r) { return r.prefix == rule.prefix; });
    if (same != rules.end()) {
      *same = rule;
    } else {
      rules.push_back(rule);
    }
  }
  files.insert(files.end(), later.files.begin(), later.files.end());
}

RegistriesConf RegistriesConf::load(bool rootless) {
  const char* home = ::getenv("HOME");
  const char* xdg = ::getenv("XDG_CONFIG_HOME");
  const std::string userDir =
      xdg != nullptr && *xdg != '\0'
          ? std::string(xdg) + "/containers"
          : std::string(home != nullptr ? home : "/root") + "/.config/containers";
  std::vector<std::string> paths;
  const char* env = ::getenv("CONTAINERS_REGISTRIES_CONF");
  if (env != nullptr && *env != '\0') {
    paths.emplace_back(env);
  } else if (rootless && pathExists(userDir + "/registries.conf")) {
    paths.push_back(userDir + "/registries.conf");
  } else {
    paths.emplace_back("/etc/containers/registries.conf");
  }
  for (const auto& file : confFilesIn("/etc/containers/registries.conf.d"))
    paths.push_back(file);
  if (rootless && (env == nullptr || *env == '\0'))
    for (const auto& file : confFilesIn(userDir + "/registries.conf.d"))
      paths.push_back(file);
  RegistriesConf conf;
  bool first = true;
  for (const auto& path : paths) {
    const auto text = readFileIfExists(path);
    if (!text) {
      if (first) conf.files.push_back(path);  // named in messages even when missing
      first = false;
      continue;
    }
    RegistriesConf one = parse(*text, path);
    if (first) {
      conf = std::move(one);
    } else {
      conf.merge(one);
    }
    first = false;
  }
  const std::string cache = shortNameAliasesFile(rootless);
  if (const auto text = readFileIfExists(cache)) addAliases(conf, parse(*text, cache));
  return conf;
}

const RegistryRule* RegistriesConf::findRule(std::string_view reference) const {
  const RegistryRule* best = nullptr;
  std::size_t bestLength = 0;
  for (const auto& rule : rules) {
    const std::size_t length = matchLength(reference, rule.prefix);
    if (length > bestLength) {
      bestLength = length;
      best = &rule;
    }
  }
  return best;
}

void RegistriesConf::checkNotBlocked(const std::string& reference) const {
  if (const RegistryRule* rule = findRule(reference); rule != nullptr && rule->blocked)
    throwError(Errc::PermissionDenied, "registry {} is blocked in {} or registries.conf.d",
               rule->prefix, files.empty() ? "registries.conf" : files.front());
}

bool RegistriesConf::isInsecure(const std::string& reference) const {
  const RegistryRule* rule = findRule(reference);
  return rule != nullptr && rule->insecure;
}

std::vector<PullSource> RegistriesConf::pullSources(const std::string& reference) const {
  checkNotBlocked(reference);
  const RegistryRule* rule = findRule(reference);
  if (rule == nullptr) return {PullSource{reference, false}};
  std::vector<PullSource> sources;
  const auto rewrite = [&](const std::string& location) {
    if (rule->prefix.rfind("*.", 0) == 0) return reference;
    return location + reference.substr(rule->prefix.size());
  };
  const bool byDigest = reference.find('@') != std::string::npos;
  if (!rule->mirrorByDigestOnly || byDigest)
    for (const auto& mirror : rule->mirrors)
      sources.push_back(PullSource{rewrite(mirror.location), mirror.insecure});
  sources.push_back(PullSource{rewrite(rule->location), rule->insecure});
  return sources;
}

std::string shortNameAliasesFile(bool rootless) {
  const std::string name = "/containers/short-name-aliases.conf";
  if (!rootless) return "/var/cache" + name;
  const char* xdg = ::getenv("XDG_CACHE_HOME");
  if (xdg != nullptr && *xdg != '\0') return xdg + name;
  const char* home = ::getenv("HOME");
  return std::string(home != nullptr ? home : "") + "/.cache" + name;
}

void recordShortNameAlias(const std::string& file, const std::string& name,
                          const std::string& value) {
  makeDirs(dirName(file), 0700);
  // containers/storage's lockfile: a POSIX record lock on file.lock.
  const UniqueFd lock = openFile(file + ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  struct flock whole {};
  whole.l_type = F_WRLCK;
  whole.l_whence = SEEK_SET;
  while (::fcntl(lock.get(), F_SETLKW, &whole) != 0)
    if (errno != EINTR) throwErrno("lock {}.lock", file);
  std::map<std::string, std::string> aliases;
  if (const auto text = readFileIfExists(file))
    aliases = RegistriesConf::parse(*text, file).aliases;
  aliases[name] = value;
  std::string text = "[aliases]\n";
  for (const auto& [alias, target] : aliases)
    text += fmt::format("  {} = {}\n", tomlKey(alias), Json(target).dump());
  writeFileAtomic(file, text, 0600);
}

ShortNameResolution resolveShortName(const RegistriesConf& conf, std::string_view name,
                                     const ShortNameChooser& choose) {
  ShortNameResolution result;
  if (!image::isShortName(name)) {
    result.candidates.push_back(image::parseNormalizedReference(name).str());
    return result;
  }
  // Validate the grammar (and refuse a 64-hex name) first.
  const image::Reference parsed = image::parseReference(name);
  (void)image::parseNormalizedReference(name);
  std::string suffix;
  if (parsed.isDigested()) {
    suffix = "@" + parsed.digest;
  } else {
    suffix = ":" + (parsed.isTagged() ? parsed.tag : std::string("latest"));
  }
  if (auto alias = conf.aliases.find(parsed.name()); alias != conf.aliases.end()) {
    result.candidates.push_back(image::parseNormalizedReference(alias->second + suffix).str());
    result.note = fmt::format("Resolved \"{}\" as an alias ({})", parsed.name(),
                              conf.aliasOrigin.at(alias->first));
    return result;
  }
  const std::string origin = !conf.searchOrigin.empty() ? conf.searchOrigin
                             : conf.files.empty()       ? "registries.conf"
                                                        : conf.files.front();
  if (conf.searchRegistries.empty())
    throwError(Errc::InvalidArgument,
               "short-name \"{}\" did not resolve to an alias and no unqualified-search "
               "registries are defined in \"{}\"",
               name, origin);
  for (const auto& registry : conf.searchRegistries) {
    const std::string candidate =
        image::parseNormalizedReference(registry + "/" + parsed.name() + suffix).str();
    if (std::find(result.candidates.begin(), result.candidates.end(), candidate) ==
        result.candidates.end())
      result.candidates.push_back(candidate);
  }
  const ShortNameMode mode = conf.shortNameMode.value_or(ShortNameMode::Permissive);
  if (mode != ShortNameMode::Disabled && result.candidates.size() > 1 && choose) {
    const std::size_t picked = choose(result.candidates);
    if (picked >= result.candidates.size())
      throwError(Errc::Internal, "short-name selection {} out of range", picked);
    result.candidates = {result.candidates[picked]};
    result.aliasToRecord = parsed.name();
    return result;
  }
  if (mode == ShortNameMode::Enforcing && result.candidates.size() > 1) {
    std::string list;
    for (const auto& candidate : result.candidates)
      list += (list.empty() ? "" : ", ") + candidate;
    throwError(Errc::InvalidArgument,
               "short-name resolution enforced but cannot prompt without a TTY: \"{}\" could be "
               "{}",
               name, list);
  }
  result.note = fmt::format("Resolving \"{}\" using unqualified-search registries ({})",
                            parsed.name(), origin);
  return result;
}

}  // namespace berth::registry
