// SPDX-License-Identifier: Apache-2.0
#include "berth/oci/manifest.hpp"

#include <fmt/format.h>

#include "berth/oci/json_fields.hpp"
#include "berth/oci/media_types.hpp"

namespace berth::oci {

namespace {

Json startFrom(const Json& extra) {
  return extra.is_object() ? extra : Json::object();
}

int readSchemaVersion(const JsonReader& reader) {
  const auto version = reader.integer("schemaVersion", true);
  if (version != 2)
    reader.fail("schemaVersion", fmt::format("unsupported schema version {}: expected 2", version));
  return 2;
}

std::vector<Descriptor> readDescriptors(const JsonReader& reader, std::string_view key,
                                        bool required) {
  std::vector<Descriptor> result;
  for (const auto& element : reader.objects(key, required))
    result.push_back(Descriptor::fromJson(element));
  return result;
}

Json descriptorsToJson(const std::vector<Descriptor>& descriptors, DescriptorStyle style) {
  Json array = Json::array();
  for (const auto& descriptor : descriptors)
    array.push_back(descriptor.toJson(style));
  return array;
}

void putSubject(Json& json, const std::optional<Descriptor>& subject) {
  if (subject)
    json["subject"] = subject->toJson();
  else
    json.erase("subject");
}

}  // namespace

bool Manifest::isDocker() const noexcept {
  return mediaType == kDockerManifest;
}

Json Manifest::toJson() const {
  const auto style = isDocker() ? DescriptorStyle::Docker : DescriptorStyle::Oci;
  Json json = startFrom(extra);
  json["schemaVersion"] = schemaVersion;
  putOptional(json, "mediaType", mediaType);
  putOptional(json, "artifactType", artifactType);
  json["config"] = config.toJson(style);
  json["layers"] = descriptorsToJson(layers, style);
  putSubject(json, subject);
  putOptional(json, "annotations", annotations);
  return json;
}

Manifest Manifest::fromJson(const Json& json, std::string_view what) {
  const JsonReader reader(json, what, "manifest");
  Manifest manifest;
  manifest.schemaVersion = readSchemaVersion(reader);
  manifest.mediaType = reader.string("mediaType");
  if (!manifest.mediaType.empty() && !isManifestMediaType(manifest.mediaType))
    reader.fail("mediaType", fmt::format("\"{}\" is not an image manifest type: expected {} or {}",
                                         manifest.mediaType, kOciImageManifest, kDockerManifest));
  // containers/image refuses documents that could be read as two kinds.
  reader.forbid("manifests", "an image index has \"manifests\", a manifest has not");
  manifest.artifactType = reader.string("artifactType");
  manifest.config = Descriptor::fromJson(reader.object("config"));
  manifest.layers = readDescriptors(reader, "layers", false);
  if (auto subject = reader.optionalObject("subject"))
    manifest.subject = Descriptor::fromJson(*subject);
  manifest.annotations = reader.stringMap("annotations");
  manifest.extra = json;
  return manifest;
}

bool Index::isDocker() const noexcept {
  return mediaType == kDockerManifestList;
}

Json Index::toJson() const {
  const auto style = isDocker() ? DescriptorStyle::Docker : DescriptorStyle::Oci;
  Json json = startFrom(extra);
  json["schemaVersion"] = schemaVersion;
  putOptional(json, "mediaType", mediaType);
  putOptional(json, "artifactType", artifactType);
  json["manifests"] = descriptorsToJson(manifests, style);
  putSubject(json, subject);
  putOptional(json, "annotations", annotations);
  return json;
}

Index Index::fromJson(const Json& json, std::string_view what) {
  const JsonReader reader(json, what, "index");
  Index index;
  index.schemaVersion = readSchemaVersion(reader);
  index.mediaType = reader.string("mediaType");
  if (!index.mediaType.empty() && !isIndexMediaType(index.mediaType))
    reader.fail("mediaType", fmt::format("\"{}\" is not an image index type: expected {} or {}",
                                         index.mediaType, kOciImageIndex, kDockerManifestList));
  reader.forbid("config", "an image manifest has \"config\", an index has not");
  reader.forbid("layers", "an image manifest has \"layers\", an index has not");
  index.artifactType = reader.string("artifactType");
  index.manifests = readDescriptors(reader, "manifests", true);
  if (auto subject = reader.optionalObject("subject"))
    index.subject = Descriptor::fromJson(*subject);
  index.annotations = reader.stringMap("annotations");
  index.extra = json;
  return index;
}

}  // namespace berth::oci
