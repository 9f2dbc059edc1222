// SPDX-License-Identifier: Apache-2.0
#include "berth/image/store.hpp"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "berth/base/error.hpp"
#include "berth/base/fs.hpp"
#include "berth/base/ids.hpp"
#include "berth/base/scope_exit.hpp"
#include "berth/base/sha256.hpp"
#include "berth/image/reference.hpp"
#include "berth/oci/digest.hpp"

namespace berth::image {

namespace {

/// berth's own annotation on index entries: the config digest, so listing
/// images does not need to read every manifest.
constexpr const char* kConfigAnnotation = "io.berth.image.config";

/// The hex of a sha256 digest (the only algorithm the store keeps).
std::string digestHex(std::string_view digest) {
  const oci::Digest parsed = oci::Digest::parse(digest);
  if (parsed.algorithm() != "sha256")
    throwError(Errc::Unsupported, "digest \"{}\": only sha256 blobs are stored", digest);
  return std::string(parsed.hex());
}

std::vector<std::string> listDir(const std::string& dir) {
  std::vector<std::string> names;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return names;
  ScopeExit closeDir([d] { ::closedir(d); });
  while (dirent* entry = ::readdir(d)) {
    const std::string_view name = entry->d_name;
    if (name != "." && name != "..") names.emplace_back(name);
  }
  return names;
}

}  // namespace

ImageStore::ImageStore(state::StorePaths paths) : paths_(std::move(paths)) {}

std::string ImageStore::blobPath(std::string_view digest) const {
  return layoutDir() + "/blobs/sha256/" + digestHex(digest);
}

std::string ImageStore::layerPath(std::string_view chainId) const {
  return paths_.layersDir() + "/" + digestHex(chainId) + "/diff";
}

void ImageStore::initialize() const {
  makeDirs(layoutDir() + "/blobs/sha256", 0700);
  makeDirs(tempDir(), 0700);
  makeDirs(paths_.layersDir(), 0700);
  if (!pathExists(layoutDir() + "/oci-layout"))
    writeFileAtomic(layoutDir() + "/oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}", 0644);
  if (!pathExists(layoutDir() + "/index.json")) {
    FileLock lock = indexLock();
    if (!pathExists(layoutDir() + "/index.json"))
      writeIndex(Json{{"schemaVersion", 2}, {"manifests", Json::array()}});
  }
}

FileLock ImageStore::writerLock() const {
  makeDirs(layoutDir(), 0700);
  return FileLock(layoutDir() + "/tmp.lock", FileLock::Mode::Shared);
}

FileLock ImageStore::indexLock() const {
  return FileLock(layoutDir() + "/index.lock");
}

int ImageStore::removeTemporaryLeftovers() const {
  if (!pathExists(layoutDir())) return 0;
  FileLock exclusive = FileLock::tryLock(layoutDir() + "/tmp.lock");
  if (!exclusive.held()) return 0;  // someone is writing: their temps are live
  int removed = 0;
  for (const auto& name : listDir(tempDir())) {
    removeAll(tempDir() + "/" + name);
    ++removed;
  }
  for (const auto& name : listDir(paths_.layersDir())) {
    if (name.rfind(".tmp-", 0) == 0 || name.rfind(".removing-", 0) == 0) {
      removeAll(paths_.layersDir() + "/" + name);
      ++removed;
    }
  }
  // writeFileAtomic's own temp files next to index.json.
  for (const auto& name : listDir(layoutDir())) {
    if (name.find(".tmp-") != std::string::npos) {
      ::unlink((layoutDir() + "/" + name).c_str());
      ++removed;
    }
  }
  return removed;
}

bool ImageStore::hasBlob(std::string_view digest) const {
  return pathExists(blobPath(digest));
}

bool ImageStore::hasLayer(std::string_view chainId) const {
  return pathExists(layerPath(chainId));
}

void ImageStore::commitBlob(const std::string& tempPath, std::string_view digest) const {
  const std::string target = blobPath(digest);
  if (pathExists(target)) {
    ::unlink(tempPath.c_str());
    return;
  }
  syncPath(tempPath);
  if (::rename(tempPath.c_str(), target.c_str()) != 0)
    throwErrno("rename '{}' to '{}'", tempPath, target);
}

void ImageStore::commitLayer(const std::string& tempDir, std::string_view chainId) const {
  const std::string target = paths_.layersDir() + "/" + digestHex(chainId);
  if (::rename(tempDir.c_str(), target.c_str()) == 0) return;
  // ENOTEMPTY/EEXIST: another writer stored the same layer first.
  if (errno == ENOTEMPTY || errno == EEXIST) {
    removeAll(tempDir);
    return;
  }
  throwErrno("rename '{}' to '{}'", tempDir, target);
}

Json ImageStore::readIndex() const {
  auto index = readJsonFileIfExists(layoutDir() + "/index.json");
  if (!index) return Json{{"schemaVersion", 2}, {"manifests", Json::array()}};
  if (!index->is_object() || !(*index)["manifests"].is_array())
    throwError(Errc::InvalidArgument, "{}/index.json: not an OCI image index", layoutDir());
  return *index;
}

void ImageStore::writeIndex(const Json& index) const {
  writeJsonFileAtomic(layoutDir() + "/index.json", index, true, 0644);
}

std::vector<StoredImage> ImageStore::images() const {
  const Json index = readIndex();
  std::vector<StoredImage> images;
  for (const auto& entry : index["manifests"]) {
    const std::string digest = entry.value("digest", "");
    auto it = std::find_if(images.begin(), images.end(),
                           [&](const StoredImage& i) { return i.manifestDigest == digest; });
    if (it == images.end()) {
      StoredImage image;
      image.manifestDigest = digest;
      image.manifestSize = entry.value("size", std::int64_t{0});
      image.manifestMediaType = entry.value("mediaType", "");
      const Json annotations = entry.value("annotations", Json::object());
      image.configDigest = annotations.value(kConfigAnnotation, "");
      if (image.configDigest.empty()) {
        // Written by another tool: read the manifest for its config.
        const Json manifest = readJsonFile(blobPath(digest));
        image.configDigest = manifest.at("config").value("digest", "");
      }
      images.push_back(std::move(image));
      it = std::prev(images.end());
    }
    const Json annotations = entry.value("annotations", Json::object());
    if (auto name = annotations.find(std::string(kRefNameAnnotation)); name != annotations.end())
      it->names.push_back(name->get<std::string>());
  }
  return images;
}

void ImageStore::addImage(const StoredImage& image) const {
  FileLock lock = indexLock();
  Json index = readIndex();
  Json& manifests = index["manifests"];
  Json kept = Json::array();
  bool digestStillListed = false;
  std::vector<std::string> orphans;  // manifests that lost their last name
  for (auto& entry : manifests) {
    const Json annotations = entry.value("annotations", Json::object());
    const std::string name = annotations.value(std::string(kRefNameAnnotation), "");
    const std::string digest = entry.value("digest", "");
    const bool takenName = !name.empty() && std::find(image.names.begin(), image.names.end(),
                                                      name) != image.names.end();
    if (takenName) {
      if (digest != image.manifestDigest) orphans.push_back(digest);
      continue;
    }
    if (digest == image.manifestDigest && name.empty() && !image.names.empty()) continue;
    if (digest == image.manifestDigest) digestStillListed = true;
    kept.push_back(entry);
  }
  const auto makeEntry = [&](const std::string* name) {
    Json annotations = Json::object();
    if (name != nullptr) annotations[std::string(kRefNameAnnotation)] = *name;
    annotations[kConfigAnnotation] = image.configDigest;
    return Json{{"mediaType", image.manifestMediaType},
                {"digest", image.manifestDigest},
                {"size", image.manifestSize},
                {"annotations", annotations}};
  };
  for (const auto& name : image.names)
    kept.push_back(makeEntry(&name));
  if (image.names.empty() && !digestStillListed) kept.push_back(makeEntry(nullptr));
  // An image whose last name moved away stays, untagged (Podman's <none>).
  for (const auto& orphan : orphans) {
    const bool listed = std::any_of(kept.begin(), kept.end(),
                                    [&](const Json& e) { return e.value("digest", "") == orphan; });
    if (listed) continue;
    for (const auto& entry : manifests) {
      if (entry.value("digest", "") != orphan) continue;
      Json untagged = entry;
      untagged["annotations"].erase(std::string(kRefNameAnnotation));
      kept.push_back(untagged);
      break;
    }
  }
  manifests = kept;
  writeIndex(index);
}

std::vector<std::string> ImageStore::chainIds(
    const std::vector<std::string>& diffIds,
    const std::function<std::string(std::string_view)>& sha256) {
  std::vector<std::string> chain;
  for (const auto& diffId : diffIds) {
    if (chain.empty()) {
      chain.push_back(diffId);
    } else {
      chain.push_back(sha256(chain.back() + " " + diffId));
    }
  }
  return chain;
}

void ImageStore::writeLayerInfo(const std::string& layerDir, std::string_view diffId,
                                std::int64_t size) {
  writeJsonFileAtomic(layerDir + "/layer.json", Json{{"diff_id", diffId}, {"size", size}}, false,
                      0644);
}

std::int64_t ImageStore::layerSize(std::string_view chainId) const {
  const auto info =
      readJsonFileIfExists(paths_.layersDir() + "/" + digestHex(chainId) + "/layer.json");
  if (!info || !info->is_object()) return 0;
  return info->value("size", std::int64_t{0});
}

bool ImageStore::removeName(std::string_view name) const {
  if (!pathExists(layoutDir() + "/index.json")) return false;
  FileLock lock = indexLock();
  Json index = readIndex();
  Json& manifests = index["manifests"];
  bool found = false;
  std::string digest;
  Json untagged;
  Json kept = Json::array();
  for (auto& entry : manifests) {
    const Json annotations = entry.value("annotations", Json::object());
    if (annotations.value(std::string(kRefNameAnnotation), "") == name) {
      found = true;
      digest = entry.value("digest", "");
      untagged = entry;
      continue;
    }
    kept.push_back(entry);
  }
  if (!found) return false;
  const bool stillListed = std::any_of(
      kept.begin(), kept.end(), [&](const Json& e) { return e.value("digest", "") == digest; });
  if (!stillListed) {
    untagged["annotations"].erase(std::string(kRefNameAnnotation));
    kept.push_back(untagged);
  }
  manifests = kept;
  writeIndex(index);
  return true;
}

void ImageStore::removeImage(std::string_view manifestDigest) const {
  if (!pathExists(layoutDir() + "/index.json")) return;
  FileLock lock = indexLock();
  Json index = readIndex();
  Json kept = Json::array();
  for (auto& entry : index["manifests"])
    if (entry.value("digest", "") != manifestDigest) kept.push_back(entry);
  index["manifests"] = kept;
  writeIndex(index);
}

ImageStore::GcResult ImageStore::garbageCollect() const {
  GcResult result;
  if (!pathExists(layoutDir() + "/index.json")) return result;
  FileLock exclusive(layoutDir() + "/tmp.lock");
  // What the listed images use. A manifest that cannot be read keeps
  // nothing alive but itself (its blobs may be gone already).
  std::vector<std::string> blobs;
  std::vector<std::string> layers;
  for (const auto& image : images()) {
    blobs.push_back(digestHex(image.manifestDigest));
    if (!image.configDigest.empty()) blobs.push_back(digestHex(image.configDigest));
    try {
      const Json manifest = readManifest(image);
      for (const auto& layer : manifest.value("layers", Json::array()))
        blobs.push_back(digestHex(layer.value("digest", "")));
      for (const auto& chain : layerChainIds(image))
        layers.push_back(digestHex(chain));
    } catch (const Error&) {
    }
  }
  std::sort(blobs.begin(), blobs.end());
  std::sort(layers.begin(), layers.end());
  const std::string blobDir = layoutDir() + "/blobs/sha256";
  for (const auto& name : listDir(blobDir)) {
    if (std::binary_search(blobs.begin(), blobs.end(), name)) continue;
    if (::unlink((blobDir + "/" + name).c_str()) == 0) ++result.blobs;
  }
  for (const auto& name : listDir(paths_.layersDir())) {
    if (name.empty() || name[0] == '.') continue;
    if (std::binary_search(layers.begin(), layers.end(), name)) continue;
    // Unique: a killed collector may have left a .removing-<hex> of an
    // earlier copy of this layer behind (removed below as a leftover).
    const std::string doomed =
        paths_.layersDir() + "/.removing-" + name + "-" + generateId().substr(0, 8);
    if (::rename((paths_.layersDir() + "/" + name).c_str(), doomed.c_str()) != 0)
      throwErrno("rename layer '{}'", name);
    removeAll(doomed);
    ++result.layers;
  }
  exclusive.unlock();
  result.temporaries = removeTemporaryLeftovers();
  return result;
}

std::vector<std::string> ImageStore::chainIds(const std::vector<std::string>& diffIds) {
  return chainIds(diffIds, [](std::string_view data) { return sha256Digest(data); });
}

namespace {

bool isHex(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
  });
}

bool hasName(const StoredImage& image, std::string_view name) {
  return std::find(image.names.begin(), image.names.end(), name) != image.names.end();
}

}  // namespace

std::optional<StoredImage> ImageStore::lookup(std::string_view text) const {
  if (text.empty()) throwError(Errc::InvalidArgument, "invalid image name \"\": empty");
  const auto all = images();
  // A full id.
  std::string_view id = text;
  if (id.rfind("sha256:", 0) == 0) id.remove_prefix(7);
  if (id.size() == 64 && isHex(id)) {
    for (const auto& image : all)
      if (image.id() == id) return image;
    return std::nullopt;
  }
  // Names: the candidates in Podman's order.
  for (const auto& candidate : shortNameCandidates(text)) {
    const Reference ref = parseReference(candidate);
    for (const auto& image : all) {
      if (ref.isDigested()) {
        if (image.manifestDigest != ref.digest) continue;
        const bool sameRepo =
            std::any_of(image.names.begin(), image.names.end(), [&](const std::string& n) {
              try {
                return parseReference(n).name() == ref.name();
              } catch (const Error&) {
                return false;
              }
            });
        if (sameRepo || image.names.empty()) return image;
      } else if (hasName(image, candidate)) {
        return image;
      }
    }
  }
  // An id prefix.
  if (isHex(text)) {
    std::vector<const StoredImage*> matches;
    for (const auto& image : all)
      if (image.id().rfind(text, 0) == 0) matches.push_back(&image);
    if (matches.size() == 1) return *matches.front();
    if (matches.size() > 1)
      throwError(Errc::NoSuchImage, "{}: image ID prefix is ambiguous: {} images match", text,
                 matches.size());
  }
  // A short name matching the end of a repository.
  if (isShortName(text)) {
    for (const auto& image : all)
      for (const auto& name : image.names) {
        try {
          if (matchesShortName(parseReference(name), text)) {
            const Reference wanted = parseReference(text);
            if (!wanted.isDigested() || image.manifestDigest == wanted.digest) return image;
          }
        } catch (const Error&) {
        }
      }
  }
  return std::nullopt;
}

StoredImage ImageStore::resolve(std::string_view text) const {
  auto image = lookup(text);
  if (!image) throwError(Errc::NoSuchImage, "{}: image not known", text);
  return *image;
}

Json ImageStore::readManifest(const StoredImage& image) const {
  return readJsonFile(blobPath(image.manifestDigest));
}

Json ImageStore::readConfig(const StoredImage& image) const {
  return readJsonFile(blobPath(image.configDigest));
}

std::vector<std::string> ImageStore::layerChainIds(const StoredImage& image) const {
  const Json config = readConfig(image);
  std::vector<std::string> diffIds;
  if (auto rootfs = config.find("rootfs"); rootfs != config.end() && rootfs->is_object())
    for (const auto& id : rootfs->value("diff_ids", Json::array()))
      diffIds.push_back(id.get<std::string>());
  return chainIds(diffIds);
}

}  // namespace berth::image
