// SPDX-License-Identifier: Apache-2.0
// A selection prompt on a terminal, drawn as Podman's (promptui) is.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace berth {

/// Shows "? LABEL:" and `items` on the terminal `outFd`, one highlighted
/// ("▸"), and reads keys from the terminal `inFd` (put in non-canonical
/// mode for the duration): up/down arrows or k/j move, a digit 1-9 moves
/// to that item, Enter picks the highlighted one, which stays shown as
/// "✔ ITEM". Returns the picked index. Throws Error(InvalidArgument)
/// "selection aborted (^C)" on Ctrl-C, Ctrl-D or end of input;
/// Error for an empty `items` or a failed read.
std::size_t promptSelect(std::string_view label, const std::vector<std::string>& items, int inFd,
                         int outFd);

}  // namespace berth
