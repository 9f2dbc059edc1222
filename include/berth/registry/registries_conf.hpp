// SPDX-License-Identifier: Apache-2.0
// registries.conf (containers-registries.conf(5), version 2) as Podman
// reads it: search registries, per-registry rules, mirrors, short names.
// Pure: no network.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "berth/base/json.hpp"

namespace berth::registry {

/// The TOML that registries.conf uses, parsed into JSON: key = value pairs,
/// [table] and [[array.of.tables]] headers (dotted and quoted keys), basic
/// and literal strings (multi-line too), integers, floats, booleans, arrays
/// (multi-line, trailing commas), inline tables, comments. Throws
/// Error(InvalidArgument) "<what>: line N: ..." for anything else.
Json parseToml(std::string_view text, std::string_view what);

struct Mirror {
  std::string location;
  bool insecure = false;
};

/// One [[registry]] table.
struct RegistryRule {
  std::string prefix;    ///< what it matches ("example.com/foo", "*.example.com")
  std::string location;  ///< where to go instead ("" = the prefix itself)
  bool insecure = false;
  bool blocked = false;
  bool mirrorByDigestOnly = false;
  std::vector<Mirror> mirrors;
};

enum class ShortNameMode { Disabled, Permissive, Enforcing };

/// One endpoint to try for a reference: a mirror or the primary location.
struct PullSource {
  std::string reference;  ///< the reference rewritten for this endpoint
  bool insecure = false;  ///< plain HTTP / no TLS verification allowed
};

/// The merged configuration of every registries.conf file that applies.
struct RegistriesConf {
  std::vector<std::string> searchRegistries;
  std::optional<ShortNameMode> shortNameMode;
  std::map<std::string, std::string> aliases;
  std::map<std::string, std::string> aliasOrigin;  ///< alias -> the file that set it
  std::vector<RegistryRule> rules;
  std::string searchOrigin;        ///< the file that set unqualified-search-registries
  std::vector<std::string> files;  ///< the files read, in order

  /// Parses one file's text. Error(InvalidArgument) naming `what` for bad
  /// TOML, a bad short-name-mode or a v1 [registries.search] table.
  static RegistriesConf parse(std::string_view text, std::string_view what);
  /// Applies a later file (a drop-in) over this one: as containers/image,
  /// its scalars and lists replace ours when set, its [[registry]] tables
  /// replace ours with the same prefix, its aliases add to ours.
  void merge(const RegistriesConf& later);
  /// The files Podman reads: $CONTAINERS_REGISTRIES_CONF if set; else
  /// (rootless) ~/.config/containers/registries.conf when it exists, else
  /// /etc/containers/registries.conf; then *.conf of
  /// /etc/containers/registries.conf.d (rootless also
  /// ~/.config/containers/registries.conf.d) in name order. Missing files
  /// are skipped. Then the aliases of shortNameAliasesFile(rootless),
  /// which take precedence over those of registries.conf (as Podman's).
  static RegistriesConf load(bool rootless);

  /// The [[registry]] whose prefix matches `reference` best (longest
  /// prefix; "*.example.com" matches subdomains), or nullptr.
  const RegistryRule* findRule(std::string_view reference) const;

  /// Where to pull a fully qualified `reference` from, in order: its rule's
  /// mirrors (skipped for a tag when mirror-by-digest-only), then the
  /// location. Error(PermissionDenied) "registry X is blocked in
  /// registries.conf" for a blocked one.
  std::vector<PullSource> pullSources(const std::string& reference) const;
  /// True when the registry of `reference` is marked insecure.
  bool isInsecure(const std::string& reference) const;
  /// Error(PermissionDenied) when the reference's registry is blocked.
  void checkNotBlocked(const std::string& reference) const;
};

/// Podman's machine-written alias file, where a short name the user picked
/// at the prompt is recorded: /var/cache/containers/short-name-aliases.conf
/// for root, $XDG_CACHE_HOME (or ~/.cache)/containers/short-name-aliases.conf
/// rootless.
std::string shortNameAliasesFile(bool rootless);

/// Records `name` (a short name without tag) = `value` (a qualified
/// repository without tag) in the alias file `file` as containers/image
/// does: under its fcntl lock `file`.lock, the file rewritten with mode 0600
/// keeping the other aliases. Throws Error naming the file.
void recordShortNameAlias(const std::string& file, const std::string& name,
                          const std::string& value);

/// How a short name resolved: the names to try, in order, and the line
/// Podman prints about it ("" when the name was not short).
struct ShortNameResolution {
  std::vector<std::string> candidates;  ///< normalized full references
  std::string note;
  /// Set when the user picked the candidate at the prompt: the short name
  /// (without tag) to record as an alias once the pull succeeded.
  std::string aliasToRecord;
};

/// Asks the user to pick one of the candidates (on a terminal); returns
/// its index.
using ShortNameChooser = std::function<std::size_t(const std::vector<std::string>&)>;

/// containers/image shortnames.Resolve: a qualified name is itself; an
/// alias wins ("Resolved \"x\" as an alias (file)"); else each
/// unqualified-search registry ("Resolving \"x\" using
/// unqualified-search registries (file)"). With several of them, unless
/// the mode is disabled: `choose` (set when there is a terminal) picks the
/// one candidate, to be recorded (aliasToRecord, no note); without it,
/// enforcing is Error(InvalidArgument) "short-name resolution enforced but
/// cannot prompt without a TTY" plus the candidates, permissive tries them
/// all in order. With no search registry, Podman's error naming the file.
/// Throws Error(InvalidArgument) for a name that does not parse.
ShortNameResolution resolveShortName(const RegistriesConf& conf, std::string_view name,
                                     const ShortNameChooser& choose);

}  // namespace berth::registry
