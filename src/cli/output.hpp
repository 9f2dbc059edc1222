// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "berth/base/error.hpp"
#include "berth/base/json.hpp"
#include "berth/format/report.hpp"

namespace berth::cli {

/// Go struct field names for a report's camelCase JSON keys: "graphRoot" ->
/// "GraphRoot", with `renames` for Podman's irregular ones ("cpus" ->
/// "CPUs"; a rename applies to that key at any depth). Templates see these
/// names, as Podman's do.
Json goFieldView(const Json& report, const std::map<std::string, std::string>& renames);

/// Prints a single-object report (version, info, inspect of one object) the
/// way Podman does for its --format value: "" -> `defaultText(report)`;
/// "json" -> indented JSON in `jsonStyle` (Podman's encoders differ per
/// command); anything else is a Go template run against `templateView`.
struct JsonLayout {
  int indent = 4;
  format::JsonStyle style = format::JsonStyle::Go;
};
void printObjectReport(const Json& report, const Json& templateView, const std::string& format,
                       const std::function<std::string(const Json&)>& defaultText,
                       JsonLayout jsonLayout = {});

/// Prints what `inspect` found (JSON indented by `indent`, or the
/// template once per object), then the errors, one `Error: PREFIX...` line
/// each, the last one thrown as an Error of `kind` (exit 125).
void printInspectResults(const Json& found, const std::vector<std::string>& errors,
                         const std::string& format, int indent, const std::string& errorPrefix,
                         Errc kind);

/// Writes all of `text` to stdout (no buffering surprises when mixed with
/// other writers).
void writeStdout(std::string_view text);

/// A prune's confirmation, as Podman asks it: prints `warning` and
/// "Are you sure you want to continue? [y/N] ", reads one line of stdin and
/// returns whether it starts with y or Y. End of input is Error "EOF".
bool confirmPrune(std::string_view warning);

}  // namespace berth::cli
