// SPDX-License-Identifier: Apache-2.0
#include "berth/image/archive_plugin.hpp"

#include <dlfcn.h>

#include "berth/base/error.hpp"
#include "berth/base/programs.hpp"

namespace berth::image {

const ArchivePlugin& archivePlugin() {
  static const ArchivePlugin* plugin = [] {
    const std::string path = findBerthHelper("berth-archive.so");
    if (path.empty())
      throwError(Errc::Internal, "the archive plugin berth-archive.so is not installed");
    void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) throwError(Errc::Internal, "load plugin '{}': {}", path, ::dlerror());
    using Entry = const ArchivePlugin* (*)();
    auto entry = reinterpret_cast<Entry>(::dlsym(handle, kArchivePluginSymbol));
    if (entry == nullptr)
      throwError(Errc::Internal, "plugin '{}' has no {}", path, kArchivePluginSymbol);
    const ArchivePlugin* table = entry();
    if (table->abiVersion != kArchivePluginAbi)
      throwError(Errc::Internal, "plugin '{}' has ABI {}, berth needs {}", path, table->abiVersion,
                 kArchivePluginAbi);
    table->setLogLevel(logLevel());  // the plugin has its own copy of the logger
    return table;
  }();
  return *plugin;
}

}  // namespace berth::image
