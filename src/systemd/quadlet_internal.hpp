// SPDX-License-Identifier: Apache-2.0
// What the Quadlet converters share (quadlet.cpp: files, .container,
// .volume; quadlet_pod_network.cpp: .pod, .network): the unit-file
// parser, the reading of values, the unit's frame, and the names each file
// of a set gives its unit and its object (so Pod=x.pod, Network=x.network
// and Volume=x.volume:/d resolve).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "berth/systemd/quadlet.hpp"

namespace berth::systemd::detail {

/// One Key=Value line of a Quadlet file, with its line number.
struct Entry {
  std::string key;
  std::string value;
  int line = 0;
};

/// One [Section] and its lines, in file order.
struct Section {
  std::string name;
  std::vector<Entry> entries;
};

/// An INI file as systemd reads it. Throws Error(InvalidArgument) naming
/// the file and line of a malformed line.
std::vector<Section> parseUnitFile(std::string_view path, std::string_view text);

/// systemd's booleans (yes/no, true/false, 1/0, on/off). Throws naming
/// the file, line and key.
bool parseBoolean(std::string_view path, const Entry& e);

/// The value split into words as systemd does; an error names file and line.
std::vector<std::string> wordsOf(std::string_view path, const Entry& e);

/// Go's strconv.Quote for the bytes systemd cares about: the text in double
/// quotes, with C escapes for quotes, backslashes and control characters.
std::string quote(std::string_view text);

/// One word of a unit's command line as Podman's quadlet writes it: quoted
/// (C escapes) when it holds white space, control characters, quotes or a
/// backslash; `%` and `$` left alone (a Quadlet file's specifiers and
/// variables stay live; `%%` and `$$` are literal).
std::string quadletWord(std::string_view word);

/// Words joined as a systemd command line (each a quadletWord).
std::string commandLine(const std::vector<std::string>& words);

/// The file's name without its directory.
std::string baseName(std::string_view path);

/// The file's name without its directory and its extension.
std::string stem(std::string_view path);

/// Throws "PATH:LINE: unknown key 'K' in section [GROUP]" for the first
/// key of `group` not in `keys`, and "PATH: unknown section [S]" for a
/// section other than group, Unit, Service, Install and X-*.
void checkKeys(std::string_view path, const std::vector<Section>& sections, std::string_view group,
               const std::vector<std::string_view>& keys);

/// Throws "PATH:LINE: invalid PublishPort 'X': ..." for a bad PublishPort=.
void checkPublish(std::string_view path, const Entry& e);

/// Every line of `key` in `group`, in file order.
std::vector<const Entry*> lookupAll(const std::vector<Section>& sections, std::string_view group,
                                    std::string_view key);

/// The unit's text: berth-quadlet's header, the file's own group kept as
/// X-<group>, [Unit] (the file's, then `unitLines`, SourcePath=,
/// RequiresMountsFor=), [Service] (`serviceLines`, then the file's), and
/// the file's [Install].
std::string assembleUnit(std::string_view path, const std::vector<Section>& sections,
                         std::string_view group, const std::string& unitLines,
                         const std::string& serviceLines);

/// The unit and the object one file of a set makes.
struct UnitInfo {
  std::string service;   ///< unit name, without ".service"
  std::string resource;  ///< the container, pod, network or volume name
  /// A .pod: the units of its containers (Wants=/Before=).
  std::vector<std::string> containersToStart;
};

/// The files of a set by their base name ("web.container").
using UnitInfos = std::map<std::string, UnitInfo>;

/// A reference to another file of the set (Pod=, Network=, Volume=): its
/// info, or an error naming file, line and the missing file.
UnitInfo& referenced(std::string_view path, const Entry& e, const std::string& file,
                     UnitInfos& infos);

/// "Requires=X.service\nAfter=X.service\n" (`kind` in place of Requires).
std::string dependsOn(std::string_view kind, const UnitInfo& other);

/// A Network= value: a .network of the set becomes its network's name, a
/// .container of the set "container:NAME"; either adds its dependency to
/// `unitLines`.
std::string networkValue(std::string_view path, const Entry& e, UnitInfos& infos,
                         std::string& unitLines);

/// The unit of a .pod file (after every .container of the set, whose
/// units `info` lists); `infos` resolves its Network= .network files.
Unit podUnit(std::string_view path, const std::vector<Section>& sections,
             const QuadletContext& context, const UnitInfo& info, UnitInfos& infos);

/// The unit of a .network file.
Unit networkUnit(std::string_view path, const std::vector<Section>& sections,
                 const QuadletContext& context, const UnitInfo& info);

/// GlobalArgs= words and berth's path: the start of every command.
std::string berthCommand(std::string_view path, const std::vector<Section>& sections,
                         std::string_view group, const QuadletContext& context);

}  // namespace berth::systemd::detail
