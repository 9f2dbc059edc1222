#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""make-pull-image.py [--mb MB] [--layers N] [--busybox PATH] OUT-DIR

Writes an OCI image layout (oci-layout, index.json, blobs/sha256/...) with
one image, tagged "latest", for bench/pull.sh: layer 1 is a static busybox
(/bin/busybox and /bin/sh), layers 2..N hold seeded random (incompressible)
files, MB in all, split evenly, in files of about 8 MB under /data/lNN/.
Layers are gzip (level 1: the data does not compress anyway). The bytes
depend only on the options and on Python's random.Random; tar headers have
mtime 0 and owner 0:0. Only the Python standard library is used.
"""

import argparse
import gzip
import hashlib
import io
import json
import os
import random
import sys
import tarfile

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"


def add(tar, name, data=b"", kind=tarfile.REGTYPE, mode=0o644, link=""):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.mode = mode
    info.mtime = 0
    info.uid = info.gid = 0
    info.linkname = link
    info.size = len(data) if kind == tarfile.REGTYPE else 0
    tar.addfile(info, io.BytesIO(data) if kind == tarfile.REGTYPE else None)


def write_blob(out, data):
    digest = hashlib.sha256(data).hexdigest()
    with open(os.path.join(out, "blobs", "sha256", digest), "wb") as f:
        f.write(data)
    return "sha256:" + digest


def layer(out, fill):
    """fill(tar) adds the entries; returns (descriptor, diff id)."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.GNU_FORMAT) as tar:
        fill(tar)
    plain = raw.getvalue()
    packed = gzip.compress(plain, compresslevel=1, mtime=0)
    digest = write_blob(out, packed)
    desc = {"mediaType": OCI_LAYER, "digest": digest, "size": len(packed)}
    return desc, "sha256:" + hashlib.sha256(plain).hexdigest()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mb", type=int, default=200)
    parser.add_argument("--layers", type=int, default=5)
    parser.add_argument("--busybox", default="/bin/busybox")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("out")
    args = parser.parse_args()
    if args.layers < 2 or args.mb < 1:
        sys.exit("make-pull-image.py: --layers must be >= 2 and --mb >= 1")
    os.makedirs(os.path.join(args.out, "blobs", "sha256"), exist_ok=True)
    rng = random.Random(args.seed)
    with open(args.busybox, "rb") as f:
        busybox = f.read()

    def base(tar):
        add(tar, "bin/", kind=tarfile.DIRTYPE, mode=0o755)
        add(tar, "bin/busybox", busybox, mode=0o755)
        add(tar, "bin/sh", kind=tarfile.SYMTYPE, link="busybox", mode=0o777)

    layers = [layer(args.out, base)]
    per_layer = args.mb * 1024 * 1024 // (args.layers - 1)
    for n in range(1, args.layers):
        def data(tar, n=n):
            top = "data/l%02d/" % n
            add(tar, "data/", kind=tarfile.DIRTYPE, mode=0o755)
            add(tar, top, kind=tarfile.DIRTYPE, mode=0o755)
            left, i = per_layer, 0
            while left > 0:
                size = min(left, 8 * 1024 * 1024)
                add(tar, "%sf%03d" % (top, i), rng.randbytes(size))
                left -= size
                i += 1
        layers.append(layer(args.out, data))

    config = {
        "created": "1970-01-01T00:00:00Z",
        "architecture": "amd64",
        "os": "linux",
        "config": {"Cmd": ["/bin/sh"], "Env": ["PATH=/bin"]},
        "rootfs": {"type": "layers", "diff_ids": [diff for _, diff in layers]},
        "history": [{"created": "1970-01-01T00:00:00Z"} for _ in layers],
    }
    config_bytes = json.dumps(config, separators=(",", ":"), sort_keys=True).encode()
    manifest = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {"mediaType": OCI_CONFIG, "digest": write_blob(args.out, config_bytes),
                   "size": len(config_bytes)},
        "layers": [desc for desc, _ in layers],
    }
    manifest_bytes = json.dumps(manifest, separators=(",", ":")).encode()
    index = {
        "schemaVersion": 2,
        "manifests": [{"mediaType": OCI_MANIFEST, "digest": write_blob(args.out, manifest_bytes),
                       "size": len(manifest_bytes),
                       "annotations": {"org.opencontainers.image.ref.name": "latest"}}],
    }
    with open(os.path.join(args.out, "index.json"), "w") as f:
        json.dump(index, f, separators=(",", ":"))
    with open(os.path.join(args.out, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)


if __name__ == "__main__":
    main()
