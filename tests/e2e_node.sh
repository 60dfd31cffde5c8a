#!/usr/bin/env bash
# tests/e2e_node.sh [BUILD_DIR] - the Node.js package (node/): builds its addon
# against this build tree's libflowtap.a (node/build.js: no node-gyp, no
# network), then runs its tests with node's own runner (node --test):
# flows equal the CLI's records, TCPTracker against ftgen's truth, decode,
# errors and leaks, and (as root) the live tests on the netns test hosts.
# Also here: opening a live capture without permission (as nobody, through
# tests/as_user.sh) fails with the cause and a non-zero exit, no crash.
# Under an ASan build (FT_SANITIZE=address in CMakeCache.txt) the addon is
# built with the same sanitizers and node runs with the ASan runtime
# preloaded (leak checking off: V8 keeps its heap at exit). Under TSan: skip.
# Exit 77 (skip) only when node is missing.
set -uo pipefail

BUILD=${1:-${FT_BUILD_DIR:-build}}
BUILD=$(cd "$BUILD" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/.." && pwd)
command -v node >/dev/null || { echo "skip: node is missing (scripts/install-deps.sh test installs it)" >&2; exit 77; }
FTGEN=$(readlink -f "${FTGEN:-$BUILD/ftgen}") FLOWTAP=$(readlink -f "${FLOWTAP:-$BUILD/flowtap}")
export FT_BUILD_DIR=$BUILD FTGEN FLOWTAP # absolute: the tests run in a folder of their own
# shellcheck source=tests/lib_e2e.sh
. "$HERE/lib_e2e.sh"

san=$(sed -n 's/^FT_SANITIZE:[A-Z]*=//p' "$BUILD/CMakeCache.txt" 2>/dev/null)
cxx=$(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' "$BUILD/CMakeCache.txt" 2>/dev/null)
preload=""
case "$san" in
*thread*) echo "skip: the addon is not run under TSan (node is not TSan-instrumented)" >&2; exit 77 ;;
*address*)
	export FLOWTAP_SANITIZE=${san//;/,} CXX=${cxx:-c++}
	if "$CXX" --version | grep -q clang; then
		export FLOWTAP_CXXFLAGS=-shared-libasan
		preload=$("$CXX" -print-file-name=libclang_rt.asan-x86_64.so)
	else
		preload=$("$CXX" -print-file-name=libasan.so)
	fi
	export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1
	;;
esac

# node-addon-api: node/node_modules (npm install), Debian's package, or else
# fetched here with npm (no install scripts run).
if ! node -e 'require.resolve("node-addon-api/napi.h", { paths: [process.argv[1]] })' "$SRC/node" 2>/dev/null &&
	[ ! -f /usr/share/nodejs/node-addon-api/napi.h ] && [ -z "${FLOWTAP_NAPI_INCLUDE:-}" ]; then
	if npm install --prefix "$T/napi" --ignore-scripts --no-audit --no-fund node-addon-api >"$T/npm.log" 2>&1; then
		export FLOWTAP_NAPI_INCLUDE=$T/napi/node_modules/node-addon-api
	else
		cat "$T/npm.log" >&2
		bad "node-addon-api is missing (apt-get install node-addon-api) and npm could not fetch it"
		e2e_finish
	fi
fi

ADDON=$T/flowtap.node
export FLOWTAP_ADDON=$ADDON
if node "$SRC/node/build.js" --build-dir "$BUILD" --out "$ADDON" >"$T/build.log" 2>&1; then
	ok "addon built against $BUILD/libflowtap.a${san:+ ($san)}"
else
	cat "$T/build.log" >&2
	bad "addon build failed"
	e2e_finish
fi

run_node() { if [ -n "$preload" ]; then LD_PRELOAD=$preload node "$@"; else node "$@"; fi; }

# The package's own tests (each file a process; about a minute).
if (cd "$T" && run_node --expose-gc --test "$SRC"/node/test/*.test.js >"$T/node-test.log" 2>&1); then
	ok "node --test: $(grep -E '^# (pass|skipped)' "$T/node-test.log" | tr '\n' ' ')"
else
	grep -vE '^\s+(at |duration_ms)' "$T/node-test.log" | grep -B2 -A25 'not ok' | head -120 >&2
	bad "node --test failed"
fi

# No permission: nobody opens a live capture on lo.
if [ "$(id -u)" != 0 ]; then
	skip "no-permission run: needs root to switch to nobody"
else
	# shellcheck source=tests/as_user.sh
	. "$HERE/as_user.sh"
	U=$T/user
	mkdir -p "$U"
	cp -r "$SRC/node/lib" "$U/lib"
	cp "$ADDON" "$U/flowtap.node"
	cp "$preload" "$U/" 2>/dev/null || true
	cat >"$U/perm.js" <<'JS'
const pcap = require(__dirname + "/lib");
try {
    pcap.createSession("lo", { filter: "udp port 9" });
    console.log("opened");
} catch (e) {
    console.log("error " + e.code + ": " + e.message);
    process.exitCode = 3;
}
JS
	chmod -R a+rX "$U"
	ft_as_user_prepare "$U"
	chmod 755 "$T"
	# The ASan runtime (if any) is preloaded into node only, not into the
	# commands ft_as_user runs on the way.
	(
		export FLOWTAP_ADDON=$U/flowtap.node
		ft_as_user nobody "$(command -v env)" ${preload:+LD_PRELOAD=$U/$(basename "$preload")} \
			"$(command -v node)" "$U/perm.js"
	) >"$T/perm.out" 2>"$T/perm.err" </dev/null
	rc=$?
	if [ "$rc" = 3 ] && grep -qE '^error FT_E(PERM|ACCES): .*(permission|Operation not permitted)' "$T/perm.out"; then
		ok "no permission: $(cat "$T/perm.out")"
	else
		bad "no permission: rc $rc, $(cat "$T/perm.out" "$T/perm.err")"
	fi
fi
e2e_finish
