// SPDX-License-Identifier: Apache-2.0
#include "berth/oci/docker_archive.hpp"

#include <fmt/format.h>

#include "berth/base/error.hpp"
#include "berth/oci/json_fields.hpp"

namespace berth::oci {

namespace {

void checkArchivePath(const JsonReader& reader, std::string_view field, const std::string& path) {
  if (!isSafeArchivePath(path))
    reader.fail(
        field,
        fmt::format("unsafe path \"{}\": expected a relative path inside the archive", path));
}

DockerArchiveImage readImage(const JsonReader& reader) {
  DockerArchiveImage image;
  image.config = reader.string("Config", true);
  checkArchivePath(reader, "Config", image.config);
  image.repoTags = reader.strings("RepoTags");
  image.layers = reader.strings("Layers");
  for (std::size_t i = 0; i < image.layers.size(); ++i)
    checkArchivePath(reader, fmt::format("Layers[{}]", i), image.layers[i]);
  image.parent = reader.string("Parent");
  if (auto sources = reader.optionalObject("LayerSources")) {
    for (const auto& [key, value] : sources->json().items()) {
      const std::string field = fmt::format("[\"{}\"]", key);
      if (auto message = Digest::validationError(key); !message.empty())
        sources->fail(field, message);
      const JsonReader element(value, reader.what(), sources->path() + field);
      image.layerSources.emplace(Digest::parse(key), Descriptor::fromJson(element));
    }
  }
  image.extra = reader.json();
  return image;
}

}  // namespace

Json DockerArchiveImage::toJson() const {
  Json json = extra.is_object() ? extra : Json::object();
  json["Config"] = config;
  json["RepoTags"] = repoTags;
  json["Layers"] = layers;
  putOptional(json, "Parent", parent);
  Json sources = Json::object();
  for (const auto& [digest, descriptor] : layerSources)
    sources[digest.str()] = descriptor.toJson(DescriptorStyle::Docker);
  putOptional(json, "LayerSources", std::move(sources));
  return json;
}

std::vector<DockerArchiveImage> parseDockerArchiveManifest(const Json& json,
                                                           std::string_view what) {
  if (!json.is_array())
    throwError(Errc::InvalidArgument, "{}: manifest: expected an array of images", what);
  std::vector<DockerArchiveImage> images;
  images.reserve(json.size());
  for (std::size_t i = 0; i < json.size(); ++i)
    images.push_back(readImage(JsonReader(json[i], what, fmt::format("manifest[{}]", i))));
  return images;
}

Json dockerArchiveManifestToJson(const std::vector<DockerArchiveImage>& images) {
  Json json = Json::array();
  for (const auto& image : images)
    json.push_back(image.toJson());
  return json;
}

DockerRepositories parseDockerRepositories(const Json& json, std::string_view what) {
  const JsonReader reader(json, what, "repositories");
  DockerRepositories repositories;
  for (const auto& [repository, tags] : json.items()) {
    const std::string field = fmt::format("[\"{}\"]", repository);
    if (!tags.is_object()) reader.fail(field, "expected an object of tag to layer id");
    auto& target = repositories[repository];
    for (const auto& [tag, id] : tags.items()) {
      if (!id.is_string())
        reader.fail(fmt::format("{}[\"{}\"]", field, tag), "expected a layer id string");
      target.emplace(tag, id.get<std::string>());
    }
  }
  return repositories;
}

Json dockerRepositoriesToJson(const DockerRepositories& repositories) {
  Json json = Json::object();
  for (const auto& [repository, tags] : repositories) {
    Json object = Json::object();
    for (const auto& [tag, id] : tags)
      object[tag] = id;
    json[repository] = std::move(object);
  }
  return json;
}

bool isSafeArchivePath(std::string_view path) noexcept {
  if (path.empty() || path.front() == '/') return false;
  std::size_t start = 0;
  while (start <= path.size()) {
    auto end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    if (path.substr(start, end - start) == "..") return false;
    start = end + 1;
  }
  return true;
}

}  // namespace berth::oci
