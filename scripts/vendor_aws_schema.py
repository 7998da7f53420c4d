#!/usr/bin/env python3
"""Rebuilds schemas/providers/aws.json as the whole AWS provider.

    vendor_aws_schema.py CHECKOUT

CHECKOUT is a checkout of github.com/lonegunmanb/terraform-aws-schema at tag
v6.47.0 (MIT): its generated/{resource,data}/*.go files each embed one
schema of `terraform providers schema -json` (hashicorp/aws 6.47.0) as a Go
string constant, and generated/register.go maps type names to them. Only
the JSON strings are read. The provider block is kept from the current
aws.json (see SOURCES.md). Types whose file the checkout lacks are listed
in the manifest as known but not vendored.

Normalisation, as for every vendored schema (SOURCES.md): blocks keep
attributes, block_types, description, deprecated; attributes keep type or
nested_type and their flags; description_kind is dropped; descriptions are
trimmed and cut to 200 characters; empty and false keys are omitted; keys
sorted; 1-space indent.
"""
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TARGET = os.path.join(os.path.dirname(HERE), "schemas", "providers", "aws.json")

ATTR_FLAGS = ("required", "optional", "computed", "sensitive", "deprecated", "write_only")


def description(text):
    text = (text or "").strip()
    return text if len(text) <= 200 else text[:199] + "…"


def attribute(a):
    out = {}
    if "type" in a:
        out["type"] = a["type"]
    if "nested_type" in a:
        out["nested_type"] = nested(a["nested_type"])
    for flag in ATTR_FLAGS:
        if a.get(flag):
            out[flag] = True
    if description(a.get("description")):
        out["description"] = description(a.get("description"))
    return out


def nested(n):
    out = {"nesting_mode": n["nesting_mode"]}
    if n.get("attributes"):
        out["attributes"] = {k: attribute(v) for k, v in n["attributes"].items()}
    for k in ("min_items", "max_items"):
        if n.get(k):
            out[k] = n[k]
    return out


def block(b):
    out = {}
    if b.get("attributes"):
        out["attributes"] = {k: attribute(v) for k, v in b["attributes"].items()}
    if b.get("block_types"):
        out["block_types"] = {}
        for k, t in b["block_types"].items():
            bt = {"nesting_mode": t["nesting_mode"], "block": block(t.get("block", {}))}
            for m in ("min_items", "max_items"):
                if t.get(m):
                    bt[m] = t[m]
            out["block_types"][k] = bt
    if description(b.get("description")):
        out["description"] = description(b.get("description"))
    if b.get("deprecated"):
        out["deprecated"] = True
    return out


def schema(s):
    out = {"block": block(s.get("block", {}))}
    out["version"] = s.get("version", 0)
    return out


def embedded_json(path):
    """The Go raw string constant; a backquote inside it is spliced in as
    `` ` + "`" + ` ``."""
    text = open(path, encoding="utf-8").read().replace('` + "`" + `', "\x00")
    m = re.search(r"= `(\{.*?\})`", text, re.S)
    if not m:
        raise ValueError(f"{path}: no embedded schema")
    return json.loads(m.group(1).replace("\x00", "`"))


def main():
    checkout = sys.argv[1]
    register = open(os.path.join(checkout, "generated", "register.go"), encoding="utf-8").read()
    current = json.load(open(TARGET, encoding="utf-8"))
    result = {"provider": current["provider"], "resource_schemas": {}, "data_source_schemas": {}}
    missing = {"resource_schemas": [], "data_source_schemas": []}
    for table, folder, key in (("resources", "resource", "resource_schemas"),
                               ("dataSources", "data", "data_source_schemas")):
        for name, func in re.findall(table + r'\["(\w+)"\] = \w+\.(\w+)Schema\(\)', register):
            path = os.path.join(checkout, "generated", folder, func[0].lower() + func[1:] + ".go")
            if not os.path.exists(path):
                missing[key].append(name)
                continue
            result[key][name] = schema(embedded_json(path))
    with open(TARGET, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=1, sort_keys=True, ensure_ascii=False)
        f.write("\n")
    print(f"aws.json: {len(result['resource_schemas'])} resources, "
          f"{len(result['data_source_schemas'])} data sources, {os.path.getsize(TARGET)} bytes")
    for key, names in missing.items():
        print(f"not vendored ({key}): {', '.join(names) or 'none'}")


if __name__ == "__main__":
    main()
