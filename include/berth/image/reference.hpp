// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace berth::image {

/// An image reference "domain/path:tag@digest" as Docker and Podman parse it
/// (containers/image docker/reference, a fork of distribution/reference).
struct Reference {
  std::string domain;  ///< "docker.io", "quay.io", "localhost:5000"; empty only from parseReference
  std::string path;    ///< "library/busybox"
  std::string tag;     ///< "latest"; empty when none
  std::string digest;  ///< "sha256:<hex>"; empty when none

  /// "domain/path" (just "path" when there is no domain).
  std::string name() const;
  /// The full normalized string: "domain/path[:tag][@digest]".
  std::string str() const;
  /// Docker's short form (FamiliarString): without "docker.io/" and, for a
  /// single-component official image, without "library/":
  /// "busybox:latest", "user/app:1", "quay.io/a/b:1".
  std::string familiar() const;
  bool isTagged() const noexcept { return !tag.empty(); }
  bool isDigested() const noexcept { return !digest.empty(); }

  friend bool operator==(const Reference&, const Reference&) = default;
};

/// Docker's reference.Parse: the grammar only, no normalization, so the
/// domain is the first component when it looks like one ("foo/bar" has domain
/// "foo") and empty for a single component. For names read back from storage
/// (already normalized) and for the short-name checks. Throws
/// Error(InvalidArgument) naming the input, like parseNormalizedReference.
Reference parseReference(std::string_view text);

/// Docker's ParseNormalizedNamed plus Podman's default tag (TagNameOnly):
/// "busybox" -> docker.io/library/busybox:latest, "user/app" ->
/// docker.io/user/app:latest, "index.docker.io/x" -> docker.io/library/x,
/// "localhost/x" and "localhost:5000/x" and "quay.io/a/b:1" keep their
/// domain. A name with both tag and digest keeps both. Throws
/// Error(InvalidArgument) with one line naming the input and the rule:
/// upper-case in the repository path, an empty name, bad characters, a tag
/// that is longer than 128 characters or has bad characters, a name longer
/// than 255 characters, a 64-hex string used as a name, a bad digest.
Reference parseNormalizedReference(std::string_view text);

/// The name Podman gives an image it creates or tags locally (tag, import,
/// commit, build, load of an unnamed image): libimage NormalizeName. A name
/// whose first component is not a domain (no '.' or ':', not "localhost")
/// gets "localhost/" ("foo" -> localhost/foo:latest, "foo/bar:1" ->
/// localhost/foo/bar:1, "library/foo" -> localhost/library/foo:latest);
/// a qualified one is normalized as Docker does ("docker.io/foo" ->
/// docker.io/library/foo:latest). "latest" is added when there is neither tag
/// nor digest; a tag next to a digest is dropped (Docker compat), so the
/// result is tagged or digested, never both. Throws like parseNormalizedReference.
Reference parseLocalName(std::string_view text);

/// True when the name has no registry, as containers/image shortnames
/// IsShortName: its first component is not a domain (no '.' or ':', not
/// "localhost"). "busybox", "library/busybox:1" and "busybox@sha256:..."
/// are short; "quay.io/x", "localhost/x", "host:5000/x" are not. False for
/// text that does not parse.
bool isShortName(std::string_view text) noexcept;

/// The fully qualified names under which Podman looks up an existing local
/// image given by `text` (libimage Runtime.LookupImage with
/// shortnames.ResolveLocally), in order, without duplicates:
///  1. A tag next to a digest is dropped first ("a:1@sha256:..." -> "a@sha256:...").
///  2. A qualified name: just its normalized form ("quay.io/a/b" ->
///     "quay.io/a/b:latest", "docker.io/busybox" -> "docker.io/library/busybox:latest").
///  3. A short name: "localhost/<name>", then "<registry>/<name>" for each
///     unqualified-search registry in order (normalized, so docker.io gets
///     "library/" for a single component), then Docker's normalization of the
///     name (docker.io/...; Podman keeps it for compatibility even when
///     docker.io is not a search registry).
/// Each candidate has ":latest" unless it has a tag or digest.
/// Returns no candidates for an image id: 64 hex characters or "sha256:<64 hex>"
/// (look those up by id); throws for "sha256:" followed by anything else.
/// Not done here (the caller's job, in this order after the candidates):
/// short-name aliases from registries.conf (Podman tries them first), an id
/// prefix match ("3f5", Podman tries it after the candidates), and, for a
/// short name, any local image whose repository ends in "/<name>" with the
/// same tag (see matchesShortName). Throws Error(InvalidArgument) for a name
/// that does not parse.
std::vector<std::string> shortNameCandidates(std::string_view text,
                                             const std::vector<std::string>& searchRegistries = {
                                                 "docker.io"});

/// Podman's last resort for a short name (libimage
/// referenceFuzzilyMatchingRepoAndTag): true when the stored reference's
/// name is the short name or ends in "/<short name>" and the tags match
/// (the short name's tag defaults to "latest"; with a digest the tag is not
/// compared: the caller must check that the image has that digest). False
/// when `shortName` is not a short name or does not parse.
bool matchesShortName(const Reference& stored, std::string_view shortName) noexcept;

}  // namespace berth::image
