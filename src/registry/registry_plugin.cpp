// SPDX-License-Identifier: Apache-2.0
#include "berth/registry/registry_plugin.hpp"

#include <dlfcn.h>

#include "berth/base/error.hpp"
#include "berth/base/programs.hpp"

namespace berth::registry {

const RegistryPlugin& registryPlugin() {
  static const RegistryPlugin* plugin = [] {
    const std::string path = findBerthHelper("berth-registry.so");
    if (path.empty())
      throwError(Errc::Internal, "the registry plugin berth-registry.so is not installed");
    void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) throwError(Errc::Internal, "load plugin '{}': {}", path, ::dlerror());
    using Entry = const RegistryPlugin* (*)();
    auto entry = reinterpret_cast<Entry>(::dlsym(handle, kRegistryPluginSymbol));
    if (entry == nullptr)
      throwError(Errc::Internal, "plugin '{}' has no {}", path, kRegistryPluginSymbol);
    const RegistryPlugin* table = entry();
    if (table->abiVersion != kRegistryPluginAbi)
      throwError(Errc::Internal, "plugin '{}' has ABI {}, berth needs {}", path, table->abiVersion,
                 kRegistryPluginAbi);
    table->setLogLevel(logLevel());
    return table;
  }();
  return *plugin;
}

}  // namespace berth::registry
