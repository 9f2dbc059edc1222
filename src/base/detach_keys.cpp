// SPDX-License-Identifier: Apache-2.0
#include "berth/base/detach_keys.hpp"

#include "berth/base/error.hpp"

namespace berth {

std::string parseDetachKeys(std::string_view keys) {
  std::string bytes;
  if (keys.empty()) return bytes;
  std::size_t start = 0;
  for (;;) {
    const auto comma = keys.find(',', start);
    // Split on every comma, as Docker does: "," itself cannot be a key.
    const std::string_view key = keys.substr(
        start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    if (key.size() == 1) {
      bytes.push_back(key[0]);
    } else if (key == "DEL") {
      bytes.push_back('\x7f');
    } else if (key.size() == 6 && key.starts_with("ctrl-") &&
               ((key[5] >= 'a' && key[5] <= 'z') || key[5] == '@' || key[5] == '[' ||
                key[5] == '\\' || key[5] == ']' || key[5] == '^' || key[5] == '_')) {
      // ctrl-@ is 0, ctrl-a 1 ... ctrl-z 26, ctrl-[ 27 ... ctrl-_ 31
      const char c = key[5];
      bytes.push_back(static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 1 : c - '@'));
    } else {
      throwError(Errc::InvalidArgument, "invalid detach keys \"{}\": unknown character \"{}\"",
                 keys, key);
    }
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return bytes;
}

bool DetachKeyMatcher::feed(std::string_view input, std::string& forward) {
  if (keys_.empty()) {
    forward.append(input);
    return false;
  }
  for (const char c : input) {
    if (c == keys_[matched_]) {
      if (++matched_ == keys_.size()) {
        matched_ = 0;
        return true;
      }
      continue;
    }
    // Not the sequence after all: what was held back goes first.
    forward.append(keys_, 0, matched_);
    matched_ = 0;
    if (c == keys_[0]) {
      if (keys_.size() == 1) return true;
      matched_ = 1;
    } else {
      forward.push_back(c);
    }
  }
  return false;
}

}  // namespace berth
