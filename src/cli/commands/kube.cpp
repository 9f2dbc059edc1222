// SPDX-License-Identifier: Apache-2.0
// berth kube generate|play|down, and generate kube (the same as kube generate).
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "../cli.hpp"
#include "../output.hpp"
#include "../progress.hpp"
#include "berth/base/error.hpp"
#include "berth/base/log.hpp"

namespace berth::cli {
namespace {

std::string readInput(const std::string& path) {
  if (path == "-") {
    std::ostringstream text;
    text << std::cin.rdbuf();
    return text.str();
  }
  std::ifstream file(path, std::ios::binary);
  if (!file)
    throwError(Errc::InvalidArgument, "{}: cannot read the YAML file: no such file or readable",
               path);
  return std::string(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
}

void defineGenerate(Cli& cli, const std::string& path) {
  CLI::App* app = cli.addCommand(path, "Generate Kubernetes YAML based on containers", true);
  auto file = std::make_shared<std::string>();
  auto service = std::make_shared<bool>(false);
  auto type = std::make_shared<std::string>("pod");
  auto replicas = std::make_shared<std::optional<unsigned>>();
  app->add_option("-f,--filename", *file, "Write output to the specified path");
  app->add_flag("-s,--service", *service, "Generate YAML for a Kubernetes service object");
  app->add_option("-t,--type", *type,
                  "Generate YAML for the given Kubernetes kind: pod, deployment, daemonset or job");
  app->add_option("-r,--replicas", *replicas,
                  "Set the replica number for Deployment kind (default 1)");
  cli.setRun(app, [&cli, file, service, type, replicas] {
    if (cli.args().empty())
      throwError(Errc::InvalidArgument,
                 "generate kube: requires at least one container or pod name");
    engine::Engine::KubeGenerateRequest request;
    request.names = cli.args();
    request.type = *type;
    request.replicas = *replicas;
    request.service = *service;
    const std::string yaml = cli.engine().generateKube(request);
    if (file->empty()) {
      writeStdout(yaml + "\n");
    } else {
      if (::access(file->c_str(), F_OK) == 0)
        throwError(Errc::InvalidArgument, "cannot write to {}: file exists", *file);
      std::ofstream out(*file, std::ios::binary);
      out << yaml;
      if (!out.flush()) throwError(Errc::InvalidArgument, "cannot write to {}", *file);
    }
    return 0;
  });
}

void printDown(const engine::Engine::KubeDownReport& report) {
  std::string out = "Pods stopped:\n";
  for (const auto& pod : report.pods)
    out += pod + "\n";
  out += "Pods removed:\n";
  for (const auto& pod : report.pods)
    out += pod + "\n";
  if (!report.secrets.empty()) {
    out += "Secrets removed:\n";
    for (const auto& s : report.secrets)
      out += s + "\n";
  }
  if (!report.volumes.empty()) {
    out += "Volumes removed:\n";
    for (const auto& v : report.volumes)
      out += v + "\n";
  }
  writeStdout(out);
}

void definePlay(Cli& cli, const std::string& path) {
  CLI::App* app = cli.addCommand(path, "Play a pod or volume based on Kubernetes YAML", true);
  struct Flags {
    bool replace = false;
    bool down = false;
    bool start = true;
    bool build = false;
    bool quiet = false;
    std::string network;
    std::vector<std::string> publish;
    std::vector<std::string> configMaps;
    std::string logDriver;
  };
  auto f = std::make_shared<Flags>();
  app->add_flag("--replace", f->replace, "Delete and recreate pods defined in the YAML file");
  app->add_flag("--down", f->down, "Stop pods defined in the YAML file");
  app->add_flag("--start", f->start, "Start the pod after creating it (default true)");
  app->add_flag("--build", f->build, "Build images (not supported: only --build=false)");
  app->add_flag("-q,--quiet", f->quiet, "Suppress output information when pulling images");
  app->add_option("--network", f->network, "Connect pod to network mode");
  app->add_option("--publish", f->publish,
                  "Publish a container's port, or a range of ports, "
                  "to the host")
      ->allow_extra_args(false);
  app->add_option("--configmap", f->configMaps,
                  "Pathname of a YAML file containing a "
                  "kubernetes configmap")
      ->allow_extra_args(false);
  app->add_option("--log-driver", f->logDriver, "Logging driver for the container");
  cli.setRun(app, [&cli, f] {
    if (cli.args().size() != 1)
      throwError(Errc::InvalidArgument, "accepts 1 arg(s), received {}", cli.args().size());
    if (f->build)
      throwError(Errc::InvalidArgument, "--build: berth cannot build images: use --build=false");
    const std::string file = cli.args().front();
    const std::string text = readInput(file);
    const std::string what = file == "-" ? "standard input" : file;
    if (f->down) {
      printDown(cli.engine().downKube(text, what, false));
      return 0;
    }
    engine::Engine::KubePlayRequest request;
    request.text = text;
    request.what = what;
    request.configMapFiles = f->configMaps;
    request.network = f->network;
    request.publish = f->publish;
    request.logDriver = f->logDriver;
    request.start = f->start;
    request.replace = f->replace;
    request.pullProgress = progressPrinter(f->quiet);
    const auto report = cli.engine().playKube(request);
    for (const auto& warning : report.warnings)
      logWarn("{}", warning);
    std::string out;
    if (!report.volumes.empty()) {
      out += "Volumes:\n";
      for (const auto& v : report.volumes)
        out += v + "\n";
    }
    for (const auto& pod : report.pods) {
      out += "Pod:\n" + pod.id + "\n";
      out += pod.containers.size() == 1 ? "Container:\n" : "Containers:\n";
      for (const auto& id : pod.containers)
        out += id + "\n";
      out += "\n";
    }
    writeStdout(out);
    return 0;
  });
}

void defineDown(Cli& cli, const std::string& path) {
  CLI::App* app = cli.addCommand(path, "Remove pods based on Kubernetes YAML", true);
  auto force = std::make_shared<bool>(false);
  app->add_flag("--force", *force, "Remove volumes (PersistentVolumeClaims) as well");
  cli.setRun(app, [&cli, force] {
    if (cli.args().size() != 1)
      throwError(Errc::InvalidArgument, "accepts 1 arg(s), received {}", cli.args().size());
    const std::string file = cli.args().front();
    printDown(
        cli.engine().downKube(readInput(file), file == "-" ? "standard input" : file, *force));
    return 0;
  });
}

}  // namespace

void addKubeCommands(Cli& cli) {
  cli.group("kube", "Play containers, pods or volumes from a structured file");
  defineGenerate(cli, "kube generate");
  definePlay(cli, "kube play");
  defineDown(cli, "kube down");
}

void addGenerateKubeCommand(Cli& cli) {
  cli.group("generate", "Generate structured data based on containers");
  defineGenerate(cli, "generate kube");
}

}  // namespace berth::cli
