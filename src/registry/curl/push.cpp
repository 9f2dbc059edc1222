// SPDX-License-Identifier: Apache-2.0
// Push: each blob the registry lacks (HEAD; a cross-repository mount when
// another repository of the registry has it; else POST, streamed PATCH,
// PUT ?digest=), then the manifest.
#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <mutex>
#include <optional>

#include "../../image/archive/blob_io.hpp"
#include "berth/base/error.hpp"
#include "berth/base/file_lock.hpp"
#include "berth/base/fs.hpp"
#include "berth/base/ids.hpp"
#include "berth/base/scope_exit.hpp"
#include "berth/base/unique_fd.hpp"
#include "berth/image/reference.hpp"
#include "berth/image/sha256.hpp"
#include "berth/image/store.hpp"
#include "berth/oci/media_types.hpp"
#include "operations.hpp"
#include "session.hpp"

namespace berth::registry::detail {

namespace {

std::string absoluteLocation(const Session& session, const std::string& location) {
  if (location.rfind("http://", 0) == 0 || location.rfind("https://", 0) == 0) return location;
  if (!location.empty() && location[0] == '/') return session.baseUrl() + location;
  return session.baseUrl() + "/" + location;
}

std::string withDigest(const std::string& location, const std::string& digest) {
  return location + (location.find('?') == std::string::npos ? "?" : "&") +
         "digest=" + digest.substr(0, 6) + "%3A" + digest.substr(7);
}

/// Rewrites the manifest for `format` ("oci" or "v2s2"); the same bytes
/// when it already is one.
std::pair<std::string, std::string> convertManifest(const std::string& bytes,
                                                    const std::string& mediaType,
                                                    const std::string& format) {
  const bool isOci = mediaType != oci::kDockerManifest;
  if (format.empty() || (format == "oci" && isOci) || (format == "v2s2" && !isOci))
    return {bytes, mediaType};
  Json manifest = parseJson(bytes, "the stored manifest");
  const bool toOci = format == "oci";
  const auto mapLayer = [&](const std::string& type) -> std::string {
    if (toOci) {
      if (type == oci::kDockerLayer) return std::string(oci::kOciLayerGzip);
      if (type == oci::kDockerLayerUncompressed) return std::string(oci::kOciLayer);
      if (type == oci::kDockerForeignLayerGzip)
        return std::string(oci::kOciLayerNondistributableGzip);
      return type;
    }
    if (type == oci::kOciLayerGzip) return std::string(oci::kDockerLayer);
    if (type == oci::kOciLayer) return std::string(oci::kDockerLayerUncompressed);
    if (type == oci::kOciLayerNondistributableGzip)
      return std::string(oci::kDockerForeignLayerGzip);
    throwError(Errc::Unsupported,
               "cannot push a layer of type {} in the v2s2 format: use --format oci", type);
  };
  const std::string newType =
      toOci ? std::string(oci::kOciImageManifest) : std::string(oci::kDockerManifest);
  Json out = Json::object();
  out["schemaVersion"] = 2;
  out["mediaType"] = newType;
  Json config = manifest.at("config");
  config["mediaType"] = toOci ? std::string(oci::kOciImageConfig) : std::string(oci::kDockerConfig);
  const auto descriptor = [&](const Json& d, const std::string& type) {
    Json o = Json::object();
    o["mediaType"] = type;
    if (toOci) {
      o["digest"] = d.at("digest");
      o["size"] = d.at("size");
    } else {
      o["size"] = d.at("size");
      o["digest"] = d.at("digest");
    }
    return o;
  };
  out["config"] = descriptor(config, config["mediaType"].get<std::string>());
  out["layers"] = Json::array();
  for (const auto& layer : manifest.value("layers", Json::array()))
    out["layers"].push_back(descriptor(layer, mapLayer(layer.value("mediaType", ""))));
  if (toOci && manifest.contains("annotations")) out["annotations"] = manifest["annotations"];
  return {toOci ? out.dump() : out.dump(3), newType};
}

struct BlobToPush {
  std::string digest;
  std::int64_t size = 0;
  std::string path;
};

void uploadBlob(Session& session, HttpClient& client, const std::string& repo,
                const BlobToPush& blob, const std::string& scope,
                const std::vector<std::string>& mountFrom) {
  // Already there?
  HttpRequest head;
  head.method = "HEAD";
  head.url = "/v2/" + repo + "/blobs/" + blob.digest;
  if (session.send(client, head, scope).status == 200) return;
  std::string location;
  for (const auto& other : mountFrom) {
    HttpRequest mount;
    mount.method = "POST";
    mount.url = "/v2/" + repo + "/blobs/uploads/?mount=" + blob.digest.substr(0, 6) + "%3A" +
                blob.digest.substr(7) + "&from=" + other;
    const HttpResponse response = session.send(client, mount, scope);
    if (response.status == 201) return;
    if (response.status == 202) {  // no mount, but an upload session to use
      location = response.header("location");
      break;
    }
  }
  for (int attempt = 0;; ++attempt) {
    try {
      if (location.empty()) {
        HttpRequest start;
        start.method = "POST";
        start.url = "/v2/" + repo + "/blobs/uploads/";
        const HttpResponse response = session.send(client, start, scope);
        if (response.status != 202)
          throwError(Errc::Internal, "initiating the upload of {}: {}", blob.digest,
                     describeErrorBody(response));
        location = response.header("location");
        if (location.empty())
          throwError(Errc::Internal, "initiating the upload of {}: no Location in the answer",
                     blob.digest);
      }
      UniqueFd fd = openFile(blob.path, O_RDONLY | O_CLOEXEC);
      HttpRequest patch;
      patch.method = "PATCH";
      patch.url = absoluteLocation(session, location);
      patch.headers = {"Content-Type: application/octet-stream"};
      patch.bodyFd = fd.get();
      patch.bodySize = static_cast<std::uint64_t>(blob.size);
      patch.maxRetries = 0;  // a broken upload starts over (below), not mid-stream
      const HttpResponse patched = session.send(client, patch, scope);
      if (patched.status != 202 && patched.status != 204)
        throwError(Errc::Internal, "uploading blob {}: {}", blob.digest,
                   describeErrorBody(patched));
      const std::string next =
          patched.header("location").empty() ? location : patched.header("location");
      HttpRequest put;
      put.method = "PUT";
      put.url = withDigest(absoluteLocation(session, next), blob.digest);
      put.headers = {"Content-Type: application/octet-stream"};
      const HttpResponse committed = session.send(client, put, scope);
      if (committed.status != 201 && committed.status != 204)
        throwError(Errc::InvalidArgument, "uploading blob {}: {}", blob.digest,
                   describeErrorBody(committed));
      return;
    } catch (const TransportError& e) {
      if (!e.retriable() || attempt >= 3) throw;
      location.clear();
    }
  }
}

}  // namespace

PushResult pushImage(const state::StorePaths& paths, const PushOptions& options,
                     const ProgressSink& progress) {
  std::mutex progressMutex;
  const ProgressSink report = [&](const ProgressEvent& event) {
    if (!progress) return;
    std::lock_guard lock(progressMutex);
    progress(event);
  };
  image::ImageStore store(paths);
  const image::StoredImage stored = store.resolve(options.source);
  const std::string storedBytes = readFile(store.blobPath(stored.manifestDigest));
  const std::string storedType = stored.manifestMediaType.empty()
                                     ? std::string(oci::kOciImageManifest)
                                     : stored.manifestMediaType;
  // zstd layers exist only in OCI manifests: Podman switches the format.
  std::string format = options.format;
  if (options.compression == "zstd") {
    if (format == "v2s2")
      throwError(Errc::InvalidArgument,
                 "zstd compression is not supported with the v2s2 format: use --format oci");
    format = "oci";
  }
  auto [manifestBytes, mediaType] = convertManifest(storedBytes, storedType, format);
  Json manifest = parseJson(manifestBytes, "the manifest");
  // Recompressed layers go to a temporary directory of the store (under
  // the writers lock, so no cleanup takes them), removed afterwards.
  std::optional<FileLock> writing;
  std::string work;
  ScopeExit removeWork([&] {
    try {
      if (!work.empty()) removeAll(work);
    } catch (...) {
    }
  });
  const oci::Compression wanted = options.compression == "zstd"   ? oci::Compression::Zstd
                                  : options.compression == "gzip" ? oci::Compression::Gzip
                                                                  : oci::Compression::None;
  std::vector<BlobToPush> blobs;
  for (auto& layer : manifest["layers"]) {
    const std::string type = layer.value("mediaType", "");
    if (oci::isForeignLayerMediaType(type)) continue;
    const std::string digest = layer.value("digest", "");
    BlobToPush blob{digest, layer.value("size", std::int64_t{0}), store.blobPath(digest)};
    if (!options.compression.empty() && oci::layerCompression(type) != wanted) {
      if (!writing) {
        writing.emplace(store.writerLock());
        store.initialize();
        work = store.tempDir() + "/push-" + generateId().substr(0, 16);
        makeDirs(work, 0700);
      }
      const std::string temp = work + "/layer-" + std::to_string(blobs.size());
      UniqueFd out = openFile(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
      const image::detail::WrittenBlob written = image::detail::writeCompressed(
          out.get(), digest, wanted, [&](const image::detail::ChunkSink& sink) {
            image::detail::readDecompressed(blob.path, digest, sink);
          });
      blob = BlobToPush{written.digest, static_cast<std::int64_t>(written.size), temp};
      const bool docker = mediaType == oci::kDockerManifest;
      layer["mediaType"] = wanted == oci::Compression::Zstd ? std::string(oci::kOciLayerZstd)
                           : docker                         ? std::string(oci::kDockerLayer)
                                                            : std::string(oci::kOciLayerGzip);
      layer["digest"] = written.digest;
      layer["size"] = written.size;
    }
    blobs.push_back(std::move(blob));
  }
  if (writing)
    manifestBytes = mediaType == oci::kDockerManifest ? manifest.dump(3) : manifest.dump();
  const std::string configDigest = manifest.at("config").value("digest", "");
  for (auto& blob : blobs)
    if (!pathExists(blob.path))
      throwError(Errc::NoSuchImage, "{}: blob {} is missing from the store", options.source,
                 blob.digest);

  const image::Reference ref = image::parseReference(options.destination);
  const std::string what = "docker://" + options.destination;
  const std::string repo = ref.path;
  const std::string scope = "repository:" + repo + ":pull,push";
  Session session(ref.domain, options.access, report);
  HttpClient client;
  try {
    session.ping(client);
  } catch (const Error& e) {
    throw e.wrapped(fmt::format("pushing to {}: pinging container registry {}", what, ref.domain));
  }
  // Other repositories of the same registry that hold this image's blobs.
  std::vector<std::string> mountFrom;
  for (const auto& name : stored.names) {
    try {
      const image::Reference other = image::parseReference(name);
      if (other.domain == ref.domain && other.path != repo &&
          std::find(mountFrom.begin(), mountFrom.end(), other.path) == mountFrom.end())
        mountFrom.push_back(other.path);
    } catch (const Error&) {
    }
  }
  report(ProgressEvent{ProgressEvent::Kind::GettingSignatures, "", 0, 0, ""});

  runParallel(blobs.size(), options.access.parallel, [&](HttpClient& own, std::size_t i) {
    try {
      report(ProgressEvent{ProgressEvent::Kind::BlobStart, blobs[i].digest, 0,
                           static_cast<std::uint64_t>(blobs[i].size), ""});
      uploadBlob(session, own, repo, blobs[i], scope, mountFrom);
      report(ProgressEvent{ProgressEvent::Kind::BlobDone, blobs[i].digest,
                           static_cast<std::uint64_t>(blobs[i].size),
                           static_cast<std::uint64_t>(blobs[i].size), ""});
    } catch (const Error& e) {
      throw e.wrapped(fmt::format("pushing blob {} to {}", blobs[i].digest, what));
    }
  });

  report(ProgressEvent{ProgressEvent::Kind::Config, configDigest, 0, 0, ""});
  try {
    uploadBlob(session, client, repo,
               BlobToPush{configDigest, manifest.at("config").value("size", std::int64_t{0}),
                          store.blobPath(configDigest)},
               scope, mountFrom);
  } catch (const Error& e) {
    throw e.wrapped(fmt::format("pushing config {} to {}", configDigest, what));
  }
  report(ProgressEvent{ProgressEvent::Kind::WritingManifest, "", 0, 0, ""});
  image::Sha256 hash;
  hash.update(manifestBytes);
  const std::string digest = hash.digest();
  HttpRequest put;
  put.method = "PUT";
  put.url = "/v2/" + repo + "/manifests/" + (ref.isTagged() ? ref.tag : digest);
  put.headers = {"Content-Type: " + mediaType};
  put.body = manifestBytes;
  const HttpResponse response = session.send(client, put, scope);
  if (response.status != 201 && response.status != 200)
    throwError(
        response.status == 401 || response.status == 403 ? Errc::PermissionDenied : Errc::Internal,
        "writing manifest to {}: {}", what, describeErrorBody(response));
  const std::string announced = response.header("docker-content-digest");
  if (announced.rfind("sha256:", 0) == 0 && announced != digest)
    throwError(Errc::Internal, "writing manifest to {}: the registry stored digest {}, not {}",
               what, announced, digest);
  report(ProgressEvent{ProgressEvent::Kind::StoringSignatures, "", 0, 0, ""});
  return PushResult{digest};
}

void checkLogin(const LoginOptions& options) {
  const std::string host = options.registry.substr(0, options.registry.find('/'));
  AccessOptions access = options.access;
  access.credentials = options.credentials;
  Session session(host, access, nullptr);
  HttpClient client;
  try {
    session.ping(client);
  } catch (const Error& e) {
    throw e.wrapped(fmt::format("authenticating creds for \"{}\": pinging container registry {}",
                                options.registry, host));
  }
  try {
    session.authenticate(client, "");
  } catch (const Error& e) {
    if (e.kind() == Errc::PermissionDenied)
      throw Error(Errc::PermissionDenied,
                  fmt::format("logging into \"{}\": invalid username/password", options.registry));
    throw e.wrapped(fmt::format("logging into \"{}\"", options.registry));
  }
}

}  // namespace berth::registry::detail
