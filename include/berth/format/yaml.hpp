// SPDX-License-Identifier: Apache-2.0
// YAML output as Podman prints `podman info`.
#pragma once

#include <string>

#include "berth/format/template.hpp"

namespace berth::format {

/// Renders `value` as Podman's `podman info` does: sigs.k8s.io/yaml, that is
/// Go's JSON encoding read back and written by gopkg.in/yaml.v2. So: object
/// keys in yaml.v2's order (byte order, but non-letters before letters and
/// digit runs compared as numbers); block style with 2-space indentation and
/// sequences at their parent key's indentation; `{}`, `[]`, `null`; strings
/// plain when they would read back as strings, else quoted ('a: b' single,
/// "12" / "true" / "" double); multi-line strings as `|-` literal blocks;
/// plain and quoted scalars folded at spaces past column 80; floats like Go
/// (12.64, 1e+06), integral floats as integers; keys longer than 128 bytes
/// or spanning lines as `? key` / `: value`. Returns the document ending in one "\n" (Podman prints
/// it with Println, which adds an empty line).
std::string toYaml(const Json& value);

}  // namespace berth::format
