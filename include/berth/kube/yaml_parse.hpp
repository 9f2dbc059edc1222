// SPDX-License-Identifier: Apache-2.0
// Reading Kubernetes YAML (libyaml's parser) into the project's JSON type,
// with the scalar typing sigs.k8s.io/yaml applies (YAML 1.1 as gopkg.in/yaml.v2
// resolves it): plain `80` is a number, `true`/`yes`/`on` booleans, `~` and
// `null` null; quoted scalars are strings.
#pragma once

#include <string_view>
#include <vector>

#include "berth/base/json.hpp"

namespace berth::kube {

/// Every document of a YAML stream (empty documents left out), in order.
/// Throws Error(InvalidArgument) "<what>: document N: line L, column C:
/// <libyaml's problem>" for text that is not YAML, and for mapping keys
/// that are not scalars.
std::vector<Json> parseYamlDocuments(std::string_view text, std::string_view what);

}  // namespace berth::kube
