// SPDX-License-Identifier: Apache-2.0
// Pull: manifest (an index resolved to one platform), config, layers in
// parallel (download, verify, extract), then the image is listed.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "berth/base/error.hpp"
#include "berth/base/fs.hpp"
#include "berth/base/ids.hpp"
#include "berth/base/scope_exit.hpp"
#include "berth/image/layer_extract.hpp"
#include "berth/image/reference.hpp"
#include "berth/image/sha256.hpp"
#include "berth/image/store.hpp"
#include "berth/oci/image_config.hpp"
#include "berth/oci/manifest.hpp"
#include "berth/oci/media_types.hpp"
#include "operations.hpp"
#include "session.hpp"

namespace berth::registry::detail {

const char* const kManifestAccept =
    "Accept: application/vnd.oci.image.manifest.v1+json, "
    "application/vnd.docker.distribution.manifest.v2+json, "
    "application/vnd.docker.distribution.manifest.v1+prettyjws, "
    "application/vnd.docker.distribution.manifest.v1+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json, "
    "application/vnd.oci.image.index.v1+json";

namespace {

constexpr std::size_t kMaxManifestSize = 4 << 20;  // containers/image's limit
constexpr std::size_t kMaxConfigSize = 32 << 20;

std::string sha256Of(std::string_view data) {
  image::Sha256 hash;
  hash.update(data);
  return hash.digest();
}

struct FetchedManifest {
  std::string bytes;
  std::string mediaType;
  std::string digest;
  Json json;
};

/// GET /v2/<repo>/manifests/<reference>, checked: size, JSON, digest.
FetchedManifest fetchManifest(Session& session, HttpClient& client, const std::string& repo,
                              const std::string& reference, const std::string& scope) {
  const std::string where = fmt::format("{} in {}/{}", reference, session.host(), repo);
  HttpRequest request;
  request.url = "/v2/" + repo + "/manifests/" + reference;
  request.headers.emplace_back(kManifestAccept);
  request.maxBody = kMaxManifestSize;
  HttpResponse response = session.send(client, request, scope);
  if (response.bodyTooLarge)
    throwError(Errc::InvalidArgument,
               "reading manifest {}: manifest exceeds the maximum allowed size of {} bytes", where,
               kMaxManifestSize);
  if (response.status != 200) {
    std::string code;
    const std::string described = describeErrorBody(response, &code);
    throw RegistryError(response.status == 404                             ? Errc::NoSuchImage
                        : response.status == 401 || response.status == 403 ? Errc::PermissionDenied
                                                                           : Errc::Internal,
                        fmt::format("reading manifest {}: {}", where, described), response.status,
                        code);
  }
  FetchedManifest fetched;
  fetched.bytes = std::move(response.body);
  fetched.digest = sha256Of(fetched.bytes);
  try {
    fetched.json = Json::parse(fetched.bytes);
  } catch (const std::exception& e) {
    throwError(Errc::InvalidArgument, "reading manifest {}: the manifest is not JSON: {}", where,
               e.what());
  }
  if (!fetched.json.is_object())
    throwError(Errc::InvalidArgument, "reading manifest {}: the manifest is not a JSON object",
               where);
  std::string type = response.header("content-type");
  type = type.substr(0, type.find(';'));
  if (fetched.json.contains("mediaType") && fetched.json["mediaType"].is_string())
    type = fetched.json["mediaType"].get<std::string>();
  else if (!oci::isManifestMediaType(type) && !oci::isIndexMediaType(type))
    type = fetched.json.contains("manifests") ? std::string(oci::kOciImageIndex)
                                              : std::string(oci::kOciImageManifest);
  fetched.mediaType = type;
  if (reference.rfind("sha256:", 0) == 0 && fetched.digest != reference)
    throwError(Errc::InvalidArgument,
               "reading manifest {}: manifest digest {} does not match the requested {}", where,
               fetched.digest, reference);
  const std::string announced = response.header("docker-content-digest");
  if (announced.rfind("sha256:", 0) == 0 && announced != fetched.digest)
    throwError(Errc::InvalidArgument,
               "reading manifest {}: the registry says its digest is {}, its content has {}", where,
               announced, fetched.digest);
  if (type == oci::kDockerManifestSchema1 || type == oci::kDockerManifestSchema1Signed)
    throwError(Errc::Unsupported,
               "reading manifest {}: Docker schema 1 manifests are not supported", where);
  return fetched;
}

/// A layer extracted while its blob downloads: extractLayerStream runs on
/// a thread of its own and reads the blob file behind the download (from
/// the page cache), waiting when it catches up, so decompression, hashing
/// and writing the files overlap the transfer instead of following it. The
/// blob's digest is still checked on the whole file; on a mismatch the
/// caller removes the extracted dir.
class StreamingExtract {
 public:
  /// `path` exists (empty); the download appends to it.
  StreamingExtract(const std::string& path, const std::string& dir,
                   const image::ExtractOptions& options, const std::string& what)
      : file_(openFile(path, O_RDONLY | O_CLOEXEC)) {
    thread_ = std::thread([this, dir, options, what] {
      try {
        result_ = image::extractLayerStream(
            [this](void* buffer, std::size_t size) { return read(buffer, size); }, what, dir,
            options);
      } catch (...) {
        error_ = std::current_exception();
      }
    });
  }
  ~StreamingExtract() {
    if (thread_.joinable()) {
      abandon();
      thread_.join();
    }
  }
  StreamingExtract(const StreamingExtract&) = delete;
  StreamingExtract& operator=(const StreamingExtract&) = delete;

  /// The first `size` bytes of the file are written.
  void written(std::uint64_t size) {
    {
      std::lock_guard lock(mutex_);
      available_ = size;
    }
    wake_.notify_one();
  }
  /// The download starts over (the server ignored a Range): this stream is
  /// given up; the caller extracts from the file instead.
  void abandon() {
    {
      std::lock_guard lock(mutex_);
      abandoned_ = true;
    }
    wake_.notify_one();
  }
  /// The whole blob is written: waits for the extractor; its result,
  /// nullopt when abandoned; rethrows its error.
  std::optional<image::ExtractResult> finish() {
    {
      std::lock_guard lock(mutex_);
      done_ = true;
    }
    wake_.notify_one();
    thread_.join();
    if (abandoned_) return std::nullopt;
    if (error_) std::rethrow_exception(error_);
    return std::move(result_);
  }

 private:
  long read(void* buffer, std::size_t size) {
    std::uint64_t end = 0;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return offset_ < available_ || done_ || abandoned_; });
      if (abandoned_) return -1;
      end = available_;
    }
    if (offset_ >= end) return 0;
    const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(size, end - offset_));
    const ssize_t n = ::pread(file_.get(), buffer, want, static_cast<off_t>(offset_));
    if (n <= 0) return -1;
    offset_ += static_cast<std::uint64_t>(n);
    return static_cast<long>(n);
  }

  UniqueFd file_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::uint64_t available_ = 0;  ///< bytes written so far
  std::uint64_t offset_ = 0;     ///< bytes read (the extractor's thread only)
  bool done_ = false;
  bool abandoned_ = false;
  std::thread thread_;
  std::optional<image::ExtractResult> result_;
  std::exception_ptr error_;
};

/// Streams a blob to `path`, hashing on the way (and into `stream` when
/// set); resumes with a Range after a broken connection; verifies size and
/// digest. Writeback of the file starts while it downloads, so that the
/// fsync before it is committed finds little left to write.
void downloadBlob(Session& session, HttpClient& client, const std::string& repo,
                  const oci::Descriptor& blob, const std::string& path, const std::string& scope,
                  const ProgressSink& progress, std::mutex& progressMutex,
                  StreamingExtract* stream) {
  const std::string digest = blob.digest.str();
  UniqueFd fd = openFile(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  auto hash = std::make_unique<image::Sha256>();
  std::uint64_t written = 0;
  std::uint64_t reported = 0;
  std::uint64_t flushed = 0;
  const auto restart = [&] {
    if (stream != nullptr) stream->abandon();  // before its bytes go
    if (::ftruncate(fd.get(), 0) != 0 || ::lseek(fd.get(), 0, SEEK_SET) != 0)
      throwErrno("truncate {}", path);
    hash = std::make_unique<image::Sha256>();
    written = 0;
    flushed = 0;
  };
  HttpRequest request;
  request.url = "/v2/" + repo + "/blobs/" + digest;
  request.onStatus = [&](long status) {
    if (status == 200 && written > 0) restart();  // the server ignored the Range
  };
  request.sink = [&](const char* data, std::size_t size) {
    writeAll(fd.get(), std::string_view(data, size), path);
    hash->update(data, size);
    written += size;
    if (stream != nullptr) stream->written(written);
    if (written - flushed >= (8 << 20)) {
      ::sync_file_range(fd.get(), static_cast<off64_t>(flushed),
                        static_cast<off64_t>(written - flushed), SYNC_FILE_RANGE_WRITE);
      flushed = written;
    }
    if (blob.size > 0 && written > static_cast<std::uint64_t>(blob.size)) return false;
    if (progress && written - reported >= (256 << 10)) {
      reported = written;
      std::lock_guard lock(progressMutex);
      progress(ProgressEvent{ProgressEvent::Kind::BlobBytes, digest, written,
                             static_cast<std::uint64_t>(blob.size), ""});
    }
    return true;
  };
  const auto onRetry = [&](HttpRequest& retry) { retry.resumeFrom = written; };
  HttpResponse response;
  try {
    response = session.send(client, request, scope, onRetry);
  } catch (const Error& e) {
    throw e.wrapped(fmt::format("reading blob {}", digest));
  }
  if (response.status == 416) {  // a resume at the very end: nothing more to send
    response.status = 206;
  }
  if (response.status / 100 != 2)
    throwError(response.status == 404 ? Errc::NoSuchImage : Errc::Internal, "reading blob {}: {}",
               digest, describeErrorBody(response));
  if (blob.size > 0 && written != static_cast<std::uint64_t>(blob.size))
    throwError(Errc::InvalidArgument,
               "reading blob {}: the registry sent {} bytes, the manifest says {}", digest, written,
               blob.size);
  const std::string actual = hash->digest();
  if (actual != digest)
    throwError(Errc::InvalidArgument, "reading blob {}: digest did not match, expected {}, got {}",
               digest, digest, actual);
  if (progress) {
    std::lock_guard lock(progressMutex);
    progress(ProgressEvent{ProgressEvent::Kind::BlobDone, digest, written, written, ""});
  }
}

struct LayerJob {
  oci::Descriptor blob;
  std::string chainId;
  std::string diffId;
  bool needBlob = false;   ///< download into blobs/
  bool needLayer = false;  ///< extract into layers/
  std::string blobTemp;    ///< downloaded file
  std::string layerTemp;   ///< extracted dir
};

}  // namespace

PullResult pullImage(const state::StorePaths& paths, const PullOptions& options,
                     const ProgressSink& progress) {
  const image::Reference ref = image::parseReference(options.reference);
  const std::string what = "docker://" + options.reference;
  const std::string repo = ref.path;
  const std::string scope = "repository:" + repo + ":pull";
  std::mutex progressMutex;
  const ProgressSink report = [&](const ProgressEvent& event) {
    if (!progress) return;
    std::lock_guard lock(progressMutex);
    progress(event);
  };
  Session session(ref.domain, options.access, report);
  HttpClient client;
  try {
    session.ping(client);
  } catch (const Error& e) {
    throw e.wrapped(
        fmt::format("initializing source {}: pinging container registry {}", what, ref.domain));
  }
  FetchedManifest manifest;
  try {
    manifest = fetchManifest(session, client, repo, ref.isDigested() ? ref.digest : ref.tag, scope);
  } catch (const Error& e) {
    throw e.wrapped(fmt::format("initializing source {}", what));
  }
  if (oci::isIndexMediaType(manifest.mediaType)) {
    const oci::Index index = oci::Index::fromJson(manifest.json, what);
    const auto chosen = selectManifest(index, options.platform);
    if (!chosen)
      throwError(Errc::NoSuchImage, "choosing an image from manifest list {}: {}", what,
                 noMatchMessage(options.platform));
    try {
      manifest = fetchManifest(session, client, repo, index.manifests[*chosen].digest.str(), scope);
    } catch (const Error& e) {
      throw e.wrapped(fmt::format("initializing source {}", what));
    }
    if (!oci::isManifestMediaType(manifest.mediaType))
      throwError(Errc::Unsupported, "{}: the index entry for the platform is a {}, not an image",
                 what, manifest.mediaType);
  }
  if (!oci::isManifestMediaType(manifest.mediaType))
    throwError(Errc::Unsupported, "{}: unsupported manifest type \"{}\"", what, manifest.mediaType);
  const oci::Manifest parsed = oci::Manifest::fromJson(manifest.json, what);
  report(ProgressEvent{ProgressEvent::Kind::GettingSignatures, "", 0, 0, ""});

  image::ImageStore store(paths);
  store.removeTemporaryLeftovers();
  FileLock writing = store.writerLock();
  store.initialize();
  const std::string work = store.tempDir() + "/pull-" + generateId().substr(0, 16);
  makeDirs(work, 0700);
  std::vector<std::string> layerTemps;
  std::mutex tempsMutex;
  ScopeExit removeWork([&] {
    try {
      removeAll(work);
      for (const auto& dir : layerTemps)
        removeAll(dir);
    } catch (...) {
    }
  });

  // The config: small, read first (its diff ids say what to extract).
  const std::string configDigest = parsed.config.digest.str();
  std::string configBytes;
  std::string configTemp;
  if (store.hasBlob(configDigest)) {
    configBytes = readFile(store.blobPath(configDigest));
  } else {
    HttpRequest request;
    request.url = "/v2/" + repo + "/blobs/" + configDigest;
    request.maxBody = kMaxConfigSize;
    const HttpResponse response = session.send(client, request, scope);
    if (response.status != 200)
      throwError(Errc::Internal, "reading blob {}: {}", configDigest, describeErrorBody(response));
    if (response.bodyTooLarge)
      throwError(Errc::InvalidArgument, "reading blob {}: the config exceeds {} bytes",
                 configDigest, kMaxConfigSize);
    configBytes = response.body;
    const std::string actual = sha256Of(configBytes);
    if (actual != configDigest)
      throwError(Errc::InvalidArgument,
                 "reading blob {}: digest did not match, expected {}, got {}", configDigest,
                 configDigest, actual);
    configTemp = work + "/config";
    writeFile(configTemp, configBytes, 0644);
  }
  const oci::ImageConfig config =
      oci::ImageConfig::fromJson(parseJson(configBytes, configDigest), configDigest);
  std::vector<std::string> warnings;
  // A single-platform image for another platform: pulled, with Podman's warning.
  if (const PlatformWant want = effectivePlatform(options.platform);
      config.os != want.os || config.architecture != want.architecture)
    warnings.push_back(
        fmt::format("image platform ({}/{}) does not match the expected platform ({}/{})",
                    config.os, config.architecture, want.os, want.architecture));
  if (config.rootfs.diffIds.size() != parsed.layers.size())
    throwError(Errc::InvalidArgument, "{}: the config lists {} layers, the manifest {}", what,
               config.rootfs.diffIds.size(), parsed.layers.size());
  std::vector<std::string> diffIds;
  for (const auto& id : config.rootfs.diffIds)
    diffIds.push_back(id.str());
  const auto chain = image::ImageStore::chainIds(diffIds, sha256Of);

  std::vector<LayerJob> jobs;
  for (std::size_t i = 0; i < parsed.layers.size(); ++i) {
    LayerJob job;
    job.blob = parsed.layers[i];
    job.chainId = chain[i];
    job.diffId = diffIds[i];
    const bool planned = std::any_of(jobs.begin(), jobs.end(), [&](const LayerJob& j) {
      return j.blob.digest == job.blob.digest;
    });
    const bool layerPlanned = std::any_of(jobs.begin(), jobs.end(), [&](const LayerJob& j) {
      return j.chainId == job.chainId && j.needLayer;
    });
    job.needBlob = !planned && !store.hasBlob(job.blob.digest.str());
    job.needLayer = !layerPlanned && !store.hasLayer(job.chainId);
    if (job.needLayer && !job.needBlob && planned) job.needBlob = false;
    jobs.push_back(std::move(job));
  }

  // Layers in parallel: each worker its own connection.
  std::mutex warningsMutex;
  runParallel(jobs.size(), options.access.parallel, [&](HttpClient& own, std::size_t i) {
    LayerJob& job = jobs[i];
    const std::string digest = job.blob.digest.str();
    if (!job.needBlob && !job.needLayer) {
      report(ProgressEvent{ProgressEvent::Kind::BlobSkipped, digest, 0,
                           static_cast<std::uint64_t>(job.blob.size), ""});
      return;
    }
    report(ProgressEvent{ProgressEvent::Kind::BlobStart, digest, 0,
                         static_cast<std::uint64_t>(job.blob.size), ""});
    std::string blobPath = store.blobPath(digest);
    std::string dir;
    image::ExtractOptions extract;
    extract.rootless = paths.rootless;
    if (job.needLayer) {
      dir = paths.layersDir() + "/.tmp-" + generateId().substr(0, 16);
      {
        std::lock_guard lock(tempsMutex);
        layerTemps.push_back(dir);
      }
      makeDirs(dir + "/diff", 0755);
    }
    std::optional<image::ExtractResult> extracted;
    if (job.needBlob || !store.hasBlob(digest)) {
      job.blobTemp = work + "/blob-" + std::to_string(i);
      writeFile(job.blobTemp, "", 0600);
      std::optional<StreamingExtract> stream;
      if (job.needLayer) stream.emplace(job.blobTemp, dir + "/diff", extract, digest);
      downloadBlob(session, own, repo, job.blob, job.blobTemp, scope, progress, progressMutex,
                   stream ? &*stream : nullptr);
      if (stream) extracted = stream->finish();
      blobPath = job.blobTemp;
    }
    if (job.needLayer) {
      if (!extracted) {
        // Not streamed (the blob was stored already), or the stream was
        // given up when the download started over: from the file.
        removeAll(dir + "/diff");
        makeDirs(dir + "/diff", 0755);
        extracted = image::extractLayer(blobPath, dir + "/diff", extract);
      }
      if (extracted->diffId != job.diffId)
        throwError(Errc::InvalidArgument, "layer {} has diff id {}, but the image config says {}",
                   digest, extracted->diffId, job.diffId);
      image::ImageStore::writeLayerInfo(dir, extracted->diffId,
                                        static_cast<std::int64_t>(extracted->uncompressedSize));
      job.layerTemp = dir;
      std::lock_guard lock(warningsMutex);
      warnings.insert(warnings.end(), extracted->warnings.begin(), extracted->warnings.end());
    }
  });

  // Everything verified: layers, blobs, config, manifest, then the index.
  report(ProgressEvent{ProgressEvent::Kind::Config, configDigest, 0, 0, ""});
  for (auto& job : jobs) {
    if (!job.layerTemp.empty()) {
      store.commitLayer(job.layerTemp, job.chainId);
      std::lock_guard lock(tempsMutex);
      layerTemps.erase(std::remove(layerTemps.begin(), layerTemps.end(), job.layerTemp),
                       layerTemps.end());
    }
    if (!job.blobTemp.empty()) store.commitBlob(job.blobTemp, job.blob.digest.str());
  }
  if (!configTemp.empty()) store.commitBlob(configTemp, configDigest);
  report(ProgressEvent{ProgressEvent::Kind::WritingManifest, "", 0, 0, ""});
  const std::string manifestTemp = work + "/manifest";
  writeFile(manifestTemp, manifest.bytes, 0644);
  store.commitBlob(manifestTemp, manifest.digest);
  image::StoredImage stored;
  stored.manifestDigest = manifest.digest;
  stored.manifestSize = static_cast<std::int64_t>(manifest.bytes.size());
  stored.manifestMediaType = manifest.mediaType;
  stored.configDigest = configDigest;
  if (!options.name.empty()) stored.names.push_back(options.name);
  store.addImage(stored);
  report(ProgressEvent{ProgressEvent::Kind::StoringSignatures, "", 0, 0, ""});
  PullResult result;
  result.imageId = stored.id();
  result.manifestDigest = manifest.digest;
  result.warnings = std::move(warnings);
  return result;
}

std::vector<std::string> listTags(const std::string& repository, const AccessOptions& access) {
  const image::Reference ref = image::parseReference(repository);
  const std::string what = "docker://" + repository;
  Session session(ref.domain, access, nullptr);
  HttpClient client;
  try {
    session.ping(client);
  } catch (const Error& e) {
    throw e.wrapped(
        fmt::format("initializing source {}: pinging container registry {}", what, ref.domain));
  }
  std::vector<std::string> tags;
  std::string url = "/v2/" + ref.path + "/tags/list";
  for (int page = 0; page < 1000 && !url.empty(); ++page) {
    HttpRequest request;
    request.url = url;
    const HttpResponse response = session.send(client, request, "repository:" + ref.path + ":pull");
    if (response.status != 200)
      throwError(response.status == 404 ? Errc::NoSuchImage : Errc::Internal,
                 "fetching tags list of {}: {}", what, describeErrorBody(response));
    Json body;
    try {
      body = Json::parse(response.body);
    } catch (const std::exception&) {
      throwError(Errc::InvalidArgument, "fetching tags list of {}: the answer is not JSON", what);
    }
    if (body.is_object() && body.contains("tags") && body["tags"].is_array())
      for (const auto& tag : body["tags"])
        if (tag.is_string()) tags.push_back(tag.get<std::string>());
    // Pagination: Link: </v2/...?last=x&n=y>; rel="next"
    url.clear();
    const std::string link = response.header("link");
    const auto open = link.find('<');
    const auto close = link.find('>');
    if (open != std::string::npos && close != std::string::npos && close > open &&
        link.find("rel=\"next\"") != std::string::npos)
      url = link.substr(open + 1, close - open - 1);
  }
  return tags;
}

}  // namespace berth::registry::detail
