// SPDX-License-Identifier: Apache-2.0
// The entry point of berth-archive.so (see archive_plugin.hpp).
#include "berth/image/archive_plugin.hpp"
#include "berth/image/load.hpp"

namespace {

berth::image::LoadResult load(const berth::state::StorePaths& paths,
                              const berth::image::LoadOptions& options) {
  return berth::image::loadArchive(berth::image::ImageStore(paths), options);
}

const berth::image::ArchivePlugin kPlugin{
    berth::image::kArchivePluginAbi,
    berth::setLogLevel,
    load,
};

}  // namespace

extern "C" __attribute__((visibility("default"))) const berth::image::ArchivePlugin*
berth_archive_plugin_v1() {
  return &kPlugin;
}
