# Shared set-up of the client test scripts (sourced, not run).
# Each step fails loudly, naming what to install, when a prerequisite is missing.

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

fail() { echo "$(basename "$0"): $*" >&2; exit 1; }

require_executable() {  # VAR: the environment variable naming a binary
  local path="${!1:-}"
  [[ -x "$path" ]] || fail "$1='$path' is not an executable (ctest sets it to the built target)"
}

# Installs clients/python into a fresh venv at $1 (Debian's python3 with
# --system-site-packages, so grpcio/protobuf/pytest come from Debian) exactly
# as a user would with pip, and sets $venv_python.
setup_python_venv() {
  local py=/usr/bin/python3 venv="$1/python-venv"
  [[ -x $py ]] || fail "$py is missing (apt-get install python3)"
  local tool
  for tool in protoc grpc_python_plugin; do
    command -v "$tool" >/dev/null || fail "$tool is missing (apt-get install protobuf-compiler protobuf-compiler-grpc)"
  done
  $py -c 'import ensurepip, venv' 2>/dev/null || fail "python3 venv support is missing (apt-get install python3-venv)"
  $py -c 'import grpc, google.protobuf, pytest, mypy' 2>/dev/null ||
    fail "Debian python packages are missing (apt-get install python3-grpcio python3-protobuf python3-pytest python3-mypy)"
  rm -rf "$venv"
  $py -m venv --system-site-packages "$venv"
  # --no-index: everything the package needs is already installed from Debian.
  "$venv/bin/python" -m pip install --quiet --no-index --disable-pip-version-check "$repo/clients/python"
  venv_python="$venv/bin/python"
  export PYTHONDONTWRITEBYTECODE=1
}

# Installs clients/node's locked dependencies from the npm registry.
setup_node_modules() {
  command -v node >/dev/null || fail "node is missing (Node.js 20 or newer is needed)"
  command -v npm >/dev/null || fail "npm is missing"
  local major
  major="$(node -p 'process.versions.node.split(".")[0]')"
  [[ "$major" -ge 20 ]] || fail "Node.js $(node --version) is too old; 20 or newer is needed"
  (cd "$repo/clients/node" && npm ci --no-audit --no-fund --loglevel=error)
}
