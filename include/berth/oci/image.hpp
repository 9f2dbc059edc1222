// SPDX-License-Identifier: Apache-2.0
#pragma once

// The OCI image data models in one include: descriptors, manifests, indexes
// and image configs, their media types and digests.
#include "berth/oci/descriptor.hpp"
#include "berth/oci/digest.hpp"
#include "berth/oci/image_config.hpp"
#include "berth/oci/json_encoding.hpp"
#include "berth/oci/manifest.hpp"
#include "berth/oci/media_types.hpp"
