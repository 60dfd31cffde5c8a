#!/usr/bin/env bash
# Install the Debian 12 packages flowtap needs to build, test and benchmark.
# Idempotent: installs only what is missing. Run as root (CI is root), or
# with sudo available.
set -euo pipefail

BUILD_PKGS="build-essential cmake pkg-config clang libclang-rt-14-dev llvm
  libpcap-dev libck-dev liburcu-dev libcmocka-dev libbenchmark-dev
  libhttp-parser-dev libhiredis-dev zlib1g-dev libzstd-dev libmicrohttpd-dev"
TEST_PKGS="clang-format tcpdump tshark tcpreplay iproute2 iputils-ping curl python3 libcap2-bin
  redis-server redis-tools zstd groff-base prometheus netsniff-ng nfdump libfixbuf-tools"
PEER_PKGS="libtins-dev softflowd"
# The Node.js package (node/, tests/e2e_node.sh): node, npm, node's headers
# and node-addon-api (header-only) from Debian. A node from elsewhere (e.g.
# NodeSource, which ships its headers and npm and conflicts with Debian's
# libnode-dev) keeps its own; node-addon-api then comes from npm (node/README.md).
NODE_PKGS="nodejs npm libnode-dev node-addon-api"
if dpkg-query -W -f='${Version}' nodejs 2>/dev/null | grep -q nodesource; then
	NODE_PKGS=""
fi

want="$BUILD_PKGS"
case "${1:-build}" in
build) ;;
test) want="$want $TEST_PKGS $NODE_PKGS" ;;
all) want="$want $TEST_PKGS $NODE_PKGS $PEER_PKGS" ;;
*) echo "usage: $0 [build|test|all]" >&2; exit 2 ;;
esac

missing=""
for p in $want; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

SUDO=""
if [ "$(id -u)" != 0 ]; then
	command -v sudo >/dev/null || { echo "need root to install:$missing" >&2; exit 1; }
	SUDO=sudo
fi
echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer no, non-interactively.
echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
