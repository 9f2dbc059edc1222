// SPDX-License-Identifier: Apache-2.0
#include "berth/oci/digest.hpp"

#include <array>

#include <fmt/format.h>

#include "berth/base/error.hpp"

namespace berth::oci {

namespace {

struct Algorithm {
  std::string_view name;
  std::size_t hexLength;
};

// go-digest's registered algorithms (algorithm.go): the encoded part must be
// lower-case hex of exactly the hash size.
constexpr std::array<Algorithm, 3> kAlgorithms{{
    {"sha256", 64},
    {"sha384", 96},
    {"sha512", 128},
}};

bool isLowerHex(std::string_view text) noexcept {
  for (const char c : text)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

// The expected shape for the message: the algorithm the text names when it is
// a known one (so "sha512:abc" says 128), else sha256.
const Algorithm& expectedFor(std::string_view text) noexcept {
  const auto colon = text.find(':');
  const std::string_view name = colon == std::string_view::npos ? "" : text.substr(0, colon);
  for (const auto& algorithm : kAlgorithms)
    if (algorithm.name == name) return algorithm;
  return kAlgorithms[0];
}

}  // namespace

std::string Digest::validationError(std::string_view text) {
  const auto colon = text.find(':');
  if (colon != std::string_view::npos) {
    const std::string_view name = text.substr(0, colon);
    const std::string_view hex = text.substr(colon + 1);
    for (const auto& algorithm : kAlgorithms)
      if (algorithm.name == name && hex.size() == algorithm.hexLength && isLowerHex(hex)) return "";
  }
  const Algorithm& expected = expectedFor(text);
  return fmt::format("invalid digest \"{}\": expected {}:<{} hex characters>", text, expected.name,
                     expected.hexLength);
}

std::optional<Digest> Digest::tryParse(std::string_view text) noexcept {
  try {
    if (!validationError(text).empty()) return std::nullopt;
    return Digest(std::string(text), text.find(':'));
  } catch (...) {  // allocation failure
    return std::nullopt;
  }
}

Digest Digest::parse(std::string_view text) {
  if (auto message = validationError(text); !message.empty())
    throw Error(Errc::InvalidArgument, std::move(message));
  return Digest(std::string(text), text.find(':'));
}

Digest Digest::fromParts(std::string_view algorithm, std::string_view hex) {
  return parse(fmt::format("{}:{}", algorithm, hex));
}

std::string_view Digest::algorithm() const noexcept {
  return std::string_view(value_).substr(0, colon_);
}

std::string_view Digest::hex() const noexcept {
  if (value_.empty()) return {};
  return std::string_view(value_).substr(colon_ + 1);
}

}  // namespace berth::oci
