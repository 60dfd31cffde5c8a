# tests/lib_e2e.sh - what the e2e scripts share (sourced, not a test itself):
# a temporary folder $T removed at exit, the ok/bad/skip counters, and
# e2e_finish, which prints "N passed, N failed, N skipped" and exits 1 on a
# failure, 77 (skipped) when nothing passed, 0 otherwise.
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0 passes=0 skips=0
ok() { passes=$((passes + 1)); echo "ok - $*"; }
bad() { fails=$((fails + 1)); echo "FAIL - $*"; }
skip() { skips=$((skips + 1)); echo "skip - $*"; }
e2e_finish() {
	echo "$passes passed, $fails failed, $skips skipped"
	[ "$fails" = 0 ] || exit 1
	[ "$passes" -gt 0 ] || exit 77
	exit 0
}
