// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>

#include "berth/base/json.hpp"

namespace berth::oci {

/// Serialises `value` as Go's encoding/json.Marshal does, so that a manifest
/// or config berth writes hashes to the digest Podman would compute for the
/// same document: compact, object keys in the Json's order (use the toJson of
/// the models for Go's struct order), and Go's string escaping: '<', '>' and
/// '&' as \u003c, \u003e, \u0026, U+2028 and U+2029 escaped, other non-ASCII
/// text as UTF-8. Invalid UTF-8 becomes U+FFFD. Writers hash exactly these
/// bytes and store them; never re-serialise a blob that was read.
std::string encodeJson(const Json& value);

}  // namespace berth::oci
