#!/usr/bin/env python3
"""Judges generated Kubernetes manifests with the real tools.

Usage: k8s_check.py ENV_DIR...   (each an out/k8s/<environment> folder)

For every environment folder:
  - every file is one YAML document (read by PyYAML, a YAML 1.1 reader like
    the one kubectl uses, so a string that would turn into a number shows);
  - every object passes kubernetes-validate in strict mode (unknown fields
    are errors) for the pinned Kubernetes version; an object of a custom
    resource infrac ships the CRD of (schemas/kubernetes/crds/) passes that
    CRD's schema with `jsonschema`, unknown fields refused as the API
    server's strict field validation does;
  - each file is named after its object (`deployment-web.yaml`) and the
    kustomization lists exactly the other files;
  - `kubectl kustomize` renders the folder (it rejects duplicate objects,
    missing files and patches of objects it does not have) into as many
    objects as there are files, each of which passes the schemas again
    (patches applied).
Exits non-zero on the first environment with a problem, after reporting all
of its problems.
"""
import pathlib
import subprocess
import sys

import json

import jsonschema
import kubernetes_validate
import yaml

# The Kubernetes version the manifests are checked against: DigitalOcean's
# current minor at the time of writing (the examples' clusters run 1.33).
KUBERNETES_VERSION = "1.33.0"
KUBECTL = pathlib.Path(sys.executable).parent / "kubectl"
CRDS = pathlib.Path(__file__).resolve().parent.parent / "schemas" / "kubernetes" / "crds"


def strict(schema):
    """An OpenAPI v3 CRD schema with unknown fields refused: every object
    that lists its properties and does not keep unknown fields."""
    if isinstance(schema, list):
        return [strict(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: strict(v) for k, v in schema.items()}
    if ("properties" in out and "additionalProperties" not in out
            and not out.get("x-kubernetes-preserve-unknown-fields")):
        out["additionalProperties"] = False
    return out


def custom_resources():
    """(apiVersion, kind) → a validator, for every served version of every
    vendored CRD."""
    found = {}
    for path in sorted(CRDS.glob("*.json")):
        for crd in json.loads(path.read_text()):
            spec = crd["spec"]
            for version in spec["versions"]:
                schema = strict(version["schema"]["openAPIV3Schema"])
                key = (f"{spec['group']}/{version['name']}", spec["names"]["kind"])
                found[key] = jsonschema.Draft7Validator(schema)
    return found


CUSTOM = custom_resources()


def schema_problems(doc) -> list:
    custom = CUSTOM.get((doc.get("apiVersion"), doc.get("kind")))
    if custom is not None:
        return [f"{e.message} (at {'.'.join(map(str, e.path))})" for e in custom.iter_errors(doc)]
    try:
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.ValidationError as e:
        return [f"{e.message} (at {'.'.join(map(str, e.path))})"]
    except Exception as e:  # an unknown kind or API version
        return [f"no schema for {doc.get('apiVersion')} {doc.get('kind')}: {type(e).__name__} {e}"]
    return []


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
        problems.extend(f"{path}: {p}" for p in schema_problems(doc))
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
        docs = [d for d in yaml.safe_load_all(rendered.stdout) if d is not None]
        count = len(docs)
        # Patches are applied by kustomize: the objects as applied pass the
        # schemas too.
        for doc in docs:
            name = f"{doc.get('kind')} {doc.get('metadata', {}).get('name')}"
            problems.extend(f"{folder}: rendered {name}: {p}" for p in schema_problems(doc))
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
