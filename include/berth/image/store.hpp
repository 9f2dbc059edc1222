// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "berth/base/file_lock.hpp"
#include "berth/base/json.hpp"
#include "berth/state/paths.hpp"

namespace berth::image {

/// The annotation that names a manifest in an OCI layout's index.json
/// (skopeo's `oci:DIR:NAME` looks it up).
inline constexpr std::string_view kRefNameAnnotation = "org.opencontainers.image.ref.name";

/// One image: a manifest listed in index.json, under zero or more names.
struct StoredImage {
  std::string manifestDigest;  ///< "sha256:..."
  std::int64_t manifestSize = 0;
  std::string manifestMediaType;
  std::string configDigest;        ///< its hex part is the image ID, as in Podman
  std::vector<std::string> names;  ///< full references, in index order

  /// The 64-hex image ID.
  std::string id() const { return configDigest.substr(configDigest.find(':') + 1); }
};

/// The image store: an OCI image layout at <graphRoot>/images that other
/// tools read as is, plus extracted layers at <graphRoot>/layers/<chain-id>.
///
/// Writes are crash-safe: blobs and layers are written under temporary names
/// in <graphRoot>/images/tmp and layers/.tmp-*, verified, then renamed into
/// place; index.json is replaced atomically under the index lock. A killed
/// writer leaves only temporary files, which the next writer that finds no
/// other writer active (or `image prune`) removes.
class ImageStore {
 public:
  explicit ImageStore(state::StorePaths paths);

  const state::StorePaths& paths() const noexcept { return paths_; }
  std::string layoutDir() const { return paths_.imagesDir(); }
  std::string tempDir() const { return layoutDir() + "/tmp"; }
  std::string blobPath(std::string_view digest) const;
  std::string layerPath(std::string_view chainId) const;  ///< .../layers/<hex>/diff

  /// Creates the layout (oci-layout, index.json, blobs/sha256, tmp) and the
  /// layers directory when missing. Call with writerLock() held: it writes
  /// temporary files.
  void initialize() const;

  /// Held (shared) by every writer for the whole write; taken exclusively
  /// only to remove temporary leftovers, so they are never someone's work.
  FileLock writerLock() const;  // creates the layout dir for its lock file

  /// Removes temporary leftovers of killed writers if no writer is active.
  /// Returns how many were removed.
  int removeTemporaryLeftovers() const;

  bool hasBlob(std::string_view digest) const;
  bool hasLayer(std::string_view chainId) const;

  /// Moves a verified temp file into blobs/ under `digest` (if the blob is
  /// already there, the temp file is dropped).
  void commitBlob(const std::string& tempPath, std::string_view digest) const;

  /// Moves an extracted temp layer directory (holding diff/) into place as
  /// `chainId` (dropped if another writer stored it first).
  void commitLayer(const std::string& tempDir, std::string_view chainId) const;

  /// Records, next to an extracted layer's diff/ (in its temp dir, before
  /// commitLayer), its diff id and uncompressed size: layer.json.
  static void writeLayerInfo(const std::string& layerDir, std::string_view diffId,
                             std::int64_t size);
  /// The uncompressed size of a stored layer (0 when unknown).
  std::int64_t layerSize(std::string_view chainId) const;

  /// All images in index.json, grouped by manifest digest, in index order.
  std::vector<StoredImage> images() const;

  /// Adds (or re-tags) a manifest under `names`: each name moves to this
  /// image if another one held it (that one may become untagged). With no
  /// names, the manifest is listed once without a name. Under the index lock.
  void addImage(const StoredImage& image) const;

  /// Raw index.json content.
  Json readIndex() const;

  /// Removes `name` from the image that holds it (Podman's untag); an image
  /// that loses its last name stays listed without one. False when no image
  /// has that name. Under the index lock.
  bool removeName(std::string_view name) const;

  /// Removes every index entry of the manifest. Its blobs and layers stay
  /// until garbageCollect(). Under the index lock.
  void removeImage(std::string_view manifestDigest) const;

  struct GcResult {
    int blobs = 0;   ///< blobs no listed image references
    int layers = 0;  ///< layer directories no listed image uses
    int temporaries = 0;
  };
  /// Removes unreferenced blobs and layers and temporary leftovers. Takes
  /// the writers lock exclusively: waits for running writers (a load's
  /// committed-but-not-yet-listed blobs are never taken for garbage).
  /// A layer is first renamed to layers/.removing-<hex>, so a crash never
  /// leaves a half-removed layer under its chain id.
  GcResult garbageCollect() const;
  /// Finds a local image as Podman does (libimage LookupImage): a full id
  /// ("sha256:<64 hex>" or 64 hex), then each name of
  /// shortNameCandidates(text) (a "name@digest" matches the image with that
  /// manifest digest under that repository), then a unique id prefix, then,
  /// for a short name, an image whose repository ends in "/<name>" with the
  /// same tag. Throws Error(InvalidArgument) for text that is neither a
  /// reference nor an id, Error(NoSuchImage) for an ambiguous id prefix.
  std::optional<StoredImage> lookup(std::string_view nameOrId) const;

  /// lookup(), or Error(NoSuchImage, "<text>: image not known").
  StoredImage resolve(std::string_view nameOrId) const;

  /// The image's manifest and config, parsed (the blobs as stored).
  Json readManifest(const StoredImage& image) const;
  Json readConfig(const StoredImage& image) const;

  /// The chain ids of the image's layers, bottom first (from the config's
  /// rootfs.diff_ids): the directories under layers/ it uses.
  std::vector<std::string> layerChainIds(const StoredImage& image) const;

  /// Chain ids from diff ids with the core library's sha256.
  static std::vector<std::string> chainIds(const std::vector<std::string>& diffIds);

  /// Chain ids of a list of diff ids (OCI image-spec): chain(0) = diff(0),
  /// chain(n) = sha256(chain(n-1) + " " + diff(n)). Needs a hasher, so it is
  /// a parameter (sha256 lives in the archive library).
  static std::vector<std::string> chainIds(
      const std::vector<std::string>& diffIds,
      const std::function<std::string(std::string_view)>& sha256);

 private:
  void writeIndex(const Json& index) const;
  FileLock indexLock() const;

  state::StorePaths paths_;
};

}  // namespace berth::image
