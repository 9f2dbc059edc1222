// SPDX-License-Identifier: Apache-2.0
#include "berth/image/reference.hpp"

#include <algorithm>
#include <optional>

#include <fmt/format.h>

#include "berth/base/error.hpp"
#include "berth/oci/digest.hpp"

// The grammar is distribution/reference's (regexp.go), written out by hand:
//
//   reference       := name [ ":" tag ] [ "@" digest ]
//   name            := [ domain-and-port "/" ] remote-name
//   domain-and-port := ( domain-name | "[" ipv6 "]" ) [ ":" port-number ]
//   domain-name     := domain-component ( "." domain-component )*
//   domain-component:= [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]
//   remote-name     := path-component ( "/" path-component )*
//   path-component  := [a-z0-9]+ ( separator [a-z0-9]+ )*
//   separator       := "." | "_" | "__" | "-"+
//   tag             := [\w][\w.-]{0,127}
//
// Go's regexp picks the first component as the domain whenever it matches
// domain-and-port and a remote name follows, which is why "foo/bar" has the
// domain "foo" before normalization.

namespace berth::image {

namespace {

constexpr std::size_t kNameTotalLengthMax = 255;
constexpr std::size_t kTagLengthMax = 128;
constexpr std::string_view kDefaultDomain = "docker.io";
constexpr std::string_view kLegacyDefaultDomain = "index.docker.io";
constexpr std::string_view kOfficialRepoPrefix = "library/";
constexpr std::string_view kDefaultTag = "latest";
constexpr std::string_view kLocalhost = "localhost";

constexpr std::string_view kFormatHint =
    "expected [domain[:port]/]name[:tag][@digest] with name components of lower-case letters "
    "and digits separated by '.', '_', '__' or '-'";

bool isDigit(char c) noexcept {
  return c >= '0' && c <= '9';
}
bool isLowerAlnum(char c) noexcept {
  return isDigit(c) || (c >= 'a' && c <= 'z');
}
bool isAlnum(char c) noexcept {
  return isLowerAlnum(c) || (c >= 'A' && c <= 'Z');
}
bool isWordChar(char c) noexcept {
  return isAlnum(c) || c == '_';
}
bool isHex(char c) noexcept {
  return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool isPathComponent(std::string_view text) noexcept {
  if (text.empty() || !isLowerAlnum(text.front()) || !isLowerAlnum(text.back())) return false;
  std::size_t i = 0;
  while (i < text.size()) {
    if (isLowerAlnum(text[i])) {
      ++i;
      continue;
    }
    std::size_t end = i;
    while (end < text.size() && !isLowerAlnum(text[end]))
      ++end;
    const std::string_view separator = text.substr(i, end - i);
    const bool dashes = separator.find_first_not_of('-') == std::string_view::npos;
    if (!(separator == "." || separator == "_" || separator == "__" || dashes)) return false;
    i = end;
  }
  return true;
}

bool isRemoteName(std::string_view text) noexcept {
  std::size_t start = 0;
  while (true) {
    const auto slash = text.find('/', start);
    if (!isPathComponent(
            text.substr(start, slash == std::string_view::npos ? slash : slash - start)))
      return false;
    if (slash == std::string_view::npos) return true;
    start = slash + 1;
  }
}

bool isDomainComponent(std::string_view text) noexcept {
  if (text.empty() || !isAlnum(text.front()) || !isAlnum(text.back())) return false;
  return std::all_of(text.begin(), text.end(), [](char c) { return isAlnum(c) || c == '-'; });
}

bool isDomainName(std::string_view text) noexcept {
  std::size_t start = 0;
  while (true) {
    const auto dot = text.find('.', start);
    if (!isDomainComponent(text.substr(start, dot == std::string_view::npos ? dot : dot - start)))
      return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

bool isDomainAndPort(std::string_view text) noexcept {
  std::string_view rest;
  if (!text.empty() && text.front() == '[') {  // an IPv6 address, as distribution/reference allows
    const auto close = text.find(']');
    if (close == std::string_view::npos || close == 1) return false;
    const std::string_view address = text.substr(1, close - 1);
    if (!std::all_of(address.begin(), address.end(), [](char c) { return isHex(c) || c == ':'; }))
      return false;
    rest = text.substr(close + 1);
  } else {
    const auto colon = text.find(':');
    if (!isDomainName(text.substr(0, colon))) return false;
    if (colon == std::string_view::npos) return true;
    rest = text.substr(colon);
  }
  if (rest.empty()) return true;
  return rest.size() > 1 && rest.front() == ':' &&
         std::all_of(rest.begin() + 1, rest.end(), [](char c) { return isDigit(c); });
}

bool isTag(std::string_view text) noexcept {
  if (text.empty() || text.size() > kTagLengthMax || !isWordChar(text.front())) return false;
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return isWordChar(c) || c == '.' || c == '-'; });
}

// reference.IsFullIdentifier: 64 lower-case hex characters.
bool isIdentifier(std::string_view text) noexcept {
  return text.size() == 64 && std::all_of(text.begin(), text.end(), [](char c) {
           return isDigit(c) || (c >= 'a' && c <= 'f');
         });
}

bool hasUpper(std::string_view text) noexcept {
  return std::any_of(text.begin(), text.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

std::string toLower(std::string_view text) {
  std::string lower(text);
  for (char& c : lower)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return lower;
}

// Splits a name into domain and remote name the way Go's anchoredNameRegexp
// does; std::nullopt when it does not match.
std::optional<std::pair<std::string_view, std::string_view>> splitName(std::string_view name) {
  if (const auto slash = name.find('/'); slash != std::string_view::npos) {
    const std::string_view first = name.substr(0, slash);
    const std::string_view remainder = name.substr(slash + 1);
    if (isDomainAndPort(first) && isRemoteName(remainder)) return std::pair{first, remainder};
  }
  if (isRemoteName(name)) return std::pair{std::string_view{}, name};
  return std::nullopt;
}

// reference.Parse. On failure, `reason` says why (without the input).
std::optional<Reference> matchReference(std::string_view text, std::string& reason) {
  if (text.empty()) {
    reason = "repository name must have at least one component";
    return std::nullopt;
  }
  Reference ref;
  std::string_view rest = text;
  if (const auto at = text.find('@'); at != std::string_view::npos) {
    const std::string_view digest = text.substr(at + 1);
    if (auto message = oci::Digest::validationError(digest); !message.empty()) {
      reason = std::move(message);
      return std::nullopt;
    }
    ref.digest = std::string(digest);
    rest = text.substr(0, at);
  }
  // A ':' after the last '/' can only start the tag: remote names have no
  // ':' and a domain's port is always followed by a '/'.
  const auto colon = rest.rfind(':');
  const auto slash = rest.rfind('/');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    const std::string_view tag = rest.substr(colon + 1);
    if (!isTag(tag)) {
      reason = fmt::format(
          "invalid tag \"{}\": expected 1 to {} letters, digits, '_', '.' or '-', not starting "
          "with '.' or '-'",
          tag, kTagLengthMax);
      return std::nullopt;
    }
    ref.tag = std::string(tag);
    rest = rest.substr(0, colon);
  }
  const auto split = splitName(rest);
  if (!split) {
    // As Go: if the lower-cased input would parse, the fault is upper case.
    if (hasUpper(rest) && splitName(toLower(rest)))
      reason = "repository name must be lowercase";
    else
      reason = std::string(kFormatHint);
    return std::nullopt;
  }
  if (rest.size() > kNameTotalLengthMax) {
    reason =
        fmt::format("repository name must not be more than {} characters", kNameTotalLengthMax);
    return std::nullopt;
  }
  ref.domain = std::string(split->first);
  ref.path = std::string(split->second);
  return ref;
}

[[noreturn]] void throwInvalid(std::string_view input, std::string_view reason) {
  throwError(Errc::InvalidArgument, "invalid reference format \"{}\": {}", input, reason);
}

Reference parseRaw(std::string_view text, std::string_view input) {
  std::string reason;
  auto ref = matchReference(text, reason);
  if (!ref) throwInvalid(input, reason);
  return std::move(*ref);
}

bool isDomain(std::string_view first) noexcept {
  return first.find_first_of(".:") != std::string_view::npos || first == kLocalhost;
}

// ParseNormalizedNamed, with errors naming `input`.
Reference parseNormalized(std::string_view text, std::string_view input) {
  // Go would report the empty name as "docker.io/library/" not parsing.
  if (text.empty()) throwInvalid(input, "repository name must have at least one component");
  if (isIdentifier(text))
    throwError(Errc::InvalidArgument,
               "invalid repository name \"{}\": cannot specify 64-byte hexadecimal strings", input);
  // splitDockerDomain as in Podman 4.x's containers/image: a first component
  // is a domain only when it has a '.' or ':' or is "localhost".
  std::string domain(kDefaultDomain);
  std::string remainder(text);
  if (const auto slash = text.find('/');
      slash != std::string_view::npos && isDomain(text.substr(0, slash))) {
    domain = std::string(text.substr(0, slash));
    remainder = std::string(text.substr(slash + 1));
  }
  if (domain == kLegacyDefaultDomain) domain = std::string(kDefaultDomain);
  if (domain == kDefaultDomain && remainder.find('/') == std::string::npos)
    remainder = std::string(kOfficialRepoPrefix) + remainder;
  if (hasUpper(std::string_view(remainder).substr(0, remainder.find(':'))))
    throwInvalid(input, "repository name must be lowercase");
  return parseRaw(fmt::format("{}/{}", domain, remainder), input);
}

void tagNameOnly(Reference& ref) {
  if (ref.tag.empty() && ref.digest.empty()) ref.tag = std::string(kDefaultTag);
}

}  // namespace

std::string Reference::name() const {
  if (domain.empty()) return path;
  return fmt::format("{}/{}", domain, path);
}

std::string Reference::str() const {
  std::string text = name();
  if (!tag.empty()) text += ":" + tag;
  if (!digest.empty()) text += "@" + digest;
  return text;
}

std::string Reference::familiar() const {
  Reference shortRef = *this;
  if (shortRef.domain == kDefaultDomain) {
    shortRef.domain.clear();
    // Only a single component below library/ is an official image.
    if (shortRef.path.starts_with(kOfficialRepoPrefix) &&
        shortRef.path.find('/', kOfficialRepoPrefix.size()) == std::string::npos)
      shortRef.path.erase(0, kOfficialRepoPrefix.size());
  }
  return shortRef.str();
}

Reference parseReference(std::string_view text) {
  return parseRaw(text, text);
}

Reference parseNormalizedReference(std::string_view text) {
  Reference ref = parseNormalized(text, text);
  tagNameOnly(ref);
  return ref;
}

Reference parseLocalName(std::string_view text) {
  const Reference raw = parseRaw(text, text);
  // libimage NormalizeName: enforce "localhost/" for a name without a
  // registry, then let Docker's rules normalize the rest (docker.io/foo ->
  // docker.io/library/foo).
  Reference ref = isDomain(raw.domain) ? parseNormalized(text, text)
                                       : parseNormalized("localhost/" + raw.str(), text);
  if (ref.isTagged() && ref.isDigested()) ref.tag.clear();
  tagNameOnly(ref);
  return ref;
}

bool isShortName(std::string_view text) noexcept {
  try {
    std::string reason;
    const auto ref = matchReference(text, reason);
    return ref && !isDomain(ref->domain);
  } catch (...) {
    return false;
  }
}

std::vector<std::string> shortNameCandidates(std::string_view text,
                                             const std::vector<std::string>& searchRegistries) {
  // Docker compat (normalizeTaggedDigestedString): the digest alone decides.
  Reference raw = parseRaw(text, text);
  if (raw.isTagged() && raw.isDigested()) raw.tag.clear();
  const std::string name = raw.str();

  if (name.starts_with("sha256:")) {
    if (isIdentifier(std::string_view(name).substr(7))) return {};
    throwError(Errc::InvalidArgument,
               "invalid image id \"{}\": expected sha256:<64 hex characters>", text);
  }
  if (isIdentifier(name)) return {};

  std::vector<std::string> candidates;
  const auto add = [&candidates](std::string_view candidate) {
    try {
      std::string value = parseNormalizedReference(candidate).str();
      if (std::find(candidates.begin(), candidates.end(), value) == candidates.end())
        candidates.push_back(std::move(value));
    } catch (const Error&) {
      // A search registry that makes the name invalid (too long) only loses
      // that candidate.
    }
  };
  if (isDomain(raw.domain)) {
    add(name);
    return candidates;
  }
  // "localhost" has precedence over the unqualified-search registries.
  add(fmt::format("{}/{}", kLocalhost, name));
  for (const auto& registry : searchRegistries)
    add(fmt::format("{}/{}", registry, name));
  // Backwards compatibility: Docker's normalization to docker.io.
  add(name);
  return candidates;
}

bool matchesShortName(const Reference& stored, std::string_view shortName) noexcept {
  try {
    std::string reason;
    const auto ref = matchReference(shortName, reason);
    if (!ref || isDomain(ref->domain)) return false;
    if (!ref->isDigested() && stored.tag != (ref->tag.empty() ? kDefaultTag : ref->tag))
      return false;
    const std::string storedName = stored.name();
    const std::string wanted = ref->name();
    if (storedName == wanted) return true;
    return storedName.size() > wanted.size() && storedName.ends_with(wanted) &&
           storedName[storedName.size() - wanted.size() - 1] == '/';
  } catch (...) {
    return false;
  }
}

}  // namespace berth::image
