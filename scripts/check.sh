#!/usr/bin/env bash
# Everything `make check` runs, in order. Each stage builds in its own folder.
#  1. Release build (gcc, -Werror) and every test.
#  2. ASan+UBSan build (clang, non-recoverable) and every test.
#  3. TSan build (clang) and the threaded tests, with the ring hand-offs annotated.
#  4. A short libFuzzer run of the decoder, seeded from the tcpdump corpus.
#  5. `make install` into a scratch prefix and a consumer built against it.
#  0. (first) clang-format --dry-run: every C file is in the project's format.
# FT_CHECK_STAGES="release asan tsan fuzz install" selects stages.
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS=$(nproc)
STAGES=${FT_CHECK_STAGES:-format release asan tsan fuzz install}
FUZZ_SECONDS=${FT_FUZZ_SECONDS:-60}
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$PWD/tests/tsan.supp"

stage() { printf '\n==== %s ====\n' "$*"; }

# Set-up check: a test must pass from any clone location, including one that
# other users cannot enter (mode 0700, or under /root). Tests run commands as
# another user only through tests/as_user.sh, which hides the checkout from
# them; any other way of switching user would depend on the clone's
# permissions, so it fails here, loudly, before anything is built.
stage "set-up: no test depends on the checkout's permissions"
if grep -nE '(setpriv +--|runuser +-|sudo +-u|\bsu +(-c|-l|-s|[a-z]+ +-c))' tests/*.sh scripts/*.sh |
	grep -vE '^(tests/as_user.sh|scripts/check.sh):'; then
	echo "check: the lines above switch user outside tests/as_user.sh (see its header)" >&2
	exit 1
fi

for s in $STAGES; do
case $s in
format)
	stage "clang-format"
	# shellcheck disable=SC2046
	clang-format --dry-run --Werror $(git ls-files '*.c' '*.h' '*.cc' | grep -v '^tests/data/')
	;;
release)
	stage "release build + all tests"
	cmake -S . -B build-check -DCMAKE_BUILD_TYPE=Release -DFT_WERROR=ON \
		-DFT_BUILD_BENCH=ON >/dev/null
	cmake --build build-check -j "$JOBS"
	(cd build-check && ctest --output-on-failure -j "$JOBS")
	;;
asan)
	stage "ASan+UBSan build + all tests"
	CC=clang CXX=clang++ cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DFT_WERROR=ON \
		-DFT_SANITIZE="address;undefined" >/dev/null
	cmake --build build-asan -j "$JOBS"
	(cd build-asan && FT_SANITIZED=1 ctest --output-on-failure -j "$JOBS")
	;;
tsan)
	stage "TSan build + threaded tests"
	CC=clang CXX=clang++ cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=Debug \
		-DFT_SANITIZE=thread >/dev/null
	cmake --build build-tsan -j "$JOBS"
	(cd build-tsan && FT_SANITIZED=1 ctest --output-on-failure -L threaded)
	;;
fuzz)
	stage "decoder, defragmenter and tracker fuzz smoke (${FUZZ_SECONDS}s each)"
	CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DFT_BUILD_FUZZ=ON \
		-DFT_BUILD_TESTS=OFF -DFT_SANITIZE="address;undefined" >/dev/null
	cmake --build build-fuzz -j "$JOBS" --target fuzz_decode fuzz_defrag fuzz_tracker
	scripts/fuzz-smoke.sh build-fuzz "$FUZZ_SECONDS"
	;;
install)
	stage "install + consumer build"
	scripts/install-test.sh build-check
	;;
*) echo "unknown stage $s" >&2; exit 2 ;;
esac
done
stage "all stages passed: $STAGES"
