#!/usr/bin/env python3
"""Reads generated manifests back as kubectl would (YAML 1.1, PyYAML) and
compares the values with what the project wrote.

Usage: k8s_values.py ENV_DIR EXPECTED_JSON

EXPECTED_JSON maps a manifest file to `data` (a config map's entries),
`env` (the first container's plain env values) and `command`. Values in
`env` and `command` are as written in the manifest, i.e. with the kubelet's
`$$` escape; the kubelet turns `$$` back into `$`.
"""
import json
import pathlib
import sys

import yaml


def main() -> int:
    folder, expected = pathlib.Path(sys.argv[1]), json.loads(pathlib.Path(sys.argv[2]).read_text())
    problems = []
    for name, want in expected.items():
        doc = yaml.safe_load((folder / name).read_text())
        if "data" in want and doc.get("data") != want["data"]:
            got = doc.get("data") or {}
            for k in sorted(set(got) | set(want["data"])):
                if got.get(k) != want["data"].get(k):
                    problems.append(f"{name}: data.{k} is {got.get(k)!r}, expected {want['data'].get(k)!r}")
        container = (doc.get("spec", {}).get("template", {}).get("spec", {}).get("containers") or [{}])[0]
        if "env" in want:
            got = {e["name"]: e.get("value") for e in container.get("env", [])}
            if got != want["env"]:
                problems.append(f"{name}: env is {got!r}, expected {want['env']!r}")
        if "command" in want and container.get("command") != want["command"]:
            problems.append(f"{name}: command is {container.get('command')!r}, expected {want['command']!r}")
    for p in problems:
        print(p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
