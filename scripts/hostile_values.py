"""Hostile values in every string slot: a diagnostic, or output that the
real tools read back equal. No value may inject configuration.

    python hostile_values.py INFRAC TOOLS_DIR
    python hostile_values.py --self-test

Every value of tests/hostile/values.json is put, as a KDL string, into every
slot of tests/hostile/slots.json (a declaration with `@V@` where the value
goes) and built with INFRAC. Then each build is one of:
  - a diagnostic (exit 1 with an error): the value is refused, at its span;
  - output read back by the target's real reader, the value equal:
      Terraform: HashiCorp's HCL parser (hcl2json) reads the file; the
        value is decoded as Terraform decodes a JSON template (`$${` and
        `%%{` are literal, a bare `${` or `%{` would be an interpolation:
        an injection);
      Kubernetes: a YAML 1.1 loader (PyYAML, as kubectl reads YAML 1.1
        scalars alike) reads the manifest;
  - anything else (a crash, a mismatch, an injection) is a failure.
Prints the counts and exits 1 on any failure. Adding a slot or a value is
one entry in either file.
"""
import json
import os
import subprocess
import sys
import tempfile

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

HEAD = """provider "digitalocean" token=(secret)"do_token"
provider "aws" region="eu-central-1"
provider "heroku" api-key=(secret)"heroku_key"
domain "example.com"
"""


def kdl_string(value):
    """A KDL 2.0 quoted string that infrac reads as `value` exactly: `${`
    opens an interpolation in infrac's strings, so a literal one is `$${`."""
    value = value.replace("${", "$${")
    out = ['"']
    for c in value:
        if c == '"':
            out.append('\\"')
        elif c == "\\":
            out.append("\\\\")
        elif c == "\n":
            out.append("\\n")
        elif c == "\r":
            out.append("\\r")
        elif c == "\t":
            out.append("\\t")
        elif ord(c) < 0x20 or ord(c) == 0x7F or c in "\u2028\u2029\ufeff\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069":
            out.append("\\u{%x}" % ord(c))
        else:
            out.append(c)
    out.append('"')
    return "".join(out)


def template_text(s):
    """The literal text of a JSON-syntax HCL template, or None when it holds
    an interpolation or directive (what an escaping bug would make)."""
    out = []
    i = 0
    while i < len(s):
        if s.startswith("$${", i) or s.startswith("%%{", i):
            out.append(s[i] + "{")
            i += 3
        elif s.startswith("${", i) or s.startswith("%{", i):
            return None
        else:
            out.append(s[i])
            i += 1
    return "".join(out)


def env_text(s):
    """The value a container sees for an `env` value: Kubernetes expands
    `$(NAME)` and reads `$$` as `$`; an unescaped `$(` is an injection."""
    out = []
    i = 0
    while i < len(s):
        if s.startswith("$$", i):
            out.append("$")
            i += 2
        elif s.startswith("$(", i):
            return None
        else:
            out.append(s[i])
            i += 1
    return "".join(out)


def dig(v, path):
    for p in path:
        if isinstance(v, list):
            v = v[0]
        v = v[p]
    return v


def self_test():
    """The readers can fail: what an escaping bug would write is caught."""
    assert template_text("a$${b}%%{c}") == "a${b}%{c}"
    assert template_text("a${var.x}") is None
    assert template_text("%{ if x }") is None
    assert env_text("a$$b") == "a$b"
    assert env_text("$(HOME)") is None
    print("hostile values: the readers catch injections")


def main():
    if sys.argv[1:] == ["--self-test"]:
        self_test()
        return
    infrac, tools = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    values = json.load(open(os.path.join(ROOT, "tests/hostile/values.json")))
    slots = json.load(open(os.path.join(ROOT, "tests/hostile/slots.json")))
    counts = {"combinations": 0, "diagnostics": 0, "equal": 0, "injections": 0, "mismatches": 0, "crashes": 0}
    failures = []
    tf_reads = []  # (slot, value, file, reader)
    with tempfile.TemporaryDirectory(prefix="infrac-hostile-") as scratch:
        for si, slot in enumerate(slots):
            for vi, value in enumerate(values):
                counts["combinations"] += 1
                d = os.path.join(scratch, f"{si}-{vi}")
                os.makedirs(d)
                with open(os.path.join(d, "infra.kdl"), "w", encoding="utf-8") as f:
                    f.write(HEAD + slot["kdl"].replace("@V@", kdl_string(value)) + "\n")
                p = subprocess.run([infrac, "build", d],
                                   capture_output=True, text=True, env=dict(os.environ, NO_COLOR="1"))
                if p.returncode == 1 and "infrac::E" in p.stderr:
                    counts["diagnostics"] += 1
                    continue
                if p.returncode != 0:
                    counts["crashes"] += 1
                    failures.append(f"{slot['slot']} / {value[:40]!r}: exit {p.returncode}\n{p.stderr[-600:]}")
                    continue
                out = os.path.join(d, "out")
                if "kubernetes" in slot:
                    kind, name, field, key = slot["kubernetes"]
                    got = None
                    for root, _, files in os.walk(os.path.join(out, "k8s")):
                        for fn in files:
                            if not fn.endswith(".yaml"):
                                continue
                            for doc in yaml.safe_load_all(open(os.path.join(root, fn), encoding="utf-8")):
                                if not doc or doc.get("kind") != kind or doc["metadata"]["name"] != name:
                                    continue
                                if field == "env":
                                    for c in doc["spec"]["template"]["spec"]["containers"]:
                                        for e in c.get("env", []):
                                            if e["name"] == key:
                                                got = env_text(e.get("value", ""))
                                else:
                                    got = doc[field][key]
                    if got is None and field == "env":
                        counts["injections"] += 1
                        failures.append(f"{slot['slot']} / {value[:40]!r}: $( expands")
                    else:
                        record(counts, failures, slot, value, got)
                else:
                    files = sorted(
                        os.path.join(out, "terraform", f) for f in os.listdir(os.path.join(out, "terraform"))
                    )
                    tf_reads.append((slot, value, files))
        # One run of HashiCorp's parser for every Terraform file.
        all_files = [f for _, _, files in tf_reads for f in files]
        parsed = {}
        if all_files:
            p = subprocess.run(
                ["node", os.path.join(HERE, "hcl_parse.js"), *all_files],
                capture_output=True, text=True, env=dict(os.environ, INFRAC_TOOLS=tools),
            )
            for line in p.stdout.split("\n"):
                if not line:
                    continue
                r = json.loads(line)
                parsed[r["file"]] = r["json"]
            if p.returncode != 0:
                failures.append(f"HashiCorp's parser rejected a file: {p.stderr[-800:]}")
        for slot, value, files in tf_reads:
            merged = {}
            for f in files:
                if f not in parsed:
                    counts["crashes"] += 1
                    failures.append(f"{slot['slot']} / {value[:40]!r}: {f} not parsed")
                    break
                for block, body in parsed[f].items():
                    merged.setdefault(block, {}).update(body)
            else:
                try:
                    if "terraform_output" in slot:
                        raw = dig(merged["output"], slot["terraform_output"])
                    else:
                        raw = dig(merged["resource"], slot["terraform"])
                except (KeyError, IndexError, TypeError) as e:
                    counts["mismatches"] += 1
                    failures.append(f"{slot['slot']} / {value[:40]!r}: not found ({e})")
                    continue
                text = template_text(raw) if isinstance(raw, str) else raw
                if text is None:
                    counts["injections"] += 1
                    failures.append(f"{slot['slot']} / {value[:40]!r}: interpolation injected: {raw[:80]!r}")
                    continue
                record(counts, failures, slot, value, text)
    print("hostile values: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    for f in failures[:30]:
        print("FAIL " + f)
    sys.exit(1 if failures else 0)


def record(counts, failures, slot, value, got):
    if got == value:
        counts["equal"] += 1
    else:
        counts["mismatches"] += 1
        failures.append(f"{slot['slot']} / {value[:40]!r}: read back {str(got)[:60]!r}")


if __name__ == "__main__":
    main()
