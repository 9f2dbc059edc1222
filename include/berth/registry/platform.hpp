// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "berth/oci/manifest.hpp"

namespace berth::registry {

/// The platform a pull wants (--platform, --os, --arch, --variant).
struct PlatformWant {
  std::string os;            ///< "" = linux
  std::string architecture;  ///< "" = the host's (GOARCH)
  std::string variant;       ///< "" = any, the best for the architecture
};

/// `--platform os/arch[/variant]` combined with --os/--arch/--variant as
/// Podman does (--platform conflicts with the other two). Error(InvalidArgument)
/// naming the bad value.
PlatformWant parsePlatformFlags(std::string_view platform, std::string_view os,
                                std::string_view arch, std::string_view variant);

/// The index entry to pull for `want`, as containers/image chooses it:
/// os and architecture equal, and the variant the one asked for, else the
/// most compatible one the host runs (arm64: v8 then none; arm: v7, v6, v5;
/// amd64: none or v1 .. v4 listed in the index order). Entries without a
/// platform are skipped. std::nullopt when none fits.
std::optional<std::size_t> selectManifest(const oci::Index& index, const PlatformWant& want);

/// Podman's error for no fitting entry: "no image found in image index for
/// architecture amd64, variant \"\", OS linux".
std::string noMatchMessage(const PlatformWant& want);

/// The effective values (defaults filled in).
PlatformWant effectivePlatform(const PlatformWant& want);

}  // namespace berth::registry
