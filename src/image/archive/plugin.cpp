// SPDX-License-Identifier: Apache-2.0
// The entry point of berth-archive.so (see archive_plugin.hpp).
#include "berth/image/archive_plugin.hpp"
#include "berth/image/import.hpp"
#include "berth/image/load.hpp"
#include "berth/image/save.hpp"
#include "berth/image/tree_tar.hpp"

namespace {

berth::image::LoadResult load(const berth::state::StorePaths& paths,
                              const berth::image::LoadOptions& options) {
  return berth::image::loadArchive(berth::image::ImageStore(paths), options);
}

void save(const berth::state::StorePaths& paths, const berth::image::SaveOptions& options) {
  berth::image::saveImages(berth::image::ImageStore(paths), options);
}

berth::image::ImportResult importImage(const berth::state::StorePaths& paths,
                                       const berth::image::ImportOptions& options) {
  return berth::image::importImage(berth::image::ImageStore(paths), options);
}

const berth::image::ArchivePlugin kPlugin{
    berth::image::kArchivePluginAbi, berth::setLogLevel, load, save, importImage,
    berth::image::writeTreeTar,
};

}  // namespace

extern "C" __attribute__((visibility("default"))) const berth::image::ArchivePlugin*
berth_archive_plugin_v1() {
  return &kPlugin;
}
