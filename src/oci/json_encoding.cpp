// SPDX-License-Identifier: Apache-2.0
#include "berth/oci/json_encoding.hpp"

namespace berth::oci {

std::string encodeJson(const Json& value) {
  // nlohmann's compact dump escapes like Go except for Go's HTML-safe
  // escapes. '<', '>' and '&' cannot occur outside strings in JSON, and the
  // byte sequences of U+2028/U+2029 only inside them, so a pass over the
  // whole text is exact.
  const std::string text = value.dump(-1, ' ', false, Json::error_handler_t::replace);
  std::string out;
  out.reserve(text.size() + text.size() / 16);
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '<') {
      out += "\\u003c";
    } else if (c == '>') {
      out += "\\u003e";
    } else if (c == '&') {
      out += "\\u0026";
    } else if (c == '\xE2' && i + 2 < text.size() && text[i + 1] == '\x80' &&
               (text[i + 2] == '\xA8' || text[i + 2] == '\xA9')) {
      out += text[i + 2] == '\xA8' ? "\\u2028" : "\\u2029";
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace berth::oci
