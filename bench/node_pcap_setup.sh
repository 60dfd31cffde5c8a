#!/usr/bin/env bash
# bench/node_pcap_setup.sh BUILD_DIR - install node_pcap 3.1 (npm package
# `pcap`) once into BUILD_DIR/node_pcap, for scripts/bench.sh and
# bench/node_bench.sh. npm 11 does not run a dependency's install script
# unless allowed, and node-gyp would fetch node's headers from the network;
# so: install without scripts, then build the native part with npm's node-gyp
# against the headers nodejs ships in /usr. Prints the node_modules folder
# (for NODE_PATH) and exits 0, or prints why not and exits 1.
set -uo pipefail
dir=$(cd "$1" && pwd)/node_pcap
if [ ! -f "$dir/node_modules/pcap/build/Release/pcap_binding.node" ]; then
	command -v node >/dev/null && command -v npm >/dev/null || { echo "node or npm missing"; exit 1; }
	[ -f /usr/include/node/node.h ] || { echo "no node headers in /usr/include/node"; exit 1; }
	gyp=$(dirname "$(readlink -f "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js
	[ -f "$gyp" ] || { echo "npm's node-gyp not found ($gyp)"; exit 1; }
	mkdir -p "$dir"
	(cd "$dir" && npm install --ignore-scripts --no-audit --no-fund pcap@3.1.0 >"$dir/npm.log" 2>&1) ||
		{ echo "npm install pcap failed: $(tail -3 "$dir/npm.log")"; exit 1; }
	(cd "$dir/node_modules/pcap" && node "$gyp" rebuild --nodedir=/usr >"$dir/gyp.log" 2>&1) ||
		{ echo "node-gyp rebuild failed: $(grep -m3 -E 'error' "$dir/gyp.log")"; exit 1; }
fi
echo "$dir/node_modules"
