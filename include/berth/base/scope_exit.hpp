// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <utility>

namespace berth {

/// Runs a callable when the scope ends, unless dismissed: one-off rollbacks.
/// `ScopeExit removeDir([&] { ::rmdir(path.c_str()); }); ... removeDir.dismiss();`
template <class F>
class ScopeExit {
 public:
  explicit ScopeExit(F fn) noexcept : fn_(std::move(fn)) {}
  ScopeExit(const ScopeExit&) = delete;
  ScopeExit& operator=(const ScopeExit&) = delete;
  ~ScopeExit() {
    if (active_) fn_();
  }
  void dismiss() noexcept { active_ = false; }

 private:
  F fn_;
  bool active_ = true;
};

}  // namespace berth
