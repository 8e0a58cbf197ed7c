#!/usr/bin/env python3
"""Checks of contrib/'s YAML for tests/e2e/contrib.sh (python3-yaml).

  contrib_check.py manifests FILE...
      every document of every FILE is a Kubernetes object: a mapping with
      apiVersion, kind and metadata.name (strings); one line per problem on
      stdout, exit 1 if any.
  contrib_check.py static-sd IN OUT
      IN, a Prometheus config using kubernetes_sd_configs, written to OUT
      with each of them replaced by one static target, so that a promtool
      built without Kubernetes discovery (Debian's) checks the rest.
  contrib_check.py configmap-file FILE NAME KEY OUT
      the data KEY of the ConfigMap NAME in FILE, written to OUT.
"""
import sys

import yaml


def documents(path):
    with open(path, encoding="utf-8") as f:
        return [d for d in yaml.safe_load_all(f) if d is not None]


def manifests(paths):
    problems = []
    count = 0
    for path in paths:
        try:
            docs = documents(path)
        except yaml.YAMLError as e:
            problems.append(f"{path}: not YAML: {e}")
            continue
        if not docs:
            problems.append(f"{path}: no document")
        for i, d in enumerate(docs, 1):
            where = f"{path}, document {i}"
            if not isinstance(d, dict):
                problems.append(f"{where}: not a mapping")
                continue
            for key in ("apiVersion", "kind"):
                if not isinstance(d.get(key), str) or not d[key]:
                    problems.append(f"{where}: no {key}")
            meta = d.get("metadata")
            if not isinstance(meta, dict) or not isinstance(meta.get("name"), str) or not meta["name"]:
                problems.append(f"{where}: no metadata.name")
            count += 1
    for p in problems:
        print(p)
    if not problems:
        print(f"{count} objects in {len(paths)} files")
    return 1 if problems else 0


def static_sd(src, dst):
    config = documents(src)[0]
    replaced = 0
    for job in config.get("scrape_configs", []):
        if "kubernetes_sd_configs" in job:
            del job["kubernetes_sd_configs"]
            job["static_configs"] = [{"targets": ["192.0.2.1:5201"]}]
            replaced += 1
    with open(dst, "w", encoding="utf-8") as f:
        yaml.safe_dump(config, f)
    print(f"{replaced} jobs")
    return 0 if replaced else 1


def configmap_file(path, name, key, dst):
    for d in documents(path):
        if d.get("kind") == "ConfigMap" and d.get("metadata", {}).get("name") == name:
            text = d.get("data", {}).get(key)
            if isinstance(text, str):
                with open(dst, "w", encoding="utf-8") as f:
                    f.write(text)
                return 0
    print(f"{path}: no ConfigMap {name} with data key {key}")
    return 1


def main(argv):
    if len(argv) >= 3 and argv[1] == "manifests":
        return manifests(argv[2:])
    if len(argv) == 4 and argv[1] == "static-sd":
        return static_sd(argv[2], argv[3])
    if len(argv) == 6 and argv[1] == "configmap-file":
        return configmap_file(*argv[2:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
