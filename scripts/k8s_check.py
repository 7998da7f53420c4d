#!/usr/bin/env python3
"""Judges generated Kubernetes manifests with the real tools.

Usage: k8s_check.py ENV_DIR...   (each an out/k8s/<environment> folder)

For every environment folder:
  - every file is one YAML document (read by PyYAML, a YAML 1.1 reader like
    the one kubectl uses, so a string that would turn into a number shows);
  - every object passes kubernetes-validate in strict mode (unknown fields
    are errors) for the pinned Kubernetes version;
  - each file is named after its object (`deployment-web.yaml`) and the
    kustomization lists exactly the other files;
  - `kubectl kustomize` renders the folder (it rejects duplicate objects and
    missing files) into as many objects as there are files.
Exits non-zero on the first environment with a problem, after reporting all
of its problems.
"""
import pathlib
import subprocess
import sys

import kubernetes_validate
import yaml

# The Kubernetes version the manifests are checked against: DigitalOcean's
# current minor at the time of writing (the examples' clusters run 1.33).
KUBERNETES_VERSION = "1.33.0"
KUBECTL = pathlib.Path(sys.executable).parent / "kubectl"


def check_environment(folder: pathlib.Path) -> list:
    problems = []
    files = sorted(p for p in folder.iterdir() if p.suffix == ".yaml")
    listed = None
    objects = 0
    for path in files:
        try:
            docs = [d for d in yaml.safe_load_all(path.read_text()) if d is not None]
        except yaml.YAMLError as e:
            problems.append(f"{path}: not YAML: {e}")
            continue
        if len(docs) != 1:
            problems.append(f"{path}: {len(docs)} documents, expected one")
            continue
        doc = docs[0]
        if path.name == "kustomization.yaml":
            listed = doc.get("resources", [])
            continue
        objects += 1
        try:
            kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as e:
            problems.append(f"{path}: {e.message} (at {'.'.join(map(str, e.path))})")
        except Exception as e:  # an unknown kind or API version
            problems.append(f"{path}: {e}")
        kind = str(doc.get("kind", "")).lower()
        name = str(doc.get("metadata", {}).get("name", ""))
        if not path.name.startswith(f"{kind}-{name}."):
            problems.append(f"{path}: holds {kind} `{name}`, not what its name says")
    if listed is None:
        problems.append(f"{folder}: no kustomization.yaml")
    elif sorted(listed) != sorted(p.name for p in files if p.name != "kustomization.yaml"):
        problems.append(f"{folder}: kustomization lists {sorted(listed)}")
    rendered = subprocess.run(
        [str(KUBECTL), "kustomize", str(folder)], capture_output=True, text=True
    )
    if rendered.returncode != 0:
        problems.append(f"{folder}: kubectl kustomize failed: {rendered.stderr.strip()}")
    else:
        count = sum(1 for d in yaml.safe_load_all(rendered.stdout) if d is not None)
        if count != objects:
            problems.append(f"{folder}: kustomize rendered {count} objects from {objects} files")
    return problems


def main() -> int:
    failed = False
    for arg in sys.argv[1:]:
        problems = check_environment(pathlib.Path(arg))
        for p in problems:
            print(p, file=sys.stderr)
        failed = failed or bool(problems)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
