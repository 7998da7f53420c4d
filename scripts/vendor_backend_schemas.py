#!/usr/bin/env python3
"""Writes schemas/backends/backends.json: the configuration schema of each
Terraform state backend (`terraform { backend "s3" { ... } }`) and of the
`cloud` block, read from Terraform's own Go source, where each backend's
ConfigSchema() declares its attributes (name, type, required, deprecated,
sensitive, description) and nested blocks.

Usage: scripts/vendor_backend_schemas.py TERRAFORM_CHECKOUT > schemas/backends/backends.json
(a checkout of github.com/hashicorp/terraform; SOURCES.md says which).
"""
import json
import re
import sys

BACKENDS = {
    "local": "internal/backend/local/backend.go",
    "remote": "internal/backend/remote/backend.go",
    "cloud": "internal/cloud/backend.go",
    "s3": "internal/backend/remote-state/s3/backend.go",
    "gcs": "internal/backend/remote-state/gcs/backend.go",
    "azurerm": "internal/backend/remote-state/azure/backend.go",
    "http": "internal/backend/remote-state/http/backend.go",
    "consul": "internal/backend/remote-state/consul/backend.go",
    "pg": "internal/backend/remote-state/pg/backend.go",
    "kubernetes": "internal/backend/remote-state/kubernetes/backend.go",
}


def matching(text, start):
    """Index just past the brace that closes the one at `start`, strings skipped."""
    depth, i = 0, start
    while i < len(text):
        c = text[i]
        if c == '"' or c == '`':
            end = text.index(c, i + 1)
            while c == '"' and text[end - 1] == "\\":
                end = text.index(c, end + 1)
            i = end + 1
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    raise ValueError("unbalanced")


def cty_type(expr):
    """A cty type expression in Terraform's JSON type notation."""
    expr = expr.strip()
    simple = {"cty.String": "string", "cty.Bool": "bool", "cty.Number": "number", "cty.DynamicPseudoType": "dynamic"}
    if expr in simple:
        return simple[expr]
    m = re.match(r"cty\.(List|Set|Map)\((.*)\)$", expr)
    if m:
        return [m.group(1).lower(), cty_type(m.group(2))]
    return "dynamic"


def entries(body):
    """`"name": VALUE` pairs of a Go map literal's body, VALUE as text."""
    out, i = [], 0
    while True:
        m = re.compile(r'"([a-z0-9_]+)"\s*:\s*').search(body, i)
        if not m:
            return out
        j = m.end()
        brace = body.find("{", j)
        comma = body.find(",", j)
        if brace != -1 and (comma == -1 or brace < comma):
            end = matching(body, brace)
            out.append((m.group(1), body[j:end]))
        else:
            end = comma if comma != -1 else len(body)
            out.append((m.group(1), body[j:end]))
        i = end


def attribute(value, source):
    value = value.strip()
    ref = re.match(r"(\w+)\.SchemaAttribute\(\)", value)
    if ref:
        return nested(source, ref.group(1))
    a = {}
    t = re.search(r"Type:\s*(cty\.[A-Za-z]+(?:\((?:[^()]|\([^()]*\))*\))?)", value)
    a["type"] = cty_type(t.group(1)) if t else "dynamic"
    for flag in ("Required", "Deprecated", "Sensitive"):
        if re.search(flag + r":\s*true", value):
            a[flag.lower()] = True
    if not a.get("required"):
        a["optional"] = True
    d = re.search(r'Description:\s*"((?:[^"\\]|\\.)*)"', value)
    if d:
        a["description"] = d.group(1)
    return a


def nested(source, var):
    m = re.search(r"var\s+" + var + r"\s*=\s*singleNestedAttribute\s*\{", source)
    body = source[m.end() - 1 : matching(source, m.end() - 1)]
    inner = body[body.index("{", body.index("Attributes:")) : ]
    inner = inner[: matching(inner, 0)]
    attrs = {}
    for name, v in entries(inner[1:-1]):
        attrs[name] = attribute(v, source)
    return {
        "nested_type": {"nesting_mode": "single", "attributes": attrs},
        "optional": True,
    }


def block_schema(source, at):
    """The configschema.Block literal starting at `at` ({)."""
    body = source[at : matching(source, at)]
    schema = {"attributes": {}, "block_types": {}}
    m = re.search(r"Attributes:\s*map\[string\]\*configschema\.Attribute\s*\{", body)
    if m:
        attrs = body[m.end() - 1 : matching(body, m.end() - 1)]
        for name, v in entries(attrs[1:-1]):
            schema["attributes"][name] = attribute(v, source)
    m = re.search(r"BlockTypes:\s*map\[string\]\*configschema\.NestedBlock\s*\{", body)
    if m:
        blocks = body[m.end() - 1 : matching(body, m.end() - 1)]
        for name, v in entries(blocks[1:-1]):
            inner = re.search(r"Block:\s*configschema\.Block\s*\{", v)
            nesting = re.search(r"Nesting:\s*configschema\.Nesting(\w+)", v)
            schema["block_types"][name] = {
                "nesting_mode": nesting.group(1).lower() if nesting else "single",
                "block": block_schema(v, inner.end() - 1) if inner else {"attributes": {}},
            }
            if not schema["block_types"][name]["block"].get("block_types"):
                schema["block_types"][name]["block"].pop("block_types", None)
    return schema


def main():
    root = sys.argv[1]
    out = {}
    for name, path in BACKENDS.items():
        source = open(f"{root}/{path}").read()
        # Either a ConfigSchema method returns the block, or the backend's
        # constructor gives it as `Schema: &configschema.Block{…}`.
        m = re.search(r"func \([^)]*\) ConfigSchema\(\) \*configschema\.Block \{", source)
        if m:
            start = source.index("&configschema.Block{", m.end())
        else:
            start = source.index("Schema: &configschema.Block{")
        start = source.index("{", start)
        out[name] = block_schema(source, start)
        if not out[name]["block_types"]:
            del out[name]["block_types"]
        if not out[name]["attributes"]:
            sys.exit(f"{name}: no attributes found in {path}")
    json.dump(out, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")


main()
