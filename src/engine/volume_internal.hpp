// SPDX-License-Identifier: Apache-2.0
// What container operations need of volumes (volumes.cpp): the volumes a
// new container makes, where their mounts come from, who uses a volume,
// and the removal of anonymous volumes with their container.
#pragma once

#include <string>
#include <vector>

#include "berth/oci/image_config.hpp"
#include "berth/runtime/mount_plan.hpp"
#include "berth/spec/container_spec.hpp"
#include "berth/spec/generate.hpp"
#include "berth/state/paths.hpp"
#include "berth/state/volume_store.hpp"

namespace berth::engine::detail {

/// The names of the volumes `spec` mounts (-v NAME:/dst, --mount type=volume).
std::vector<std::string> specVolumeNames(const spec::ContainerSpec& spec);

/// The ids of the containers whose spec mounts volume `name`.
std::vector<std::string> volumeUsers(const state::StorePaths& paths, const std::string& name);

/// True when a container of `spec` from `image` mounts a volume (its
/// mounts, or the image's VOLUMEs): create then needs the volumes lock.
bool usesVolumes(const spec::ContainerSpec& spec, const oci::ImageConfig& image);

/// For create, holding VolumeStore::lock(): names the anonymous volumes of
/// `spec` (-v /dst, --mount type=volume without a source) and adds one for
/// each VOLUME of the image no mount covers; then makes every volume that
/// does not exist yet. Returns the names it made, for undoing a failed
/// create (removeVolumesQuietly).
std::vector<std::string> prepareVolumes(const state::StorePaths& paths, spec::ContainerSpec& spec,
                                        const oci::ImageConfig& image);

/// Removes volumes without asking who uses them; errors are ignored.
void removeVolumesQuietly(const state::StorePaths& paths, const std::vector<std::string>& names);

/// Where the mount of volume `mount.source` comes from (its record decides:
/// _data, a bound device, or a filesystem). Error(NoSuchObject) when the
/// volume is gone.
spec::VolumeSource volumeSource(const state::StorePaths& paths, const spec::MountSpec& mount);

/// For start: the new volumes of `spec` to fill and give an owner, and
/// their records marked as done (written after a successful start by
/// markVolumesInitialised).
std::vector<runtime::VolumeInit> pendingVolumeInits(const state::StorePaths& paths,
                                                    const spec::ContainerSpec& spec);
void markVolumesInitialised(const state::StorePaths& paths, const spec::ContainerSpec& spec);

/// After a container is removed: its anonymous volumes that no other
/// container uses. Takes VolumeStore::lock(); never throws.
void removeAnonymousVolumes(const state::StorePaths& paths,
                            const spec::ContainerSpec& spec) noexcept;

}  // namespace berth::engine::detail

namespace berth::state {
class ContainerStore;
}

namespace berth::engine::detail {

/// --volumes-from CTR[:ro|rw|z,...]: the volumes and bind mounts of CTR
/// (its -v and --mount) join spec.volumes, except where `spec` mounts
/// something at the same destination; ro/rw replace theirs.
/// Error(NoSuchContainer) for an unknown container, Error(InvalidArgument)
/// for an unknown option.
void applyVolumesFrom(const state::ContainerStore& store, spec::ContainerSpec& spec);

/// For start (mount_sources.cpp), what the mounts need on the host before
/// the monitor starts: fresh upper and work directories of :O overlays,
/// the :U sources chowned (recursively) to the process user, and each
/// --secret type=mount written to <runDir>/secrets/<name> with its owner
/// and mode (the bind source the runtime spec names).
void prepareMountSources(const state::StorePaths& paths, const std::string& id,
                         const spec::ContainerSpec& spec);

/// --secret type=env: "TARGET=data" for the monitor (never on disk).
std::vector<std::string> secretEnvironment(const state::StorePaths& paths,
                                           const spec::ContainerSpec& spec);

/// create: every --secret names a secret that exists. Error(NoSuchObject).
void checkSecrets(const state::StorePaths& paths, const spec::ContainerSpec& spec);

}  // namespace berth::engine::detail
