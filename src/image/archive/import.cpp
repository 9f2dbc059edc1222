// SPDX-License-Identifier: Apache-2.0
// berth import: a root file system tarball becomes a one-layer image, with
// the config Podman's tarball transport (containers/image tarball) writes.
#include "berth/image/import.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "berth/base/error.hpp"
#include "berth/base/fs.hpp"
#include "berth/base/ids.hpp"
#include "berth/base/scope_exit.hpp"
#include "berth/format/human.hpp"
#include "berth/image/layer_extract.hpp"
#include "berth/oci/json_encoding.hpp"
#include "berth/oci/media_types.hpp"
#include "blob_io.hpp"

namespace berth::image {

namespace {

/// Replaces every `from` in `text` with `to`.
std::string replaceAll(std::string text, std::string_view from, std::string_view to) {
  for (auto at = text.find(from); !from.empty() && at != std::string::npos;
       at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

void removeQuietly(const std::string& path) noexcept {
  try {
    removeAll(path);
  } catch (...) {
  }
}

}  // namespace

oci::ImageConfig importConfig(const ImportOptions& options, const std::string& created,
                              const std::string& diffId) {
  oci::ImageConfig config;
  config.created = created;
  config.architecture = options.architecture;
  config.os = options.os;
  config.variant = options.variant;
  config.config = options.config;
  // Podman's import keeps the OCI fields of --change only.
  config.config.onBuild.clear();
  config.rootfs.diffIds.push_back(oci::Digest::parse(diffId));
  oci::HistoryEntry history;
  history.created = created;
  history.createdBy = "/bin/sh -c #(nop) ADD file:" + diffId.substr(diffId.find(':') + 1) + " in /";
  history.comment = options.message.empty() ? "imported from tarball" : options.message;
  config.history.push_back(std::move(history));
  return config;
}

ImportResult importImage(const ImageStore& store, const ImportOptions& options) {
  const bool fromStdin = options.source == "-";
  const std::string what = fromStdin ? "standard input" : options.source;
  UniqueFd input;
  format::TimeNs created = format::nowNs();
  if (!fromStdin) {
    input = UniqueFd(::open(options.source.c_str(), O_RDONLY | O_CLOEXEC));
    if (!input) {
      const int err = errno;
      throw Error(Errc::InvalidArgument,
                  fmt::format("import: open \"{}\": {}", options.source, errnoText(err)), err);
    }
    struct stat st;
    if (::fstat(input.get(), &st) != 0) throwErrno("stat '{}'", options.source);
    if (S_ISDIR(st.st_mode))
      throwError(Errc::InvalidArgument, "import \"{}\": is a directory, not a tar archive",
                 options.source);
    // Podman's tarball transport: the image is as old as the file.
    created = static_cast<format::TimeNs>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  }
  const int fd = fromStdin ? STDIN_FILENO : input.get();

  // Temporary files only under the shared writers lock (see load.cpp).
  store.removeTemporaryLeftovers();
  FileLock writing = store.writerLock();
  store.initialize();
  const std::string work = store.tempDir() + "/import-" + generateId().substr(0, 16);
  makeDirs(work, 0700);
  ScopeExit removeWork([&] { removeQuietly(work); });

  // The layer blob: the tarball uncompressed, so its digest is the diff id.
  const std::string layerBlob = work + "/layer";
  detail::DigestCounter layer;
  {
    UniqueFd out = openFile(layerBlob, O_WRONLY | O_CREAT | O_EXCL, 0600);
    detail::readDecompressed(fd, "import " + what, [&](const char* data, std::size_t n) {
      layer.update(data, n);
      writeAll(out.get(), std::string_view(data, n), layerBlob);
    });
  }
  if (layer.size == 0)
    throwError(Errc::InvalidArgument, "import {}: the input is empty, not a tar archive", what);
  const std::string diffId = layer.hash.digest();

  ImportResult result;
  // One layer: its chain id is its diff id. Extract it unless stored.
  std::string layerTemp;
  ScopeExit removeLayerTemp([&] {
    if (!layerTemp.empty()) removeQuietly(layerTemp);
  });
  if (!store.hasLayer(diffId)) {
    layerTemp = store.paths().layersDir() + "/.tmp-" + generateId().substr(0, 16);
    makeDirs(layerTemp + "/diff", 0755);
    ExtractOptions extract;
    extract.rootless = options.rootless;
    ExtractResult extracted;
    try {
      extracted = extractLayer(layerBlob, layerTemp + "/diff", extract);
    } catch (const Error& e) {
      // Name the user's file, not our temporary copy.
      const std::string& message = e.message();
      throw Error(e.kind(),
                  message.find(layerBlob) != std::string::npos
                      ? "import " + replaceAll(replaceAll(message, "layer " + layerBlob, what),
                                               layerBlob, what)
                      : "import " + what + ": " + message,
                  e.sysErrno());
    }
    if (extracted.diffId != diffId)
      throwError(Errc::Internal, "import {}: extracted diff id {}, expected {}", what,
                 extracted.diffId, diffId);
    ImageStore::writeLayerInfo(layerTemp, diffId,
                               static_cast<std::int64_t>(extracted.uncompressedSize));
    result.warnings = extracted.warnings;
  }

  const std::string configBytes =
      oci::encodeJson(importConfig(options, format::formatRfc3339Nano(created), diffId).toJson());
  Sha256 configHash;
  configHash.update(configBytes);
  const std::string configDigest = configHash.digest();
  const Json manifest = {
      {"schemaVersion", 2},
      {"mediaType", oci::kOciImageManifest},
      {"config",
       {{"mediaType", oci::kOciImageConfig},
        {"digest", configDigest},
        {"size", configBytes.size()}}},
      {"layers", Json::array({Json{
                     {"mediaType", oci::kOciLayer}, {"digest", diffId}, {"size", layer.size}}})}};
  const std::string manifestBytes = oci::encodeJson(manifest);
  Sha256 manifestHash;
  manifestHash.update(manifestBytes);
  const std::string manifestDigest = manifestHash.digest();

  // Blobs, then the layer, then the index entry: listed only when complete.
  store.commitBlob(layerBlob, diffId);
  writeFileAtomic(work + "/config", configBytes, 0644, false);
  store.commitBlob(work + "/config", configDigest);
  writeFileAtomic(work + "/manifest", manifestBytes, 0644, false);
  store.commitBlob(work + "/manifest", manifestDigest);
  if (!layerTemp.empty()) {
    store.commitLayer(layerTemp, diffId);
    layerTemp.clear();
  }
  StoredImage image;
  image.manifestDigest = manifestDigest;
  image.manifestSize = static_cast<std::int64_t>(manifestBytes.size());
  image.manifestMediaType = oci::kOciImageManifest;
  image.configDigest = configDigest;
  if (!options.name.empty()) image.names.push_back(options.name);
  store.addImage(image);
  result.imageId = image.id();
  return result;
}

}  // namespace berth::image
