#!/usr/bin/env bash
# Installs the Debian 12 packages eventlog needs, skipping what is present.
# Usage: scripts/install-deps.sh [build|test]   (default: build)
set -euo pipefail

build_pkgs=(cmake g++ make pkg-config ccache libgrpc++-dev protobuf-compiler-grpc
  libprotobuf-dev protobuf-compiler libabsl-dev libleveldb-dev libsnappy-dev
  zlib1g-dev liblz4-dev libzstd-dev libboost-dev libssl-dev)
test_pkgs=(libgtest-dev googletest libbenchmark-dev python3-grpcio python3-protobuf
  python3-pytest python3-yaml python3-venv podman runc slirp4netns debootstrap openssl
  btrfs-progs
  kcat python3-kafka python3-confluent-kafka  # the Kafka listener tests run these clients
  clang libclang-rt-14-dev llvm)  # the sanitizer pass and libFuzzer (llvm: llvm-symbolizer)

want=("${build_pkgs[@]}")
if [[ "${1:-build}" == "test" ]]; then
  want+=("${test_pkgs[@]}")
  # The Node client's tests need node and npm; use the machine's own if it has
  # one (e.g. from NodeSource), else Debian's.
  command -v node >/dev/null && command -v npm >/dev/null || want+=(nodejs npm)
fi

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
echo "installing: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
