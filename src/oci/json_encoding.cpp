// SPDX-License-Identifier: Apache-2.0
#include "berth/oci/json_encoding.hpp"

#include "berth/format/report.hpp"

namespace berth::oci {

// One implementation of Go's json.Marshal serves reports and blobs alike.
std::string encodeJson(const Json& value) {
  return format::marshalJson(value, true);
}

}  // namespace berth::oci
