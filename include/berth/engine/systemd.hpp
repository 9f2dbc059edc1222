// SPDX-License-Identifier: Apache-2.0
// The engine's systemd operations (generate_systemd.cpp): kept beside
// engine.hpp so that the CLI's other commands do not depend on the unit
// writers.
#pragma once

#include <string>
#include <vector>

#include "berth/engine/engine.hpp"
#include "berth/systemd/quadlet.hpp"
#include "berth/systemd/unit.hpp"

namespace berth::engine {

/// `berth generate systemd`: the unit of a container (systemd/unit.hpp),
/// from its recorded create command, environment and stop timeout.
/// Error(NoSuchContainer) "<name> does not refer to a container or pod:
/// ..." for anything else; the writer's errors for a bad restart policy or
/// a create command --new cannot use.
std::vector<systemd::Unit> generateSystemd(const Engine& engine, const std::string& nameOrId,
                                           const systemd::GenerateOptions& options);

/// `generate systemd --files`: writes each unit as <dir>/<name>.service
/// (0644) and returns the paths, in the order of `units`.
std::vector<std::string> writeUnitFiles(const std::vector<systemd::Unit>& units,
                                        const std::string& directory);

/// `berth generate quadlet`: the Quadlet file of a container (from its
/// create command; a pod member's names its pod's .pod file) or, when no
/// container has that name, of a pod (from its create command), a volume
/// or a network. Error(NoSuchContainer) "<name> does not refer to a
/// container, pod, volume or network: ...".
systemd::Unit generateQuadlet(const Engine& engine, const std::string& nameOrId);

}  // namespace berth::engine
