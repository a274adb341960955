#!/usr/bin/env bash
# Installs the Debian 12 packages eventlog needs, skipping what is present.
# Usage: scripts/install-deps.sh [build|test]   (default: build)
#
# The build also needs etcd's v3 API protos, which Debian ships only in
# golang-etcd-server-dev; installing that package pulls ~120 Go packages, so
# its .deb alone is fetched with `apt-get download` into $EVENTLOG_DEB_CACHE
# (default /var/cache/eventlog) and protos/etcd/CMakeLists.txt unpacks it
# into the build tree (docs/CLUSTER.md).
set -euo pipefail

build_pkgs=(cmake g++ make pkg-config ccache libgrpc++-dev protobuf-compiler-grpc
  libprotobuf-dev protobuf-compiler libabsl-dev libleveldb-dev libsnappy-dev
  zlib1g-dev liblz4-dev libzstd-dev libboost-dev libssl-dev
  libcpp-httplib-dev    # eventlogd's HTTP listener: /metrics, health, console
  nlohmann-json3-dev    # the console's JSON API (header-only)
  libtomlplusplus-dev   # eventlogd --config=FILE.toml
  libjs-chart.js)       # the console's charts, embedded into eventlogd at build time
test_pkgs=(libgtest-dev googletest libbenchmark-dev python3-grpcio python3-protobuf
  python3-pytest python3-mypy python3-yaml python3-venv podman runc slirp4netns debootstrap openssl
  podman-compose golang-github-containernetworking-plugin-dnsname  # compose's cluster profile
  btrfs-progs
  etcd-server etcd-client  # the etcd client layer's tests run real etcd members
  iproute2 iptables  # network_partition_test and fault_loop cut links in network namespaces
  kcat python3-kafka python3-confluent-kafka  # the Kafka listener tests run these clients
  librdkafka-dev  # tests/bench/kafka_bench (scripts/bench-kafka.sh)
  prometheus               # scrapes eventlogd in tests/service/ops; promtool checks /metrics and rules
  chromium chromium-driver python3-selenium  # the console's browser tests
  clang libclang-rt-14-dev llvm)  # the sanitizer pass and libFuzzer (llvm: llvm-symbolizer)
etcd_protos_pkg=golang-etcd-server-dev
deb_cache=${EVENTLOG_DEB_CACHE:-/var/cache/eventlog}

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
need_deb=true
compgen -G "$deb_cache/${etcd_protos_pkg}_*.deb" >/dev/null && need_deb=false
[[ ${#missing[@]} -eq 0 && $need_deb == false ]] && exit 0

sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
$sudo apt-get update -qq
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "installing: ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
if [[ $need_deb == true ]]; then
  echo "downloading $etcd_protos_pkg into $deb_cache (etcd's v3 protos; not installed)"
  $sudo mkdir -p "$deb_cache"
  # Sandbox user root: the cache folder need not be writable by _apt.
  (cd "$deb_cache" && $sudo apt-get download -qq -o APT::Sandbox::User=root "$etcd_protos_pkg")
fi
