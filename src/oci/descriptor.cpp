// SPDX-License-Identifier: Apache-2.0
#include "berth/oci/descriptor.hpp"

#include <fmt/format.h>

#include "berth/oci/json_fields.hpp"

namespace berth::oci {

namespace {

Json startFrom(const Json& extra) {
  return extra.is_object() ? extra : Json::object();
}

}  // namespace

Json Platform::toJson() const {
  Json json = startFrom(extra);
  json["architecture"] = architecture;
  json["os"] = os;
  putOptional(json, "os.version", osVersion);
  putOptional(json, "os.features", osFeatures);
  putOptional(json, "variant", variant);
  return json;
}

Platform Platform::fromJson(const JsonReader& reader) {
  Platform platform;
  platform.architecture = reader.string("architecture", true);
  platform.os = reader.string("os", true);
  platform.osVersion = reader.string("os.version");
  platform.osFeatures = reader.strings("os.features");
  platform.variant = reader.string("variant");
  platform.extra = reader.json();
  return platform;
}

bool Platform::operator==(const Platform& other) const {
  return architecture == other.architecture && os == other.os && osVersion == other.osVersion &&
         osFeatures == other.osFeatures && variant == other.variant;
}

Json Descriptor::toJson(DescriptorStyle style) const {
  Json json = startFrom(extra);
  json["mediaType"] = mediaType;
  if (style == DescriptorStyle::Docker) {
    json["size"] = size;
    json["digest"] = digest.str();
  } else {
    json["digest"] = digest.str();
    json["size"] = size;
  }
  putOptional(json, "urls", urls);
  putOptional(json, "annotations", annotations);
  if (platform)
    json["platform"] = platform->toJson();
  else
    json.erase("platform");
  putOptional(json, "artifactType", artifactType);
  return json;
}

Descriptor Descriptor::fromJson(const JsonReader& reader) {
  Descriptor descriptor;
  descriptor.mediaType = reader.string("mediaType", true);
  if (descriptor.mediaType.empty()) reader.fail("mediaType", "must not be empty");
  descriptor.digest = reader.digest("digest", true);
  descriptor.size = reader.integer("size", true);
  if (descriptor.size < 0)
    reader.fail("size", fmt::format("{} is negative: expected a size in bytes", descriptor.size));
  descriptor.urls = reader.strings("urls");
  descriptor.annotations = reader.stringMap("annotations");
  if (auto platform = reader.optionalObject("platform"))
    descriptor.platform = Platform::fromJson(*platform);
  descriptor.artifactType = reader.string("artifactType");
  if (reader.has("data")) (void)reader.string("data");  // base64; kept in extra
  descriptor.extra = reader.json();
  return descriptor;
}

Descriptor Descriptor::fromJson(const Json& json, std::string_view what, std::string_view path) {
  return fromJson(JsonReader(json, what, std::string(path)));
}

bool Descriptor::operator==(const Descriptor& other) const {
  return mediaType == other.mediaType && digest == other.digest && size == other.size &&
         urls == other.urls && annotations == other.annotations && platform == other.platform &&
         artifactType == other.artifactType;
}

}  // namespace berth::oci
