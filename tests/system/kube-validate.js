// SPDX-License-Identifier: Apache-2.0
// Validates every document of a Kubernetes YAML file against the schema of
// its kind (npm kubernetes-models@4, whose compiled ajv validators check
// types and required fields), and reports every field the schema does not
// know: the validators read exactly the properties the schema defines, so
// the document is wrapped in proxies that record what was read; a key never
// read (in an object the validator did not enumerate as a map) is unknown.
//
//   NODE_PATH=<node_modules with kubernetes-models and yaml> node kube-validate.js FILE
"use strict";

const fs = require("fs");
const path = require("path");
const YAML = require("yaml");

// The schemas are not among the package's exports: load them by path.
const modelsDir = (process.env.NODE_PATH || "")
  .split(path.delimiter)
  .map((dir) => path.join(dir, "kubernetes-models"))
  .find((dir) => fs.existsSync(path.join(dir, "_schemas")));
if (!modelsDir) {
  console.error("kubernetes-models not found in NODE_PATH");
  process.exit(2);
}

const schemas = {
  "v1/Pod": "IoK8sApiCoreV1Pod",
  "v1/Service": "IoK8sApiCoreV1Service",
  "v1/PersistentVolumeClaim": "IoK8sApiCoreV1PersistentVolumeClaim",
  "v1/ConfigMap": "IoK8sApiCoreV1ConfigMap",
  "v1/Secret": "IoK8sApiCoreV1Secret",
  "apps/v1/Deployment": "IoK8sApiAppsV1Deployment",
  "apps/v1/DaemonSet": "IoK8sApiAppsV1DaemonSet",
  "batch/v1/Job": "IoK8sApiBatchV1Job",
};

function track(value, where, read, maps) {
  if (value === null || typeof value !== "object") return value;
  const cache = new Map();
  return new Proxy(value, {
    get(target, prop) {
      if (typeof prop !== "string") return target[prop];
      read.add(where + "/" + prop);
      if (!Object.prototype.hasOwnProperty.call(target, prop)) return target[prop];
      if (!cache.has(prop)) cache.set(prop, track(target[prop], where + "/" + prop, read, maps));
      return cache.get(prop);
    },
    ownKeys(target) {
      maps.add(where);
      return Reflect.ownKeys(target);
    },
  });
}

function unknownFields(value, where, read, maps, out) {
  if (value === null || typeof value !== "object") return;
  for (const key of Object.keys(value)) {
    const child = where + "/" + key;
    if (!Array.isArray(value) && !maps.has(where) && !read.has(child)) out.push(child);
    unknownFields(value[key], child, read, maps, out);
  }
}

const file = process.argv[2];
const docs = YAML.parseAllDocuments(fs.readFileSync(file, "utf8"));
let failures = 0;
let checked = 0;
docs.forEach((doc, index) => {
  const value = doc.toJSON();
  if (value === null) return;
  const where = `${file}: document ${index + 1}`;
  const schemaName = schemas[`${value.apiVersion}/${value.kind}`];
  if (!schemaName) {
    console.error(`${where}: no schema for ${value.apiVersion} ${value.kind}`);
    failures++;
    return;
  }
  const { validate } = require(path.join(modelsDir, "_schemas", `${schemaName}.js`));
  const read = new Set();
  const maps = new Set();
  const ok = validate(track(value, "", read, maps));
  checked++;
  if (!ok) {
    for (const e of validate.errors) console.error(`${where}: ${e.instancePath} ${e.keyword} ${JSON.stringify(e.params)}`);
    failures++;
  }
  const unknown = [];
  unknownFields(value, "", read, maps, unknown);
  for (const u of unknown) console.error(`${where}: ${u}: not a field of ${value.kind}`);
  if (unknown.length) failures++;
});
if (checked === 0) {
  console.error(`${file}: no documents`);
  failures++;
}
if (failures) process.exit(1);
console.log(`${file}: ${checked} document(s) valid`);
