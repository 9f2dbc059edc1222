// SPDX-License-Identifier: Apache-2.0
// Catch2 v2 (Debian 12) and v3 differ in their include path only, for what we use.
#pragma once
#if __has_include(<catch2/catch_all.hpp>)
#include <catch2/catch_all.hpp>
#else
#include <catch2/catch.hpp>
#endif
