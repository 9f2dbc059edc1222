// SPDX-License-Identifier: Apache-2.0
// The pure parts of kube: YAML reading, generating from container records,
// planning from documents.
#include <string>

#include "berth/base/error.hpp"
#include "berth/kube/generate.hpp"
#include "berth/kube/play.hpp"
#include "berth/kube/yaml_parse.hpp"
#include "catch.hpp"

using berth::Error;
using berth::Json;
using namespace berth::kube;

namespace {

GenerateContainer webContainer() {
  GenerateContainer ctr;
  ctr.name = "web";
  ctr.imageName = "localhost/busybox:latest";
  ctr.image.cmd = {"sh"};
  ctr.image.env = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"};
  ctr.spec.image = "busybox";
  ctr.spec.command = {"httpd", "-f", "-p", "80", "-h", "/var/www"};
  ctr.spec.env = {"FOO=bar", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"};
  ctr.spec.workdir = "/var/www";
  ctr.spec.hostname = "webhost";
  ctr.spec.labels = {{"tier", "front"}};
  berth::spec::PortMapping port;
  port.containerPort = 80;
  port.hostPort = 8080;
  ctr.spec.ports = {port};
  ctr.spec.volumes = {{"bind", "/home/user/vol1", "/data", {"ro"}},
                      {"volume", "vol2", "/store", {}}};
  ctr.spec.mounts = {{"image", "localhost/other:1.0", "/img", {"ro"}}};  // left out
  ctr.hostPathTypes["/home/user/vol1"] = "Directory";
  return ctr;
}

std::vector<Json> parse(const std::string& text) {
  return parseYamlDocuments(text, "test.yaml");
}

std::string errorOf(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("YAML scalars are typed as sigs.k8s.io/yaml does", "[kube]") {
  const auto docs =
      parse("a: 80\nb: \"80\"\nc: true\nd: ~\ne: 1.5\nf: abc\ng: -3\n---\n---\nx: [1, two]\n");
  REQUIRE(docs.size() == 2);
  CHECK(docs[0]["a"] == 80);
  CHECK(docs[0]["b"] == "80");
  CHECK(docs[0]["c"] == true);
  CHECK(docs[0]["d"].is_null());
  CHECK(docs[0]["e"] == 1.5);
  CHECK(docs[0]["f"] == "abc");
  CHECK(docs[0]["g"] == -3);
  CHECK(docs[1]["x"] == Json::array({1, "two"}));
}

TEST_CASE("text that is not YAML names the document and line", "[kube]") {
  const std::string message = errorOf([] { parse("a: 1\n---\nb: [unclosed\n"); });
  CHECK(message.find("test.yaml: document 2: line") != std::string::npos);
}

TEST_CASE("generate writes a Pod as Podman does, keeping labels", "[kube]") {
  GenerateRequest request;
  request.containers = {webContainer()};
  request.version = "0.1.0";
  const auto docs = generateKubeDocuments(request);
  REQUIRE(docs.size() == 2);
  CHECK(docs[0]["kind"] == "PersistentVolumeClaim");
  CHECK(docs[0]["metadata"]["name"] == "vol2");
  const Json& pod = docs[1];
  CHECK(pod["kind"] == "Pod");
  CHECK(pod["metadata"]["name"] == "web-pod");
  CHECK(pod["metadata"]["labels"]["app"] == "web-pod");
  CHECK(pod["metadata"]["labels"]["tier"] == "front");
  const Json& ctr = pod["spec"]["containers"][0];
  CHECK(ctr["command"] == Json::array({"httpd", "-f", "-p", "80", "-h", "/var/www"}));
  // PATH as the image sets it is left out.
  CHECK(ctr["env"] == Json::array({{{"name", "FOO"}, {"value", "bar"}}}));
  CHECK(ctr["ports"][0] == Json({{"containerPort", 80}, {"hostPort", 8080}}));
  CHECK(ctr["securityContext"]["capabilities"]["drop"] ==
        Json::array({"CAP_MKNOD", "CAP_NET_RAW", "CAP_AUDIT_WRITE"}));
  CHECK(ctr["volumeMounts"][0] ==
        Json({{"mountPath", "/data"}, {"name", "home-user-vol1-host-0"}, {"readOnly", true}}));
  CHECK(ctr["volumeMounts"][1]["name"] == "vol2-pvc");
  CHECK(ctr["volumeMounts"].size() == 2);
  CHECK(pod["spec"]["volumes"].size() == 2);
  CHECK(ctr["workingDir"] == "/var/www");
  CHECK(pod["spec"]["hostname"] == "webhost");
  CHECK(pod["spec"]["restartPolicy"] == "Never");
  CHECK(pod["spec"]["volumes"][0]["hostPath"] ==
        Json({{"path", "/home/user/vol1"}, {"type", "Directory"}}));
  CHECK(pod["spec"]["volumes"][1]["persistentVolumeClaim"]["claimName"] == "vol2");

  const std::string yaml = generateKube(request);
  CHECK(yaml.rfind("# Save the output of this file and use kubectl create -f to import\n", 0) == 0);
  CHECK(yaml.find("---\napiVersion: v1\nkind: Pod\n") != std::string::npos);
}

TEST_CASE("generate: command/args, env, probes and limits only where they differ", "[kube]") {
  GenerateContainer ctr = webContainer();
  ctr.spec.command = {"sh"};  // the image's
  ctr.spec.memory = 256LL * 1024 * 1024;
  ctr.spec.cpus = 0.5;
  ctr.spec.capAdd = {"net_admin"};
  ctr.spec.noNewPrivileges = true;
  ctr.spec.user = "1000:100";
  ctr.spec.tty = true;
  ctr.spec.healthcheck =
      berth::spec::HealthCheck{{"CMD-SHELL", "true"}, 5'000'000'000, 2'000'000'000, 0, 4};
  ctr.spec.restart.name = "always";
  GenerateRequest request;
  request.containers = {ctr};
  request.type = "deployment";
  request.replicas = 3;
  request.service = true;
  const auto docs = generateKubeDocuments(request);
  REQUIRE(docs.size() == 3);
  const Json& deployment = docs[1];
  CHECK(deployment["apiVersion"] == "apps/v1");
  CHECK(deployment["metadata"]["name"] == "web-pod-deployment");
  CHECK(deployment["spec"]["replicas"] == 3);
  CHECK(deployment["spec"]["selector"]["matchLabels"]["app"] == "web-pod");
  const Json& c = deployment["spec"]["template"]["spec"]["containers"][0];
  CHECK_FALSE(c.contains("command"));
  CHECK(c["resources"]["limits"] == Json({{"cpu", "500m"}, {"memory", "256Mi"}}));
  CHECK(c["securityContext"]["capabilities"]["add"] == Json::array({"CAP_NET_ADMIN"}));
  CHECK(c["securityContext"]["allowPrivilegeEscalation"] == false);
  CHECK(c["securityContext"]["runAsUser"] == 1000);
  CHECK(c["securityContext"]["runAsGroup"] == 100);
  CHECK(c["tty"] == true);
  CHECK(c["livenessProbe"]["exec"]["command"] == Json::array({"/bin/sh", "-c", "true"}));
  CHECK(c["livenessProbe"]["periodSeconds"] == 5);
  CHECK(c["livenessProbe"]["failureThreshold"] == 4);
  CHECK(deployment["spec"]["template"]["spec"]["restartPolicy"] == "Always");
  const Json& service = docs[2];
  CHECK(service["kind"] == "Service");
  CHECK(service["spec"]["type"] == "NodePort");
  CHECK(service["spec"]["ports"][0]["targetPort"] == 80);

  request.type = "pod";
  CHECK(errorOf([&] { generateKubeDocuments(request); }).find("--replicas") != std::string::npos);
  request.replicas.reset();
  request.type = "statefulset";
  CHECK(errorOf([&] { generateKubeDocuments(request); }).find("statefulset") != std::string::npos);
}

TEST_CASE("play plans what generate wrote", "[kube]") {
  GenerateContainer ctr = webContainer();
  ctr.spec.healthcheck = berth::spec::HealthCheck{
      {"CMD-SHELL", "wget -q localhost"}, 5'000'000'000, 2'000'000'000, 0, 4};
  GenerateRequest request;
  request.containers = {ctr};
  PlanOptions options;
  options.hostPathKind = [](const std::string&) { return std::string("Directory"); };
  const Plan plan = planKube(parse(generateKube(request)), options);
  CHECK(plan.warnings.empty());
  REQUIRE(plan.volumes.size() == 1);
  CHECK(plan.volumes[0].name == "vol2");
  REQUIRE(plan.pods.size() == 1);
  const auto& spec = plan.pods[0].containers.at(0).spec;
  CHECK(spec.name == "web-pod-web");
  CHECK(spec.entrypoint == std::vector<std::string>{"httpd", "-f", "-p", "80", "-h", "/var/www"});
  CHECK(spec.env == std::vector<std::string>{"FOO=bar"});
  CHECK(spec.labels.at("tier") == "front");
  // Ports and the hostname belong to the pod (its infra holds the netns and uts).
  CHECK(spec.ports.empty());
  REQUIRE(plan.pods[0].ports.size() == 1);
  CHECK(plan.pods[0].ports[0].hostPort == 8080);
  CHECK(plan.pods[0].hostname == "webhost");
  CHECK(spec.workdir == "/var/www");
  CHECK(spec.restart.name == "no");
  REQUIRE(spec.volumes.size() == 2);
  CHECK(spec.volumes[0] == berth::spec::MountSpec{"bind", "/home/user/vol1", "/data", {"ro"}});
  CHECK(spec.volumes[1] == berth::spec::MountSpec{"volume", "vol2", "/store", {}});
  REQUIRE(spec.healthcheck);
  CHECK(*spec.healthcheck == *ctr.spec.healthcheck);
}

TEST_CASE("play: deployments, configmaps, secrets, warnings", "[kube]") {
  const std::string yaml = R"(apiVersion: v1
kind: ConfigMap
metadata:
  name: cfg
data:
  COLOR: blue
---
apiVersion: v1
kind: Secret
metadata:
  name: creds
data:
  password: aHVudGVyMg==
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
spec:
  replicas: 2
  selector:
    matchLabels:
      app: app
  template:
    metadata:
      labels:
        app: app
    spec:
      containers:
      - name: main
        image: busybox
        args: [sleep, "100"]
        readinessProbe:
          exec:
            command: [true]
        envFrom:
        - configMapRef:
            name: cfg
        env:
        - name: PASS
          valueFrom:
            secretKeyRef:
              name: creds
              key: password
      - name: side
        image: busybox
)";
  PlanOptions options;
  const Plan plan = planKube(parse(yaml), options);
  REQUIRE(plan.pods.size() == 2);
  CHECK(plan.pods[0].name == "app-pod-0");
  CHECK(plan.pods[1].name == "app-pod-1");
  const auto& main = plan.pods[0].containers.at(0).spec;
  CHECK(main.name == "app-pod-0-main");
  CHECK(main.command == std::vector<std::string>{"sleep", "100"});
  CHECK_FALSE(main.entrypoint);
  CHECK(main.env == std::vector<std::string>{"COLOR=blue", "PASS=hunter2"});
  const auto& side = plan.pods[0].containers.at(1).spec;
  // The containers join the pod: its infra holds the network.
  CHECK(side.network.kind == berth::spec::NetworkMode::Kind::Private);
  CHECK(side.ports.empty());
  CHECK(side.hostname.empty());
  CHECK(plan.pods[0].network.kind == berth::spec::NetworkMode::Kind::Private);
  REQUIRE(plan.secrets.size() == 1);
  CHECK(Json::parse(plan.secrets[0].data)["password"] == "hunter2");
  REQUIRE(plan.warnings.size() == 1);
  CHECK(plan.warnings[0] ==
        "spec.template.spec.containers[0].readinessProbe: not supported, ignored");
}

TEST_CASE("play: bad documents are one-line errors naming document and field", "[kube]") {
  PlanOptions options;
  options.hostPathKind = [](const std::string& path) {
    return path == "/exists" ? std::string("Directory") : std::string();
  };
  const auto fails = [&](const std::string& yaml) {
    return errorOf([&] { planKube(parse(yaml), options); });
  };
  CHECK(fails("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers: []\n") ==
        "document 1: spec.containers: a pod needs at least one container");
  CHECK(fails("kind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n") ==
        "document 1: spec.containers[0].image: required field is missing");
  CHECK(fails("kind: Pod\nmetadata:\n  name: p\n---\nkind: Frobnicator\n")
            .find("document 2: kind: \"Frobnicator\" is not supported") == 0);
  CHECK(fails("kind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: i\n"
              "    ports:\n    - containerPort: \"abc\"\n") ==
        "document 1: spec.containers[0].ports[0].containerPort: expected an integer, got \"abc\"");
  CHECK(
      fails("kind: Pod\nmetadata:\n  name: p\nspec:\n  volumes:\n  - name: v\n    hostPath:\n"
            "      path: /missing\n      type: File\n  containers:\n  - name: c\n    image: i\n") ==
      "document 1: spec.volumes[0].hostPath.path: /missing: no such file or directory");
}

TEST_CASE("down targets the names play gives", "[kube]") {
  const auto targets = downTargets(
      parse("kind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: a\n  - name: b\n---\n"
            "kind: PersistentVolumeClaim\nmetadata:\n  name: v\n"));
  CHECK(targets.pods == std::vector<std::string>{"p"});
  CHECK(targets.containers == std::vector<std::string>{"p-a", "p-b"});
  CHECK(targets.volumes == std::vector<std::string>{"v"});
}
