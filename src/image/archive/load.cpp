// SPDX-License-Identifier: Apache-2.0
#include "berth/image/load.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <exception>
#include <map>
#include <mutex>
#include <thread>

#include "berth/base/error.hpp"
#include "berth/base/fs.hpp"
#include "berth/base/ids.hpp"
#include "berth/base/scope_exit.hpp"
#include "berth/image/layer_extract.hpp"
#include "berth/image/reference.hpp"
#include "berth/image/sha256.hpp"
#include "berth/oci/docker_archive.hpp"
#include "berth/oci/image_config.hpp"
#include "berth/oci/manifest.hpp"
#include "berth/oci/media_types.hpp"

namespace berth::image {

namespace {

struct Entry {
  std::string tempPath;
  std::string digest;
  std::int64_t size = 0;
};

struct ArchiveFree {
  void operator()(archive* a) const noexcept { archive_read_free(a); }
};

/// Every regular file of the archive, stored under `dir` and hashed on the
/// way. Paths must be relative and stay inside the archive.
std::map<std::string, Entry> unpackEntries(const std::string& input, const std::string& dir) {
  std::unique_ptr<archive, ArchiveFree> reader(archive_read_new());
  archive* a = reader.get();
  archive_read_support_filter_all(a);
  archive_read_support_format_tar(a);
  archive_read_support_format_gnutar(a);
  const bool fromStdin = input.empty() || input == "-";
  const int opened = fromStdin ? archive_read_open_fd(a, STDIN_FILENO, 1 << 20)
                               : archive_read_open_filename(a, input.c_str(), 1 << 20);
  const std::string what = fromStdin ? "standard input" : input;
  if (opened != ARCHIVE_OK)
    throwError(Errc::InvalidArgument, "load {}: {}", what, archive_error_string(a));
  std::map<std::string, Entry> entries;
  archive_entry* header;
  std::vector<char> buffer(1 << 20);
  for (;;) {
    const int r = archive_read_next_header(a, &header);
    if (r == ARCHIVE_EOF) break;
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
      throwError(Errc::InvalidArgument, "load {}: not a readable tar archive: {}", what,
                 archive_error_string(a) ? archive_error_string(a) : "unknown error");
    if (archive_entry_filetype(header) != AE_IFREG) continue;
    std::string name = archive_entry_pathname(header) ? archive_entry_pathname(header) : "";
    while (name.rfind("./", 0) == 0)
      name.erase(0, 2);
    if (!oci::isSafeArchivePath(name))
      throwError(Errc::InvalidArgument, "load {}: archive entry \"{}\" is not a safe relative path",
                 what, name);
    Entry entry;
    entry.tempPath = dir + "/e" + std::to_string(entries.size());
    UniqueFd out = openFile(entry.tempPath, O_WRONLY | O_CREAT | O_EXCL, 0600);
    Sha256 hash;
    for (;;) {
      const la_ssize_t n = archive_read_data(a, buffer.data(), buffer.size());
      if (n < 0)
        throwError(Errc::InvalidArgument, "load {}: archive entry \"{}\": {}", what, name,
                   archive_error_string(a) ? archive_error_string(a) : "read error");
      if (n == 0) break;
      hash.update(buffer.data(), static_cast<std::size_t>(n));
      writeAll(out.get(), std::string_view(buffer.data(), static_cast<std::size_t>(n)),
               entry.tempPath);
      entry.size += n;
    }
    entry.digest = hash.digest();
    entries[name] = std::move(entry);
  }
  return entries;
}

const Entry& requireEntry(const std::map<std::string, Entry>& entries, const std::string& name,
                          std::string_view role) {
  auto it = entries.find(name);
  if (it == entries.end())
    throwError(Errc::InvalidArgument, "load: the archive has no {} \"{}\"", role, name);
  return it->second;
}

/// gzip, zstd or plain, from the first bytes.
std::string layerMediaType(const std::string& path) {
  unsigned char magic[4] = {};
  UniqueFd fd = openFile(path, O_RDONLY);
  const ssize_t n = ::read(fd.get(), magic, sizeof(magic));
  if (n >= 2 && magic[0] == 0x1f && magic[1] == 0x8b) return std::string(oci::kOciLayerGzip);
  if (n >= 4 && magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd)
    return std::string(oci::kOciLayerZstd);
  return std::string(oci::kOciLayer);
}

/// A layer to store: its blob and where its diff must end up.
struct LayerJob {
  std::string blobTemp;
  std::string blobDigest;
  std::string expectedDiffId;
  std::string chainId;
  std::string label;  ///< archive entry name, for messages
};

/// One image found in the archive, ready to be committed.
struct PendingImage {
  std::vector<std::string> names;
  std::string configDigest;
  std::string configTemp;
  std::int64_t configSize = 0;
  std::string manifestBytes;  ///< stored as is (OCI) or built (docker-archive)
  std::string manifestMediaType;
  std::vector<LayerJob> layers;
};

std::string sha256Of(std::string_view data) {
  Sha256 h;
  h.update(data);
  return h.digest();
}

oci::ImageConfig readConfig(const Entry& entry, std::string_view name) {
  return oci::ImageConfig::fromJson(readJsonFile(entry.tempPath), name);
}

void planLayers(PendingImage& image, const oci::ImageConfig& config,
                const std::vector<std::pair<std::string, const Entry*>>& layerEntries,
                std::string_view what) {
  if (config.rootfs.diffIds.size() != layerEntries.size())
    throwError(Errc::InvalidArgument, "load {}: the config lists {} layers, the manifest {}", what,
               config.rootfs.diffIds.size(), layerEntries.size());
  std::vector<std::string> diffIds;
  for (const auto& id : config.rootfs.diffIds)
    diffIds.emplace_back(id.str());
  const auto chain = ImageStore::chainIds(diffIds, sha256Of);
  for (std::size_t i = 0; i < layerEntries.size(); ++i) {
    LayerJob job;
    job.label = layerEntries[i].first;
    job.blobTemp = layerEntries[i].second->tempPath;
    job.blobDigest = layerEntries[i].second->digest;
    job.expectedDiffId = diffIds[i];
    job.chainId = chain[i];
    image.layers.push_back(std::move(job));
  }
}

std::vector<PendingImage> planDockerArchive(const std::map<std::string, Entry>& entries) {
  const auto& manifestEntry = requireEntry(entries, "manifest.json", "file");
  const auto parsed =
      oci::parseDockerArchiveManifest(readJsonFile(manifestEntry.tempPath), "manifest.json");
  std::vector<PendingImage> images;
  for (const auto& item : parsed) {
    PendingImage image;
    const Entry& configEntry = requireEntry(entries, item.config, "config");
    image.configDigest = configEntry.digest;
    image.configTemp = configEntry.tempPath;
    image.configSize = configEntry.size;
    const auto config = readConfig(configEntry, item.config);
    std::vector<std::pair<std::string, const Entry*>> layerEntries;
    for (const auto& layer : item.layers)
      layerEntries.emplace_back(layer, &requireEntry(entries, layer, "layer"));
    planLayers(image, config, layerEntries, "docker-archive");
    for (const auto& tag : item.repoTags)
      image.names.push_back(parseNormalizedReference(tag).str());
    // docker-archive has no manifest of its own: write an OCI one.
    Json manifest = {{"schemaVersion", 2},
                     {"mediaType", oci::kOciImageManifest},
                     {"config",
                      {{"mediaType", oci::kOciImageConfig},
                       {"digest", image.configDigest},
                       {"size", image.configSize}}},
                     {"layers", Json::array()}};
    for (const auto& [name, entry] : layerEntries)
      manifest["layers"].push_back({{"mediaType", layerMediaType(entry->tempPath)},
                                    {"digest", entry->digest},
                                    {"size", entry->size}});
    image.manifestBytes = manifest.dump();
    image.manifestMediaType = oci::kOciImageManifest;
    images.push_back(std::move(image));
  }
  return images;
}

const Entry& blobEntry(const std::map<std::string, Entry>& entries, const oci::Digest& digest) {
  const std::string name =
      "blobs/" + std::string(digest.algorithm()) + "/" + std::string(digest.hex());
  const Entry& entry = requireEntry(entries, name, "blob");
  if (entry.digest != digest.str())
    throwError(Errc::InvalidArgument, "load: blob \"{}\" has digest {}, not the {} it is named by",
               name, entry.digest, digest.str());
  return entry;
}

std::vector<PendingImage> planOciArchive(const std::map<std::string, Entry>& entries) {
  const auto& indexEntry = requireEntry(entries, "index.json", "file");
  const auto index =
      oci::Index::fromJson(parseJson(readFile(indexEntry.tempPath), "index.json"), "index.json");
  std::vector<PendingImage> images;
  for (const auto& descriptor : index.manifests) {
    if (!oci::isManifestMediaType(descriptor.mediaType))
      throwError(Errc::Unsupported, "load: index.json entry {} is a {}, not an image manifest",
                 descriptor.digest.str(), descriptor.mediaType);
    const Entry& manifestEntry = blobEntry(entries, descriptor.digest);
    PendingImage image;
    image.manifestBytes = readFile(manifestEntry.tempPath);
    const auto manifest = oci::Manifest::fromJson(
        parseJson(image.manifestBytes, descriptor.digest.str()), descriptor.digest.str());
    image.manifestMediaType =
        manifest.mediaType.empty() ? std::string(oci::kOciImageManifest) : manifest.mediaType;
    const Entry& configEntry = blobEntry(entries, manifest.config.digest);
    image.configDigest = configEntry.digest;
    image.configTemp = configEntry.tempPath;
    image.configSize = configEntry.size;
    const auto config = readConfig(configEntry, manifest.config.digest.str());
    std::vector<std::pair<std::string, const Entry*>> layerEntries;
    for (const auto& layer : manifest.layers)
      layerEntries.emplace_back(layer.digest.str(), &blobEntry(entries, layer.digest));
    planLayers(image, config, layerEntries, "oci-archive");
    // A ref.name that is a full reference names the image; a bare tag
    // ("latest", as skopeo writes) does not say which repository: unnamed.
    if (auto it = descriptor.annotations.find(std::string(kRefNameAnnotation));
        it != descriptor.annotations.end() && it->second.find_first_of("/:") != std::string::npos)
      image.names.push_back(parseNormalizedReference(it->second).str());
    images.push_back(std::move(image));
  }
  return images;
}

/// Extracts the layers the store lacks, in parallel, each into a temp dir,
/// checking its diff id; then commits them.
void extractLayers(const ImageStore& store, std::vector<LayerJob*> jobs, const LoadOptions& options,
                   LoadResult& result) {
  std::vector<std::string> tempDirs(jobs.size());
  ScopeExit removeTemps([&] {
    for (const auto& dir : tempDirs)
      if (!dir.empty()) try {
          removeAll(dir);
        } catch (...) {
        }
  });
  std::atomic<std::size_t> next{0};
  std::mutex mutex;
  std::exception_ptr failure;
  const auto worker = [&] {
    for (;;) {
      const std::size_t i = next++;
      if (i >= jobs.size()) return;
      {
        std::lock_guard guard(mutex);
        if (failure) return;
      }
      try {
        const LayerJob& job = *jobs[i];
        const std::string dir = store.paths().layersDir() + "/.tmp-" + generateId().substr(0, 16);
        {
          std::lock_guard guard(mutex);
          tempDirs[i] = dir;
        }
        makeDirs(dir + "/diff", 0755);
        ExtractOptions extract;
        extract.rootless = options.rootless;
        const ExtractResult extracted = extractLayer(job.blobTemp, dir + "/diff", extract);
        if (extracted.diffId != job.expectedDiffId)
          throwError(Errc::InvalidArgument,
                     "load: layer \"{}\" has diff id {}, but the image config says {}", job.label,
                     extracted.diffId, job.expectedDiffId);
        ImageStore::writeLayerInfo(dir, extracted.diffId,
                                   static_cast<std::int64_t>(extracted.uncompressedSize));
        std::lock_guard guard(mutex);
        for (const auto& warning : extracted.warnings)
          result.warnings.push_back(warning);
      } catch (...) {
        std::lock_guard guard(mutex);
        if (!failure) failure = std::current_exception();
      }
    }
  };
  const unsigned threads =
      std::max(1u, std::min<unsigned>(std::thread::hardware_concurrency(), jobs.size()));
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t)
    pool.emplace_back(worker);
  worker();
  for (auto& thread : pool)
    thread.join();
  if (failure) std::rethrow_exception(failure);
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    store.commitLayer(tempDirs[i], jobs[i]->chainId);
    tempDirs[i].clear();
  }
}

}  // namespace

LoadResult loadArchive(const ImageStore& store, const LoadOptions& options) {
  // Temporary files are only ever written under the shared writers lock and
  // removed under the exclusive one: clean up first, then write.
  store.removeTemporaryLeftovers();
  FileLock writing = store.writerLock();
  store.initialize();
  const std::string work = store.tempDir() + "/load-" + generateId().substr(0, 16);
  makeDirs(work, 0700);
  ScopeExit removeWork([&] {
    try {
      removeAll(work);
    } catch (...) {
    }
  });

  const auto entries = unpackEntries(options.input, work);
  std::vector<PendingImage> images;
  if (entries.count("manifest.json") != 0) {
    images = planDockerArchive(entries);
  } else if (entries.count("index.json") != 0) {
    images = planOciArchive(entries);
  } else {
    throwError(Errc::InvalidArgument,
               "load {}: neither a docker-archive (no manifest.json) nor an oci-archive (no "
               "index.json)",
               options.input.empty() ? "standard input" : options.input);
  }
  if (images.empty()) throwError(Errc::InvalidArgument, "load: the archive holds no image");

  // Layers first (the slow part), each chain id once.
  std::vector<LayerJob*> toExtract;
  std::vector<std::string> planned;
  for (auto& image : images)
    for (auto& layer : image.layers)
      if (!store.hasLayer(layer.chainId) &&
          std::find(planned.begin(), planned.end(), layer.chainId) == planned.end()) {
        planned.push_back(layer.chainId);
        toExtract.push_back(&layer);
      }
  LoadResult result;
  extractLayers(store, toExtract, options, result);

  // Then blobs, then the index: an image becomes visible only when complete.
  for (auto& image : images) {
    for (const auto& layer : image.layers)
      if (pathExists(layer.blobTemp)) store.commitBlob(layer.blobTemp, layer.blobDigest);
    if (pathExists(image.configTemp)) store.commitBlob(image.configTemp, image.configDigest);
    const std::string manifestDigest = sha256Of(image.manifestBytes);
    const std::string manifestTemp = work + "/manifest-" + generateId().substr(0, 8);
    writeFileAtomic(manifestTemp, image.manifestBytes, 0644, false);
    store.commitBlob(manifestTemp, manifestDigest);
    StoredImage stored;
    stored.manifestDigest = manifestDigest;
    stored.manifestSize = static_cast<std::int64_t>(image.manifestBytes.size());
    stored.manifestMediaType = image.manifestMediaType;
    stored.configDigest = image.configDigest;
    stored.names = image.names;
    store.addImage(stored);
    for (const auto& name : image.names)
      result.names.push_back(name);
    result.imageIds.push_back(stored.id());
  }
  return result;
}

}  // namespace berth::image
