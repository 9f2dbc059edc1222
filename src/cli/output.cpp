// SPDX-License-Identifier: Apache-2.0
#include "output.hpp"

#include <unistd.h>

#include <cctype>
#include <cerrno>

#include "berth/base/error.hpp"
#include "berth/base/fs.hpp"
#include "berth/format/report.hpp"

namespace berth::cli {

Json goFieldView(const Json& report, const std::map<std::string, std::string>& renames) {
  if (report.is_array()) {
    Json out = Json::array();
    for (const auto& item : report)
      out.push_back(goFieldView(item, renames));
    return out;
  }
  if (!report.is_object()) return report;
  Json out = Json::object();
  for (const auto& [key, value] : report.items()) {
    std::string name = key;
    if (auto it = renames.find(key); it != renames.end()) {
      name = it->second;
    } else if (!name.empty()) {
      name[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(name[0])));
    }
    out[name] = goFieldView(value, renames);
  }
  return out;
}

void writeStdout(std::string_view text) {
  writeAll(STDOUT_FILENO, text, "stdout");
}

bool confirmPrune(std::string_view warning) {
  writeStdout(std::string(warning) + "Are you sure you want to continue? [y/N] ");
  std::string answer;
  char c = 0;
  ssize_t n = 0;
  while ((n = ::read(STDIN_FILENO, &c, 1)) == 1 && c != '\n')
    answer += c;
  if (n < 0) throwErrno("read the answer from stdin");
  if (n == 0 && answer.empty()) throwError(Errc::InvalidArgument, "EOF");
  return !answer.empty() && (answer[0] == 'y' || answer[0] == 'Y');
}

void printObjectReport(const Json& report, const Json& templateView, const std::string& format,
                       const std::function<std::string(const Json&)>& defaultText,
                       JsonLayout jsonLayout) {
  if (format.empty()) {
    writeStdout(defaultText(report));
    return;
  }
  if (format::isJsonFormat(format)) {
    writeStdout(format::renderJson(report, jsonLayout.indent, jsonLayout.style) + "\n");
    return;
  }
  writeStdout(format::renderObject(format, templateView, "output"));
}

void printInspectResults(const Json& found, const std::vector<std::string>& errors,
                         const std::string& format, int indent, const std::string& errorPrefix,
                         Errc kind) {
  if (format.empty() || format::isJsonFormat(format)) {
    writeStdout(format::renderJson(found, indent, format::JsonStyle::Go) + "\n");
  } else {
    std::string out;
    for (const auto& object : found)
      out += format::renderObject(format, object, "inspect");
    writeStdout(out);
  }
  if (errors.empty()) return;
  for (std::size_t i = 0; i + 1 < errors.size(); ++i)
    std::fprintf(stderr, "Error: %s%s\n", errorPrefix.c_str(), errors[i].c_str());
  throw Error(kind, errorPrefix + errors.back());
}

}  // namespace berth::cli
