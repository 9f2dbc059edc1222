// SPDX-License-Identifier: Apache-2.0
// The entry point of berth-registry.so (see registry_plugin.hpp).
#include "berth/registry/registry_plugin.hpp"
#include "operations.hpp"

namespace {

const berth::registry::RegistryPlugin kPlugin{
    berth::registry::kRegistryPluginAbi, berth::setLogLevel,
    berth::registry::detail::pullImage,  berth::registry::detail::pushImage,
    berth::registry::detail::checkLogin, berth::registry::detail::listTags,
};

}  // namespace

extern "C" __attribute__((visibility("default"))) const berth::registry::RegistryPlugin*
berth_registry_plugin_v1() {
  return &kPlugin;
}
