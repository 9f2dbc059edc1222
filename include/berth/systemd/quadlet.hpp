// SPDX-License-Identifier: Apache-2.0
// Quadlet-style files (.container, .pod, .network, .volume) turned into
// service units, as Podman's quadlet does (DESIGN.md, "systemd"). Pure: the
// texts in, the units out; berth-quadlet (src/quadlet) does the files.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "berth/base/json.hpp"
#include "berth/systemd/unit.hpp"

namespace berth::systemd {

/// Where the generated units find berth.
struct QuadletContext {
  std::string executable = "/usr/bin/berth";
};

/// One Quadlet file: its path (its extension says the kind) and text.
struct QuadletFile {
  std::string path;
  std::string text;
};

/// What one file became: its unit, or the one-line error naming the file
/// (and line) that kept it from being one.
struct QuadletResult {
  std::string path;
  std::optional<Unit> unit;
  std::string error;
};

/// The units of a set of Quadlet files, converted together as Podman's
/// quadlet does: NAME.container -> NAME.service (`berth run`, Type=notify),
/// NAME.volume -> NAME-volume.service and NAME.network ->
/// NAME-network.service (oneshot `volume create --ignore` / `network create
/// --ignore`, RemainAfterExit), NAME.pod -> NAME-pod.service (forking: `pod
/// create --replace` in ExecStartPre, `pod start`, `pod stop`, `pod rm`).
/// A .container's Pod=x.pod, Network=x.network (or x.container) and
/// Volume=x.volume:/dest name other files of the set: they become that
/// file's object name and a dependency (BindsTo=/After= the pod, whose unit
/// Wants= and is Before= its containers; Requires=/After= a network or
/// volume). Objects are named by NetworkName=, VolumeName=, PodName=,
/// ContainerName=, or "systemd-NAME". Errors: "PATH:LINE: unknown key 'X'
/// in section [Container]", "PATH: no Image= key in section [Container]",
/// "PATH:LINE: invalid PublishPort 'X': ...", "PATH:LINE: Pod=x.pod: no
/// Quadlet file x.pod beside it", a file that is no Quadlet kind.
std::vector<QuadletResult> quadletUnits(const std::vector<QuadletFile>& files,
                                        const QuadletContext& context);

/// quadletUnits of one file; throws Error(InvalidArgument) with its error.
Unit quadletUnit(std::string_view path, std::string_view text, const QuadletContext& context);

/// `generate quadlet` of a container: the .container file that runs it
/// again, from its recorded create command (Config.CreateCommand): flags
/// with a Quadlet key become that key, berth's global flags GlobalArgs=,
/// the flags a unit sets itself (-d, --rm, --replace, --cidfile,
/// --cgroups, --sdnotify) go, every other flag is kept in BerthArgs=.
/// `name` is the file's name (NAME.container). A member of a pod (`pod`
/// its name) gets Pod=POD.pod in place of --pod/--pod-id-file. Throws
/// Error(InvalidArgument) for a command without run/create.
Unit quadletContainerFile(const std::string& name, const std::vector<std::string>& createCommand,
                          const std::string& pod = "");

/// `generate quadlet` of a pod, from its recorded `pod create` command:
/// NAME.pod with PodName=, PublishPort=, Network=, Label=, HostName=,
/// DNS=, AddHost=, ExitPolicy=, GlobalArgs=; the flags the unit sets
/// itself (--replace, --name, --infra-name, --pod-id-file,
/// --infra-conmon-pidfile) go, others stay in BerthArgs=. Throws
/// Error(InvalidArgument) for a command without `pod create`.
Unit quadletPodFile(const std::string& name, const std::vector<std::string>& createCommand);

/// `generate quadlet` of a network, from `network inspect`'s JSON (name,
/// subnets, internal, dns_enabled, labels): NAME.network.
Unit quadletNetworkFile(const Json& inspect);

/// `generate quadlet` of a volume, from `volume inspect`'s JSON (Labels,
/// Options, UID, GID): NAME.volume.
Unit quadletVolumeFile(const std::string& name, const Json& inspect);

/// Splits a Quadlet value into words as systemd does (quotes, C escapes).
/// Throws Error(InvalidArgument) for an unterminated quote.
std::vector<std::string> splitWords(std::string_view value);

}  // namespace berth::systemd
