// SPDX-License-Identifier: Apache-2.0
// The plugin's operations (pull.cpp, push.cpp, login.cpp). Internal.
#pragma once

#include "berth/registry/registry_plugin.hpp"

namespace berth::registry::detail {

PullResult pullImage(const state::StorePaths& paths, const PullOptions& options,
                     const ProgressSink& progress);
PushResult pushImage(const state::StorePaths& paths, const PushOptions& options,
                     const ProgressSink& progress);
void checkLogin(const LoginOptions& options);
std::vector<std::string> listTags(const std::string& repository, const AccessOptions& access);

/// The Accept list containers/image sends for manifests.
extern const char* const kManifestAccept;

}  // namespace berth::registry::detail
