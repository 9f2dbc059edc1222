// SPDX-License-Identifier: Apache-2.0
// berth save: docker-archive, oci-archive, oci-dir and docker-dir, in the
// shapes containers/image (Podman 4.3) writes them.
#include "berth/image/save.hpp"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <set>

#include "berth/base/error.hpp"
#include "berth/base/fs.hpp"
#include "berth/base/ids.hpp"
#include "berth/base/scope_exit.hpp"
#include "berth/base/sha256.hpp"
#include "berth/image/reference.hpp"
#include "berth/oci/docker_archive.hpp"
#include "berth/oci/image_config.hpp"
#include "berth/oci/json_encoding.hpp"
#include "berth/oci/manifest.hpp"
#include "berth/oci/media_types.hpp"
#include "blob_io.hpp"

namespace berth::image {

namespace {

using detail::ChunkSink;
using detail::DigestCounter;

/// What containers/image writes as an OCI layout's oci-layout file.
constexpr std::string_view kOciLayoutFile = "{\"imageLayoutVersion\": \"1.0.0\"}";
constexpr std::string_view kDirVersion = "Directory Transport Version: 1.1\n";

std::string hexOf(std::string_view digest) {
  return std::string(digest.substr(digest.find(':') + 1));
}

std::string baseName(std::string path) {
  while (path.size() > 1 && path.back() == '/')
    path.pop_back();
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

/// "<dir>/.<name>.tmp-<random>": beside `path`, so a rename moves it in.
std::string siblingTemp(const std::string& path) {
  std::string trimmed = path;
  while (trimmed.size() > 1 && trimmed.back() == '/')
    trimmed.pop_back();
  return dirName(trimmed) + "/." + baseName(trimmed) + ".tmp-" + generateId().substr(0, 12);
}

[[noreturn]] void corrupt(std::string_view what, std::string_view digest, std::string_view found) {
  throwError(Errc::Internal, "{} {} in the store is corrupt: its content has digest {}", what,
             digest, found);
}

std::uint64_t fileSize(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) throwErrno("stat '{}'", path);
  return static_cast<std::uint64_t>(st.st_size);
}

/// The name Podman's LookupImage reports for `text` found as `image`: the
/// candidate that matched, or the image's name for a short-name match; ""
/// when it was found by id or digest (Podman: "referenced by ID").
std::string resolvedName(const StoredImage& image, std::string_view text) {
  std::string_view id = text;
  if (id.rfind("sha256:", 0) == 0) id.remove_prefix(7);
  if (id.size() == 64 && image.id() == id) return "";
  const auto hasName = [&](std::string_view name) {
    return std::find(image.names.begin(), image.names.end(), name) != image.names.end();
  };
  for (const auto& candidate : shortNameCandidates(text)) {
    const Reference ref = parseReference(candidate);
    if (ref.isDigested()) {
      if (ref.digest == image.manifestDigest) return "";
    } else if (hasName(candidate)) {
      return candidate;
    }
  }
  if (isIdPrefix(text) && image.id().rfind(text, 0) == 0) return "";
  for (const auto& name : image.names) {
    try {
      if (matchesShortName(parseReference(name), text)) return name;
    } catch (const Error&) {
    }
  }
  return "";
}

struct Layer {
  oci::Descriptor descriptor;  ///< as the stored manifest has it
  std::string blobPath;
  std::string diffId;
  std::string chainId;
};

/// One image to save, read and verified.
struct Image {
  StoredImage stored;
  std::string name;  ///< resolvedName(); "" when looked up by id
  std::string manifestBytes;
  oci::Manifest manifest;
  std::string configBytes;
  Json config;
  std::vector<Layer> layers;
};

std::string sha256Of(std::string_view data) {
  Sha256 hash;
  hash.update(data);
  return hash.digest();
}

/// Reads and verifies the manifest and config of a resolved image.
void readImage(const ImageStore& store, Image& image) {
  const std::string& manifestDigest = image.stored.manifestDigest;
  image.manifestBytes = readFile(store.blobPath(manifestDigest));
  if (const auto found = sha256Of(image.manifestBytes); found != manifestDigest)
    corrupt("manifest", manifestDigest, found);
  image.manifest =
      oci::Manifest::fromJson(parseJson(image.manifestBytes, manifestDigest), manifestDigest);
  const std::string configDigest = image.manifest.config.digest.str();
  image.configBytes = readFile(store.blobPath(configDigest));
  if (const auto found = sha256Of(image.configBytes); found != configDigest)
    corrupt("config", configDigest, found);
  image.config = parseJson(image.configBytes, configDigest);
  const auto config = oci::ImageConfig::fromJson(image.config, configDigest);
  if (config.rootfs.diffIds.size() != image.manifest.layers.size())
    throwError(Errc::Internal, "image {}: the config lists {} layers, the manifest {}",
               image.stored.id(), config.rootfs.diffIds.size(), image.manifest.layers.size());
  std::vector<std::string> diffIds;
  for (const auto& id : config.rootfs.diffIds)
    diffIds.push_back(id.str());
  const auto chain = ImageStore::chainIds(diffIds, sha256Of);
  for (std::size_t i = 0; i < diffIds.size(); ++i) {
    Layer layer;
    layer.descriptor = image.manifest.layers[i];
    layer.blobPath = store.blobPath(layer.descriptor.digest.str());
    layer.diffId = diffIds[i];
    layer.chainId = chain[i];
    if (!pathExists(layer.blobPath))
      throwError(Errc::Internal, "image {}: layer blob {} is missing from the store",
                 image.stored.id(), layer.descriptor.digest.str());
    image.layers.push_back(std::move(layer));
  }
}

/// Streams a stored blob into `sink`, then checks its digest.
void copyVerified(const std::string& path, std::string_view digest, std::string_view what,
                  const ChunkSink& sink) {
  DigestCounter counter;
  detail::readFileChunks(path, [&](const char* data, std::size_t n) {
    counter.update(data, n);
    sink(data, n);
  });
  if (const auto found = counter.hash.digest(); found != digest) corrupt(what, digest, found);
}

/// A layer's uncompressed tar: its size (for the tar header) and a producer
/// that streams it and checks the diff id.
struct Uncompressed {
  std::uint64_t size = 0;
  std::function<void(const ChunkSink&)> produce;
};

Uncompressed uncompressedLayer(const ImageStore& store, const Layer& layer) {
  const bool plain = detail::sniffCompression(layer.blobPath) == oci::Compression::None;
  const std::string what = "layer " + layer.descriptor.digest.str();
  const auto stream = [plain, path = layer.blobPath, what](const ChunkSink& sink) {
    if (plain) {
      detail::readFileChunks(path, sink);
    } else {
      detail::readDecompressed(path, what, sink);
    }
  };
  Uncompressed result;
  if (plain) {
    result.size = fileSize(layer.blobPath);
  } else if (const auto known = store.layerSize(layer.chainId); known > 0) {
    result.size = static_cast<std::uint64_t>(known);
  } else {
    stream([&](const char*, std::size_t n) { result.size += n; });  // layer.json lacks it
  }
  result.produce = [stream, diffId = layer.diffId, what](const ChunkSink& sink) {
    DigestCounter counter;
    stream([&](const char* data, std::size_t n) {
      counter.update(data, n);
      sink(data, n);
    });
    if (const auto found = counter.hash.digest(); found != diffId)
      throwError(Errc::Internal,
                 "{} in the store is corrupt: uncompressed it has digest {}, not "
                 "its diff id {}",
                 what, found, diffId);
  };
  return result;
}

// ---------------------------------------------------------------- output

/// An archive file: written under a temporary name beside the target and
/// renamed over it on commit(); removed if never committed. Standard output
/// (path "") and device or FIFO targets are written directly.
class OutputFile {
 public:
  OutputFile(const std::string& path, bool refuseNonEmpty) : path_(path) {
    if (path.empty()) {
      fd_ = STDOUT_FILENO;
      return;
    }
    std::string target = path;
    struct stat st;
    if (::lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode)) {
      // Write where the link points, as opening it would.
      if (char* real = ::realpath(path.c_str(), nullptr)) {
        target = real;
        ::free(real);
      }
    }
    if (::stat(target.c_str(), &st) == 0) {
      if (S_ISDIR(st.st_mode))
        throwError(Errc::InvalidArgument, "opening file \"{}\": is a directory", path);
      if (!S_ISREG(st.st_mode)) {  // /dev/null, a FIFO: no rename possible
        owned_ = openFile(target, O_WRONLY);
        fd_ = owned_.get();
        return;
      }
      // containers/image cannot add to an existing docker-archive.
      if (refuseNonEmpty && st.st_size > 0)
        throwError(Errc::InvalidArgument,
                   "docker-archive doesn't support modifying existing images");
    } else if (errno != ENOENT) {
      throwErrno("opening file \"{}\"", path);
    }
    target_ = target;
    temp_ = siblingTemp(target);
    owned_ = UniqueFd(::open(temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666));
    if (!owned_) {
      const int err = errno;
      temp_.clear();
      throwErrnoValue(err, fmt::format("opening file \"{}\"", path));
    }
    fd_ = owned_.get();
  }
  ~OutputFile() {
    if (!temp_.empty()) ::unlink(temp_.c_str());
  }
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  int fd() const noexcept { return fd_; }
  const std::string& what() const noexcept { return path_.empty() ? kStdout : path_; }

  void commit() {
    if (temp_.empty()) return;
    if (::fsync(fd_) != 0) throwErrno("fsync '{}'", temp_);
    if (::close(owned_.release()) != 0) throwErrno("close '{}'", temp_);
    if (::rename(temp_.c_str(), target_.c_str()) != 0)
      throwErrno("rename '{}' to '{}'", temp_, target_);
    temp_.clear();
    syncPath(dirName(target_));
  }

 private:
  static inline const std::string kStdout = "standard output";
  std::string path_;
  std::string target_;
  std::string temp_;
  UniqueFd owned_;
  int fd_ = -1;
};

/// A directory built under a temporary name beside the target.
class TempDir {
 public:
  explicit TempDir(const std::string& target) : path_(siblingTemp(target)) {
    if (::mkdir(path_.c_str(), 0755) != 0) {
      const int err = errno;
      path_.clear();
      throwErrnoValue(err, fmt::format("create directory \"{}\"", target));
    }
  }
  ~TempDir() {
    if (!path_.empty()) try {
        removeAll(path_);
      } catch (...) {
      }
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const noexcept { return path_; }
  void release() noexcept { path_.clear(); }

 private:
  std::string path_;
};

/// Writes a file from a producer (created exclusively, fsynced).
detail::WrittenBlob writeFileFrom(const std::string& path,
                                  const std::function<void(const ChunkSink&)>& produce) {
  UniqueFd fd = openFile(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
  DigestCounter counter;
  produce([&](const char* data, std::size_t n) {
    counter.update(data, n);
    writeAll(fd.get(), std::string_view(data, n), path);
  });
  if (::fsync(fd.get()) != 0) throwErrno("fsync '{}'", path);
  return {counter.hash.digest(), counter.size};
}

// ---------------------------------------------------------------- docker-archive

/// Podman's additional tags (save without -m): NormalizeName'd, must be
/// tagged; a name that does not parse is skipped, as Podman does.
std::vector<Reference> additionalTags(const std::vector<std::string>& extra) {
  std::vector<Reference> tags;
  for (const auto& tag : extra) {
    Reference ref;
    try {
      ref = parseLocalName(tag);
    } catch (const Error&) {
      continue;
    }
    if (!ref.isTagged())
      throwError(Errc::InvalidArgument,
                 "invalid additional tag \"{}\": normalized to untagged \"{}\"", tag, ref.str());
    tags.push_back(ref);
  }
  return tags;
}

/// One image of the archive with the tags it is saved under.
struct Entry {
  Image image;
  std::vector<Reference> tags;
};

void writeDockerArchive(const ImageStore& store, const std::vector<Entry>& entries,
                        OutputFile& out) {
  detail::TarWriter tar(out.fd(), out.what());
  std::set<std::string> sent;  // entry names already written
  std::vector<oci::DockerArchiveImage> items;
  oci::DockerRepositories repositories;
  for (const Entry& entry : entries) {
    const Image& image = entry.image;
    oci::DockerArchiveImage item;
    for (const Layer& layer : image.layers) {
      const std::string name = hexOf(layer.diffId) + ".tar";
      item.layers.push_back(name);
      if (!sent.insert(name).second) continue;
      const Uncompressed data = uncompressedLayer(store, layer);
      tar.addStream(name, data.size, 0444, data.produce);
    }
    item.config = hexOf(image.stored.configDigest) + ".json";
    if (sent.insert(item.config).second) tar.addBytes(item.config, image.configBytes, 0444);
    std::vector<std::string> diffIds;
    for (const Layer& layer : image.layers)
      diffIds.push_back(layer.diffId);
    const auto legacy = dockerLegacyLayers(image.config, diffIds);
    for (std::size_t l = 0; l < legacy.size(); ++l) {
      if (!sent.insert(legacy[l].id + "/").second) continue;
      tar.addSymlink(legacy[l].id + "/layer.tar", "../" + item.layers[l]);
      tar.addBytes(legacy[l].id + "/VERSION", "1.0", 0444);
      tar.addBytes(legacy[l].id + "/json", legacy[l].json, 0444);
    }
    for (const Reference& tag : entry.tags) {
      const std::string repoTag = tag.name() + ":" + tag.tag;
      if (std::find(item.repoTags.begin(), item.repoTags.end(), repoTag) == item.repoTags.end())
        item.repoTags.push_back(repoTag);
      if (!legacy.empty()) repositories[tag.name()][tag.tag] = legacy.back().id;
    }
    items.push_back(std::move(item));
  }
  tar.addBytes("manifest.json", oci::encodeJson(oci::dockerArchiveManifestToJson(items)), 0444);
  tar.addBytes("repositories", oci::encodeJson(oci::dockerRepositoriesToJson(repositories)), 0444);
  tar.finish();
}

// ---------------------------------------------------------------- OCI layouts

/// The image as an OCI layout holds it: the manifest (a Docker one
/// converted), its index entry and the blobs to copy.
struct OciImage {
  std::string manifestBytes;
  std::string manifestDigest;
  Json indexEntry;
  std::vector<std::pair<std::string, std::string>> blobs;  ///< digest, stored path
};

std::string ociLayerType(const oci::Descriptor& layer) {
  const bool foreign = oci::isForeignLayerMediaType(layer.mediaType);
  switch (oci::layerCompression(layer.mediaType)) {
    case oci::Compression::Gzip:
      return std::string(foreign ? oci::kOciLayerNondistributableGzip : oci::kOciLayerGzip);
    case oci::Compression::Zstd:
      return std::string(foreign ? oci::kOciLayerNondistributableZstd : oci::kOciLayerZstd);
    case oci::Compression::None:
      break;
  }
  return std::string(foreign ? oci::kOciLayerNondistributable : oci::kOciLayer);
}

OciImage planOci(const ImageStore& store, const Image& image) {
  OciImage oci;
  if (image.manifest.isDocker()) {
    oci::Manifest converted = image.manifest;
    converted.mediaType = oci::kOciImageManifest;
    converted.config.mediaType = oci::kOciImageConfig;
    for (auto& layer : converted.layers)
      layer.mediaType = ociLayerType(layer);
    converted.extra = Json::object();
    oci.manifestBytes = oci::encodeJson(converted.toJson());
  } else {
    oci.manifestBytes = image.manifestBytes;
  }
  oci.manifestDigest = sha256Of(oci.manifestBytes);
  oci.indexEntry = Json{{"mediaType", oci::kOciImageManifest},
                        {"digest", oci.manifestDigest},
                        {"size", oci.manifestBytes.size()}};
  // A digested name cannot be a ref.name (containers/image refuses '@').
  if (!image.name.empty() && !parseReference(image.name).isDigested())
    oci.indexEntry["annotations"] = Json{{std::string(kRefNameAnnotation), image.name}};
  oci.blobs.emplace_back(image.stored.configDigest, store.blobPath(image.stored.configDigest));
  for (const Layer& layer : image.layers)
    oci.blobs.emplace_back(layer.descriptor.digest.str(), layer.blobPath);
  std::sort(oci.blobs.begin(), oci.blobs.end());
  oci.blobs.erase(std::unique(oci.blobs.begin(), oci.blobs.end()), oci.blobs.end());
  return oci;
}

void writeOciArchive(const OciImage& image, OutputFile& out) {
  detail::TarWriter tar(out.fd(), out.what());
  tar.addDirectory("blobs/");
  tar.addDirectory("blobs/sha256/");
  std::vector<std::pair<std::string, std::string>> blobs = image.blobs;
  bool manifestSent = false;
  const auto sendManifest = [&] {
    tar.addBytes("blobs/sha256/" + hexOf(image.manifestDigest), image.manifestBytes, 0644);
    manifestSent = true;
  };
  for (const auto& [digest, path] : blobs) {
    if (!manifestSent && digest > image.manifestDigest) sendManifest();
    if (digest == image.manifestDigest) continue;
    tar.addStream("blobs/sha256/" + hexOf(digest), fileSize(path), 0644,
                  [&](const ChunkSink& sink) { copyVerified(path, digest, "blob", sink); });
  }
  if (!manifestSent) sendManifest();
  const Json index{{"schemaVersion", 2}, {"manifests", Json::array({image.indexEntry})}};
  tar.addBytes("index.json", oci::encodeJson(index), 0644);
  tar.addBytes("oci-layout", kOciLayoutFile, 0644);
  tar.finish();
}

/// Writes a blob into <dir>/blobs/sha256 unless there: temp name, rename.
void putLayoutBlob(const std::string& dir, const std::string& digest,
                   const std::function<void(const ChunkSink&)>& produce) {
  const std::string target = dir + "/blobs/sha256/" + hexOf(digest);
  if (pathExists(target)) return;
  const std::string temp = siblingTemp(target);
  ScopeExit removeTemp([&] { ::unlink(temp.c_str()); });
  writeFileFrom(temp, produce);
  if (::rename(temp.c_str(), target.c_str()) != 0) throwErrno("rename '{}' to '{}'", temp, target);
  removeTemp.dismiss();
}

/// The image into an OCI layout directory (new, or added to an existing one).
void fillOciDir(const std::string& dir, const OciImage& image) {
  makeDirs(dir + "/blobs/sha256", 0755);
  for (const auto& [digest, path] : image.blobs)
    putLayoutBlob(dir, digest,
                  [&](const ChunkSink& sink) { copyVerified(path, digest, "blob", sink); });
  putLayoutBlob(dir, image.manifestDigest, [&](const ChunkSink& sink) {
    sink(image.manifestBytes.data(), image.manifestBytes.size());
  });
  if (!pathExists(dir + "/oci-layout")) writeFileAtomic(dir + "/oci-layout", kOciLayoutFile, 0644);
  // index.json last: the image is listed only once its blobs are there.
  Json index{{"schemaVersion", 2}, {"manifests", Json::array()}};
  if (auto existing = readFileIfExists(dir + "/index.json")) {
    index = parseJson(*existing, dir + "/index.json");
    if (!index.is_object() || !index["manifests"].is_array())
      throwError(Errc::InvalidArgument, "{}/index.json: not an OCI image index", dir);
  }
  const auto nameOf = [](const Json& entry) {
    const Json annotations = entry.value("annotations", Json::object());
    return annotations.is_object() ? annotations.value(std::string(kRefNameAnnotation), "") : "";
  };
  const std::string name = nameOf(image.indexEntry);
  Json kept = Json::array();
  bool listed = false;
  for (const auto& entry : index["manifests"]) {
    if (!name.empty() && nameOf(entry) == name) continue;  // the name moves to this image
    if (name.empty() && nameOf(entry).empty() && entry.value("digest", "") == image.manifestDigest)
      listed = true;
    kept.push_back(entry);
  }
  if (!listed) kept.push_back(image.indexEntry);
  index["manifests"] = kept;
  writeFileAtomic(dir + "/index.json", oci::encodeJson(index), 0644);
}

void writeOciDir(const OciImage& image, const std::string& output) {
  struct stat st;
  if (::stat(output.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode))
      throwError(Errc::InvalidArgument, "oci-dir \"{}\": not a directory", output);
    fillOciDir(output, image);
    return;
  }
  if (errno != ENOENT) throwErrno("stat '{}'", output);
  TempDir temp(output);
  fillOciDir(temp.path(), image);
  syncPath(temp.path());
  if (::rename(temp.path().c_str(), output.c_str()) != 0)
    throwErrno("rename '{}' to '{}'", temp.path(), output);
  temp.release();
  syncPath(dirName(output));
}

// ---------------------------------------------------------------- docker-dir

void fillDockerDir(const ImageStore& store, const Image& image, const std::string& dir,
                   bool compress) {
  oci::Manifest manifest;
  manifest.mediaType = oci::kDockerManifest;
  manifest.config.mediaType = oci::kDockerConfig;
  manifest.config.digest = oci::Digest::parse(image.stored.configDigest);
  manifest.config.size = static_cast<std::int64_t>(image.configBytes.size());
  writeFileFrom(dir + "/" + hexOf(image.stored.configDigest), [&](const ChunkSink& sink) {
    sink(image.configBytes.data(), image.configBytes.size());
  });
  for (const Layer& layer : image.layers) {
    oci::Descriptor out;
    const auto compression = detail::sniffCompression(layer.blobPath);
    const std::string digest = layer.descriptor.digest.str();
    if (compression == oci::Compression::Gzip) {
      out.mediaType = oci::kDockerLayer;
      out.digest = layer.descriptor.digest;
      out.size = static_cast<std::int64_t>(
          writeFileFrom(dir + "/" + hexOf(digest), [&](const ChunkSink& sink) {
            copyVerified(layer.blobPath, digest, "layer", sink);
          }).size);
    } else if (compress) {
      // gzip what is stored plain (or zstd: Docker's schema 2 has no zstd type).
      const Uncompressed data = uncompressedLayer(store, layer);
      const std::string temp = dir + "/.gzip-" + generateId().substr(0, 12);
      UniqueFd fd = openFile(temp, O_WRONLY | O_CREAT | O_EXCL, 0644);
      const auto written = detail::writeGzip(fd.get(), temp, data.produce);
      if (::fsync(fd.get()) != 0) throwErrno("fsync '{}'", temp);
      const std::string target = dir + "/" + hexOf(written.digest);
      if (::rename(temp.c_str(), target.c_str()) != 0)
        throwErrno("rename '{}' to '{}'", temp, target);
      out.mediaType = oci::kDockerLayer;
      out.digest = oci::Digest::parse(written.digest);
      out.size = static_cast<std::int64_t>(written.size);
    } else {
      const Uncompressed data = uncompressedLayer(store, layer);
      out.mediaType = oci::kDockerLayerUncompressed;
      out.digest = oci::Digest::parse(layer.diffId);
      out.size = static_cast<std::int64_t>(
          writeFileFrom(dir + "/" + hexOf(layer.diffId), data.produce).size);
    }
    manifest.layers.push_back(std::move(out));
  }
  writeFileAtomic(dir + "/manifest.json", oci::encodeJson(manifest.toJson()), 0644);
  writeFileAtomic(dir + "/version", kDirVersion, 0644);
}

void writeDockerDir(const ImageStore& store, const Image& image, const std::string& output,
                    bool compress) {
  struct stat st;
  bool exists = false;
  if (::stat(output.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode))
      throwError(Errc::InvalidArgument, "docker-dir \"{}\": not a directory", output);
    // As containers/image: replace only an empty or a `dir:` directory.
    if (!pathExists(output + "/version") && ::rmdir(output.c_str()) != 0)
      throwError(Errc::InvalidArgument,
                 "docker-dir \"{}\": not a containers image directory, don't want to overwrite "
                 "important data",
                 output);
    exists = pathExists(output);
  } else if (errno != ENOENT) {
    throwErrno("stat '{}'", output);
  }
  TempDir temp(output);
  fillDockerDir(store, image, temp.path(), compress);
  syncPath(temp.path());
  if (exists) {
    // Swap in one step, then drop the old content (now under the temp name).
    if (::renameat2(AT_FDCWD, temp.path().c_str(), AT_FDCWD, output.c_str(), RENAME_EXCHANGE) != 0)
      throwErrno("exchange '{}' with '{}'", temp.path(), output);
  } else {
    if (::rename(temp.path().c_str(), output.c_str()) != 0)
      throwErrno("rename '{}' to '{}'", temp.path(), output);
    temp.release();
  }
  syncPath(dirName(output));
}

}  // namespace

std::vector<LegacyLayer> dockerLegacyLayers(const Json& config,
                                            const std::vector<std::string>& diffIds) {
  // Go marshals these maps with their keys sorted.
  const auto encodeSorted = [](const std::map<std::string, Json>& fields) {
    Json object = Json::object();
    for (const auto& [key, value] : fields)
      object[key] = value;
    return oci::encodeJson(object);
  };
  std::vector<LegacyLayer> layers;
  std::string chainId;
  for (std::size_t i = 0; i < diffIds.size(); ++i) {
    std::map<std::string, Json> fields;
    if (!layers.empty()) fields["parent"] = layers.back().id;
    if (i + 1 == diffIds.size())
      for (const char* key : {"architecture", "config", "container", "container_config", "created",
                              "docker_version", "os"}) {
        const auto it = config.is_object() ? config.find(key) : config.end();
        fields[key] = it != config.end() ? *it : Json(nullptr);
      }
    chainId = chainId.empty() ? diffIds[i] : sha256Digest(chainId + " " + diffIds[i]);
    fields["layer_id"] = chainId;
    LegacyLayer layer;
    layer.id = sha256Hex(encodeSorted(fields));
    fields.erase("layer_id");
    fields["id"] = layer.id;
    layer.json = encodeSorted(fields);
    layers.push_back(std::move(layer));
  }
  return layers;
}

void saveImages(const ImageStore& store, const SaveOptions& options) {
  if (options.images.empty())
    throwError(Errc::InvalidArgument, "no image specified for saving images");
  if (options.images.size() > 1 && options.format != SaveFormat::DockerArchive)
    throwError(Errc::InvalidArgument, "only docker-archive holds more than one image");
  const std::vector<Reference> extraTags = additionalTags(options.additionalTags);
  // Prune and rmi's garbage collection wait while we read blobs.
  FileLock reading = store.writerLock();
  // As Podman's saveDockerArchive: a repeated name counts once; several
  // names of one image give one entry with all their tags.
  std::vector<Entry> entries;
  std::set<std::string> visited;
  for (const auto& text : options.images) {
    const StoredImage stored = store.resolve(text);
    const std::string name = resolvedName(stored, text);
    if (!visited.insert(name.empty() ? text : name).second) continue;
    auto entry = std::find_if(entries.begin(), entries.end(),
                              [&](const Entry& e) { return e.image.stored.id() == stored.id(); });
    if (entry == entries.end()) {
      Image image;
      image.stored = stored;
      image.name = name;
      readImage(store, image);
      entries.push_back(Entry{std::move(image), extraTags});
      entry = std::prev(entries.end());
    }
    if (entry->image.name.empty()) entry->image.name = name;
    if (name.empty()) continue;
    const Reference ref = parseReference(name);
    if (ref.isTagged() && !ref.isDigested() &&
        std::find(entry->tags.begin(), entry->tags.end(), ref) == entry->tags.end())
      entry->tags.push_back(ref);
  }
  switch (options.format) {
    case SaveFormat::DockerArchive: {
      OutputFile out(options.output, true);
      writeDockerArchive(store, entries, out);
      out.commit();
      return;
    }
    case SaveFormat::OciArchive: {
      const OciImage image = planOci(store, entries.front().image);
      OutputFile out(options.output, false);
      writeOciArchive(image, out);
      out.commit();
      return;
    }
    case SaveFormat::OciDir:
      writeOciDir(planOci(store, entries.front().image), options.output);
      return;
    case SaveFormat::DockerDir:
      writeDockerDir(store, entries.front().image, options.output, options.compress);
      return;
  }
}

}  // namespace berth::image
