#!/usr/bin/env bash
# scripts/check-layers.sh [SOURCE_DIR] - the house stays one-way.
#
# Every folder may include (#include "dir/...") only from itself, from the
# public headers (flowtap/, flowtap.h) and from the folders listed below
# under it. A folder that includes from one not listed (e.g. capture/ from
# workers/, decode/ from tracker/) fails the check with the file and line.
# Registered as the ctest `check_layers`. The layers, bottom up:
#   core      libc-only helpers
#   ring      capture -> worker hand-off          (core)
#   decode    frame parsing                       (core)
#   output    records into bytes                  (core decode)
#   capture   sources and the -w writer           (core)
#   metrics   /metrics over HTTP from a snapshot  (core)
#   defrag    IP reassembly (capture thread)      (core)
#   export    IPFIX, Redis: queues + own thread   (core)
#   tracker   flows of every IP protocol          (core decode output)
#   workers   the pipeline: owns capture, rings, workers, trackers
#   cli, examples, bench, tests, gen: on top (examples: public headers only)
set -euo pipefail
cd "${1:-$(dirname "$0")/..}"

declare -A ALLOW=(
	[core]=""
	[ring]="core"
	[decode]="core"
	[output]="core decode"
	[capture]="core"
	[metrics]="core"
	[defrag]="core"
	[export]="core"
	[tracker]="core decode output"
	[workers]="core ring decode output capture tracker defrag export"
	[cli]="core"
	[examples]=""
	[gen]=""
	[include]=""
)
EXCEPTIONS=""

bad=0
# A folder of C code that is not in the table is not checked: refuse it.
for dir in $(find . -mindepth 2 -maxdepth 2 \( -name '*.c' -o -name '*.h' \) -not -path './build*' -not -path './.git/*' -not -path './node/*' | cut -d/ -f2 | sort -u); do
	case " ${!ALLOW[*]} tests bench " in *" $dir "*) ;; *)
		echo "check-layers: $dir/ holds C code but has no layer in scripts/check-layers.sh" >&2
		bad=1 ;;
	esac
done
for dir in "${!ALLOW[@]}"; do
	[ -d "$dir" ] || continue
	while IFS=: read -r file line text; do
		inc=$(sed -E 's/^#include "([a-z_]+)\/.*/\1/' <<<"$text")
		[ "$inc" = "$dir" ] || [ "$inc" = flowtap ] && continue
		case " ${ALLOW[$dir]} " in *" $inc "*) continue ;; esac
		case " $EXCEPTIONS " in *" $file:$inc "*) continue ;; esac
		echo "check-layers: $file:$line: $dir/ includes from $inc/ (allowed: ${ALLOW[$dir]:-nothing})" >&2
		bad=1
	done < <(grep -rnE '^#include "[a-z_]+/' "$dir" --include='*.c' --include='*.h' || true)
done
[ "$bad" = 0 ] && echo "check-layers: every folder includes only from below it"
exit "$bad"
