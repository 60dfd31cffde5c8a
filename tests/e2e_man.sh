#!/usr/bin/env bash
# The man pages in man/: each renders without a warning (groff -ww, and
# mandoc -T lint where installed), every option that a program's --help (or
# usage) prints appears in its page, so an option added without documentation
# fails here, and `cmake --install` puts them in share/man/man1.
# Uses $FLOWTAP, $FT_SOURCE_DIR and $FT_BUILD_DIR (set by ctest).
set -u
: "${FLOWTAP:?}" "${FT_SOURCE_DIR:?}" "${FT_BUILD_DIR:?}"
# shellcheck source=tests/lib_e2e.sh
. "$(dirname "$0")/lib_e2e.sh"
command -v groff >/dev/null || { echo "skip: groff missing (groff-base)"; exit 77; }
MAN=$FT_SOURCE_DIR/man
TOOLS="http_trace redis_trace flowgrep tcp_metrics flow_dump latency_hist"

for page in "$MAN"/*.1; do
	name=$(basename "$page" .1)
	w=$(groff -man -ww -z "$page" 2>&1)
	[ -z "$w" ] && ok "$name.1: groff -ww renders it without a warning" || bad "$name.1: $w"
	if command -v mandoc >/dev/null; then
		w=$(mandoc -T lint -W warning "$page" 2>&1)
		[ -z "$w" ] && ok "$name.1: mandoc -T lint is silent" || bad "$name.1: $w"
	fi
done
command -v mandoc >/dev/null || skip "mandoc missing: groff's check only"

# Every option of a program's help text in the rendered page (no hyphenation, long lines).
documented() { # name help-text-file
	local name=$1 help=$2 page="$MAN/$1.1" missing="" opt
	[ -f "$page" ] || { bad "$name: no man page man/$name.1"; return; }
	groff -man -Tascii -P-cbou -rHY=0 -rLL=400n "$page" 2>/dev/null >"$T/$name.txt"
	for opt in $(grep -oP '(?<![A-Za-z0-9_-])--?[A-Za-z][A-Za-z0-9-]*' "$help" | sort -u); do
		grep -qE -- "(^|[^A-Za-z0-9_-])$opt([^A-Za-z0-9-]|$)" "$T/$name.txt" || missing="$missing $opt"
	done
	[ -z "$missing" ] && ok "$name.1 documents every option of its help ($(grep -oP '(?<![A-Za-z0-9_-])--?[A-Za-z][A-Za-z0-9-]*' "$help" | sort -u | wc -l))" ||
		bad "$name.1 lacks:$missing"
}
"$FLOWTAP" --help >"$T/flowtap.help" 2>&1
documented flowtap "$T/flowtap.help"
for t in $TOOLS; do
	if [ -x "$FT_BUILD_DIR/$t" ]; then
		"$FT_BUILD_DIR/$t" --help >"$T/$t.help" 2>&1
		documented "$t" "$T/$t.help"
	else
		[ -f "$MAN/$t.1" ] && skip "$t not built: its page is not compared" || bad "$t: no man page"
	fi
done
# The exit status and records of the program are there too.
for word in "EXIT STATUS" "RECORDS" "EXAMPLES" community_id ps_recv ring_drop; do
	grep -q -- "$word" "$T/flowtap.txt" && ok "flowtap.1 has $word" || bad "flowtap.1 lacks $word"
done

# Installed into share/man/man1.
if command -v cmake >/dev/null && cmake --install "$FT_BUILD_DIR" --prefix "$T/inst" >"$T/inst.log" 2>&1; then
	missing=""
	for p in flowtap $TOOLS; do [ -f "$T/inst/share/man/man1/$p.1" ] || missing="$missing $p.1"; done
	[ -z "$missing" ] && ok "cmake --install puts every page in share/man/man1" || bad "not installed:$missing"
	if command -v man >/dev/null; then
		w=$(MANWIDTH=80 man -l "$T/inst/share/man/man1/flowtap.1" 2>&1 >/dev/null)
		[ -z "$w" ] && ok "man -l flowtap.1 renders without a message" || bad "man -l: $w"
	fi
else
	bad "cmake --install failed: $(tail -3 "$T/inst.log")"
fi

e2e_finish
