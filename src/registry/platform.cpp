// SPDX-License-Identifier: Apache-2.0
#include "berth/registry/platform.hpp"

#include <vector>

#include "berth/base/error.hpp"

namespace berth::registry {

namespace {

std::string hostArch() {
#if defined(__x86_64__)
  return "amd64";
#elif defined(__aarch64__)
  return "arm64";
#elif defined(__arm__)
  return "arm";
#elif defined(__i386__)
  return "386";
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  return "ppc64le";
#elif defined(__s390x__)
  return "s390x";
#elif defined(__riscv) && __riscv_xlen == 64
  return "riscv64";
#else
  return "unknown";
#endif
}

/// Variants acceptable for an architecture, best first; "" stands for an
/// entry without a variant.
std::vector<std::string> variantPreference(const PlatformWant& want) {
  if (!want.variant.empty()) {
    if (want.architecture == "arm64" && want.variant == "v8") return {"v8", ""};
    return {want.variant};
  }
  if (want.architecture == "arm64") return {"v8", ""};
  if (want.architecture == "arm") return {"v7", "v6", "v5", ""};
  if (want.architecture == "amd64") return {"", "v1", "v2", "v3", "v4"};
  return {""};
}

}  // namespace

PlatformWant effectivePlatform(const PlatformWant& want) {
  PlatformWant out = want;
  if (out.os.empty()) out.os = "linux";
  if (out.architecture.empty()) out.architecture = hostArch();
  return out;
}

PlatformWant parsePlatformFlags(std::string_view platform, std::string_view os,
                                std::string_view arch, std::string_view variant) {
  PlatformWant want{std::string(os), std::string(arch), std::string(variant)};
  if (platform.empty()) return want;
  if (!os.empty() || !arch.empty())
    throwError(Errc::InvalidArgument, "--platform option can not be specified with --arch or --os");
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const auto slash = platform.find('/', start);
    parts.emplace_back(platform.substr(start, slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  for (const auto& part : parts)
    if (part.empty() || parts.size() > 3)
      throwError(Errc::InvalidArgument,
                 "invalid platform syntax for --platform=\"{}\": expected OS/ARCH[/VARIANT]",
                 platform);
  want.os = parts[0];
  if (parts.size() > 1) want.architecture = parts[1];
  if (parts.size() > 2) want.variant = parts[2];
  return want;
}

std::optional<std::size_t> selectManifest(const oci::Index& index, const PlatformWant& asked) {
  const PlatformWant want = effectivePlatform(asked);
  const auto preference = variantPreference(want);
  std::optional<std::size_t> best;
  std::size_t bestRank = preference.size();
  for (std::size_t i = 0; i < index.manifests.size(); ++i) {
    const auto& platform = index.manifests[i].platform;
    if (!platform || platform->os != want.os || platform->architecture != want.architecture)
      continue;
    for (std::size_t rank = 0; rank < preference.size() && rank < bestRank; ++rank) {
      if (platform->variant == preference[rank]) {
        best = i;
        bestRank = rank;
        break;
      }
    }
  }
  return best;
}

std::string noMatchMessage(const PlatformWant& asked) {
  const PlatformWant want = effectivePlatform(asked);
  return fmt::format("no image found in image index for architecture {}, variant \"{}\", OS {}",
                     want.architecture, want.variant, want.os);
}

}  // namespace berth::registry
