#!/usr/bin/env bash
# scripts/node18.sh BUILD_DIR - the Node package on Debian 12's own Node.js
# (18.20.4, package nodejs/libnode108) and npm 9, beside the Node.js the
# machine has. Root only; not a ctest (it downloads packages).
#
# Debian's node 18 cannot be installed beside nodesource's node 20 (the
# packages conflict), so its .debs are unpacked into a scratch folder and run
# from there. libnode108 loads three builtins from /usr/share/nodejs
# (acorn, cjs-module-lexer, undici); they are unpacked too and bind-mounted
# over /usr/share/nodejs in a private mount namespace (unshare -m), so the
# machine's own folder is never changed. Then, with that node first on PATH:
#   1. tests/e2e_node.sh BUILD_DIR: the addon built with node 18's headers,
#      and the package's whole node --test suite (live tests too, as root);
#   2. `npm install` with npm 9 (from the npm registry) in a copy of node/,
#      as a user would: the package's install script builds the addon, and an
#      offline session reads a capture through it.
# Exit 0 only if both pass.
set -euo pipefail

BUILD=$(cd "${1:?usage: scripts/node18.sh BUILD_DIR}" && pwd)
SRC=$(cd "$(dirname "$0")/.." && pwd)
[ "$(id -u)" = 0 ] || { echo "scripts/node18.sh: needs root (unshare -m, apt-get download)" >&2; exit 1; }
W=$(mktemp -d /tmp/flowtap-node18.XXXXXX)
trap 'rm -rf "$W"' EXIT
chmod 0755 "$W" # e2e_node runs one check as nobody, through this node
# The bookworm version (NODE18_VERSION overrides it after a point release).
V=${NODE18_VERSION:-18.20.4+dfsg-1~deb12u3}
ARCH=$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)

cd "$W"
apt-get download -q "nodejs=$V" "libnode108=$V" "libnode-dev=$V" node-acorn node-cjs-module-lexer node-undici >apt.log 2>&1 ||
	{ cat apt.log >&2; echo "scripts/node18.sh: apt-get download failed" >&2; exit 1; }
for f in ./*.deb; do dpkg-deb -x "$f" root; done
# The bind mount needs its mount point: an empty folder if the machine has none.
mkdir -p /usr/share/nodejs
cp -an /usr/share/nodejs/. root/usr/share/nodejs/
mkdir bin
cat >bin/node <<EOF
#!/bin/sh
LD_LIBRARY_PATH=$W/root/usr/lib/$ARCH\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH} exec $W/root/usr/bin/node "\$@"
EOF
chmod +x bin/node
# With the machine's npm and node: node-addon-api for step 1, npm 9 for step 2.
if ! npm install --prefix "$W/napi" --ignore-scripts --no-audit --no-fund node-addon-api >npm.log 2>&1 ||
	! npm install --prefix "$W/npm9" --no-audit --no-fund npm@9 >>npm.log 2>&1; then
	cat npm.log >&2
	echo "scripts/node18.sh: npm could not fetch node-addon-api or npm@9" >&2
	exit 1
fi
# Step 2's package: node/ beside the include/ and build tree it builds against.
mkdir pkg && cp -a "$SRC/node" pkg/node && rm -rf pkg/node/node_modules pkg/node/build
ln -s "$SRC/include" pkg/include && ln -s "$BUILD" pkg/build
CAPTURE=$SRC/tests/data/tcpdump/02-sunrise-sunset-esp.pcap

# shellcheck disable=SC2016 # the inner script expands its own arguments
unshare -m --propagation private bash -euo pipefail -c '
	W=$1 SRC=$2 BUILD=$3 CAPTURE=$4
	mount --bind "$W/root/usr/share/nodejs" /usr/share/nodejs
	export PATH=$W/bin:$PATH
	v=$(node --version)
	echo "node $v"
	case $v in v18.*) ;; *) echo "scripts/node18.sh: node is $v, not 18" >&2; exit 1 ;; esac
	FLOWTAP_NAPI_INCLUDE=$W/napi/node_modules/node-addon-api bash "$SRC/tests/e2e_node.sh" "$BUILD"
	export PATH=$W/npm9/node_modules/.bin:$PATH
	echo "npm $(npm --version)"
	cd "$W/pkg/node" && npm install --no-audit --no-fund
	node -e "
		process.exitCode = 1; /* until the capture is read through */
		const pcap = require(\"./lib/index.js\");
		const s = pcap.createOfflineSession(process.argv[1], {});
		let n = 0;
		s.on(\"error\", (e) => { console.error(e.message); process.exitCode = 1; });
		s.on(\"packet\", (raw) => { n++; pcap.decode.packet(raw); });
		s.on(\"complete\", () => {
			console.log(\"npm install + offline session on node\", process.version + \":\", n, \"packets\");
			process.exitCode = n > 0 ? 0 : 1;
		});
	" "$CAPTURE"
' node18 "$W" "$SRC" "$BUILD" "$CAPTURE"
