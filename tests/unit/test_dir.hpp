// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <dirent.h>
#include <stdlib.h>

#include <algorithm>
#include <string>
#include <vector>

#include "berth/base/fs.hpp"

/// A temporary directory for one test, removed with everything in it.
class TestDir {
 public:
  TestDir() {
    const char* base = ::getenv("TMPDIR");
    std::string pattern = std::string(base ? base : "/tmp") + "/berth-unit-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TestDir() {
    try {
      berth::removeAll(path_);
    } catch (...) {
    }
  }
  TestDir(const TestDir&) = delete;
  TestDir& operator=(const TestDir&) = delete;
  const std::string& path() const { return path_; }

  /// Names in the directory, sorted, without . and ..
  std::vector<std::string> entries(const std::string& sub = "") const {
    std::vector<std::string> names;
    DIR* dir = ::opendir((path_ + sub).c_str());
    if (dir == nullptr) return names;
    while (dirent* entry = ::readdir(dir)) {
      std::string name = entry->d_name;
      if (name != "." && name != "..") names.push_back(name);
    }
    ::closedir(dir);
    std::sort(names.begin(), names.end());
    return names;
  }

 private:
  std::string path_;
};
