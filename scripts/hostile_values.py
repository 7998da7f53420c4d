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
      Caddy: `caddy adapt` turns the Caddyfile into Caddy's JSON; the value
        is decoded as Caddy's replacer reads it at request time (`\\{…\\}`
        is literal text, an unescaped `{…}` a placeholder: an injection);
      nginx: `nginx -t` accepts the config, and a reader that tokenizes it
        as nginx's ngx_conf_read_token does (quotes, backslash escapes,
        comments, `;`, braces) finds the directive; in values nginx expands
        variables in, `${infrac_dollar}` is a literal `$` and any other `$`
        a variable: an injection;
  - anything else (a crash, a mismatch, an injection) is a failure.
A slot may say: `prefix` (written before the value), `expect` (the value
read back, `@V@` for what was written), `absent` (what it means when the
tool writes no such setting, e.g. an empty body), `case_insensitive`
(header names), `variables` (nginx expands variables in it).
Prints the counts and exits 1 on any failure. Adding a slot or a value is
one entry in either file.
"""
import json
import os
import re
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


def caddy_text(s):
    """The text Caddy's replacer makes of a JSON config string, as infrac's
    output uses it: `\\{` is a literal `{`, and `\\}` after it a literal `}`
    (a lone `\\}` is served as written); an unescaped `{…}` is a placeholder,
    None."""
    out = []
    i = 0
    open_ = False
    while i < len(s):
        if s.startswith("\\{", i):
            out.append("{")
            open_ = True
            i += 2
        elif s.startswith("\\}", i) and open_:
            out.append("}")
            open_ = False
            i += 2
        elif s[i] == "{" and "}" in s[i + 1:]:
            return None
        else:
            out.append(s[i])
            i += 1
    return "".join(out)


def nginx_directives(text):
    """[(name, args, children)] as nginx's ngx_conf_read_token reads a
    config: words end at whitespace, `;` or `{`; `"…"` and `'…'` quote;
    a backslash escapes the next character (`\\"`, `\\'`, `\\\\` lose it,
    `\\t`, `\\r`, `\\n` become control characters); `#` at a word's start
    comments to the line's end; `${` inside a word does not open a block.
    Raises ValueError where nginx would refuse the syntax."""
    def unescape(raw):
        out, i = [], 0
        while i < len(raw):
            if raw[i] == "\\" and i + 1 < len(raw):
                nxt = raw[i + 1]
                if nxt in "\"'\\":
                    out.append(nxt)
                    i += 2
                    continue
                if nxt in "trn":
                    out.append({"t": "\t", "r": "\r", "n": "\n"}[nxt])
                    i += 2
                    continue
            out.append(raw[i])
            i += 1
        return "".join(out)

    stack = [[]]
    words = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in " \t\r\n":
            i += 1
        elif c == "#":
            while i < n and text[i] != "\n":
                i += 1
        elif c == ";":
            if not words:
                raise ValueError("unexpected ;")
            stack[-1].append((words[0], words[1:], None))
            words = []
            i += 1
        elif c == "{":
            if not words:
                raise ValueError("unexpected {")
            block = []
            stack[-1].append((words[0], words[1:], block))
            stack.append(block)
            words = []
            i += 1
        elif c == "}":
            if words or len(stack) == 1:
                raise ValueError("unexpected }")
            stack.pop()
            i += 1
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            if j >= n:
                raise ValueError("unterminated quote")
            words.append(unescape(text[i + 1:j]))
            i = j + 1
            if i < n and text[i] not in " \t\r\n;{)":
                raise ValueError(f"unexpected {text[i]!r} after a quoted word")
        else:
            j = i
            variable = False
            while j < n:
                ch = text[j]
                if ch == "{" and variable:
                    j += 1
                    continue
                variable = False
                if ch == "\\":
                    j += 2
                    continue
                if ch == "$":
                    variable = True
                elif ch in " \t\r\n;{":
                    break
                j += 1
            words.append(unescape(text[i:j]))
            i = j
    if words or len(stack) != 1:
        raise ValueError("unexpected end of file")
    return stack[0]


def nginx_values(directives, name, index):
    """Argument `index` of every `name` directive, at any depth."""
    found = []
    for d, args, children in directives:
        if d == name and len(args) > index:
            found.append(args[index])
        if children:
            found.extend(nginx_values(children, name, index))
    return found


def nginx_text(s):
    """The text of a value nginx expands variables in: `${infrac_dollar}`
    (infrac's variable holding `$`) is a `$`; any other `$` is a variable,
    None."""
    s = s.replace("${infrac_dollar}", "\0")
    if "$" in s:
        return None
    return s.replace("\0", "$")


def caddy_values(doc, spec):
    """Values at `spec` in Caddy's JSON: [handler, key...] under every
    handler of that name, or ["match", key] in every matcher set; a key
    "*" takes the keys of a map."""
    found = []

    def walk(v):
        if isinstance(v, dict):
            if spec[0] == "match" and isinstance(v.get("match"), list):
                for m in v["match"]:
                    found.extend(m.get(spec[1], []))
            if v.get("handler") == spec[0]:
                try:
                    x = v
                    for k in spec[1:]:
                        if k == "*":
                            found.extend(x.keys())
                            raise KeyError
                        x = x[k]
                    found.append(x)
                except (KeyError, IndexError, TypeError):
                    pass
            for x in v.values():
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)

    walk(doc)
    return found


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
    assert caddy_text("\\{path\\} a}b") == "{path} a}b"
    assert caddy_text("{path}") is None
    assert caddy_text("x{http.request.host}y") is None
    assert nginx_text("a${infrac_dollar}b") == "a$b"
    assert nginx_text("$host") is None
    assert nginx_text("${host}") is None
    conf = nginx_directives('a "x\\"y;}" b\\ c;\n# c { \nd ${x}{ e \'#\'; }\nf #g;\n;')
    assert conf[0] == ("a", ['x"y;}', "b\\ c"], None), conf
    assert conf[1] == ("d", ["${x}"], [("e", ["#"], None)]), conf
    assert conf[2] == ("f", [], None), conf
    for bad in ['a "b"c;', "a {", "}", "a;}", 'a "b']:
        try:
            nginx_directives(bad)
        except ValueError:
            continue
        raise AssertionError(f"nginx reader accepted {bad!r}")
    print("hostile values: the readers catch injections")


def main():
    if sys.argv[1:] == ["--self-test"]:
        self_test()
        return
    infrac, tools = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    values = json.load(open(os.path.join(ROOT, "tests/hostile/values.json")))
    slots = json.load(open(os.path.join(ROOT, "tests/hostile/slots.json")))
    counts = {"combinations": 0, "diagnostics": 0, "equal": 0, "injections": 0, "mismatches": 0, "crashes": 0,
              "refused by the server": 0}
    failures = []
    tf_reads = []  # (slot, value, files)
    web_outs = {}  # output folder -> (slot, value)
    with tempfile.TemporaryDirectory(prefix="infrac-hostile-") as scratch:
        for si, slot in enumerate(slots):
            for vi, value in enumerate(values):
                counts["combinations"] += 1
                d = os.path.join(scratch, f"{si}-{vi}")
                os.makedirs(d)
                written = slot.get("prefix", "") + value
                with open(os.path.join(d, "infra.kdl"), "w", encoding="utf-8") as f:
                    f.write(HEAD + slot["kdl"].replace("@V@", kdl_string(written)) + "\n")
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
                expected = slot.get("expect", "@V@").replace("@V@", written)
                if "caddy" in slot or "nginx" in slot:
                    web_outs[out] = (slot, value)
                    web_read(counts, failures, slot, value, out, expected)
                elif "kubernetes" in slot:
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
        # One run of `caddy validate` / `nginx -t` for every web config.
        if web_outs:
            p = subprocess.run(
                [sys.executable, os.path.join(HERE, "web_check.py"), "validate", *sorted(web_outs)],
                capture_output=True, text=True,
            )
            for out, (slot, value) in sorted(web_outs.items()):
                if out + "/" in p.stderr:
                    counts["refused by the server"] += 1
                    failures.append(f"{slot['slot']} / {value[:40]!r}: the server refuses the config")
            if p.returncode != 0 and not any("refuses" in f for f in failures):
                failures.append(f"web_check failed: {p.stdout[-400:]}{p.stderr[-800:]}")
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


def web_read(counts, failures, slot, value, out, expected):
    """Reads a value back from the Caddyfile (through `caddy adapt`) or the
    nginx config the build wrote."""
    engine = "caddy" if "caddy" in slot else "nginx"
    name = "Caddyfile" if engine == "caddy" else "nginx.conf"
    base = os.path.join(out, engine)
    paths = [os.path.join(base, s, name) for s in sorted(os.listdir(base))] if os.path.isdir(base) else []
    if not paths:
        counts["mismatches"] += 1
        failures.append(f"{slot['slot']} / {value[:40]!r}: no {name} written")
        return
    found = []
    for path in paths:
        if engine == "caddy":
            # Secrets come from the environment when Caddy starts.
            env = dict(os.environ)
            for var in re.findall(r"\{\$(INFRAC_SECRET_\w+)\}", open(path, encoding="utf-8").read()):
                env[var] = "$2a$14$" + "x" * 53
            p = subprocess.run(["caddy", "adapt", "--config", path, "--adapter", "caddyfile"],
                               capture_output=True, text=True, env=env)
            if p.returncode != 0:
                counts["refused by the server"] += 1
                failures.append(f"{slot['slot']} / {value[:40]!r}: caddy adapt: {p.stderr[-300:]}")
                return
            found += [caddy_text(v) for v in caddy_values(json.loads(p.stdout), slot["caddy"])]
        else:
            try:
                directives = nginx_directives(open(path, encoding="utf-8").read())
            except ValueError as e:
                counts["refused by the server"] += 1
                failures.append(f"{slot['slot']} / {value[:40]!r}: nginx syntax: {e}")
                return
            raw = nginx_values(directives, *slot["nginx"])
            found += [nginx_text(v) for v in raw] if slot.get("variables") else raw
    if slot.get("case_insensitive"):
        expected = expected.lower()
        found = [f.lower() if f is not None else None for f in found]
    if expected in found or (not found and expected == slot.get("absent")):
        counts["equal"] += 1
    elif None in found:
        counts["injections"] += 1
        failures.append(f"{slot['slot']} / {value[:40]!r}: a placeholder or variable injected")
    else:
        counts["mismatches"] += 1
        failures.append(f"{slot['slot']} / {value[:40]!r}: read back {[str(f)[:60] for f in found]}")


def record(counts, failures, slot, value, got):
    if got == value:
        counts["equal"] += 1
    else:
        counts["mismatches"] += 1
        failures.append(f"{slot['slot']} / {value[:40]!r}: read back {str(got)[:60]!r}")


if __name__ == "__main__":
    main()
