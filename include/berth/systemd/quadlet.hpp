// SPDX-License-Identifier: Apache-2.0
// Quadlet-style files (.container, .volume) turned into service units, as
// Podman's quadlet does (DESIGN.md, "systemd"). Pure: the text in, the
// unit out; berth-quadlet (src/quadlet) does the files.
#pragma once

#include <string>
#include <string_view>

#include "berth/base/json.hpp"
#include "berth/systemd/unit.hpp"

namespace berth::systemd {

/// Where the generated units find berth.
struct QuadletContext {
  std::string executable = "/usr/bin/berth";
};

/// The unit for one Quadlet file: `path` names it (its extension says the
/// kind: .container -> NAME.service, .volume -> NAME-volume.service) and
/// `text` is its content. Throws Error(InvalidArgument) naming the file
/// and line: "PATH:LINE: unknown key 'X' in section [Container]", "PATH:
/// no Image= key in section [Container]", "PATH:LINE: invalid PublishPort
/// 'X': ...", an unsupported file kind (.pod, .network: berth has no pods
/// or networks yet).
Unit quadletUnit(std::string_view path, std::string_view text, const QuadletContext& context);

/// `generate quadlet` of a container: the .container file that runs it
/// again, from its recorded create command (Config.CreateCommand): flags
/// with a Quadlet key become that key, berth's global flags GlobalArgs=,
/// the flags a unit sets itself (-d, --rm, --replace, --cidfile,
/// --cgroups, --sdnotify) go, every other flag is kept in BerthArgs=.
/// `name` is the file's name (NAME.container). Throws
/// Error(InvalidArgument) for a command without run/create.
Unit quadletContainerFile(const std::string& name, const std::vector<std::string>& createCommand);

/// `generate quadlet` of a volume, from `volume inspect`'s JSON (Labels,
/// Options, UID, GID): NAME.volume.
Unit quadletVolumeFile(const std::string& name, const Json& inspect);

/// Splits a Quadlet value into words as systemd does (quotes, C escapes).
/// Throws Error(InvalidArgument) for an unterminated quote.
std::vector<std::string> splitWords(std::string_view value);

}  // namespace berth::systemd
